//! `mithril-compat signed-message`: the message signers sign, as Mithril computes it.

use clap::Args;
use mithril_compat::domain::{DigestError, HashScheme};
use mithril_compat::era::Era;
use mithril_compat::mithril::signed_message::{self, ProtocolMessageJsonError};

/// Arguments of `signed-message`.
#[derive(Args)]
pub struct SignedMessageArgs {
    /// The era whose hash scheme applies (pythagoras: legacy, lagrange: rigid). Absent: the
    /// message's own scheme (`hash_scheme` of Mithril's JSON, else legacy).
    #[arg(long)]
    era: Option<Era>,
    /// The hash scheme, overriding the era's choice.
    #[arg(long, value_parser = ["legacy", "rigid"])]
    hash_scheme: Option<String>,
}

/// Why no signed message was printed.
#[derive(Debug, thiserror::Error)]
pub enum SignedMessageCliError {
    /// The input is not a protocol message.
    #[error("stdin: {0}")]
    Input(#[from] ProtocolMessageJsonError),
    /// The digest cannot be computed.
    #[error("{0}")]
    Digest(#[from] DigestError),
}

/// Reads a protocol message (`{part: value}` or `mithril-common`'s `ProtocolMessage` JSON) and
/// returns the signed message in hex, with a newline.
pub fn run(args: SignedMessageArgs, input: &str) -> Result<String, SignedMessageCliError> {
    let mut message = signed_message::from_json(input)?;
    if let Some(era) = args.era {
        message.set_hash_scheme(era.hash_scheme());
    }
    if let Some(name) = args.hash_scheme {
        message.set_hash_scheme(HashScheme::from_name(&name));
    }
    Ok(format!("{}\n", signed_message::signed_message(&message)?))
}
