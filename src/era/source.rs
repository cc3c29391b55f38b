//! Where era payloads come from.

use std::path::{Path, PathBuf};

/// A source of era payloads in their text form (see [`super::SignedMarkers::to_text`]).
///
/// A node crate implements it over its chain observer: return the datums found at the era
/// address, each as text, all of them (anyone can pay to that address; the reader keeps only
/// payloads signed with the era key and reports the others). The trait is synchronous: call the
/// reader from a blocking context, or fetch the datums asynchronously first and read them with
/// [`StaticSource`] or [`super::EraReader::read_payloads`].
pub trait MarkerSource {
    /// Every payload the source holds, in its order.
    fn read(&self) -> Result<Vec<String>, SourceError>;
}

/// Why a source could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A file could not be read.
    #[error("cannot read era markers from {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// A node crate's adapter failed (chain observer unreachable, …).
    #[error("era marker source failed: {0}")]
    Adapter(String),
}

/// Payloads held in memory (tests, demos, or datums fetched beforehand).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaticSource(pub Vec<String>);

impl MarkerSource for StaticSource {
    fn read(&self) -> Result<Vec<String>, SourceError> {
        Ok(self.0.clone())
    }
}

/// Payloads in a text file, one per line; blank lines and lines starting with `#` are skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSource {
    path: PathBuf,
}

impl FileSource {
    /// A source reading `path` each time it is read.
    pub fn new(path: impl AsRef<Path>) -> Self {
        Self {
            path: path.as_ref().to_owned(),
        }
    }
}

impl MarkerSource for FileSource {
    fn read(&self) -> Result<Vec<String>, SourceError> {
        let text = std::fs::read_to_string(&self.path).map_err(|error| SourceError::File {
            path: self.path.clone(),
            reason: error.to_string(),
        })?;
        Ok(text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_owned)
            .collect())
    }
}
