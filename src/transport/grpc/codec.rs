//! The gRPC codec of every generated service: prost's, with a bound on the top-level fields of
//! each decoded message, checked before anything is allocated.
//!
//! prost decodes a repeated field into a vector of structures, each far larger than its
//! encoding: an empty entry is 2 bytes on the wire and a few hundred in memory. Without a bound,
//! a request of 8 MiB of empty signature entries made the server allocate over 1 GiB. Counting
//! the top-level fields first (a scan of tags and lengths, no allocation) bounds that work by
//! [`super::limits::max_fields_per_message`]: the entries of a
//! batch are top-level fields of its request.

use std::marker::PhantomData;

use bytes::Buf;
use prost::Message;
use prost::encoding::{WireType, decode_key, decode_varint};
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic_prost::{ProstCodec, ProstDecoder};

use super::limits;

/// prost's codec with the field bound.
#[derive(Debug, Clone)]
pub struct BoundedCodec<T, U> {
    inner: ProstCodec<T, U>,
}

impl<T, U> Default for BoundedCodec<T, U> {
    fn default() -> Self {
        Self {
            inner: ProstCodec::default(),
        }
    }
}

impl<T, U> Codec for BoundedCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = <ProstCodec<T, U> as Codec>::Encoder;
    type Decoder = BoundedDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        self.inner.encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        BoundedDecoder {
            inner: self.inner.decoder(),
            _message: PhantomData,
        }
    }
}

/// prost's decoder after the field count check.
#[derive(Debug)]
pub struct BoundedDecoder<U> {
    inner: ProstDecoder<U>,
    _message: PhantomData<U>,
}

impl<U: Message + Default + Send + 'static> Decoder for BoundedDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        let max = limits::max_fields_per_message();
        // tonic hands the whole message in one contiguous buffer; were it not, prost would
        // still bound the decode by the message size.
        if max != usize::MAX && buf.chunk().len() == buf.remaining() {
            match count_fields(buf.chunk(), max) {
                Ok(count) if count <= max => {}
                Ok(_) => {
                    return Err(Status::resource_exhausted(format!(
                        "a message may carry at most {max} entries (top-level fields): split it"
                    )));
                }
                // Never handed to prost unbounded: bytes that cannot be scanned are refused.
                Err(()) => {
                    return Err(Status::invalid_argument(
                        "not a protobuf message: its fields cannot be read",
                    ));
                }
            }
        }
        self.inner.decode(buf)
    }

    fn buffer_settings(&self) -> BufferSettings {
        self.inner.buffer_settings()
    }
}

/// Deepest nesting of groups the scan follows (prost's own recursion limit is 100).
const MAX_GROUP_DEPTH: usize = 100;

/// Counts the top-level fields of an encoded message, stopping once past `max`. A group (a
/// deprecated proto2 encoding that prost skips as an unknown field) counts as one field, its
/// content skipped as prost skips it. `Err` when the bytes are not a well-formed sequence of
/// fields.
pub(crate) fn count_fields(mut bytes: &[u8], max: usize) -> Result<usize, ()> {
    let mut count = 0usize;
    while !bytes.is_empty() {
        let (tag, wire_type) = decode_key(&mut bytes).map_err(|_| ())?;
        skip_value(&mut bytes, tag, wire_type, 0)?;
        count += 1;
        if count > max {
            return Ok(count);
        }
    }
    Ok(count)
}

/// Skips one field's value; a group up to its matching end tag.
fn skip_value(bytes: &mut &[u8], tag: u32, wire_type: WireType, depth: usize) -> Result<(), ()> {
    match wire_type {
        WireType::Varint => decode_varint(bytes).map(drop).map_err(|_| ()),
        WireType::SixtyFourBit => skip(bytes, 8),
        WireType::ThirtyTwoBit => skip(bytes, 4),
        WireType::LengthDelimited => {
            let len = decode_varint(bytes).map_err(|_| ())?;
            skip(bytes, usize::try_from(len).map_err(|_| ())?)
        }
        WireType::StartGroup => {
            if depth >= MAX_GROUP_DEPTH {
                return Err(());
            }
            loop {
                let (inner_tag, inner_type) = decode_key(bytes).map_err(|_| ())?;
                if inner_type == WireType::EndGroup {
                    return if inner_tag == tag { Ok(()) } else { Err(()) };
                }
                skip_value(bytes, inner_tag, inner_type, depth + 1)?;
            }
        }
        // An end tag without its start.
        WireType::EndGroup => Err(()),
    }
}

fn skip(bytes: &mut &[u8], len: usize) -> Result<(), ()> {
    if bytes.len() < len {
        return Err(());
    }
    bytes.advance(len);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_top_level_fields_and_stops_past_the_bound() {
        // Field 1, length 0, repeated 10 times: ten empty entries.
        let empty_entries = [0x0a, 0x00].repeat(10);
        assert_eq!(count_fields(&empty_entries, 100), Ok(10));
        assert_eq!(count_fields(&empty_entries, 3), Ok(4));
        // A varint, a fixed64 and a nested message count one each.
        let mixed = [
            0x08, 0x96, 0x01, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0x1a, 0x02, 0x08, 0x01,
        ];
        assert_eq!(count_fields(&mixed, 100), Ok(3));
        assert_eq!(count_fields(&[0x0a, 0x05, 0x00], 100), Err(()));
        assert_eq!(count_fields(&[], 100), Ok(0));
        // An empty group (field 15) then empty entries: the group counts once, the entries too.
        let with_group = [&[0x7b_u8, 0x7c][..], &[0x0a, 0x00].repeat(10)].concat();
        assert_eq!(count_fields(&with_group, 100), Ok(11));
        assert_eq!(count_fields(&with_group, 5), Ok(6));
        // A group holding fields, and an unmatched end tag.
        assert_eq!(
            count_fields(&[0x7b, 0x08, 0x01, 0x7c, 0x08, 0x02], 100),
            Ok(2)
        );
        assert_eq!(count_fields(&[0x7c], 100), Err(()));
        assert_eq!(count_fields(&[0x7b, 0x08, 0x01], 100), Err(()));
        // Groups nested past the depth bound.
        let deep = [vec![0x7b_u8; 200], vec![0x7c; 200]].concat();
        assert_eq!(count_fields(&deep, 100), Err(()));
    }
}
