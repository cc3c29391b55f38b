//! The protocol message: what signers sign for a signed entity.

use std::collections::BTreeMap;

/// The parts of the message signers sign for a signed entity (a digest of the artifact, the next
/// aggregate verification key, …), by part name, in name order.
///
/// How the parts become the signed message depends on the era (see
/// `crate::era::Era::compose_signed_message`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProtocolMessage {
    parts: BTreeMap<String, String>,
}

impl ProtocolMessage {
    /// An empty message.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a part, replacing any previous value.
    pub fn set(&mut self, part: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.parts.insert(part.into(), value.into());
        self
    }

    /// The value of a part.
    pub fn get(&self, part: &str) -> Option<&str> {
        self.parts.get(part).map(String::as_str)
    }

    /// The parts, in name order.
    pub fn parts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.parts
            .iter()
            .map(|(part, value)| (part.as_str(), value.as_str()))
    }
}
