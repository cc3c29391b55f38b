//! How a readiness declaration reached the monitor, and so how far it can be trusted.

use std::fmt;

use crate::domain::{Epoch, NetworkMagic, SignerRegistration};

use super::store::RegistrationWire;

/// How a declaration of node info reached the monitor.
///
/// This is *declared* readiness, classed by how much of it is proven to be the pool's word;
/// reports show the stake in each class, and [`ReadinessConfig::counted`] says which classes
/// count as ready (verified only, by default).
///
/// [`ReadinessConfig::counted`]: super::ReadinessConfig::counted
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Provenance {
    /// Signed by the pool: the operational certificate is signed by the pool's cold key, the
    /// party id is that key's pool, the KES key it certifies signed the verification key (as
    /// Mithril checks a registration) and the node info statement for this network and epoch.
    Verified,
    /// Declared inside the registration, but not proven to be the pool's word.
    Unverified(UnverifiedReason),
    /// Only today's `signer-node-version` HTTP header: a software version and nothing else,
    /// unsigned, and lost by any proxy that strips it.
    HeaderOnly,
}

/// The three classes of [`Provenance`], for counting and configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ProvenanceClass {
    /// [`Provenance::Verified`].
    Verified,
    /// [`Provenance::Unverified`].
    Unverified,
    /// [`Provenance::HeaderOnly`].
    HeaderOnly,
}

impl ProvenanceClass {
    /// Every class, in order of trust.
    pub const ALL: [ProvenanceClass; 3] = [Self::Verified, Self::Unverified, Self::HeaderOnly];

    /// The class's name (`verified`, `unverified`, `header_only`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Unverified => "unverified",
            Self::HeaderOnly => "header_only",
        }
    }
}

impl fmt::Display for ProvenanceClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which provenance classes count as ready stake (verified only, by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CountedClasses {
    /// Count [`Provenance::Verified`] declarations.
    pub verified: bool,
    /// Count [`Provenance::Unverified`] declarations.
    pub unverified: bool,
    /// Count [`Provenance::HeaderOnly`] declarations (they never declare an era, so this only
    /// matters to shares of software versions).
    pub header_only: bool,
}

impl CountedClasses {
    /// Verified declarations only: the default.
    pub const VERIFIED: Self = Self {
        verified: true,
        unverified: false,
        header_only: false,
    };
    /// Every declaration, whoever made it: what a network without pool keys (a devnet) uses.
    pub const ALL: Self = Self {
        verified: true,
        unverified: true,
        header_only: true,
    };

    /// One class only.
    pub fn only(class: ProvenanceClass) -> Self {
        Self {
            verified: class == ProvenanceClass::Verified,
            unverified: class == ProvenanceClass::Unverified,
            header_only: class == ProvenanceClass::HeaderOnly,
        }
    }

    /// Whether the class counts.
    pub fn contains(self, class: ProvenanceClass) -> bool {
        match class {
            ProvenanceClass::Verified => self.verified,
            ProvenanceClass::Unverified => self.unverified,
            ProvenanceClass::HeaderOnly => self.header_only,
        }
    }
}

impl Default for CountedClasses {
    fn default() -> Self {
        Self::VERIFIED
    }
}

/// Why a declaration is not verified.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum UnverifiedReason {
    /// The registration carries no node info signature.
    Unsigned,
    /// Whoever recorded it did not check the signature (a build without the `kes` feature, or
    /// a record written before signatures were checked).
    NotChecked,
    /// A node info signature without the operational certificate and KES evolutions it needs.
    MissingCertification,
    /// The operational certificate is not one (bad CBOR or JSON, wrong sizes).
    MalformedOperationalCertificate(String),
    /// A KES signature is not one (wrong size, bad encoding).
    MalformedKesSignature(String),
    /// The verification key cannot be read as the bytes its KES signature covers.
    MalformedVerificationKey(String),
    /// The operational certificate's signature does not verify with its cold key.
    OperationalCertificateSignature,
    /// The party id is not the pool of the operational certificate's cold key.
    WrongPool {
        /// The pool of the cold key (bech32 `pool1…`).
        certified: String,
    },
    /// The KES evolutions are past the last period of the key (a Sum6 key has 64).
    KesExpired {
        /// The declared evolutions.
        evolutions: u64,
    },
    /// The KES signature of the verification key does not verify at the declared evolutions
    /// (Mithril's check, which allows one evolution either side).
    VerificationKeySignature,
    /// The node info signature verifies only at another KES period than the declared one.
    WrongKesPeriod {
        /// The declared evolutions.
        declared: u64,
        /// The evolutions the signature was made at.
        signed_at: u64,
    },
    /// The node info signature is for another epoch (a replay).
    SignedForOtherEpoch {
        /// The epoch it was made for.
        epoch: Epoch,
    },
    /// The node info signature is for another network.
    SignedForOtherNetwork {
        /// The network it was made for.
        network: NetworkMagic,
    },
    /// The node info signature does not verify: the node info was altered after signing, or
    /// another key signed it.
    NodeInfoSignature,
}

impl UnverifiedReason {
    /// The reason's name, without its details (`node_info_signature`, `wrong_pool`, …).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Unsigned => "unsigned",
            Self::NotChecked => "not_checked",
            Self::MissingCertification => "missing_certification",
            Self::MalformedOperationalCertificate(_) => "malformed_operational_certificate",
            Self::MalformedKesSignature(_) => "malformed_kes_signature",
            Self::MalformedVerificationKey(_) => "malformed_verification_key",
            Self::OperationalCertificateSignature => "operational_certificate_signature",
            Self::WrongPool { .. } => "wrong_pool",
            Self::KesExpired { .. } => "kes_expired",
            Self::VerificationKeySignature => "verification_key_signature",
            Self::WrongKesPeriod { .. } => "wrong_kes_period",
            Self::SignedForOtherEpoch { .. } => "signed_for_other_epoch",
            Self::SignedForOtherNetwork { .. } => "signed_for_other_network",
            Self::NodeInfoSignature => "node_info_signature",
        }
    }
}

impl fmt::Display for UnverifiedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsigned => f.write_str("no node info signature"),
            Self::NotChecked => f.write_str("signature not checked"),
            Self::MissingCertification => {
                f.write_str("signed, but without operational certificate or KES evolutions")
            }
            Self::MalformedOperationalCertificate(why) => {
                write!(f, "malformed operational certificate: {why}")
            }
            Self::MalformedKesSignature(why) => write!(f, "malformed KES signature: {why}"),
            Self::MalformedVerificationKey(why) => write!(f, "malformed verification key: {why}"),
            Self::OperationalCertificateSignature => {
                f.write_str("the operational certificate's cold signature does not verify")
            }
            Self::WrongPool { certified } => {
                write!(f, "the operational certificate is {certified}'s")
            }
            Self::KesExpired { evolutions } => {
                write!(
                    f,
                    "KES key expired ({evolutions} evolutions, a key has 64 periods)"
                )
            }
            Self::VerificationKeySignature => {
                f.write_str("the KES signature of the verification key does not verify")
            }
            Self::WrongKesPeriod {
                declared,
                signed_at,
            } => write!(
                f,
                "node info signed at {signed_at} KES evolutions, {declared} declared"
            ),
            Self::SignedForOtherEpoch { epoch } => {
                write!(f, "node info signed for epoch {epoch}")
            }
            Self::SignedForOtherNetwork { network } => {
                write!(f, "node info signed for {network}")
            }
            Self::NodeInfoSignature => {
                f.write_str("the node info signature does not verify (altered, or another key)")
            }
        }
    }
}

impl Provenance {
    /// The class.
    pub fn class(&self) -> ProvenanceClass {
        match self {
            Self::Verified => ProvenanceClass::Verified,
            Self::Unverified(_) => ProvenanceClass::Unverified,
            Self::HeaderOnly => ProvenanceClass::HeaderOnly,
        }
    }

    /// The provenance of a registration whose signature nobody checked: header-only for a JSON
    /// registration that declares nothing but a software version, unsigned when it carries no
    /// signature, not checked otherwise. With the `kes` feature,
    /// [`cardano::certify`](crate::cardano::certify) checks the signature.
    pub fn unchecked(registration: &SignerRegistration, wire: RegistrationWire) -> Self {
        let info = &registration.node_info;
        let declares_nothing = info.supported_eras().is_empty()
            && info.wire_versions().is_empty()
            && info.distribution_version().is_none()
            && info.database_version().is_none()
            && info.protocol_versions().is_empty();
        match &registration.node_info_signature {
            None if wire == RegistrationWire::Json && declares_nothing => Self::HeaderOnly,
            None => Self::Unverified(UnverifiedReason::Unsigned),
            Some(_) => Self::Unverified(UnverifiedReason::NotChecked),
        }
    }
}

impl Default for Provenance {
    /// What a record written before provenance was kept is: not checked.
    fn default() -> Self {
        Self::Unverified(UnverifiedReason::NotChecked)
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Verified => f.write_str("verified"),
            Self::Unverified(reason) => write!(f, "unverified ({reason})"),
            Self::HeaderOnly => f.write_str("header-only"),
        }
    }
}

#[cfg(all(test, feature = "test-support"))]
mod tests {
    use super::*;
    use crate::domain::{NodeInfo, SoftwareVersion, WireVersionId};
    use crate::samples;

    #[test]
    fn unchecked_provenance_says_what_is_known_without_crypto() {
        let mut registration = samples::signer_registration();
        assert_eq!(
            Provenance::unchecked(&registration, RegistrationWire::Json),
            Provenance::Unverified(UnverifiedReason::NotChecked)
        );
        registration.node_info_signature = None;
        let wire = RegistrationWire::Protobuf(WireVersionId::new(2).unwrap());
        assert_eq!(
            Provenance::unchecked(&registration, wire),
            Provenance::Unverified(UnverifiedReason::Unsigned)
        );
        registration.node_info =
            NodeInfo::new(SoftwareVersion::new("0.2.1").unwrap(), vec![], vec![]).unwrap();
        assert_eq!(
            Provenance::unchecked(&registration, RegistrationWire::Json),
            Provenance::HeaderOnly
        );
        assert_eq!(Provenance::HeaderOnly.class(), ProvenanceClass::HeaderOnly);
    }
}
