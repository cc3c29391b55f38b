//! The era policy at the door: which calls are accepted, warned or refused, and the statuses a
//! node operator reads.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use super::state::EraView;
use crate::WireError;
use crate::domain::EraName;
use crate::era::Era;
use crate::wire::WireVersion;

/// The status for a call the era policy refuses: FAILED_PRECONDITION with a message for the
/// operator and a precondition-failure detail (`type` ERA, `subject` the era).
fn refused(era: Era, since: crate::domain::Epoch, subject: &str, description: String) -> Status {
    let mut details = ErrorDetails::new();
    details.add_precondition_failure_violation(
        "ERA",
        format!("{era}@{since}:{subject}"),
        &description,
    );
    Status::with_error_details(Code::FailedPrecondition, description, details)
}

/// Checks a call of `wire` from a signer that declares `eras` against the era in force.
/// Returns the warning to attach to the response, if the next era is one this signer is not
/// ready for.
/// The packages `era` accepts, for an operator message (`mithril.signer.v2 or …`).
pub(crate) fn required_packages(era: Era) -> String {
    WireVersion::accepted_during(era)
        .map(|version| version.package())
        .collect::<Vec<_>>()
        .join(" or ")
}

pub(crate) fn admit(
    view: &EraView,
    wire: WireVersion,
    eras: &[EraName],
) -> Result<Option<String>, Status> {
    let declares = |era: &str| eras.iter().any(|name| name.as_str() == era);
    if let Some((era, since)) = view.current_era() {
        if !wire.accepted_in(era) {
            let required = required_packages(era);
            return Err(refused(
                era,
                since,
                wire.package(),
                format!(
                    "era {era} (since epoch {since}) requires {required}; this signer speaks {}: upgrade",
                    wire.name()
                ),
            ));
        }
        if !declares(era.name()) {
            return Err(refused(
                era,
                since,
                "supported_eras",
                format!(
                    "era {era} (since epoch {since}) is not supported by this signer (it declares {}): upgrade",
                    declared(eras)
                ),
            ));
        }
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
        && !wire.accepted_in(era)
    {
        return Ok(Some(format!(
            "era {next} {starts} and requires {}; this call speaks {}: upgrade {when}",
            required_packages(era),
            wire.name()
        )));
    }
    Ok(None)
}

/// Most declared era names an operator message repeats; the rest are counted. A message never
/// echoes unbounded peer input (an 8 KiB header once made the status itself too large to send).
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

/// Longest description of an invalid message in a status (bytes).
const MAX_DESCRIPTION_BYTES: usize = 1024;

/// INVALID_ARGUMENT for a message that did not convert, with the field path as a bad-request
/// detail.
pub(crate) fn invalid(error: WireError) -> Status {
    let mut details = ErrorDetails::new();
    let field = error
        .path()
        .map_or_else(|| "<message>".to_owned(), ToString::to_string);
    let description = super::limits::bounded(&error.to_string(), MAX_DESCRIPTION_BYTES);
    let field = super::limits::bounded(&field, MAX_DESCRIPTION_BYTES);
    details.add_bad_request_violation(field, &description);
    Status::with_error_details(Code::InvalidArgument, description, details)
}

/// The status for a backend failure.
pub(crate) fn backend(error: super::BackendError) -> Status {
    match error {
        super::BackendError::Refused(reason) => Status::failed_precondition(reason),
        super::BackendError::Unavailable(reason) => Status::unavailable(reason),
        super::BackendError::Internal(reason) => Status::internal(reason),
    }
}

/// Attaches a warning to a response's metadata.
pub(crate) fn with_warning<T>(
    mut response: tonic::Response<T>,
    warning: Option<String>,
) -> tonic::Response<T> {
    if let Some(value) = warning.and_then(|warning| warning.parse().ok()) {
        response
            .metadata_mut()
            .insert(super::metadata::ERA_WARNING, value);
    }
    response
}
