//! The era policy at the door, the same for every transport: which calls are accepted, warned
//! or refused, with the text a node operator reads. Each transport turns a [`Refusal`] into its
//! own error (a gRPC status with details, an HTTP 400 with a JSON or protobuf body).

use std::fmt;

use super::state::EraView;
use crate::adoption::RegistrationWire;
use crate::domain::{Epoch, EraName};
use crate::era::Era;
use crate::wire::WireVersion;

/// How a call reached the aggregator, as the era policy sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Carrier {
    /// Today's JSON API.
    Json,
    /// A protobuf wire version.
    Protobuf(WireVersion),
}

impl Carrier {
    /// Whether the era accepts calls carried this way. JSON is today's API, which every era of
    /// Mithril keeps serving (a SNARK signature travels inside the hex of `signature`); the
    /// protobuf versions follow the registry ([`WireVersion::accepted_in`]).
    pub const fn accepted_in(self, era: Era) -> bool {
        match self {
            Self::Json => true,
            Self::Protobuf(version) => version.accepted_in(era),
        }
    }

    /// Whether a signer can declare its eras this way: JSON bodies carry no node info.
    pub const fn declares_eras(self) -> bool {
        matches!(self, Self::Protobuf(_))
    }

    /// What the adoption monitor records for a registration carried this way.
    pub fn registration_wire(self) -> RegistrationWire {
        match self {
            Self::Json => RegistrationWire::Json,
            Self::Protobuf(version) => RegistrationWire::Protobuf(version.id()),
        }
    }

    /// The name in operator messages (`json`, `v2`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Protobuf(version) => version.name(),
        }
    }
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A call the era policy refuses, with the text for the signer's operator.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{description}")]
pub struct Refusal {
    /// The era in force.
    pub era: Era,
    /// The epoch it started at.
    pub since: Epoch,
    /// What is refused: a package (`mithril.signer.v1`) or `supported_eras`.
    pub subject: String,
    /// The sentence for the operator, ending in what to do.
    pub description: String,
}

impl Refusal {
    /// `era@since:subject`, the subject of the structured details each transport attaches.
    pub fn detail_subject(&self) -> String {
        format!("{}@{}:{}", self.era, self.since, self.subject)
    }
}

/// The packages `era` accepts, for an operator message (`mithril.signer.v2 or …`).
pub(crate) fn required_packages(era: Era) -> String {
    WireVersion::accepted_during(era)
        .map(|version| version.package())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Checks a call carried by `carrier` from a signer that declares `eras` against the era in
/// force. Returns the warning to attach to the answer, if the next era is one this signer is not
/// ready for. A call that declares nothing (`None`: a JSON call, which cannot) has only its
/// carrier checked, and gets no warning.
pub fn admit(
    view: &EraView,
    carrier: Carrier,
    eras: Option<&[EraName]>,
) -> Result<Option<String>, Refusal> {
    let declared_eras = eras;
    let eras = eras.unwrap_or_default();
    let declares = |era: &str| eras.iter().any(|name| name.as_str() == era);
    if let Some((era, since)) = view.current_era() {
        if !carrier.accepted_in(era) {
            let required = required_packages(era);
            let subject = match carrier {
                Carrier::Json => "json".to_owned(),
                Carrier::Protobuf(version) => version.package().to_owned(),
            };
            return Err(Refusal {
                era,
                since,
                subject,
                description: format!(
                    "era {era} (since epoch {since}) requires {required}; this signer speaks {carrier}: upgrade"
                ),
            });
        }
        if declared_eras.is_some() && !declares(era.name()) {
            return Err(Refusal {
                era,
                since,
                subject: "supported_eras".to_owned(),
                description: format!(
                    "era {era} (since epoch {since}) is not supported by this signer (it declares {}): upgrade",
                    declared(eras)
                ),
            });
        }
    }
    if declared_eras.is_none() {
        return Ok(None);
    }
    let Some((next, at)) = view.next_era() else {
        return Ok(None);
    };
    let when = at.map_or_else(
        || "before it is scheduled".to_owned(),
        |epoch| format!("before epoch {epoch}"),
    );
    let starts = at.map_or_else(
        || "is announced".to_owned(),
        |epoch| format!("starts at epoch {epoch}"),
    );
    if !declares(next.as_str()) {
        return Ok(Some(format!(
            "era {next} {starts} and this signer does not support it (it declares {}): upgrade {when}",
            declared(eras)
        )));
    }
    if let Ok(era) = Era::from_name(next.as_str())
        && !carrier.accepted_in(era)
    {
        return Ok(Some(format!(
            "era {next} {starts} and requires {}; this call speaks {carrier}: upgrade {when}",
            required_packages(era),
        )));
    }
    Ok(None)
}

/// Most declared era names an operator message repeats; the rest are counted. A message never
/// echoes unbounded peer input (an 8 KiB header once made a gRPC status too large to send).
const MAX_ERAS_ECHOED: usize = 4;

fn declared(eras: &[EraName]) -> String {
    if eras.is_empty() {
        return "none".to_owned();
    }
    let mut text = eras
        .iter()
        .take(MAX_ERAS_ECHOED)
        .map(EraName::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if eras.len() > MAX_ERAS_ECHOED {
        text.push_str(&format!(" and {} more", eras.len() - MAX_ERAS_ECHOED));
    }
    text
}
