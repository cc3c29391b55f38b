//! The gRPC statuses of the era policy, of messages that do not convert and of backend errors.

use tonic::Status;

use crate::WireError;
use crate::domain::EraName;
pub(crate) use crate::transport::aggregator::status::backend;
use crate::transport::aggregator::{self, Carrier, EraView, status};
use crate::wire::WireVersion;

pub(crate) use crate::transport::aggregator::required_packages;

/// Checks a call of `wire` from a signer that declares `eras` against the era in force; the
/// warning to attach, or the refusal as a status.
pub(crate) fn admit(
    view: &EraView,
    wire: WireVersion,
    eras: &[EraName],
) -> Result<Option<String>, Status> {
    aggregator::admit(view, Carrier::Protobuf(wire), Some(eras))
        .map_err(|refusal| status::refused(&refusal))
}

/// INVALID_ARGUMENT for a message that did not convert, with the field path as a bad-request
/// detail.
pub(crate) fn invalid(error: WireError) -> Status {
    status::invalid(&error)
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
