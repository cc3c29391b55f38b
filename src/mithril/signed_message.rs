//! The signed message: the protocol message's digest, as Mithril computes it, in hex.
//!
//! Signers sign the bytes of this lowercase hex string (`ProtocolMessage::compute_hash` in
//! `mithril-common/src/entities/protocol_message.rs`); a certificate's `signed_message` is the same
//! string. Golden vectors made with `mithril-common` 0.8.3 pin it
//! (`tests/vectors/upstream/protocol_messages.json`).

use serde_json::Value;

use super::snark_avk;
use crate::domain::{DigestError, HashScheme, ProtocolMessage, SignedMessage};
use crate::era::Era;

/// The signed message of `message` under its own hash scheme.
pub fn signed_message(message: &ProtocolMessage) -> Result<SignedMessage, DigestError> {
    let digest = message.digest(|value| snark_avk::rigid_slot(value).map_err(|e| e.to_string()))?;
    Ok(SignedMessage::new(hex::encode(digest)).expect("a hex digest is a valid signed message"))
}

/// The signed message of `message` as nodes compose it during `era`: the era's hash scheme
/// ([`Era::hash_scheme`]) replaces the message's own.
pub fn compose(era: Era, message: &ProtocolMessage) -> Result<SignedMessage, DigestError> {
    let mut message = message.clone();
    message.set_hash_scheme(era.hash_scheme());
    signed_message(&message)
}

/// Why a protocol message could not be read from JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolMessageJsonError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON, but neither `{part: value}` nor Mithril's `ProtocolMessage`.
    #[error("{0}")]
    Shape(String),
}

/// Reads a protocol message from either form:
/// - `{"part name": value, …}`, values as strings or JSON numbers (written in decimal);
/// - `mithril-common`'s own `ProtocolMessage` JSON: `{"message_parts": {…}, "hash_scheme": …}`
///   (`hash_scheme` omitted means `legacy`).
///
/// Part names this build does not know are kept as unknown parts.
pub fn from_json(text: &str) -> Result<ProtocolMessage, ProtocolMessageJsonError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| ProtocolMessageJsonError::NotJson(e.to_string()))?;
    let object = value
        .as_object()
        .ok_or_else(|| ProtocolMessageJsonError::Shape("expected a JSON object".into()))?;
    let (parts, scheme) = match object.get("message_parts") {
        Some(parts) => {
            for key in object.keys() {
                if key != "message_parts" && key != "hash_scheme" {
                    return Err(ProtocolMessageJsonError::Shape(format!(
                        "unexpected member {key:?} beside message_parts"
                    )));
                }
            }
            let parts = parts.as_object().ok_or_else(|| {
                ProtocolMessageJsonError::Shape("message_parts must be an object".into())
            })?;
            let scheme = match object.get("hash_scheme") {
                None => HashScheme::Legacy,
                Some(Value::String(name)) => HashScheme::from_name(name),
                Some(_) => {
                    return Err(ProtocolMessageJsonError::Shape(
                        "hash_scheme must be a string".into(),
                    ));
                }
            };
            (parts, scheme)
        }
        None => (object, HashScheme::Legacy),
    };
    let mut message = ProtocolMessage::with_scheme(scheme);
    for (name, value) in parts {
        let value = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) if number.is_u64() => number.to_string(),
            _ => {
                return Err(ProtocolMessageJsonError::Shape(format!(
                    "part {name:?}: expected a string or a non-negative integer"
                )));
            }
        };
        message.set_by_name(name, value);
    }
    Ok(message)
}

/// Writes `mithril-common`'s `ProtocolMessage` JSON, compact, byte for byte as upstream's serde
/// writes it: `message_parts` in hash order (then any unknown parts, by name), and `hash_scheme`
/// only when it is not `legacy`.
pub fn to_json(message: &ProtocolMessage) -> String {
    let quoted = |text: &str| Value::String(text.to_owned()).to_string();
    let parts: Vec<String> = message
        .parts()
        .map(|(part, value)| (part.name(), value))
        .chain(message.unknown_parts())
        .map(|(name, value)| format!("{}:{}", quoted(name), quoted(value)))
        .collect();
    let mut out = format!("{{\"message_parts\":{{{}}}", parts.join(","));
    if *message.hash_scheme() != HashScheme::Legacy {
        out.push_str(&format!(
            ",\"hash_scheme\":{}",
            quoted(message.hash_scheme().name())
        ));
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PartKey;

    #[test]
    fn both_json_forms_read_the_same_message() {
        let flat = from_json(r#"{"current_epoch": 12, "next_protocol_parameters": "ab"}"#).unwrap();
        let mithril = from_json(
            r#"{"message_parts": {"next_protocol_parameters": "ab", "current_epoch": "12"}}"#,
        )
        .unwrap();
        assert_eq!(flat, mithril);
        assert_eq!(mithril.get(PartKey::CurrentEpoch), Some("12"));
        assert_eq!(
            to_json(&mithril),
            r#"{"message_parts":{"next_protocol_parameters":"ab","current_epoch":"12"}}"#
        );
    }

    #[test]
    fn rigid_and_unknown_schemes_survive_json() {
        let rigid = from_json(r#"{"message_parts": {}, "hash_scheme": "rigid"}"#).unwrap();
        assert_eq!(rigid.hash_scheme(), &HashScheme::Rigid);
        assert_eq!(
            to_json(&rigid),
            r#"{"message_parts":{},"hash_scheme":"rigid"}"#
        );
        let future = from_json(r#"{"message_parts": {"x": "1"}, "hash_scheme": "z"}"#).unwrap();
        assert_eq!(
            to_json(&future),
            r#"{"message_parts":{"x":"1"},"hash_scheme":"z"}"#
        );
        assert_eq!(
            signed_message(&future),
            Err(DigestError::UnknownScheme("z".into()))
        );
        let mut known_scheme = future.clone();
        known_scheme.set_hash_scheme(HashScheme::Legacy);
        assert_eq!(
            signed_message(&known_scheme),
            Err(DigestError::UnknownPart("x".into()))
        );
    }

    #[test]
    fn bad_json_is_a_typed_error() {
        assert!(matches!(
            from_json("{"),
            Err(ProtocolMessageJsonError::NotJson(_))
        ));
        assert!(matches!(
            from_json("[]"),
            Err(ProtocolMessageJsonError::Shape(_))
        ));
        assert!(matches!(
            from_json(r#"{"current_epoch": -1}"#),
            Err(ProtocolMessageJsonError::Shape(_))
        ));
        assert!(matches!(
            from_json(r#"{"message_parts": {}, "extra": 1}"#),
            Err(ProtocolMessageJsonError::Shape(_))
        ));
    }

    #[test]
    fn eras_choose_the_scheme() {
        let mut message = ProtocolMessage::new();
        message.set(PartKey::CurrentEpoch, "3");
        message.set(PartKey::NextProtocolParameters, "11".repeat(32));
        let pythagoras = compose(Era::Pythagoras, &message).unwrap();
        assert_eq!(pythagoras, signed_message(&message).unwrap());
        // Lagrange needs the SNARK AVK part.
        assert_eq!(
            compose(Era::Lagrange, &message),
            Err(DigestError::MissingPart(
                PartKey::NextSnarkAggregateVerificationKey
            ))
        );
        message.set(
            PartKey::NextSnarkAggregateVerificationKey,
            snark_avk::test_key(9),
        );
        assert_ne!(compose(Era::Lagrange, &message).unwrap(), pythagoras);
    }
}
