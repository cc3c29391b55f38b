//! Protocol parameters of the stake-based lottery.

use crate::{FieldPath, ValidationError, Violation};

/// Parameters of the lottery that decides which signers may sign: a certificate needs `k`
/// distinct winning indices out of `m`, and a party holding stake share `a` wins each index with
/// probability `1 - (1 - phi_f)^a`.
///
/// Valid by construction: `1 <= k <= m` and `phi_f` is a number in `(0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "RawProtocolParameters", into = "RawProtocolParameters")
)]
pub struct ProtocolParameters {
    k: u64,
    m: u64,
    phi_f: f64,
}

impl ProtocolParameters {
    /// Cardano mainnet's parameters: `k = 1944`, `m = 16 948`, `phi_f = 0.2`.
    pub const MAINNET: Self = Self {
        k: 1944,
        m: 16948,
        phi_f: 0.2,
    };

    /// Checks and builds protocol parameters.
    pub fn new(k: u64, m: u64, phi_f: f64) -> Result<Self, ValidationError> {
        if m == 0 {
            return Err(ValidationError::new(
                FieldPath::field("m"),
                Violation::OutOfRange {
                    value: "0".into(),
                    expected: "at least 1",
                },
            ));
        }
        if k == 0 || k > m {
            return Err(ValidationError::new(
                FieldPath::field("k"),
                Violation::OutOfRange {
                    value: k.to_string(),
                    expected: "1 to m",
                },
            ));
        }
        // Written so that NaN fails too.
        if !(phi_f > 0.0 && phi_f <= 1.0) {
            return Err(ValidationError::new(
                FieldPath::field("phi_f"),
                Violation::OutOfRange {
                    value: phi_f.to_string(),
                    expected: "a number in (0, 1]",
                },
            ));
        }
        Ok(Self { k, m, phi_f })
    }

    /// Quorum: distinct winning indices a certificate needs.
    pub fn k(&self) -> u64 {
        self.k
    }

    /// Number of lottery indices drawn per message.
    pub fn m(&self) -> u64 {
        self.m
    }

    /// Probability that a party holding all the stake wins one index.
    pub fn phi_f(&self) -> f64 {
        self.phi_f
    }

    /// `phi_f` in Mithril's fixed-point form: an unsigned 8.24 number (`fixed`'s `U8F24`),
    /// rounded to the nearest with ties to even, as `ProtocolParameters::phi_f_fixed` of
    /// `mithril-common/src/entities/protocol_parameters.rs`.
    pub fn phi_f_fixed_bits(&self) -> u32 {
        // Scaling by a power of two is exact; phi_f is at most 1, so the result fits.
        (self.phi_f * f64::from(1u32 << 24)).round_ties_even() as u32
    }

    /// The hash Mithril signs as `next_protocol_parameters`: lowercase hex of
    /// SHA-256(k as u64 BE ‖ m as u64 BE ‖ phi_f as U8F24 BE), as `ProtocolParameters::
    /// compute_hash` of `mithril-common` computes it.
    pub fn mithril_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(self.k.to_be_bytes());
        hasher.update(self.m.to_be_bytes());
        hasher.update(self.phi_f_fixed_bits().to_be_bytes());
        hex::encode(hasher.finalize())
    }
}

/// The unchecked form, for serde.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawProtocolParameters {
    k: u64,
    m: u64,
    phi_f: f64,
}

#[cfg(feature = "serde")]
impl TryFrom<RawProtocolParameters> for ProtocolParameters {
    type Error = ValidationError;

    fn try_from(raw: RawProtocolParameters) -> Result<Self, Self::Error> {
        Self::new(raw.k, raw.m, raw.phi_f)
    }
}

#[cfg(feature = "serde")]
impl From<ProtocolParameters> for RawProtocolParameters {
    fn from(value: ProtocolParameters) -> Self {
        Self {
            k: value.k,
            m: value.m,
            phi_f: value.phi_f,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<ProtocolParameters, ValidationError>) -> String {
        result.unwrap_err().path().to_string()
    }

    #[test]
    fn accepts_mainnet() {
        let parameters = ProtocolParameters::new(1944, 16948, 0.2).unwrap();
        assert_eq!(
            (parameters.k(), parameters.m(), parameters.phi_f()),
            (1944, 16948, 0.2)
        );
        assert!(ProtocolParameters::new(1, 1, 1.0).is_ok());
    }

    #[test]
    fn the_mainnet_constant_is_what_new_builds() {
        assert_eq!(
            Some(ProtocolParameters::MAINNET),
            ProtocolParameters::new(1944, 16948, 0.2).ok()
        );
    }

    #[test]
    fn rejects_out_of_range_values() {
        assert_eq!(field_of(ProtocolParameters::new(1, 0, 0.5)), "m");
        assert_eq!(field_of(ProtocolParameters::new(0, 10, 0.5)), "k");
        assert_eq!(field_of(ProtocolParameters::new(11, 10, 0.5)), "k");
        for phi_f in [0.0, -0.1, 1.000_001, f64::NAN, f64::INFINITY] {
            assert_eq!(field_of(ProtocolParameters::new(5, 10, phi_f)), "phi_f");
        }
    }
}
