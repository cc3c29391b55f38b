//! The structured error of the era policy, of messages that do not convert and of backend
//! failures, as a `google.rpc.Status`: the gRPC status with its details, and the protobuf error
//! body of the HTTP routes (the same bytes gRPC puts in `grpc-status-details-bin`).

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use super::{BackendError, Refusal, bounded};
use crate::WireError;

/// Longest description of an invalid message in an answer (bytes).
pub(crate) const MAX_DESCRIPTION_BYTES: usize = 1024;

/// A call the era policy refuses: FAILED_PRECONDITION with a message for the operator and a
/// precondition-failure detail (`type` ERA, `subject` `era@since:subject`).
pub(crate) fn refused(refusal: &Refusal) -> Status {
    let mut details = ErrorDetails::new();
    details.add_precondition_failure_violation(
        "ERA",
        refusal.detail_subject(),
        &refusal.description,
    );
    Status::with_error_details(
        Code::FailedPrecondition,
        refusal.description.clone(),
        details,
    )
}

/// INVALID_ARGUMENT for a message that did not convert, with the field path as a bad-request
/// detail.
pub(crate) fn invalid(error: &WireError) -> Status {
    let mut details = ErrorDetails::new();
    let field = error
        .path()
        .map_or_else(|| "<message>".to_owned(), ToString::to_string);
    let description = bounded(&error.to_string(), MAX_DESCRIPTION_BYTES);
    let field = bounded(&field, MAX_DESCRIPTION_BYTES);
    details.add_bad_request_violation(field, &description);
    Status::with_error_details(Code::InvalidArgument, description, details)
}

/// The status code of a backend failure.
pub(crate) fn backend_code(error: &BackendError) -> Code {
    match error {
        BackendError::Refused(_) | BackendError::Gone(_) => Code::FailedPrecondition,
        BackendError::NotFound(_) => Code::NotFound,
        BackendError::RoundNotOpen(_) | BackendError::Unavailable(_) => Code::Unavailable,
        BackendError::Internal(_) => Code::Internal,
    }
}

/// The status for a backend failure.
pub(crate) fn backend(error: BackendError) -> Status {
    let code = backend_code(&error);
    let reason = match error {
        BackendError::Refused(reason)
        | BackendError::Gone(reason)
        | BackendError::NotFound(reason)
        | BackendError::RoundNotOpen(reason)
        | BackendError::Unavailable(reason)
        | BackendError::Internal(reason) => reason,
    };
    Status::new(code, reason)
}
