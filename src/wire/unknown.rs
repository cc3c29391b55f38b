//! Keeping protobuf fields this build does not know.
//!
//! prost skips fields it has no declaration for. Where a message must keep them (a oneof whose
//! newer variants this build does not know), its Rust type is written by hand with an
//! [`UnknownFields`] beside the known data, and re-emits them when encoded.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use prost::DecodeError;
use prost::encoding::{
    DecodeContext, WireType, bytes as bytes_field, check_wire_type, encode_key, encode_varint,
    fixed32, fixed64, uint64,
};

/// Protobuf fields kept as received, in order: each entry is one complete field (key and value).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct UnknownFields(Vec<Bytes>);

impl UnknownFields {
    /// Reads the value of a field whose key (`tag`, `wire_type`) was just read, and keeps the
    /// whole field.
    ///
    /// Groups (deprecated, never written by proto3 encoders) are refused with a decode error.
    pub fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut field = BytesMut::new();
        encode_key(tag, wire_type, &mut field);
        match wire_type {
            WireType::Varint => {
                let mut value = 0u64;
                uint64::merge(wire_type, &mut value, buf, ctx)?;
                encode_varint(value, &mut field);
            }
            WireType::SixtyFourBit => {
                let mut value = 0u64;
                fixed64::merge(wire_type, &mut value, buf, ctx)?;
                field.put_u64_le(value);
            }
            WireType::ThirtyTwoBit => {
                let mut value = 0u32;
                fixed32::merge(wire_type, &mut value, buf, ctx)?;
                field.put_u32_le(value);
            }
            WireType::LengthDelimited => {
                let mut value = Bytes::new();
                bytes_field::merge(wire_type, &mut value, buf, ctx)?;
                encode_varint(value.len() as u64, &mut field);
                field.put(value);
            }
            WireType::StartGroup | WireType::EndGroup => {
                return check_wire_type(WireType::LengthDelimited, wire_type);
            }
        }
        self.0.push(field.freeze());
        Ok(())
    }

    /// Writes the fields back, as received.
    pub fn encode_raw(&self, buf: &mut impl BufMut) {
        for field in &self.0 {
            buf.put_slice(field);
        }
    }

    /// Encoded length of the fields (bytes).
    pub fn encoded_len(&self) -> usize {
        self.0.iter().map(Bytes::len).sum()
    }

    /// Keeps a complete, already encoded field.
    pub fn push_raw(&mut self, field: Bytes) {
        self.0.push(field);
    }

    /// The fields, in the order received.
    pub fn fields(&self) -> &[Bytes] {
        &self.0
    }

    /// The fields, owned.
    pub fn into_fields(self) -> Vec<Bytes> {
        self.0
    }

    /// Number of fields kept.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no field is kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Forgets every field.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// Defines the hand-written Rust type of a protobuf message that holds a single oneof, keeping the
/// variants this build does not know in an [`UnknownFields`].
///
/// ```text
/// oneof_message! {
///     /// docs
///     SignedEntityType, entity: Entity {
///         1 => MithrilStakeDistribution(MithrilStakeDistribution),
///         …
///     }
/// }
/// ```
///
/// Exported for the code generated from frozen releases (test modules that act as an older node);
/// not part of the supported API.
#[doc(hidden)]
#[macro_export]
macro_rules! oneof_message {
    (
        $(#[$doc:meta])*
        $message:ident, $field:ident: $oneof:ident {
            $($tag:literal => $variant:ident($payload:ty),)+
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Default, Debug)]
        pub struct $message {
            /// The variant, when it is one this build knows.
            pub $field: ::core::option::Option<$oneof>,
            /// Variants this build does not know, as received.
            pub unknown_fields: $crate::wire::UnknownFields,
        }

        #[doc = concat!("The variants of `", stringify!($message), "` this build knows.")]
        #[derive(Clone, PartialEq, Eq, Hash, Debug)]
        pub enum $oneof {
            $(
                #[doc = concat!("Field ", stringify!($tag), ".")]
                $variant($payload),
            )+
        }

        impl $oneof {
            /// The protobuf field numbers of the known variants.
            pub const TAGS: &'static [u32] = &[$($tag),+];
        }

        impl ::prost::Message for $message {
            fn encode_raw(&self, buf: &mut impl ::bytes::BufMut) {
                match &self.$field {
                    $(Some($oneof::$variant(value)) => {
                        ::prost::encoding::message::encode($tag, value, buf)
                    })+
                    None => {}
                }
                self.unknown_fields.encode_raw(buf);
            }

            fn merge_field(
                &mut self,
                tag: u32,
                wire_type: ::prost::encoding::WireType,
                buf: &mut impl ::bytes::Buf,
                ctx: ::prost::encoding::DecodeContext,
            ) -> ::core::result::Result<(), ::prost::DecodeError> {
                match tag {
                    $($tag => {
                        // Proto3 oneof semantics: a repeated variant merges, another replaces.
                        let mut value = match self.$field.take() {
                            Some($oneof::$variant(value)) => value,
                            _ => ::core::default::Default::default(),
                        };
                        ::prost::encoding::message::merge(wire_type, &mut value, buf, ctx)?;
                        self.$field = Some($oneof::$variant(value));
                        Ok(())
                    })+
                    _ => self.unknown_fields.merge_field(tag, wire_type, buf, ctx),
                }
            }

            fn encoded_len(&self) -> usize {
                let known = match &self.$field {
                    $(Some($oneof::$variant(value)) => {
                        ::prost::encoding::message::encoded_len($tag, value)
                    })+
                    None => 0,
                };
                known + self.unknown_fields.encoded_len()
            }

            fn clear(&mut self) {
                self.$field = None;
                self.unknown_fields.clear();
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(bytes: &[u8]) -> Result<UnknownFields, DecodeError> {
        let mut buf = bytes;
        let mut fields = UnknownFields::default();
        while buf.has_remaining() {
            let (tag, wire_type) = prost::encoding::decode_key(&mut buf)?;
            fields.merge_field(tag, wire_type, &mut buf, DecodeContext::default())?;
        }
        Ok(fields)
    }

    #[test]
    fn every_wire_type_is_kept_byte_for_byte() {
        let bytes = [
            0x08, 0x96, 0x01, // field 1 varint 150
            0x11, 1, 2, 3, 4, 5, 6, 7, 8, // field 2 fixed64
            0x1d, 9, 8, 7, 6, // field 3 fixed32
            0x22, 0x03, b'a', b'b', b'c', // field 4 bytes
        ];
        let fields = capture(&bytes).unwrap();
        assert_eq!(fields.len(), 4);
        assert_eq!(fields.encoded_len(), bytes.len());
        let mut out = Vec::new();
        fields.encode_raw(&mut out);
        assert_eq!(out, bytes);
    }

    #[test]
    fn truncated_or_group_fields_are_errors() {
        assert!(capture(&[0x22, 0x05, b'a']).is_err());
        assert!(capture(&[0x1d, 1, 2]).is_err());
        assert!(capture(&[0x11, 1]).is_err());
        assert!(capture(&[0x08, 0xff]).is_err());
        assert!(capture(&[0x0b, 0x0c]).is_err());
    }
}
