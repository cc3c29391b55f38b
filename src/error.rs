//! Typed errors.
//!
//! Every error that is about a value names the field it is about with a [`FieldPath`] such as
//! `single_signature.won_indexes[3]`, so that a node operator reading a log line knows which part
//! of which message was wrong.

use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A named field.
    Field(&'static str),
    /// An element of a repeated field.
    Index(usize),
}

/// The location of a field inside a message, outermost first (`epoch_settings.next_signers[2].stake`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The empty path: the value itself.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// A path of one named field.
    pub fn field(name: &'static str) -> Self {
        Self(vec![Segment::Field(name)])
    }

    /// This path followed by a named field.
    pub fn then(mut self, name: &'static str) -> Self {
        self.0.push(Segment::Field(name));
        self
    }

    /// This path followed by an index into a repeated field.
    pub fn then_index(mut self, index: usize) -> Self {
        self.0.push(Segment::Index(index));
        self
    }

    /// This path followed by another.
    pub fn join(mut self, other: &FieldPath) -> Self {
        self.0.extend(other.0.iter().cloned());
        self
    }

    /// The steps of the path, outermost first.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Whether the path names the value itself.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    fn prepend(&mut self, segment: Segment) {
        self.0.insert(0, segment);
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("<value>");
        }
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Field(name) if position == 0 => f.write_str(name)?,
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// What is wrong with a value.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Violation {
    /// A required field is absent.
    Missing,
    /// A field that must not be empty is empty.
    Empty,
    /// A byte or text field is longer than its bound.
    TooLong {
        /// Its length (bytes).
        len: usize,
        /// The bound (bytes).
        max: usize,
    },
    /// A repeated field has more entries than its bound.
    TooManyEntries {
        /// Its number of entries.
        count: usize,
        /// The bound.
        max: usize,
    },
    /// A number is outside the range the protocol allows.
    OutOfRange {
        /// The value, as text.
        value: String,
        /// The allowed range, in words.
        expected: &'static str,
    },
    /// A sequence that must be strictly increasing is not.
    NotStrictlyIncreasing {
        /// The entry before.
        previous: u64,
        /// The entry that is not greater.
        value: u64,
    },
    /// A value that must be unique appears twice.
    Duplicate {
        /// The repeated value, as text.
        value: String,
    },
    /// Text with a character its field does not allow.
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// What the field allows, in words.
        allowed: &'static str,
    },
    /// An enum field holds its `*_UNSPECIFIED` zero value where a value is required.
    Unspecified,
    /// A oneof carries several variants at once.
    SeveralVariants,
    /// Text that is not what the field expects (hex, a number, …).
    Malformed {
        /// What was expected, in words.
        expected: &'static str,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("missing"),
            Self::Empty => f.write_str("empty"),
            Self::TooLong { len, max } => write!(f, "{len} bytes, more than the {max} allowed"),
            Self::TooManyEntries { count, max } => {
                write!(f, "{count} entries, more than the {max} allowed")
            }
            Self::OutOfRange { value, expected } => {
                write!(f, "{value} is out of range (expected {expected})")
            }
            Self::NotStrictlyIncreasing { previous, value } => {
                write!(
                    f,
                    "{value} follows {previous} (must be strictly increasing)"
                )
            }
            Self::Duplicate { value } => write!(f, "duplicate {value:?}"),
            Self::InvalidCharacter { character, allowed } => {
                write!(f, "invalid character {character:?} (allowed: {allowed})")
            }
            Self::Unspecified => f.write_str("unspecified (zero) enum value"),
            Self::SeveralVariants => f.write_str("several oneof variants set"),
            Self::Malformed { expected } => write!(f, "malformed (expected {expected})"),
        }
    }
}

/// A value that breaks an invariant of the domain model, and where it is.
///
/// One pointer wide: errors are rare, and a small error keeps every `Result` on the conversion
/// paths the size of its value.
#[derive(Clone, PartialEq, thiserror::Error)]
#[error("{}: {}", .0.path, .0.violation)]
pub struct ValidationError(Box<Located>);

impl fmt::Debug for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidationError")
            .field("path", &self.0.path)
            .field("violation", &self.0.violation)
            .finish()
    }
}

#[derive(Clone, PartialEq)]
struct Located {
    path: FieldPath,
    violation: Violation,
}

impl ValidationError {
    /// A violation at a path.
    #[cold]
    pub fn new(path: FieldPath, violation: Violation) -> Self {
        Self(Box::new(Located { path, violation }))
    }

    /// A violation of the value itself (the caller adds the path).
    pub fn here(violation: Violation) -> Self {
        Self::new(FieldPath::root(), violation)
    }

    /// Where the violation is.
    pub fn path(&self) -> &FieldPath {
        &self.0.path
    }

    /// What the violation is.
    pub fn violation(&self) -> &Violation {
        &self.0.violation
    }

    /// The same error seen from the enclosing value: the path gains `field` in front.
    pub fn within(mut self, field: &'static str) -> Self {
        self.0.path.prepend(Segment::Field(field));
        self
    }

    /// The same error seen from the enclosing list: the path gains `[index]` in front.
    pub fn at_index(mut self, index: usize) -> Self {
        self.0.path.prepend(Segment::Index(index));
        self
    }
}

/// An error whose path can be extended as the value is placed into its parent.
pub(crate) trait Nest: Sized {
    /// The path gains `field` in front.
    fn within(self, field: &'static str) -> Self;
    /// The path gains `[index]` in front.
    fn at_index(self, index: usize) -> Self;
}

impl Nest for ValidationError {
    fn within(self, field: &'static str) -> Self {
        ValidationError::within(self, field)
    }

    fn at_index(self, index: usize) -> Self {
        ValidationError::at_index(self, index)
    }
}

impl Nest for WireError {
    fn within(self, field: &'static str) -> Self {
        match self {
            Self::Invalid(error) => Self::Invalid(error.within(field)),
            Self::Unrepresentable { mut path, package } => {
                path.prepend(Segment::Field(field));
                Self::Unrepresentable { path, package }
            }
            other => other,
        }
    }

    fn at_index(self, index: usize) -> Self {
        match self {
            Self::Invalid(error) => Self::Invalid(error.at_index(index)),
            Self::Unrepresentable { mut path, package } => {
                path.prepend(Segment::Index(index));
                Self::Unrepresentable { path, package }
            }
            other => other,
        }
    }
}

/// Attaches a field name to the error of a value, as the value is placed into its parent.
pub(crate) trait WithinField<T, E> {
    /// Prefixes the error path with `field`.
    fn within(self, field: &'static str) -> Result<T, E>;
    /// Prefixes the error path with `[index]`.
    fn at_index(self, index: usize) -> Result<T, E>;
}

impl<T, E: Nest> WithinField<T, E> for Result<T, E> {
    fn within(self, field: &'static str) -> Result<T, E> {
        self.map_err(|error| error.within(field))
    }

    fn at_index(self, index: usize) -> Result<T, E> {
        self.map_err(|error| error.at_index(index))
    }
}

/// Why bytes could not be turned into a domain value, or a domain value into bytes, in a given
/// wire version.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The bytes are not a valid protobuf encoding of the message.
    #[error("{message}: malformed {package} bytes: {source}")]
    Malformed {
        /// The message that was being decoded (`single_signature`).
        message: &'static str,
        /// The wire package (`mithril.signer.v1`).
        package: &'static str,
        /// What the protobuf decoder said.
        source: prost::DecodeError,
    },
    /// The encoded message is larger than the limit set for decoding.
    #[error("{message}: {size} bytes, more than the {limit} allowed")]
    TooLarge {
        /// The message that was being decoded.
        message: &'static str,
        /// Its size (bytes).
        size: usize,
        /// The limit (bytes).
        limit: usize,
    },
    /// The message decoded, but a value breaks an invariant of the domain model.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The bytes are not a message of the expected wire version, but decode as one of another.
    #[error("{message}: not a {expected} message; the bytes decode as {looks_like} ({source})")]
    WrongVersion {
        /// The message that was being decoded.
        message: &'static str,
        /// The wire package the decoder expected.
        expected: &'static str,
        /// The wire package the bytes decode as.
        looks_like: &'static str,
        /// Why they are not a message of the expected version.
        source: Box<WireError>,
    },
    /// The text is not one well-formed JSON document (the JSON wire, [`crate::wire::json`]).
    #[cfg(feature = "json")]
    #[error("{message}: malformed JSON: {source}")]
    MalformedJson {
        /// The message that was being decoded (`register_signature`).
        message: &'static str,
        /// What the JSON parser said, with the line and column.
        source: serde_json::Error,
    },
    /// A domain value has a part that the target wire version cannot carry.
    #[error("{path} has no representation in {package}")]
    Unrepresentable {
        /// The part that cannot be carried.
        path: FieldPath,
        /// The wire package that cannot carry it.
        package: &'static str,
    },
}

impl WireError {
    /// The field the error is about, where there is one.
    pub fn path(&self) -> Option<&FieldPath> {
        match self {
            Self::Invalid(error) => Some(error.path()),
            Self::Unrepresentable { path, .. } => Some(path),
            Self::WrongVersion { source, .. } => source.path(),
            Self::Malformed { .. } | Self::TooLarge { .. } => None,
            #[cfg(feature = "json")]
            Self::MalformedJson { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_fields_and_indices() {
        let error = ValidationError::here(Violation::Empty)
            .within("party_id")
            .at_index(2)
            .within("next_signers")
            .within("epoch_settings");
        assert_eq!(
            error.to_string(),
            "epoch_settings.next_signers[2].party_id: empty"
        );
        assert_eq!(
            error.path(),
            &FieldPath::field("epoch_settings")
                .then("next_signers")
                .then_index(2)
                .then("party_id")
        );
    }

    #[test]
    fn root_path_renders_as_value() {
        assert_eq!(FieldPath::root().to_string(), "<value>");
        assert!(FieldPath::root().is_root());
    }
}
