//! Content negotiation: which body format a request carries and which one its answer may take.
//!
//! # The convention
//! A protobuf body is named by its media type and the full name of its message:
//!
//! ```text
//! Content-Type: application/x-protobuf; proto=mithril.signer.v2.SignerRegistration
//! Accept: application/x-protobuf; proto=mithril.signer.v2.EpochSettings, application/json;q=0.5
//! ```
//!
//! This is the convention of Prometheus' remote-write protocol (`application/x-protobuf;
//! proto=io.prometheus.write.v2.Request`): the `proto` parameter names the message, so its
//! package names the wire version and one media type serves every version. The IETF's
//! `application/protobuf` is read as a synonym. JSON is `application/json`, today's API, and the
//! default: a request without `Content-Type` is JSON (as warp, which today's aggregators run on,
//! reads it), and so is an answer to a request without `Accept`.
//!
//! Each route takes and answers one message kind ([`MessageKind`]): a `proto` that names another
//! message, a package this server does not serve, or a media type it does not know gets 415 for a
//! body and 406 for an answer. An `Accept` entry `application/x-protobuf` without `proto` means
//! the newest version served (the answer's `Content-Type` names it).
//!
//! Error bodies follow the request: a `google.rpc.Status` in protobuf
//! (`application/x-protobuf; proto=google.rpc.Status`, the bytes gRPC puts in
//! `grpc-status-details-bin`) when the request's body or its negotiated answer is protobuf, else
//! today's JSON error bodies (`{"label","message"}`, or `{"message"}` for a server error).

use std::fmt;

#[cfg(feature = "http")]
use crate::transport::aggregator::Carrier;
use crate::wire::{MessageKind, WireVersion};

/// The protobuf media type this transport writes.
pub const PROTOBUF: &str = "application/x-protobuf";
/// The IETF's protobuf media type, read as a synonym of [`PROTOBUF`].
pub const PROTOBUF_IETF: &str = "application/protobuf";
/// Today's JSON media type.
pub const JSON: &str = "application/json";
/// The media type parameter that names a protobuf message.
pub const PROTO_PARAMETER: &str = "proto";
/// The full name of the protobuf error body.
pub const ERROR_MESSAGE: &str = "google.rpc.Status";

/// The format of a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Today's JSON bodies.
    Json,
    /// A protobuf wire version.
    Protobuf(WireVersion),
}

impl Format {
    /// The `Content-Type` of a body of `kind` in this format.
    pub fn content_type(self, kind: MessageKind) -> String {
        match self {
            Self::Json => JSON.to_owned(),
            Self::Protobuf(version) => {
                format!(
                    "{PROTOBUF}; {PROTO_PARAMETER}={}",
                    message_name(version, kind)
                )
            }
        }
    }

    /// How the era policy sees a call in this format.
    #[cfg(feature = "http")]
    pub const fn carrier(self) -> Carrier {
        match self {
            Self::Json => Carrier::Json,
            Self::Protobuf(version) => Carrier::Protobuf(version),
        }
    }

    /// Whether this is a protobuf format.
    pub const fn is_protobuf(self) -> bool {
        matches!(self, Self::Protobuf(_))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json => f.write_str("json"),
            Self::Protobuf(version) => f.write_str(version.package()),
        }
    }
}

/// The protobuf message that carries `kind` in every wire version (the hub type's name).
pub const fn message(kind: MessageKind) -> &'static str {
    kind.protobuf_name()
}

/// The full protobuf name of `kind` in `version` (`mithril.signer.v2.SignerRegistration`).
pub fn message_name(version: WireVersion, kind: MessageKind) -> String {
    format!("{}.{}", version.package(), message(kind))
}

/// The `Content-Type` of a protobuf error body.
pub fn error_content_type() -> String {
    format!("{PROTOBUF}; {PROTO_PARAMETER}={ERROR_MESSAGE}")
}

/// Why a body or an answer cannot be in the format asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The request's body is of a type this route does not take (HTTP 415).
    #[error("unsupported content type {content_type:?}: {reason}")]
    Unsupported {
        /// The `Content-Type` received (bounded).
        content_type: String,
        /// What the route takes instead.
        reason: String,
    },
    /// No type the request accepts is one this route can answer in (HTTP 406).
    #[error("not acceptable {accept:?}: {reason}")]
    NotAcceptable {
        /// The `Accept` received (bounded).
        accept: String,
        /// What the route can answer in.
        reason: String,
    },
}

/// What a server answers and reads: the wire versions it serves and whether it speaks JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    /// The protobuf wire versions served.
    pub versions: Vec<WireVersion>,
    /// Whether JSON is served (today's API; a protobuf-only server answers JSON with 415).
    pub json: bool,
}

impl Offer {
    /// JSON and every wire version of this build.
    pub fn all() -> Self {
        Self {
            versions: WireVersion::ALL.to_vec(),
            json: true,
        }
    }

    /// Whether `format` is served.
    pub fn serves(&self, format: Format) -> bool {
        match format {
            Format::Json => self.json,
            Format::Protobuf(version) => self.versions.contains(&version),
        }
    }

    /// The newest wire version served.
    pub fn newest(&self) -> Option<WireVersion> {
        WireVersion::ALL
            .iter()
            .rev()
            .copied()
            .find(|version| self.versions.contains(version))
    }

    fn describe(&self, kind: MessageKind) -> String {
        let mut types: Vec<String> = Vec::new();
        if self.json {
            types.push(JSON.to_owned());
        }
        for version in WireVersion::ALL {
            if self.versions.contains(version) {
                types.push(Format::Protobuf(*version).content_type(kind));
            }
        }
        if types.is_empty() {
            return "nothing".to_owned();
        }
        types.join(" or ")
    }

    /// The format of a request body of `kind` from its `Content-Type`.
    pub fn request_format(
        &self,
        content_type: Option<&str>,
        kind: MessageKind,
    ) -> Result<Format, MediaError> {
        let unsupported = |reason: String| MediaError::Unsupported {
            content_type: crate::transport::text::bounded(
                content_type.unwrap_or_default(),
                MAX_ECHOED_BYTES,
            ),
            reason,
        };
        let takes = || format!("this route takes {}", self.describe(kind));
        let Some(text) = content_type.map(str::trim).filter(|text| !text.is_empty()) else {
            return if self.json {
                Ok(Format::Json)
            } else {
                Err(unsupported(format!("no content type; {}", takes())))
            };
        };
        let media: mime::Mime = text
            .parse()
            .map_err(|_| unsupported(format!("not a media type; {}", takes())))?;
        match classify(&media) {
            Some(Class::Json) if self.json => Ok(Format::Json),
            Some(Class::Protobuf) => {
                let Some(name) = media.get_param(PROTO_PARAMETER) else {
                    return Err(unsupported(format!(
                        "a protobuf body names its message ({PROTO_PARAMETER}=…); {}",
                        takes()
                    )));
                };
                self.protobuf_of(name.as_str(), kind)
                    .map(Format::Protobuf)
                    .map_err(|reason| unsupported(format!("{reason}; {}", takes())))
            }
            _ => Err(unsupported(takes())),
        }
    }

    /// The version of the message `name` if it is `kind` in a version served.
    fn protobuf_of(&self, name: &str, kind: MessageKind) -> Result<WireVersion, String> {
        let (package, message_part) = name
            .rsplit_once('.')
            .ok_or_else(|| format!("{name:?} is not a full message name"))?;
        let version = WireVersion::ALL
            .iter()
            .copied()
            .find(|version| version.package() == package)
            .filter(|version| self.versions.contains(version))
            .ok_or_else(|| format!("package {package:?} is not served"))?;
        if message_part != message(kind) {
            return Err(format!("{name} is not the message of this route"));
        }
        Ok(version)
    }

    /// The format of an answer of `kind` from the request's `Accept`; `preferred` is taken when
    /// the request accepts anything (the format of its body, for a POST).
    pub fn response_format(
        &self,
        accept: Option<&str>,
        kind: MessageKind,
        preferred: Option<Format>,
    ) -> Result<Format, MediaError> {
        let default = preferred.or_else(|| {
            if self.json {
                Some(Format::Json)
            } else {
                self.newest().map(Format::Protobuf)
            }
        });
        let not_acceptable = |reason: String| MediaError::NotAcceptable {
            accept: crate::transport::text::bounded(accept.unwrap_or_default(), MAX_ECHOED_BYTES),
            reason,
        };
        let answers = || format!("this route answers {}", self.describe(kind));
        let Some(text) = accept.map(str::trim).filter(|text| !text.is_empty()) else {
            return default.ok_or_else(|| not_acceptable(answers()));
        };
        let mut entries: Vec<(u16, usize, mime::Mime)> = Vec::new();
        for (position, entry) in text.split(',').take(MAX_ACCEPT_ENTRIES).enumerate() {
            // An entry that does not parse is ignored, as RFC 9110 lets a server do.
            let Ok(media) = entry.trim().parse::<mime::Mime>() else {
                continue;
            };
            let quality = quality(&media);
            if quality > 0 {
                entries.push((quality, position, media));
            }
        }
        // Highest quality first, then the order of the header.
        entries.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, _, media) in &entries {
            if media.type_() == mime::STAR
                || (media.type_() == mime::APPLICATION && media.subtype() == mime::STAR)
            {
                if let Some(format) = default {
                    return Ok(format);
                }
                continue;
            }
            match classify(media) {
                Some(Class::Json) if self.json => return Ok(Format::Json),
                Some(Class::Protobuf) => match media.get_param(PROTO_PARAMETER) {
                    Some(name) => {
                        if let Ok(version) = self.protobuf_of(name.as_str(), kind) {
                            return Ok(Format::Protobuf(version));
                        }
                    }
                    None => {
                        let version = match preferred {
                            Some(Format::Protobuf(version)) => Some(version),
                            _ => self.newest(),
                        };
                        if let Some(version) = version {
                            return Ok(Format::Protobuf(version));
                        }
                    }
                },
                _ => {}
            }
        }
        Err(not_acceptable(answers()))
    }
}

/// Longest peer text repeated in an error (bytes).
const MAX_ECHOED_BYTES: usize = 256;
/// Most `Accept` entries read; the rest are ignored.
const MAX_ACCEPT_ENTRIES: usize = 32;

enum Class {
    Json,
    Protobuf,
}

fn classify(media: &mime::Mime) -> Option<Class> {
    if media.type_() != mime::APPLICATION {
        return None;
    }
    match media.subtype().as_str() {
        "json" => Some(Class::Json),
        "x-protobuf" | "protobuf" => Some(Class::Protobuf),
        _ => None,
    }
}

/// The `q` of an `Accept` entry in thousandths (1000 when absent; 0 when malformed).
fn quality(media: &mime::Mime) -> u16 {
    let Some(q) = media.get_param("q") else {
        return 1000;
    };
    let text = q.as_str();
    match text.parse::<f32>() {
        Ok(value) if (0.0..=1.0).contains(&value) => (value * 1000.0).round() as u16,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTRATION: MessageKind = MessageKind::SignerRegistration;
    const SETTINGS: MessageKind = MessageKind::EpochSettings;

    #[test]
    fn request_types_pick_the_version_by_package() {
        let offer = Offer::all();
        assert_eq!(offer.request_format(None, REGISTRATION), Ok(Format::Json));
        assert_eq!(
            offer.request_format(Some("application/json; charset=utf-8"), REGISTRATION),
            Ok(Format::Json)
        );
        assert_eq!(
            offer.request_format(
                Some("application/x-protobuf; proto=mithril.signer.v2.SignerRegistration"),
                REGISTRATION
            ),
            Ok(Format::Protobuf(WireVersion::V2))
        );
        assert_eq!(
            offer.request_format(
                Some("application/protobuf;proto=\"mithril.signer.v1.SignerRegistration\""),
                REGISTRATION
            ),
            Ok(Format::Protobuf(WireVersion::V1))
        );
        for refused in [
            "application/x-protobuf",
            "application/x-protobuf; proto=mithril.signer.v2.SingleSignature",
            "application/x-protobuf; proto=mithril.signer.v9.SignerRegistration",
            "text/plain",
            "garbage",
        ] {
            let error = offer
                .request_format(Some(refused), REGISTRATION)
                .unwrap_err();
            assert!(
                matches!(error, MediaError::Unsupported { .. }),
                "{refused}: {error}"
            );
        }
    }

    #[test]
    fn a_protobuf_only_server_refuses_json() {
        let offer = Offer {
            versions: vec![WireVersion::V2],
            json: false,
        };
        assert!(offer.request_format(None, REGISTRATION).is_err());
        assert!(
            offer
                .request_format(Some("application/json"), REGISTRATION)
                .is_err()
        );
        assert_eq!(
            offer.response_format(None, SETTINGS, None),
            Ok(Format::Protobuf(WireVersion::V2))
        );
    }

    #[test]
    fn answers_follow_accept_and_its_qualities() {
        let offer = Offer::all();
        assert_eq!(
            offer.response_format(None, SETTINGS, None),
            Ok(Format::Json)
        );
        assert_eq!(
            offer.response_format(Some("*/*"), SETTINGS, None),
            Ok(Format::Json)
        );
        assert_eq!(
            offer.response_format(
                Some("application/json;q=0.5, application/x-protobuf; proto=mithril.signer.v1.EpochSettings"),
                SETTINGS,
                None
            ),
            Ok(Format::Protobuf(WireVersion::V1))
        );
        assert_eq!(
            offer.response_format(Some("application/x-protobuf"), SETTINGS, None),
            Ok(Format::Protobuf(WireVersion::V2))
        );
        assert_eq!(
            offer.response_format(
                Some("application/x-protobuf; proto=mithril.signer.v9.EpochSettings, application/json;q=0.1"),
                SETTINGS,
                None
            ),
            Ok(Format::Json)
        );
        for refused in [
            "text/html",
            "application/json;q=0",
            "application/x-protobuf; proto=mithril.signer.v2.SignerRegistration",
        ] {
            assert!(matches!(
                offer.response_format(Some(refused), SETTINGS, None),
                Err(MediaError::NotAcceptable { .. })
            ));
        }
    }

    #[test]
    fn content_types_name_the_message() {
        assert_eq!(
            Format::Protobuf(WireVersion::V2).content_type(REGISTRATION),
            "application/x-protobuf; proto=mithril.signer.v2.SignerRegistration"
        );
        assert_eq!(Format::Json.content_type(REGISTRATION), "application/json");
        // What this module writes, it reads.
        for version in WireVersion::ALL {
            for kind in MessageKind::ALL {
                let written = Format::Protobuf(*version).content_type(*kind);
                assert_eq!(
                    Offer::all().request_format(Some(&written), *kind),
                    Ok(Format::Protobuf(*version))
                );
            }
        }
    }
}
