//! The body of Mithril's DMQ signature messages, for every release that sends them (feature
//! `dmq`).
//!
//! The format (`RegisterSignatureMessageDmq::try_to_bytes_vec` in
//! `mithril-common/src/messages/register_signature.rs`, IntersectMBO/mithril):
//!
//! ```text
//! body = len(u16 BE) ‖ bincode(SignedEntityType) ‖ len(u32 BE) ‖ STM single signature bytes
//! ```
//!
//! bincode 2.0.1 with its standard configuration writes an enum as the **position** of its
//! variant (a varint), then its fields (varints). The position is not the signed entity type's
//! stable id: when a release removed the discontinued `CardanoImmutableFilesFull` variant
//! (distribution 2630.0), every later variant moved down by one, and a release that added a
//! field to `CardanoBlocksTransactions` (2617.0) changed its shape. Read with another release's
//! table, a body decodes to the wrong signed entity type, or fails. So a body is read with the
//! table of the release that wrote it ([`DmqLayout`], chosen from the sender's declared
//! distribution or signer version), a discontinued type is reported as such, and an unknown
//! position as unknown. A batch decodes body by body: one bad body is reported and the others
//! are kept ([`decode_batch`]).
//!
//! Stricter than today's nodes, said plainly: bytes after a signed entity type's fields or after
//! the signature are refused here ([`DmqError::Malformed`] counts them), where today's reader
//! ignores them (`try_from_bytes_vec` reads what it knows). A later release that appended data
//! to the body would be refused rather than read in part. The layout is chosen from a release's
//! version: the signers of unreleased builds between two distributions (a testing-preview
//! `mithril-signer` 0.3.28 to 1.0.0 already wrote the 2617 shape) are read with the table of
//! the distribution their version falls under.

use crate::domain::{
    BlockNumber, BlockNumberOffset, CardanoDbBeacon, Epoch, ImmutableFileNumber, SignedEntityType,
};

/// Largest body read (bytes): a signed entity type and one STM signature are a few hundred.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The table of variant positions a release's bincode used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DmqLayout {
    /// Distributions up to 2543.x (mithril-signer 0.2.x): five variants, the discontinued
    /// `CardanoImmutableFilesFull` at position 2.
    Until2543,
    /// Distribution 2603.x (mithril-signer 0.3.x): `CardanoBlocksTransactions(epoch, block)` at
    /// position 5.
    Distribution2603,
    /// Distribution 2617.x (mithril-signer 1.0.x): `CardanoBlocksTransactions` gains a block
    /// number offset.
    Distribution2617,
    /// Distributions from 2630.0 (mithril-signer 1.1 and later): `CardanoImmutableFilesFull`
    /// removed, every later variant one position down.
    Since2630,
}

/// What a position holds: a variant and the shape of its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    MithrilStakeDistribution,
    CardanoStakeDistribution,
    CardanoImmutableFilesFull,
    CardanoDatabase,
    CardanoTransactions,
    /// `(epoch, block number)`.
    CardanoBlocksTransactionsWithoutOffset,
    /// `(epoch, block number, block number offset)`.
    CardanoBlocksTransactions,
}

impl Variant {
    fn fields(self) -> usize {
        match self {
            Self::MithrilStakeDistribution | Self::CardanoStakeDistribution => 1,
            Self::CardanoBlocksTransactions => 3,
            _ => 2,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::MithrilStakeDistribution => "MithrilStakeDistribution",
            Self::CardanoStakeDistribution => "CardanoStakeDistribution",
            Self::CardanoImmutableFilesFull => "CardanoImmutableFilesFull",
            Self::CardanoDatabase => "CardanoDatabase",
            Self::CardanoTransactions => "CardanoTransactions",
            Self::CardanoBlocksTransactionsWithoutOffset | Self::CardanoBlocksTransactions => {
                "CardanoBlocksTransactions"
            }
        }
    }
}

use Variant::*;

impl DmqLayout {
    /// Every layout, oldest first.
    pub const ALL: [DmqLayout; 4] = [
        DmqLayout::Until2543,
        DmqLayout::Distribution2603,
        DmqLayout::Distribution2617,
        DmqLayout::Since2630,
    ];

    fn variants(self) -> &'static [Variant] {
        match self {
            Self::Until2543 => &[
                MithrilStakeDistribution,
                CardanoStakeDistribution,
                CardanoImmutableFilesFull,
                CardanoDatabase,
                CardanoTransactions,
            ],
            Self::Distribution2603 => &[
                MithrilStakeDistribution,
                CardanoStakeDistribution,
                CardanoImmutableFilesFull,
                CardanoDatabase,
                CardanoTransactions,
                CardanoBlocksTransactionsWithoutOffset,
            ],
            Self::Distribution2617 => &[
                MithrilStakeDistribution,
                CardanoStakeDistribution,
                CardanoImmutableFilesFull,
                CardanoDatabase,
                CardanoTransactions,
                CardanoBlocksTransactions,
            ],
            Self::Since2630 => &[
                MithrilStakeDistribution,
                CardanoStakeDistribution,
                CardanoDatabase,
                CardanoTransactions,
                CardanoBlocksTransactions,
            ],
        }
    }

    /// The layout of a distribution version (`2543.1-hotfix`, `2617.0`, …).
    pub fn for_distribution(version: &str) -> Option<Self> {
        let number: u32 = version.split(['.', '-']).next()?.parse().ok()?;
        Some(match number {
            0..=2602 => Self::Until2543,
            2603..=2616 => Self::Distribution2603,
            2617..=2629 => Self::Distribution2617,
            _ => Self::Since2630,
        })
    }

    /// The layout of a mithril-signer version (what today's `signer-node-version` header
    /// carries): 0.2.x, 0.3.x, 1.0.x, then 1.1 and later.
    pub fn for_signer_version(version: &str) -> Option<Self> {
        let mut parts = version.split(['.', '-', '+']);
        let major: u64 = parts.next()?.parse().ok()?;
        let minor: u64 = parts.next()?.parse().ok()?;
        Some(match (major, minor) {
            (0, 0..=2) => Self::Until2543,
            (0, _) => Self::Distribution2603,
            (1, 0) => Self::Distribution2617,
            _ => Self::Since2630,
        })
    }

    /// The position of `signed_entity_type` in this layout and its fields, or why it has none.
    fn position_of(self, value: &SignedEntityType) -> Result<(u32, Vec<u64>), DmqError> {
        let (wanted, fields): (&[Variant], Vec<u64>) = match value {
            SignedEntityType::MithrilStakeDistribution(epoch) => {
                (&[MithrilStakeDistribution], vec![epoch.0])
            }
            SignedEntityType::CardanoStakeDistribution(epoch) => {
                (&[CardanoStakeDistribution], vec![epoch.0])
            }
            SignedEntityType::CardanoImmutableFilesFull(beacon) => (
                &[CardanoImmutableFilesFull],
                vec![beacon.epoch.0, beacon.immutable_file_number.0],
            ),
            SignedEntityType::CardanoDatabase(beacon) => (
                &[CardanoDatabase],
                vec![beacon.epoch.0, beacon.immutable_file_number.0],
            ),
            SignedEntityType::CardanoTransactions(epoch, block) => {
                (&[CardanoTransactions], vec![epoch.0, block.0])
            }
            SignedEntityType::CardanoBlocksTransactions(epoch, block, offset) => (
                &[
                    CardanoBlocksTransactions,
                    CardanoBlocksTransactionsWithoutOffset,
                ],
                vec![epoch.0, block.0, offset.0],
            ),
            other => {
                return Err(DmqError::NotInLayout {
                    name: other.name(),
                    layout: self,
                });
            }
        };
        let (position, variant) = self
            .variants()
            .iter()
            .enumerate()
            .find(|(_, variant)| wanted.contains(variant))
            .ok_or(DmqError::NotInLayout {
                name: value.name(),
                layout: self,
            })?;
        if *variant == CardanoBlocksTransactionsWithoutOffset && fields[2] != 0 {
            // This release cannot say the offset: writing it without would change the type.
            return Err(DmqError::NotInLayout {
                name: "CardanoBlocksTransactions with a block number offset",
                layout: self,
            });
        }
        let mut fields = fields;
        fields.truncate(variant.fields());
        Ok((position as u32, fields))
    }
}

/// Why a DMQ body was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DmqError {
    /// The bytes are not a body.
    #[error("malformed DMQ body: {0}")]
    Malformed(String),
    /// The body is larger than [`MAX_BODY_BYTES`].
    #[error("a DMQ body of {0} bytes exceeds {MAX_BODY_BYTES}")]
    TooLarge(usize),
    /// The position names no variant in the sender's release.
    #[error("signed entity type position {position} is unknown to the {layout:?} layout")]
    UnknownPosition {
        /// The position read.
        position: u32,
        /// The layout it was read with.
        layout: DmqLayout,
    },
    /// The position names a signed entity type that is no longer signed.
    #[error(
        "signed entity type {name} (position {position} in the {layout:?} layout) is discontinued"
    )]
    Discontinued {
        /// Its name.
        name: &'static str,
        /// The position read.
        position: u32,
        /// The layout it was read with.
        layout: DmqLayout,
        /// What it said, for a caller that still wants it.
        value: SignedEntityType,
    },
    /// The release cannot write this signed entity type.
    #[error("{name} has no position in the {layout:?} layout")]
    NotInLayout {
        /// The signed entity type.
        name: &'static str,
        /// The layout.
        layout: DmqLayout,
    },
}

/// A DMQ signature body: the signed entity type and the STM single signature's bytes (as
/// `mithril-stm` writes them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DmqSignatureBody {
    /// The signed entity type.
    pub signed_entity_type: SignedEntityType,
    /// The STM single signature's bytes.
    pub signature: Vec<u8>,
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

fn malformed(what: impl std::fmt::Display) -> DmqError {
    DmqError::Malformed(what.to_string())
}

/// Reads a body written by a release of `layout`.
pub fn decode_body(bytes: &[u8], layout: DmqLayout) -> Result<DmqSignatureBody, DmqError> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(DmqError::TooLarge(bytes.len()));
    }
    let (entity_len, rest) = bytes
        .split_first_chunk::<2>()
        .ok_or_else(|| malformed("no signed entity type length"))?;
    let entity_len = usize::from(u16::from_be_bytes(*entity_len));
    let entity = rest
        .get(..entity_len)
        .ok_or_else(|| malformed("the signed entity type is cut short"))?;
    let rest = &rest[entity_len..];
    let (signature_len, rest) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| malformed("no signature length"))?;
    let signature_len = u32::from_be_bytes(*signature_len) as usize;
    let signature = rest
        .get(..signature_len)
        .ok_or_else(|| malformed("the signature is cut short"))?;
    if rest.len() != signature_len {
        return Err(malformed(format!(
            "{} bytes after the signature",
            rest.len() - signature_len
        )));
    }
    Ok(DmqSignatureBody {
        signed_entity_type: decode_signed_entity_type(entity, layout)?,
        signature: signature.to_vec(),
    })
}

/// Reads the bincode of a signed entity type written by a release of `layout`.
pub fn decode_signed_entity_type(
    bytes: &[u8],
    layout: DmqLayout,
) -> Result<SignedEntityType, DmqError> {
    let (position, mut read): (u32, usize) = bincode::decode_from_slice(bytes, config())
        .map_err(|e| malformed(format!("signed entity type position: {e}")))?;
    let variant = *layout
        .variants()
        .get(position as usize)
        .ok_or(DmqError::UnknownPosition { position, layout })?;
    let mut fields = [0u64; 3];
    for field in fields.iter_mut().take(variant.fields()) {
        let (value, used): (u64, usize) = bincode::decode_from_slice(&bytes[read..], config())
            .map_err(|e| malformed(format!("{} field: {e}", variant.name())))?;
        *field = value;
        read += used;
    }
    if read != bytes.len() {
        return Err(malformed(format!(
            "{} bytes after the signed entity type",
            bytes.len() - read
        )));
    }
    let [a, b, c] = fields;
    let beacon = CardanoDbBeacon {
        epoch: Epoch(a),
        immutable_file_number: ImmutableFileNumber(b),
    };
    let value = match variant {
        MithrilStakeDistribution => SignedEntityType::MithrilStakeDistribution(Epoch(a)),
        CardanoStakeDistribution => SignedEntityType::CardanoStakeDistribution(Epoch(a)),
        CardanoImmutableFilesFull => {
            return Err(DmqError::Discontinued {
                name: variant.name(),
                position,
                layout,
                value: SignedEntityType::CardanoImmutableFilesFull(beacon),
            });
        }
        CardanoDatabase => SignedEntityType::CardanoDatabase(beacon),
        CardanoTransactions => SignedEntityType::CardanoTransactions(Epoch(a), BlockNumber(b)),
        CardanoBlocksTransactionsWithoutOffset => SignedEntityType::CardanoBlocksTransactions(
            Epoch(a),
            BlockNumber(b),
            BlockNumberOffset(0),
        ),
        CardanoBlocksTransactions => SignedEntityType::CardanoBlocksTransactions(
            Epoch(a),
            BlockNumber(b),
            BlockNumberOffset(c),
        ),
    };
    Ok(value)
}

/// Writes a body as a release of `layout` writes it.
pub fn encode_body(body: &DmqSignatureBody, layout: DmqLayout) -> Result<Vec<u8>, DmqError> {
    let entity = encode_signed_entity_type(&body.signed_entity_type, layout)?;
    let signature_len = u32::try_from(body.signature.len())
        .map_err(|_| malformed("a signature longer than 4 GiB"))?;
    let mut out = Vec::with_capacity(6 + entity.len() + body.signature.len());
    out.extend_from_slice(&(entity.len() as u16).to_be_bytes());
    out.extend_from_slice(&entity);
    out.extend_from_slice(&signature_len.to_be_bytes());
    out.extend_from_slice(&body.signature);
    if out.len() > MAX_BODY_BYTES {
        return Err(DmqError::TooLarge(out.len()));
    }
    Ok(out)
}

/// The bincode of a signed entity type as a release of `layout` writes it.
pub fn encode_signed_entity_type(
    value: &SignedEntityType,
    layout: DmqLayout,
) -> Result<Vec<u8>, DmqError> {
    let (position, fields) = layout.position_of(value)?;
    let mut out = bincode::encode_to_vec(position, config()).expect("integers encode");
    for field in fields {
        out.extend(bincode::encode_to_vec(field, config()).expect("integers encode"));
    }
    Ok(out)
}

/// Reads a batch body by body: each body's result, in order, so one bad body never costs the
/// others.
pub fn decode_batch<'a>(
    bodies: impl IntoIterator<Item = &'a [u8]>,
    layout: DmqLayout,
) -> Vec<Result<DmqSignatureBody, DmqError>> {
    bodies
        .into_iter()
        .map(|body| decode_body(body, layout))
        .collect()
}

/// A DMQ message (CIP-0137) as pallas-network defines it: the id, the payload (body, KES
/// period, expiry), the KES signature, the operational certificate and the cold key.
pub use pallas_network::miniprotocols::localmsgsubmission::{
    DmqMsg, DmqMsgOperationalCertificate, DmqMsgPayload,
};

use crate::cardano::{KesSignature, OperationalCertificate, PoolId, PoolKeyError, PoolKeys};
use pallas_codec::minicbor;

/// Largest DMQ message read (bytes of CBOR).
pub const MAX_MESSAGE_BYTES: usize = 96 * 1024;
/// The time to live Mithril's signer gives a DMQ message (`DMQ_MESSAGE_TTL_IN_SECONDS`).
pub const DEFAULT_TTL_SECONDS: u32 = 1800;

/// Why a DMQ message was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DmqMessageError {
    /// Not the CBOR of a DMQ message.
    #[error("malformed DMQ message: {0}")]
    Malformed(String),
    /// The message id is not the Blake2b-256 of the payload's signed bytes.
    #[error("the message id is not the Blake2b-256 of the payload")]
    BadMessageId,
    /// The message expired.
    #[error("the message expired at {expires_at} (now {now})")]
    Expired {
        /// Its expiry (Unix seconds).
        expires_at: u32,
        /// The time it was checked at.
        now: u64,
    },
    /// The operational certificate or the KES signature does not verify.
    #[error("the pool's keys refuse the message: {0}")]
    PoolKeys(#[from] PoolKeyError),
    /// The KES period is before the certificate's start.
    #[error("KES period {kes_period} is before the certificate's start {start}")]
    KesPeriodBeforeCertificate {
        /// The payload's KES period.
        kes_period: u64,
        /// The certificate's start.
        start: u64,
    },
}

/// The message id Mithril computes: Blake2b-256 of the payload's signed bytes (its CBOR).
pub fn message_id(payload: &DmqMsgPayload) -> [u8; 32] {
    let bytes = payload
        .bytes_to_sign()
        .expect("encoding to a vector cannot fail");
    *pallas_crypto::hash::Hasher::<256>::hash(&bytes)
}

/// Reads the CBOR of a DMQ message.
pub fn decode_message(bytes: &[u8]) -> Result<DmqMsg, DmqMessageError> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(DmqMessageError::Malformed(format!(
            "{} bytes exceed {MAX_MESSAGE_BYTES}",
            bytes.len()
        )));
    }
    let mut decoder = minicbor::Decoder::new(bytes);
    let message: DmqMsg = decoder
        .decode()
        .map_err(|e| DmqMessageError::Malformed(e.to_string()))?;
    if decoder.position() != bytes.len() {
        return Err(DmqMessageError::Malformed(format!(
            "{} bytes after the message",
            bytes.len() - decoder.position()
        )));
    }
    Ok(message)
}

/// The CBOR of a DMQ message.
pub fn encode_message(message: &DmqMsg) -> Vec<u8> {
    minicbor::to_vec(message).expect("encoding to a vector cannot fail")
}

/// Builds the DMQ message that carries `body`, as Mithril's signer does
/// (`internal/mithril-dmq/src/model/builder.rs`): signed with the pool's KES key at
/// `kes_period` (the keys must have evolved to it), expiring at `expires_at` (Unix seconds).
pub fn build_message(keys: &PoolKeys, body: Vec<u8>, kes_period: u64, expires_at: u32) -> DmqMsg {
    let payload = DmqMsgPayload {
        msg_body: body,
        kes_period,
        expires_at,
    };
    let signed = payload
        .bytes_to_sign()
        .expect("encoding to a vector cannot fail");
    let certificate = keys.certificate();
    DmqMsg {
        msg_id: message_id(&payload).to_vec(),
        kes_signature: keys.kes_key().sign(&signed).to_bytes().to_vec(),
        msg_payload: payload,
        operational_certificate: DmqMsgOperationalCertificate {
            kes_vk: certificate.kes_verification_key().to_vec(),
            issue_number: certificate.issue_number(),
            start_kes_period: certificate.start_kes_period(),
            cert_sig: certificate.cold_signature().to_vec(),
        },
        cold_verification_key: certificate.cold_verification_key().to_vec(),
    }
}

/// A DMQ message whose id, expiry, certificate and KES signature were checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedDmqMessage {
    /// The pool that sent it (from its cold key, as Mithril derives the party id).
    pub pool: PoolId,
    /// The message id.
    pub id: [u8; 32],
    /// The body.
    pub body: Vec<u8>,
    /// Its expiry (Unix seconds).
    pub expires_at: u32,
}

fn fixed<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N], DmqMessageError> {
    bytes.try_into().map_err(|_| {
        DmqMessageError::Malformed(format!("{what} has {} bytes, not {N}", bytes.len()))
    })
}

/// Checks a DMQ message at `now` (Unix seconds): the id is the payload's Blake2b-256, it has not
/// expired, the cold key signed the operational certificate, and the certified KES key signed
/// the payload at its KES period (one evolution either side, as Mithril's KES verifier allows).
pub fn verify_message(message: &DmqMsg, now: u64) -> Result<VerifiedDmqMessage, DmqMessageError> {
    let id = message_id(&message.msg_payload);
    if message.msg_id != id {
        return Err(DmqMessageError::BadMessageId);
    }
    if u64::from(message.msg_payload.expires_at) < now {
        return Err(DmqMessageError::Expired {
            expires_at: message.msg_payload.expires_at,
            now,
        });
    }
    let opcert = &message.operational_certificate;
    let certificate = OperationalCertificate::from_parts(
        fixed(&opcert.kes_vk, "the KES verification key")?,
        opcert.issue_number,
        opcert.start_kes_period,
        fixed(&opcert.cert_sig, "the certificate's signature")?,
        fixed(&message.cold_verification_key, "the cold verification key")?,
    );
    certificate.verify()?;
    let evolutions = message
        .msg_payload
        .kes_period
        .checked_sub(opcert.start_kes_period)
        .ok_or(DmqMessageError::KesPeriodBeforeCertificate {
            kes_period: message.msg_payload.kes_period,
            start: opcert.start_kes_period,
        })?;
    let signed = message
        .msg_payload
        .bytes_to_sign()
        .expect("encoding to a vector cannot fail");
    KesSignature::from_bytes(&message.kes_signature)?.verify(
        certificate.kes_verification_key(),
        &signed,
        evolutions,
    )?;
    Ok(VerifiedDmqMessage {
        pool: certificate.pool_id(),
        id,
        body: message.msg_payload.msg_body.clone(),
        expires_at: message.msg_payload.expires_at,
    })
}
