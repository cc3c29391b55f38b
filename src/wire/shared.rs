//! Conversion steps that every wire version shares, once its generated type is destructured.

use bytes::Bytes;

use crate::domain::{
    EraName, KeyBytes, NodeInfo, ProtocolParameters, SignedEntityType, SoftwareVersion,
    UnknownOrigin, UnknownVariant, WireVersionId,
};
use crate::error::{FieldPath, ValidationError, Violation, WireError, WithinField};
use crate::wire::{Downgrade, WireVersion};

/// The error for a required field that is absent.
pub(crate) fn missing(field: &'static str) -> ValidationError {
    ValidationError::new(FieldPath::field(field), Violation::Missing)
}

/// Checks optional key bytes.
pub(crate) fn optional_key(
    bytes: Option<Bytes>,
    field: &'static str,
) -> Result<Option<KeyBytes>, ValidationError> {
    bytes.map(KeyBytes::new).transpose().within(field)
}

/// The bytes of optional key bytes.
pub(crate) fn optional_key_bytes(key: &Option<KeyBytes>) -> Option<Bytes> {
    key.as_ref().map(KeyBytes::to_bytes)
}

/// A signed entity type with no variant this build knows: the one unknown field kept becomes
/// [`SignedEntityType::Unknown`] of protobuf `version`; none, or several, is an error.
pub(crate) fn unknown_signed_entity(
    mut unknown: Vec<Bytes>,
    version: WireVersion,
) -> Result<SignedEntityType, ValidationError> {
    match (unknown.pop(), unknown.is_empty()) {
        (Some(raw), true) => Ok(SignedEntityType::Unknown(UnknownVariant::new(
            version.id(),
            raw,
        )?)),
        (None, _) => Err(ValidationError::here(Violation::Missing)),
        (Some(_), false) => Err(ValidationError::here(Violation::SeveralVariants)),
    }
}

/// The raw field of an unknown signed entity type variant, to re-emit as received: only one
/// received in protobuf `version` itself can be.
pub(crate) fn own_unknown_variant(
    variant: &UnknownVariant,
    version: WireVersion,
    downgrade: &Downgrade,
) -> Result<Bytes, WireError> {
    if variant.origin() != UnknownOrigin::Protobuf(version.id()) {
        return Err(downgrade.unrepresentable(FieldPath::root()));
    }
    Ok(variant.raw().clone())
}

/// Builds a [`NodeInfo`] from the fields every version carries.
pub(crate) fn node_info_to_hub(
    software_version: String,
    supported_eras: Vec<String>,
    wire_versions: Vec<i32>,
) -> Result<NodeInfo, ValidationError> {
    let software_version = SoftwareVersion::new(software_version).within("software_version")?;
    let supported_eras = supported_eras
        .into_iter()
        .enumerate()
        .map(|(index, name)| EraName::new(name).at_index(index))
        .collect::<Result<Vec<_>, _>>()
        .within("supported_eras")?;
    let wire_versions = wire_versions
        .into_iter()
        .enumerate()
        .map(|(index, number)| wire_version_to_hub(number).at_index(index))
        .collect::<Result<Vec<_>, _>>()
        .within("wire_versions")?;
    NodeInfo::new(software_version, supported_eras, wire_versions)
}

/// Enum values are open in proto3: a number this build does not name is still a version.
fn wire_version_to_hub(number: i32) -> Result<WireVersionId, ValidationError> {
    let number = u32::try_from(number).map_err(|_| {
        ValidationError::here(Violation::OutOfRange {
            value: number.to_string(),
            expected: "a positive wire version number",
        })
    })?;
    WireVersionId::new(number)
}

/// The fields every version carries for a [`NodeInfo`]: software version, eras, wire versions.
pub(crate) fn node_info_fields(value: &NodeInfo) -> (String, Vec<String>, Vec<i32>) {
    (
        value.software_version().to_string(),
        value
            .supported_eras()
            .iter()
            .map(ToString::to_string)
            .collect(),
        // In range by construction of `WireVersionId`.
        value
            .wire_versions()
            .iter()
            .map(|id| id.number() as i32)
            .collect(),
    )
}

/// Checks protocol parameters.
pub(crate) fn protocol_parameters_to_hub(
    k: u64,
    m: u64,
    phi_f: f64,
) -> Result<ProtocolParameters, ValidationError> {
    ProtocolParameters::new(k, m, phi_f)
}
