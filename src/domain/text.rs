//! Bounded text fields.

use std::fmt;

use super::limits;
use crate::{ValidationError, Violation};

/// Checks that `text` is non-empty, at most `max` bytes, and made of `allowed` bytes (every
/// allowed character is ASCII).
#[inline]
fn check_text(
    text: &str,
    max: usize,
    allowed: impl Fn(u8) -> bool + Copy,
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
    // The common case, valid text, in one branch-free pass that the compiler vectorizes; the
    // position of the first bad byte is looked for only on failure.
    let rejected = text
        .bytes()
        .fold(0u8, |rejected, byte| rejected | u8::from(!allowed(byte)));
    if rejected != 0 {
        // Every byte before the first rejected one is ASCII, so the position is a character
        // boundary.
        let position = text
            .bytes()
            .position(|byte| !allowed(byte))
            .unwrap_or_default();
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

            /// Checks text without taking it.
            #[allow(dead_code, reason = "used for some of the text types only")]
            pub(crate) fn check(text: &str) -> Result<(), ValidationError> {
                check_text(text, $max, $allowed, $allowed_words)
            }

            /// Wraps text that [`Self::check`] accepted.
            #[allow(dead_code, reason = "used for some of the text types only")]
            pub(crate) fn from_checked(text: String) -> Self {
                debug_assert!(Self::check(&text).is_ok());
                Self(text)
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

/// `!` to `~`: printable ASCII without the space.
fn is_visible_ascii(byte: u8) -> bool {
    byte.wrapping_sub(b'!') <= b'~' - b'!'
}

fn is_era_name_char(byte: u8) -> bool {
    // Non-short-circuit `|`: no branch per byte.
    byte.is_ascii_lowercase() | byte.is_ascii_digit() | (byte == b'_') | (byte == b'-')
}

/// ` ` to `~`: printable ASCII with the space.
fn is_printable_ascii(byte: u8) -> bool {
    byte.wrapping_sub(b' ') <= b'~' - b' '
}

bounded_text!(
    /// Short descriptive text an aggregator publishes: an API version, a documentation URL, a
    /// network or node version name (printable ASCII, 1 to 512 bytes).
    Label,
    limits::MAX_LABEL_BYTES,
    is_printable_ascii,
    "printable ASCII"
);

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
    fn byte_classes_match_their_definitions() {
        for byte in 0..=u8::MAX {
            let c = char::from(byte);
            assert_eq!(is_visible_ascii(byte), c.is_ascii_graphic(), "byte {byte}");
            assert_eq!(
                is_era_name_char(byte),
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-',
                "byte {byte}"
            );
        }
    }

    #[test]
    fn the_first_bad_character_is_named_wherever_it_is() {
        for (text, expected) in [
            (
                format!("{}\u{7f}{}", "a".repeat(100), "b".repeat(50)),
                '\u{7f}',
            ),
            (format!("{}é{}", "a".repeat(63), " "), 'é'),
            (format!("{} ", "f".repeat(4095)), ' '),
        ] {
            assert!(
                matches!(
                    SignedMessage::new(text).unwrap_err().violation(),
                    Violation::InvalidCharacter { character, .. } if *character == expected
                ),
                "{expected:?}"
            );
        }
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
