//! What every service version shares: the caller's identity, the era policy at the door,
//! conversions with typed statuses, and the backend calls.

use tonic::{Request, Status};

use super::admission::{admit, backend, invalid};
use super::metadata::SignerIdentity;
use crate::adoption::RegistrationWire;
use crate::domain::{EpochSettings, SignerRegistration, SingleSignature};
use crate::error::{Nest, WireError};
use crate::transport::aggregator::AggregatorState;
use crate::wire::{HubType, Spoke, WireVersion, v2};

/// Reads the signer's identity and checks it names the version of the call.
pub(super) fn identity<T>(
    request: &Request<T>,
    version: WireVersion,
) -> Result<SignerIdentity, Status> {
    let identity = SignerIdentity::from_metadata(request.metadata())
        .map_err(|error| Status::invalid_argument(error.to_string()))?;
    if identity.wire_version != version {
        return Err(Status::invalid_argument(format!(
            "metadata {} says {} but the call is {}",
            super::metadata::WIRE_VERSION,
            identity.wire_version.name(),
            version.package()
        )));
    }
    Ok(identity)
}

/// Checks the caller's metadata and admits it under the era in force, by the eras its metadata
/// declares; returns the warning for its operator, if any.
pub(super) fn admit_caller<T>(
    state: &AggregatorState,
    request: &Request<T>,
    version: WireVersion,
) -> Result<Option<String>, Status> {
    let identity = identity(request, version)?;
    admit(&state.era_view(), version, &identity.supported_eras)
}

/// Converts a request's message into the hub; errors name the field path.
pub(super) fn to_hub<S, T>(pb: Option<S::Pb>, field: &'static str) -> Result<T, Status>
where
    S: Spoke<T>,
    T: HubType,
{
    let pb = pb.ok_or_else(|| invalid(WireError::Invalid(crate::wire::missing(field))))?;
    S::to_hub(pb).map_err(|error| invalid(error.within(field)))
}

/// Converts a hub value for a response (strict: what the version cannot carry is an error).
pub(super) fn from_hub<S, T>(value: &T) -> Result<S::Pb, Status>
where
    S: Spoke<T>,
    T: HubType,
{
    S::from_hub_strict(value).map_err(|error| Status::internal(error.to_string()))
}

pub(super) fn wire_of(version: WireVersion) -> RegistrationWire {
    RegistrationWire::Protobuf(version.id())
}

/// Registers a signer; the caller has checked its metadata. Admission goes by the
/// registration's own declaration, which prevails over the metadata: it is signed.
pub(super) async fn register_signer<S: Spoke<SignerRegistration>>(
    state: &AggregatorState,
    pb: Option<S::Pb>,
) -> Result<Option<String>, Status> {
    let registration: SignerRegistration = to_hub::<S, _>(pb, "registration")?;
    let warning = admit(
        &state.era_view(),
        S::VERSION,
        registration.node_info.supported_eras(),
    )?;
    state
        .backend
        .register_signer(registration, wire_of(S::VERSION))
        .await
        .map_err(backend)?;
    Ok(warning)
}

pub(super) async fn register_signature<S: Spoke<SingleSignature>>(
    state: &AggregatorState,
    pb: Option<S::Pb>,
    field: &'static str,
) -> Result<(), Status> {
    let signature: SingleSignature = to_hub::<S, _>(pb, field)?;
    state
        .backend
        .register_signature(signature, wire_of(S::VERSION))
        .await
        .map_err(backend)
}

pub(super) async fn epoch_settings<S: Spoke<EpochSettings>>(
    state: &AggregatorState,
) -> Result<S::Pb, Status> {
    let settings = state.backend.epoch_settings().await.map_err(backend)?;
    from_hub::<S, _>(&settings)
}

/// The era announcement every service version and discovery answer with.
pub(super) fn announcement(state: &AggregatorState) -> v2::pb::EraAnnouncement {
    let view = state.era_view();
    let (current, since) = view
        .epochs
        .current
        .as_ref()
        .map_or((String::new(), 0), |current| {
            (current.name.to_string(), current.since.0)
        });
    let (next, next_epoch) = view.next_era().map_or((String::new(), None), |(name, at)| {
        (name.to_string(), at.map(|epoch| epoch.0))
    });
    v2::pb::EraAnnouncement {
        current_era: current,
        current_era_since: since,
        next_era: next,
        next_era_epoch: next_epoch,
    }
}
