//! Relaying messages without losing what the relaying node does not understand.
//!
//! prost drops the fields a generated type does not declare, so a node that decodes a message and
//! encodes it again loses whatever a newer peer added. A [`Relayed`] keeps the bytes exactly as
//! they arrived beside the decoded value: the node reads the value and forwards the bytes.

use bytes::Bytes;

use super::{DEFAULT_MAX_MESSAGE_BYTES, HubType, Spoke};
use crate::WireError;

/// A decoded message and the exact bytes it was decoded from.
#[derive(Clone, Debug, PartialEq)]
pub struct Relayed<T> {
    raw: Bytes,
    value: T,
}

impl<T> Relayed<T> {
    /// The bytes as received; forwarding them loses nothing.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The decoded value, as far as this build understands it.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The bytes and the value.
    pub fn into_parts(self) -> (Bytes, T) {
        (self.raw, self.value)
    }
}

impl<T: HubType> Relayed<T> {
    /// Decodes a message of the wire version of `S` into the hub, keeping its bytes.
    pub fn decode<S: Spoke<T>>(raw: Bytes) -> Result<Self, WireError> {
        let value = super::decode_with_limit::<S, T>(raw.clone(), DEFAULT_MAX_MESSAGE_BYTES)?;
        Ok(Self { raw, value })
    }
}

/// Relaying at the level of generated types, for code that works with them directly (such as a
/// node built on an older release of the schemas).
impl<M: prost::Message + Default> Relayed<M> {
    /// Decodes bytes into a generated protobuf type, keeping the bytes.
    pub fn decode_protobuf(raw: Bytes) -> Result<Self, prost::DecodeError> {
        let value = M::decode(raw.clone())?;
        Ok(Self { raw, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SignerRegistration;
    use crate::samples;
    use crate::wire::v1;

    #[test]
    fn relayed_hub_value_keeps_bytes_with_fields_it_does_not_know() {
        let mut bytes = v1::encode(&samples::signer_registration()).unwrap();
        // A field no version defines (number 100, varint 1), as a newer release might add.
        bytes.extend_from_slice(&[0xa0, 0x06, 0x01]);
        let relayed =
            Relayed::<SignerRegistration>::decode::<v1::V1>(Bytes::from(bytes.clone())).unwrap();
        assert_eq!(relayed.value(), &samples::signer_registration());
        assert_eq!(relayed.raw().as_ref(), &bytes[..]);
        // Re-encoding the value alone would have lost it.
        assert_ne!(v1::encode(relayed.value()).unwrap(), bytes);
    }
}
