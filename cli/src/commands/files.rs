//! Files the key and marker commands read and write: whole text files, and new files that are
//! never overwritten (secret keys, transactions), readable by their owner only.

use std::fs;
use std::path::{Path, PathBuf};

/// A file that could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// What the system said.
    pub reason: String,
}

impl FileError {
    fn new(path: &Path, error: std::io::Error) -> Self {
        Self {
            path: path.to_owned(),
            reason: error.to_string(),
        }
    }
}

/// Reads a whole text file.
pub fn read_text(path: &Path) -> Result<String, FileError> {
    fs::read_to_string(path).map_err(|error| FileError::new(path, error))
}

/// Writes a new file (mode 0600 on Unix); an existing file is never overwritten.
pub fn write_new(path: &Path, text: &str) -> Result<(), FileError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|error| FileError::new(path, error))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|error| FileError::new(path, error))
}

/// Writes a key pair's two files; when the second cannot be written, the first is removed, so
/// that no secret key is left without its verification key.
pub fn write_key_pair(secret: (&Path, &str), verification: (&Path, &str)) -> Result<(), FileError> {
    write_new(secret.0, secret.1)?;
    write_new(verification.0, verification.1).inspect_err(|_| {
        let _ = fs::remove_file(secret.0);
    })
}
