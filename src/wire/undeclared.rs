//! Finding the protobuf fields a message carries that this build's schema does not declare.
//!
//! prost skips such fields while decoding, so a node that converts a message (into JSON, or
//! into another wire version) loses them without knowing. [`undeclared_fields`] walks the bytes
//! against the schema this build was compiled with (the embedded
//! [`FILE_DESCRIPTOR_SET`](crate::FILE_DESCRIPTOR_SET)) and names each such field by its path, so
//! that the loss can be refused or reported. A newer peer's additive fields are the usual
//! reason; they are named `#<number>` (`signer_registration.node_info.#9`).

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use bytes::{Buf, Bytes};
use prost::Message;
use prost::encoding::{DecodeContext, WireType, bytes as bytes_field, decode_key, skip_field};
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FileDescriptorSet};

use super::{MessageKind, WireVersion};
use crate::WireError;
use crate::error::FieldPath;

/// A declared field: its name, whether it repeats, and the message type it holds, if any.
struct Field {
    name: String,
    repeated: bool,
    message: Option<String>,
}

/// Every message of the embedded schema, by full name (`mithril.signer.v2.NodeInfo`), with its
/// fields by number.
type Schema = HashMap<String, HashMap<u32, Field>>;

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        // Written by build.rs from the schemas this crate compiles: it always decodes; an
        // empty schema (every field undeclared) would be the failure's only symptom.
        let set = FileDescriptorSet::decode(crate::FILE_DESCRIPTOR_SET).unwrap_or_default();
        let mut schema = Schema::new();
        for file in &set.file {
            for message in &file.message_type {
                add(&mut schema, file.package(), message);
            }
        }
        schema
    })
}

fn add(schema: &mut Schema, scope: &str, message: &DescriptorProto) {
    let full_name = format!("{scope}.{}", message.name());
    for nested in &message.nested_type {
        add(schema, &full_name, nested);
    }
    let fields = message
        .field
        .iter()
        .filter_map(|field| {
            let number = u32::try_from(field.number()).ok()?;
            let message = (field.r#type() == Type::Message)
                .then(|| field.type_name().trim_start_matches('.').to_owned());
            Some((
                number,
                Field {
                    name: field.name().to_owned(),
                    repeated: field.label() == Label::Repeated,
                    message,
                },
            ))
        })
        .collect();
    schema.insert(full_name, fields);
}

/// How deep the walk follows nested messages.
const MAX_DEPTH: u32 = 64;

/// A field a message carries that this build's schema does not declare.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UndeclaredField {
    /// The message that carries it (`epoch_settings.next_signers[3]`).
    pub within: FieldPath,
    /// Its field number.
    pub number: u32,
}

impl fmt::Display for UndeclaredField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.#{}", self.within, self.number)
    }
}

/// Most distinct undeclared fields [`undeclared_fields`] names: the bytes are a peer's, and a
/// message repeating thousands of fields must not make a list (or a log line) of thousands.
pub const MAX_NAMED_UNDECLARED: usize = 32;

/// The fields of a `version` message of `kind` that this build's schema does not declare, each
/// once, in the order they first come, at most [`MAX_NAMED_UNDECLARED`] of them:
/// `signer_registration.#20` for an undeclared field of the message itself,
/// `epoch_settings.next_signers[3].#12` inside a list's element. Bytes that are not a protobuf
/// message are [`WireError::Malformed`] (the whole message is read, named fields or not).
pub fn undeclared_fields(
    version: WireVersion,
    kind: MessageKind,
    mut bytes: &[u8],
) -> Result<Vec<UndeclaredField>, WireError> {
    let name = format!("{}.{}", version.package(), kind.protobuf_name());
    let mut found = Vec::new();
    walk(
        &name,
        &mut bytes,
        &FieldPath::field(kind.field_name()),
        &mut found,
        0,
    )
    .map_err(|source| WireError::Malformed {
        message: kind.field_name(),
        package: version.package(),
        source,
    })?;
    Ok(found)
}

fn walk(
    message: &str,
    buf: &mut &[u8],
    path: &FieldPath,
    found: &mut Vec<UndeclaredField>,
    depth: u32,
) -> Result<(), prost::DecodeError> {
    let ctx = DecodeContext::default();
    let schema: &'static Schema = schema();
    let fields = schema.get(message);
    // How many elements of each repeated message field were read: the next one's index.
    let mut counts: HashMap<u32, usize> = HashMap::new();
    while buf.has_remaining() {
        let (tag, wire_type) = decode_key(buf)?;
        let Some(field) = fields.and_then(|fields| fields.get(&tag)) else {
            let undeclared = UndeclaredField {
                within: path.clone(),
                number: tag,
            };
            if found.len() < MAX_NAMED_UNDECLARED && !found.contains(&undeclared) {
                found.push(undeclared);
            }
            skip_field(wire_type, tag, buf, ctx.clone())?;
            continue;
        };
        match (&field.message, wire_type) {
            (Some(inner), WireType::LengthDelimited) => {
                let mut value = Bytes::new();
                bytes_field::merge(wire_type, &mut value, buf, ctx.clone())?;
                let mut here = path.clone().then(field.name.as_str());
                if field.repeated {
                    let count = counts.entry(tag).or_default();
                    here = here.then_index(*count);
                    *count += 1;
                }
                // Only declared message fields are followed, so the schema's depth bounds the
                // walk; the bound is there for a schema that would nest itself.
                if depth < MAX_DEPTH {
                    walk(inner, &mut &value[..], &here, found, depth + 1)?;
                }
            }
            _ => skip_field(wire_type, tag, buf, ctx.clone())?,
        }
    }
    Ok(())
}

#[cfg(all(test, feature = "test-support"))]
mod tests {
    use super::*;
    use crate::samples;
    use crate::wire::{Spoke, v2};
    use prost::encoding::{encode_key, encode_varint};

    /// An undeclared varint field `number` holding 1.
    fn extra(number: u32) -> Vec<u8> {
        let mut field = Vec::new();
        encode_key(number, WireType::Varint, &mut field);
        encode_varint(1, &mut field);
        field
    }

    #[test]
    fn every_message_of_every_version_is_in_the_schema() {
        for version in WireVersion::ALL {
            for kind in MessageKind::ALL {
                let name = format!("{}.{}", version.package(), kind.protobuf_name());
                let fields = schema().get(&name).unwrap_or_else(|| panic!("{name}"));
                assert!(!fields.is_empty(), "{name}");
            }
        }
    }

    #[test]
    fn what_this_build_writes_declares_everything() {
        for (name, message) in samples::all() {
            for version in WireVersion::ALL {
                let Ok(bytes) = crate::wire::encode(*version, &message) else {
                    continue;
                };
                assert_eq!(
                    undeclared_fields(*version, message.kind(), &bytes).unwrap(),
                    [],
                    "{name} in {version}"
                );
            }
        }
    }

    #[test]
    fn undeclared_fields_are_named_where_they_are() {
        let mut registration = v2::encode(&samples::signer_registration()).unwrap();
        registration.extend(extra(99));
        let found = undeclared_fields(
            WireVersion::V2,
            MessageKind::SignerRegistration,
            &registration,
        )
        .unwrap();
        let text: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["signer_registration.#99"]);

        // Inside the second element of a list: the settings written without their next
        // signers, then the signers one by one, the second with a field of a newer schema.
        let settings = samples::epoch_settings();
        let mut pb = <v2::V2 as Spoke<_>>::from_hub_strict(&settings).unwrap();
        let signers = std::mem::take(&mut pb.next_signers);
        assert!(signers.len() >= 2);
        let mut bytes = pb.encode_to_vec();
        for (index, signer) in signers.iter().enumerate() {
            let mut element = signer.encode_to_vec();
            if index == 1 {
                element.extend(extra(50));
                element.extend(extra(51));
            }
            encode_key(4, WireType::LengthDelimited, &mut bytes);
            encode_varint(element.len() as u64, &mut bytes);
            bytes.extend(element);
        }
        let found = undeclared_fields(WireVersion::V2, MessageKind::EpochSettings, &bytes).unwrap();
        let text: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "epoch_settings.next_signers[1].#50",
                "epoch_settings.next_signers[1].#51"
            ]
        );
        // prost reads the same bytes and drops both.
        assert_eq!(
            v2::decode::<crate::domain::EpochSettings>(&bytes[..]).unwrap(),
            settings
        );
    }

    #[test]
    fn each_undeclared_field_is_named_once_and_so_many_at_most() {
        let mut bytes = v2::encode(&samples::signer_registration()).unwrap();
        for _ in 0..1000 {
            bytes.extend(extra(99));
        }
        let found =
            undeclared_fields(WireVersion::V2, MessageKind::SignerRegistration, &bytes).unwrap();
        assert_eq!(found.len(), 1);
        for number in 100..1000 {
            bytes.extend(extra(number));
        }
        let found =
            undeclared_fields(WireVersion::V2, MessageKind::SignerRegistration, &bytes).unwrap();
        assert_eq!(found.len(), MAX_NAMED_UNDECLARED);
        assert_eq!(found[1].number, 100);
        // Past the ones named, the rest is still read: garbage there is still malformed.
        bytes.push(0x0b);
        assert!(
            undeclared_fields(WireVersion::V2, MessageKind::SignerRegistration, &bytes).is_err()
        );
    }

    #[test]
    fn bytes_that_are_no_message_are_malformed() {
        for bytes in [&[0x0a, 0x05, 0x01][..], &[0xff; 11], &[0x0b]] {
            assert!(matches!(
                undeclared_fields(WireVersion::V1, MessageKind::SingleSignature, bytes),
                Err(WireError::Malformed { .. })
            ));
        }
    }
}
