//! The messages of the hub, by kind: for code that picks the kind at run time.

use std::fmt;
use std::str::FromStr;

use crate::domain::{
    AggregatorFeatures, AggregatorStatus, EpochSettings, ProtocolConfiguration, SignerRegistration,
    SingleSignature,
};

/// The messages every wire version carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageKind {
    /// A [`SignerRegistration`] (body of `RegisterSigner`, `POST /register-signer`).
    SignerRegistration,
    /// A [`SingleSignature`] (body of `RegisterSignature`, `POST /register-signatures`).
    SingleSignature,
    /// An [`EpochSettings`] (body of `GetEpochSettings`, `GET /epoch-settings`).
    EpochSettings,
    /// An [`AggregatorFeatures`] (body of `GET /`).
    AggregatorFeatures,
    /// A [`ProtocolConfiguration`] (body of `GET /protocol-configuration/{epoch}`).
    ProtocolConfiguration,
    /// An [`AggregatorStatus`] (body of `GET /status`).
    AggregatorStatus,
}

impl MessageKind {
    /// Every message kind.
    pub const ALL: &'static [MessageKind] = &[
        MessageKind::SignerRegistration,
        MessageKind::SingleSignature,
        MessageKind::EpochSettings,
        MessageKind::AggregatorFeatures,
        MessageKind::ProtocolConfiguration,
        MessageKind::AggregatorStatus,
    ];

    /// The name of the message in error paths (`single_signature`).
    pub const fn field_name(self) -> &'static str {
        match self {
            Self::SignerRegistration => "signer_registration",
            Self::SingleSignature => "single_signature",
            Self::EpochSettings => "epoch_settings",
            Self::AggregatorFeatures => "aggregator_features",
            Self::ProtocolConfiguration => "protocol_configuration",
            Self::AggregatorStatus => "aggregator_status",
        }
    }

    /// The protobuf message that carries this kind in every wire version (the hub type's
    /// name: `SignerRegistration`).
    pub const fn protobuf_name(self) -> &'static str {
        match self {
            Self::SignerRegistration => "SignerRegistration",
            Self::SingleSignature => "SingleSignature",
            Self::EpochSettings => "EpochSettings",
            Self::AggregatorFeatures => "AggregatorFeatures",
            Self::ProtocolConfiguration => "ProtocolConfiguration",
            Self::AggregatorStatus => "AggregatorStatus",
        }
    }

    /// The name on the command line, after today's routes (`register-signature`).
    pub const fn cli_name(self) -> &'static str {
        match self {
            Self::SignerRegistration => "register-signer",
            Self::SingleSignature => "register-signature",
            Self::EpochSettings => "epoch-settings",
            Self::AggregatorFeatures => "aggregator-features",
            Self::ProtocolConfiguration => "protocol-configuration",
            Self::AggregatorStatus => "aggregator-status",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cli_name())
    }
}

/// A message kind name this build does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown message {0:?} (expected register-signer, register-signature, epoch-settings, \
     aggregator-features, protocol-configuration or aggregator-status)"
)]
pub struct UnknownMessageKind(pub String);

impl FromStr for MessageKind {
    type Err = UnknownMessageKind;

    /// Accepts the command-line name (`register-signature`) or the field name (`single_signature`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        MessageKind::ALL
            .iter()
            .copied()
            .find(|kind| text == kind.cli_name() || text == kind.field_name())
            .ok_or_else(|| UnknownMessageKind(text.to_owned()))
    }
}

/// Any message of the hub, for code that picks the kind at run time.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum HubMessage {
    /// A signer registration.
    SignerRegistration(SignerRegistration),
    /// A single signature.
    SingleSignature(SingleSignature),
    /// Epoch settings.
    EpochSettings(EpochSettings),
    /// An aggregator's features.
    AggregatorFeatures(AggregatorFeatures),
    /// The protocol configuration of an epoch.
    ProtocolConfiguration(ProtocolConfiguration),
    /// An aggregator's status.
    AggregatorStatus(AggregatorStatus),
}

impl HubMessage {
    /// The kind of the message.
    pub fn kind(&self) -> MessageKind {
        match self {
            Self::SignerRegistration(_) => MessageKind::SignerRegistration,
            Self::SingleSignature(_) => MessageKind::SingleSignature,
            Self::EpochSettings(_) => MessageKind::EpochSettings,
            Self::AggregatorFeatures(_) => MessageKind::AggregatorFeatures,
            Self::ProtocolConfiguration(_) => MessageKind::ProtocolConfiguration,
            Self::AggregatorStatus(_) => MessageKind::AggregatorStatus,
        }
    }
}

/// A hub type that travels as a message of its own.
pub trait HubType: Sized {
    /// Its kind.
    const KIND: MessageKind;

    /// The value as a [`HubMessage`].
    fn into_message(self) -> HubMessage;

    /// The value of a [`HubMessage`] of this kind; `None` when it is of another.
    fn from_message(message: HubMessage) -> Option<Self>;
}

macro_rules! hub_types {
    ($($name:ident),* $(,)?) => {
        $(
            impl HubType for $name {
                const KIND: MessageKind = MessageKind::$name;

                fn into_message(self) -> HubMessage {
                    HubMessage::$name(self)
                }

                fn from_message(message: HubMessage) -> Option<Self> {
                    match message {
                        HubMessage::$name(value) => Some(value),
                        _ => None,
                    }
                }
            }

            impl From<$name> for HubMessage {
                fn from(value: $name) -> Self {
                    HubMessage::$name(value)
                }
            }
        )*
    };
}

hub_types!(
    SignerRegistration,
    SingleSignature,
    EpochSettings,
    AggregatorFeatures,
    ProtocolConfiguration,
    AggregatorStatus,
);
