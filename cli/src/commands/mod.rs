//! Subcommands of the command-line tool that live in their own files.

pub mod adoption;
pub mod codec;
pub mod demo;
pub mod era;
pub mod files;
pub mod proxy;
#[cfg(feature = "p2p")]
pub mod relay;
pub mod release;
pub mod serve;
pub mod signed_message;
pub mod simulate;
