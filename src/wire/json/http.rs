//! Today's HTTP semantics of the signer routes: header names, the routes, the status codes
//! signers act on, and the `mithril-api-version` rule.
//!
//! From `mithril-common` 0.8.3 (`src/lib.rs` for the header names, `openapi.yaml` for the routes
//! and status codes, `src/api_version.rs` for the version rule) and the signer's client
//! (`internal/mithril-aggregator-client` in IntersectMBO/mithril).
//!
//! # `mithril-api-version`
//! Every request and the aggregator's replies carry the OpenAPI version of the sender's API
//! (`info.version` of `openapi.yaml`: [`OPEN_API_VERSION`] in `mithril-common` 0.8.3). Today's
//! aggregator adds it to the replies of its handlers and to its 404, not to the plain-text
//! replies of warp's own refusals (a body that is not JSON, too large, of another type:
//! `mithril-aggregator/src/http_server/routes/router.rs`); this crate's server adds it to every
//! reply. While the major version is 0, a node is compatible with the versions `=0.MINOR`
//! (`=MAJOR` after: [`api_version_compatible`]). Since upstream removed the 412 refusal, a
//! mismatch is a **warning only**: Mithril's client warns ("OpenAPI version may be
//! incompatible, please update") when its own version is lower than the aggregator's by semantic
//! version precedence, patch included (`internal/mithril-aggregator-client/src/client.rs`), and
//! the call goes on; so does this crate's client.
//!
//! # Key encodings
//! Keys and signatures in JSON bodies are hex strings. Upstream writes most keys as *JSON-hex*
//! (the hex of the key's serde JSON) and reads both JSON-hex and *bytes-hex* (the hex of the
//! key's bytes); a few types (Ed25519 signatures, the SNARK aggregate verification key) are
//! written bytes-hex. This wire carries the bytes the hex decodes to, unchanged, so either form
//! passes through untouched.
//!
//! # SNARK keys in epoch settings
//! During the pythagoras era the aggregator strips `verification_key_for_snark`,
//! `verification_key_signature_for_snark` and, with `mithril-common` 0.8.3,
//! `proof_of_bound_possession_for_snark` from the signers it publishes in `/epoch-settings`
//! (`mithril-aggregator/src/services/message.rs`; `without_snark_fields` in
//! `mithril-common/src/messages/message_parts/signer.rs`); they appear from lagrange on. Readers
//! must treat all three as optional.

use std::fmt;

/// The OpenAPI version of the API in `mithril-common` 0.8.3.
pub const OPEN_API_VERSION: &str = "0.1.71";
/// The OpenAPI version of the sender's API, on every request and reply.
pub const MITHRIL_API_VERSION: &str = "mithril-api-version";
/// The signer's software version, on its requests (what the aggregator's adoption monitoring
/// reads).
pub const SIGNER_NODE_VERSION: &str = super::SIGNER_NODE_VERSION_HEADER;
/// The aggregator's software version.
pub const AGGREGATOR_NODE_VERSION: &str = "aggregator-node-version";
/// A free tag naming where a request comes from.
pub const MITHRIL_ORIGIN_TAG: &str = "mithril-origin-tag";
/// The kind of client (`CLI`, `LIBRARY`, `WASM`).
pub const MITHRIL_CLIENT_TYPE: &str = "mithril-client-type";
/// Where the aggregator's routes sit.
pub const DEFAULT_BASE_PATH: &str = "/aggregator";
/// Largest request body upstream's aggregator accepts (bytes).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Whether a peer's `mithril-api-version` is compatible with `ours`: the same major version, and
/// while the major is 0 the same minor. `None` when either is not a `MAJOR.MINOR.PATCH` version.
/// Upstream only warns on a mismatch.
pub fn api_version_compatible(ours: &str, theirs: &str) -> Option<bool> {
    fn major_minor(text: &str) -> Option<(u64, u64)> {
        let core = text.trim().split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        parts.next()?.parse::<u64>().ok()?;
        parts.next().is_none().then_some((major, minor))
    }
    let (ours, theirs) = (major_minor(ours)?, major_minor(theirs)?);
    Some(if ours.0 == 0 {
        ours == theirs
    } else {
        ours.0 == theirs.0
    })
}

/// A signer-facing route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Route {
    /// `GET /`: the aggregator's features.
    AggregatorFeatures,
    /// `GET /epoch-settings`.
    EpochSettings,
    /// `GET /protocol-configuration/{epoch}`.
    ProtocolConfiguration(u64),
    /// `POST /register-signer`.
    RegisterSigner,
    /// `POST /register-signatures`.
    RegisterSignatures,
    /// `GET /status`.
    Status,
}

impl Route {
    /// The HTTP method.
    pub const fn method(self) -> &'static str {
        match self {
            Self::RegisterSigner | Self::RegisterSignatures => "POST",
            _ => "GET",
        }
    }

    /// The path under the base path (`/protocol-configuration/12`).
    pub fn path(self) -> String {
        match self {
            Self::AggregatorFeatures => "/".to_owned(),
            Self::EpochSettings => "/epoch-settings".to_owned(),
            Self::ProtocolConfiguration(epoch) => format!("/protocol-configuration/{epoch}"),
            Self::RegisterSigner => "/register-signer".to_owned(),
            Self::RegisterSignatures => "/register-signatures".to_owned(),
            Self::Status => "/status".to_owned(),
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method(), self.path())
    }
}

/// What a signer does after a reply, as Mithril's signer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignerAction {
    /// Nothing more: the message was taken, or will never be.
    Done,
    /// Register again at the next cycle, within the same epoch: the aggregator has not opened
    /// the registration round of its new epoch yet (upstream's 550, in the moments after an
    /// epoch boundary). Today's signers stay unregistered for that epoch and try again at their
    /// next cycle (`mithril-signer/src/runtime/state_machine.rs`); waiting for a later epoch
    /// would leave the signer's keys out of it.
    RetryNextCycle,
    /// Retry the call with upstream's policy: [`RETRY_ATTEMPTS`] tries, [`RETRY_DELAY_SECONDS`]
    /// apart (publishing a signature).
    Retry,
    /// Failed; the call itself is not retried. Today's signers send a registration once and,
    /// whatever went wrong, start the registration again at their next cycle, with fresh keys.
    Failed,
}

/// Tries of upstream's retry policy for publishing a signature (the signer's
/// `SIGNATURE_PUBLISHER_RETRY_ATTEMPTS` default, `mithril-signer/src/main.rs`).
pub const RETRY_ATTEMPTS: u32 = 3;
/// Seconds between two tries of upstream's retry policy (the signer's
/// `SIGNATURE_PUBLISHER_RETRY_DELAY_MS` default, 2 000 ms).
pub const RETRY_DELAY_SECONDS: u64 = 2;

/// The outcome of `POST /register-signer`, from the status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisterSignerOutcome {
    /// 201: registered (also when the signer was already registered).
    Registered,
    /// 400: the registration is malformed or refused.
    BadRequest,
    /// 550: the registration round of the aggregator's new epoch is not open yet.
    RoundNotOpen,
    /// Any other status (today's aggregators answer 500 to a registration for an epoch other
    /// than their open round's, and to their own failures).
    Unexpected(u16),
}

impl RegisterSignerOutcome {
    /// The outcome of a status code.
    pub const fn from_status(status: u16) -> Self {
        match status {
            201 => Self::Registered,
            400 => Self::BadRequest,
            550 => Self::RoundNotOpen,
            other => Self::Unexpected(other),
        }
    }

    /// The status code that means this outcome.
    pub const fn status(self) -> u16 {
        match self {
            Self::Registered => 201,
            Self::BadRequest => 400,
            Self::RoundNotOpen => 550,
            Self::Unexpected(status) => status,
        }
    }

    /// What the signer does next.
    pub const fn action(self) -> SignerAction {
        match self {
            Self::Registered => SignerAction::Done,
            Self::RoundNotOpen => SignerAction::RetryNextCycle,
            Self::BadRequest | Self::Unexpected(_) => SignerAction::Failed,
        }
    }
}

/// The outcome of `POST /register-signatures`, from the status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisterSignaturesOutcome {
    /// 201: taken.
    Registered,
    /// 202: buffered until the aggregator opens the signed entity's round.
    Buffered,
    /// 400: an unknown signed entity type, a body or signature that does not decode, or a
    /// signature that authenticates against neither the current nor the next signers.
    BadRequest,
    /// 404: no open message for it. Today's aggregators buffer an authenticated signature that
    /// has no open message yet and answer 202, so they no longer send 404 here.
    NotFound,
    /// 410: already certified, expired, or the signed entity type is discontinued; never retry.
    Gone,
    /// Any other status.
    Unexpected(u16),
}

impl RegisterSignaturesOutcome {
    /// The outcome of a status code.
    pub const fn from_status(status: u16) -> Self {
        match status {
            201 => Self::Registered,
            202 => Self::Buffered,
            400 => Self::BadRequest,
            404 => Self::NotFound,
            410 => Self::Gone,
            other => Self::Unexpected(other),
        }
    }

    /// The status code that means this outcome.
    pub const fn status(self) -> u16 {
        match self {
            Self::Registered => 201,
            Self::Buffered => 202,
            Self::BadRequest => 400,
            Self::NotFound => 404,
            Self::Gone => 410,
            Self::Unexpected(status) => status,
        }
    }

    /// What the signer does next: 201, 202 and 410 are done (410 is what ended the endless
    /// retries of a discontinued type upstream); the others are retried (a 500 also answers a
    /// signature valid over its own message but not over the open one).
    pub const fn action(self) -> SignerAction {
        match self {
            Self::Registered | Self::Buffered | Self::Gone => SignerAction::Done,
            Self::BadRequest | Self::NotFound | Self::Unexpected(_) => SignerAction::Retry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_rule_is_minor_while_major_is_zero() {
        assert_eq!(api_version_compatible("0.1.71", "0.1.69"), Some(true));
        assert_eq!(api_version_compatible("0.1.71", "0.2.0"), Some(false));
        assert_eq!(api_version_compatible("1.4.0", "1.0.9"), Some(true));
        assert_eq!(api_version_compatible("1.4.0", "2.0.0"), Some(false));
        assert_eq!(api_version_compatible("0.1.71", "0.1.71+build"), Some(true));
        assert_eq!(api_version_compatible("0.1.71", "garbage"), None);
        assert_eq!(api_version_compatible("0.1", "0.1.0"), None);
    }

    #[test]
    fn outcomes_round_trip_their_status_and_act_as_the_signer_does() {
        for status in [201, 202, 400, 404, 410, 500, 550] {
            assert_eq!(
                RegisterSignaturesOutcome::from_status(status).status(),
                status
            );
            assert_eq!(RegisterSignerOutcome::from_status(status).status(), status);
        }
        // A signature: 201, 202 and 410 are done, the rest retried.
        for (status, action) in [
            (201, SignerAction::Done),
            (202, SignerAction::Done),
            (410, SignerAction::Done),
            (400, SignerAction::Retry),
            (404, SignerAction::Retry),
            (500, SignerAction::Retry),
        ] {
            assert_eq!(
                RegisterSignaturesOutcome::from_status(status).action(),
                action,
                "{status}"
            );
        }
        // A registration is not retried: the signer starts it again at its next cycle.
        for (status, action) in [
            (201, SignerAction::Done),
            (550, SignerAction::RetryNextCycle),
            (400, SignerAction::Failed),
            (500, SignerAction::Failed),
        ] {
            assert_eq!(
                RegisterSignerOutcome::from_status(status).action(),
                action,
                "{status}"
            );
        }
    }

    #[test]
    fn routes_have_todays_paths() {
        assert_eq!(
            Route::ProtocolConfiguration(12).to_string(),
            "GET /protocol-configuration/12"
        );
        assert_eq!(
            Route::RegisterSignatures.to_string(),
            "POST /register-signatures"
        );
        assert_eq!(Route::AggregatorFeatures.path(), "/");
    }
}
