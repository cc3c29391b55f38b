//! Bounded text fields.

use std::fmt;

use super::limits;
use crate::{ValidationError, Violation};

/// Checks that `text` is non-empty, at most `max` bytes, and made of `allowed` characters.
fn check_text(
    text: &str,
    max: usize,
    allowed: fn(char) -> bool,
    allowed_words: &'static str,
) -> Result<(), ValidationError> {
    if text.is_empty() {
        return Err(ValidationError::here(Violation::Empty));
    }
    if text.len() > max {
        return Err(ValidationError::here(Violation::TooLong {
            len: text.len(),
            max,
        }));
    }
    // Every allowed character is ASCII: one pass over the bytes, and a character only for the
    // error.
    if let Some(position) = text
        .bytes()
        .position(|byte| !(byte.is_ascii() && allowed(char::from(byte))))
    {
        let character = text[position..].chars().next().unwrap_or('\u{fffd}');
        return Err(ValidationError::here(Violation::InvalidCharacter {
            character,
            allowed: allowed_words,
        }));
    }
    Ok(())
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $max:expr, $allowed:expr, $allowed_words:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(
            feature = "serde",
            derive(serde::Serialize, serde::Deserialize),
            serde(try_from = "String", into = "String")
        )]
        pub struct $name(String);

        impl $name {
            /// The longest value allowed (bytes).
            pub const MAX_BYTES: usize = $max;

            /// Checks and wraps the text.
            pub fn new(text: impl Into<String>) -> Result<Self, ValidationError> {
                let text = text.into();
                check_text(&text, $max, $allowed, $allowed_words)?;
                Ok(Self(text))
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::new(text)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;

            fn try_from(text: &str) -> Result<Self, Self::Error> {
                Self::new(text)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fn is_visible_ascii(c: char) -> bool {
    c.is_ascii_graphic()
}

fn is_era_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
}

bounded_text!(
    /// Identifier of a signing party: a stake pool id such as `pool1…` (visible ASCII, 1 to 128
    /// bytes).
    PartyId,
    limits::MAX_PARTY_ID_BYTES,
    is_visible_ascii,
    "visible ASCII"
);

bounded_text!(
    /// Version of a node's software as the node declares it, such as `0.2.5` (visible ASCII, 1 to
    /// 64 bytes).
    SoftwareVersion,
    limits::MAX_SOFTWARE_VERSION_BYTES,
    is_visible_ascii,
    "visible ASCII"
);

bounded_text!(
    /// The name of an era as nodes exchange it, such as `pythagoras` (lowercase letters, digits,
    /// `_` and `-`, 1 to 32 bytes). Names this build does not know are valid era names.
    EraName,
    limits::MAX_ERA_NAME_BYTES,
    is_era_name_char,
    "lowercase letters, digits, '_' and '-'"
);

bounded_text!(
    /// The message a single signature signs, as text: the hex digest of the protocol message
    /// (visible ASCII, 1 to 4096 bytes).
    SignedMessage,
    limits::MAX_SIGNED_MESSAGE_BYTES,
    is_visible_ascii,
    "visible ASCII"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_id_rules() {
        assert_eq!(PartyId::new("pool1abc").unwrap().as_str(), "pool1abc");
        assert_eq!(PartyId::new("").unwrap_err().violation(), &Violation::Empty);
        assert!(matches!(
            PartyId::new("pool 1").unwrap_err().violation(),
            Violation::InvalidCharacter { character: ' ', .. }
        ));
        assert_eq!(
            PartyId::new("p".repeat(129)).unwrap_err().violation(),
            &Violation::TooLong { len: 129, max: 128 }
        );
        assert!(PartyId::new("p".repeat(128)).is_ok());
    }

    #[test]
    fn era_name_rules() {
        assert!(EraName::new("pythagoras").is_ok());
        assert!(EraName::new("era-2_b").is_ok());
        assert!(matches!(
            EraName::new("Lagrange").unwrap_err().violation(),
            Violation::InvalidCharacter { character: 'L', .. }
        ));
    }

    #[test]
    fn multibyte_text_is_rejected_by_character_not_split() {
        assert!(matches!(
            SoftwareVersion::new("1.0-é").unwrap_err().violation(),
            Violation::InvalidCharacter {
                character: 'é', ..
            }
        ));
    }
}
