//! Conversion steps that every wire version shares, once its generated type is destructured, and
//! the one-pass decoding of epoch settings.

use bytes::{Buf, Bytes};
use prost::encoding::{DecodeContext, WireType, decode_key, message};
use prost::{DecodeError, Message};

use crate::domain::limits::MAX_SIGNERS;
use crate::domain::{
    EpochSettings, EraName, KeyBytes, NodeInfo, ProtocolParameters, SignedEntityType, Signer,
    SignerSet, SoftwareVersion, UnknownOrigin, UnknownVariant, WireVersionId, check_declared_len,
};
use crate::error::{FieldPath, ValidationError, Violation, WireError, WithinField};
use crate::wire::{Downgrade, WireVersion};

/// The error for a required field that is absent.
pub(crate) fn missing(field: &'static str) -> ValidationError {
    ValidationError::new(FieldPath::field(field), Violation::Missing)
}

/// Checks optional key bytes.
#[inline]
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

/// The fields of a node info as every protobuf version carries them, borrowed where the decoder
/// left them.
pub(crate) struct NodeInfoFields<'a> {
    pub software_version: &'a mut String,
    pub supported_eras: &'a mut Vec<String>,
    pub wire_versions: &'a mut Vec<i32>,
    pub distribution_version: &'a mut Option<String>,
    pub database_version: Option<u64>,
    pub protocol_versions: &'a mut Vec<String>,
}

/// Builds a [`NodeInfo`] from the fields every version carries.
///
/// Everything is checked where the decoder left it, and taken only once valid: the fields were
/// written moments ago, and copying them first would wait on those writes.
pub(crate) fn node_info_to_hub(fields: NodeInfoFields<'_>) -> Result<NodeInfo, ValidationError> {
    let NodeInfoFields {
        software_version,
        supported_eras,
        wire_versions,
        distribution_version,
        database_version,
        protocol_versions,
    } = fields;
    SoftwareVersion::check(software_version).within("software_version")?;
    for (index, name) in supported_eras.iter().enumerate() {
        EraName::check(name)
            .at_index(index)
            .within("supported_eras")?;
    }
    for (index, number) in wire_versions.iter().enumerate() {
        wire_version_to_hub(*number)
            .at_index(index)
            .within("wire_versions")?;
    }
    if let Some(version) = distribution_version {
        SoftwareVersion::check(version).within("distribution_version")?;
    }
    for (index, version) in protocol_versions.iter().enumerate() {
        SoftwareVersion::check(version)
            .at_index(index)
            .within("protocol_versions")?;
    }
    // The lengths are checked after the entries, as `NodeInfo::new` does.
    check_declared_len(supported_eras.len()).within("supported_eras")?;
    check_declared_len(wire_versions.len()).within("wire_versions")?;
    check_declared_len(protocol_versions.len()).within("protocol_versions")?;
    let info = NodeInfo::from_checked(
        SoftwareVersion::from_checked(std::mem::take(software_version)),
        wrap_checked(supported_eras, EraName::from_checked),
        wrap_checked(wire_versions, |number| {
            WireVersionId::from_checked(number as u32)
        }),
    )
    .with_distribution_version(
        distribution_version
            .take()
            .map(SoftwareVersion::from_checked),
    )
    .with_database_version(database_version);
    if protocol_versions.is_empty() {
        return Ok(info);
    }
    info.with_protocol_versions(wrap_checked(
        protocol_versions,
        SoftwareVersion::from_checked,
    ))
}

/// Wraps checked entries in place; most declarations have none, and then there is nothing to do.
#[inline]
fn wrap_checked<T, U>(entries: &mut Vec<T>, wrap: impl Fn(T) -> U) -> Vec<U> {
    if entries.is_empty() {
        return Vec::new();
    }
    std::mem::take(entries).into_iter().map(wrap).collect()
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

/// The fields of a [`NodeInfo`] as every protobuf version carries them.
pub(crate) struct NodeInfoParts {
    pub software_version: String,
    pub supported_eras: Vec<String>,
    pub wire_versions: Vec<i32>,
    pub distribution_version: Option<String>,
    pub database_version: Option<u64>,
    pub protocol_versions: Vec<String>,
}

/// The fields of a [`NodeInfo`] as every protobuf version carries them.
pub(crate) fn node_info_parts(value: &NodeInfo) -> NodeInfoParts {
    NodeInfoParts {
        software_version: value.software_version().to_string(),
        supported_eras: value
            .supported_eras()
            .iter()
            .map(ToString::to_string)
            .collect(),
        // In range by construction of `WireVersionId`.
        wire_versions: value
            .wire_versions()
            .iter()
            .map(|id| id.number() as i32)
            .collect(),
        distribution_version: value.distribution_version().map(ToString::to_string),
        database_version: value.database_version(),
        protocol_versions: value
            .protocol_versions()
            .iter()
            .map(ToString::to_string)
            .collect(),
    }
}

/// Checks protocol parameters.
pub(crate) fn protocol_parameters_to_hub(
    k: u64,
    m: u64,
    phi_f: f64,
) -> Result<ProtocolParameters, ValidationError> {
    ProtocolParameters::new(k, m, phi_f)
}

/// The protobuf name of the epoch settings message, for decode errors.
const EPOCH_SETTINGS: &str = "EpochSettings";
/// Field number of `EpochSettings.current_signers`, the same in every version.
const CURRENT_SIGNERS: u32 = 3;
/// Field number of `EpochSettings.next_signers`, the same in every version.
const NEXT_SIGNERS: u32 = 4;

/// A signer list converted, or the error of its first signer that is not valid.
pub(crate) type ConvertedSigners = Result<SignerSet, ValidationError>;

/// Decodes the epoch settings of a version in one pass: `P` is its generated message, `S` its
/// generated signer, and `rest_to_hub` converts the rest of the message once the lists are
/// converted (`P`'s own lists are left empty).
pub(crate) fn decode_settings<P, S>(
    buf: impl Buf,
    version: WireVersion,
    signer_to_hub: fn(S) -> Result<Signer, ValidationError>,
    rest_to_hub: fn(P, ConvertedSigners, ConvertedSigners) -> Result<EpochSettings, WireError>,
) -> Result<EpochSettings, WireError>
where
    P: Message + Default,
    S: Message + Default,
{
    let (rest, current, next) = decode_settings_streaming::<P, S>(buf, signer_to_hub)
        .map_err(|source| crate::wire::malformed::<EpochSettings>(version, source))?;
    rest_to_hub(rest, current, next)
}

/// Decodes epoch settings of type `P`, converting each signer of type `S` as soon as it is read.
///
/// Every field other than the two signer lists goes to `P`'s generated decoder. Each signer is
/// decoded by the generated decoder of `S`, exactly as within `P`, then converted at once, while
/// its bytes are still in the processor's cache (decoding thousands of signers first, then
/// converting them, reads each one from memory twice). The result, decode errors included, is
/// the one of decoding `P` and converting its lists in order: a list's error is its first
/// invalid signer among the first `MAX_SIGNERS`, else its length if it is longer, and bytes
/// that do not decode are an error whatever the lists hold.
fn decode_settings_streaming<P, S>(
    mut bytes: impl Buf,
    signer_to_hub: fn(S) -> Result<Signer, ValidationError>,
) -> Result<(P, ConvertedSigners, ConvertedSigners), DecodeError>
where
    P: Message + Default,
    S: Message + Default,
{
    let ctx = DecodeContext::default();
    let mut rest = P::default();
    let mut current = SignerStream::default();
    let mut next = SignerStream::default();
    while bytes.has_remaining() {
        let (tag, wire_type) = decode_key(&mut bytes)?;
        let (stream, field) = if tag == CURRENT_SIGNERS {
            (&mut current, "current_signers")
        } else if tag == NEXT_SIGNERS {
            (&mut next, "next_signers")
        } else {
            rest.merge_field(tag, wire_type, &mut bytes, ctx.clone())?;
            continue;
        };
        stream
            .merge(wire_type, &mut bytes, ctx.clone(), signer_to_hub)
            .map_err(|mut error| {
                error.push(EPOCH_SETTINGS, field);
                error
            })?;
    }
    Ok((rest, current.finish(), next.finish()))
}

/// One signer list being converted, signer after signer.
#[derive(Default)]
struct SignerStream {
    /// The signers converted so far: all those read, until one is not valid or the list is
    /// longer than a signer set may be.
    signers: Vec<Signer>,
    /// Signers read, converted or not.
    read: usize,
    /// The error of the first signer that is not valid; later signers are decoded, not converted.
    error: Option<ValidationError>,
}

impl SignerStream {
    /// Decodes the next signer of the list and converts it.
    fn merge<S: Message + Default>(
        &mut self,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
        signer_to_hub: fn(S) -> Result<Signer, ValidationError>,
    ) -> Result<(), DecodeError> {
        let mut pb = S::default();
        message::merge(wire_type, &mut pb, buf, ctx)?;
        self.push(pb, signer_to_hub);
        Ok(())
    }

    /// Converts the next signer of the list, unless an earlier one was invalid.
    fn push<S>(&mut self, pb: S, signer_to_hub: fn(S) -> Result<Signer, ValidationError>) {
        self.read += 1;
        if self.error.is_some() {
            return;
        }
        if self.read > MAX_SIGNERS {
            // Longer than any signer set: what is read from here on is counted, never kept, so
            // a list of tiny signers cannot make the hub's much larger ones fill memory.
            self.signers = Vec::new();
            return;
        }
        match signer_to_hub(pb) {
            Ok(signer) => self.signers.push(signer),
            Err(error) => {
                // Every signer before this one was converted: its index is their count.
                self.error = Some(error.at_index(self.signers.len()));
                self.signers = Vec::new();
            }
        }
    }

    fn finish(self) -> ConvertedSigners {
        match self.error {
            Some(error) => Err(error),
            // The whole count, as a set built from the list would report it.
            None if self.read > MAX_SIGNERS => {
                Err(ValidationError::here(Violation::TooManyEntries {
                    count: self.read,
                    max: MAX_SIGNERS,
                }))
            }
            None => SignerSet::new(self.signers),
        }
    }
}

/// Converts a decoded signer list, in order: the error is the one of the first invalid signer
/// among the first `MAX_SIGNERS`, else the list's length if it is longer, as when the list is
/// converted while it is decoded.
pub(crate) fn signers_to_hub<S>(
    signers: Vec<S>,
    signer_to_hub: fn(S) -> Result<Signer, ValidationError>,
) -> ConvertedSigners {
    let mut list = SignerStream {
        signers: Vec::with_capacity(signers.len().min(MAX_SIGNERS)),
        ..SignerStream::default()
    };
    for signer in signers {
        list.push(signer, signer_to_hub);
    }
    list.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PartyId;

    fn tiny(index: usize) -> Result<Signer, ValidationError> {
        Ok(Signer {
            party_id: PartyId::new(format!("p{index}")).unwrap(),
            verification_key: KeyBytes::new(vec![1]).unwrap(),
            verification_key_signature: None,
            operational_certificate: None,
            kes_evolutions: None,
            stake: None,
            verification_key_for_snark: None,
            verification_key_signature_for_snark: None,
            proof_of_bound_possession_for_snark: None,
        })
    }

    #[test]
    fn a_list_past_the_bound_keeps_nothing_while_it_is_read() {
        let mut stream = SignerStream::default();
        for index in 0..MAX_SIGNERS {
            stream.push(index, tiny);
        }
        assert_eq!(stream.signers.len(), MAX_SIGNERS);
        for index in MAX_SIGNERS..MAX_SIGNERS + 1000 {
            stream.push(index, tiny);
            assert_eq!(stream.signers.capacity(), 0, "signer {index} kept");
        }
        let error = stream.finish().unwrap_err();
        assert_eq!(
            *error.violation(),
            Violation::TooManyEntries {
                count: MAX_SIGNERS + 1000,
                max: MAX_SIGNERS
            }
        );
    }
}
