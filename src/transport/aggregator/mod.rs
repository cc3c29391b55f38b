//! The aggregator's side that every transport shares (feature `grpc` or `http`): the backend a
//! node crate implements, the state the adapters share, and the era policy at the door.
//!
//! - [`SignerBackend`]: what the node crate implements, in hub types; [`InMemoryBackend`] for
//!   tests, demos and `serve`, feeding an adoption monitor.
//! - [`AggregatorState`]: the backend, the wire versions served and the era schedule. One state
//!   serves the gRPC endpoint and the HTTP routes together, so a registration counts once
//!   whichever transport carried it.
//! - The era policy ([`Carrier`], [`Refusal`]): a call of a wire version the current era no
//!   longer accepts, or from a signer that does not support the current era, is refused with a
//!   sentence for the operator; before the switch, answers carry a warning.

mod admission;
mod backend;
mod state;
pub(crate) mod status;

pub use admission::admit;
#[cfg(feature = "grpc")]
pub(crate) use admission::required_packages;
pub use admission::{Carrier, Refusal};
pub use backend::{
    BackendError, DEFAULT_MAX_PER_EPOCH, DEFAULT_RETENTION_EPOCHS, InMemoryBackend, SignerBackend,
};
pub use state::{AggregatorState, EraView};

/// `text` cut to at most `max` bytes at a character boundary, with an ellipsis when cut: peer
/// input echoed in an answer stays bounded.
pub fn bounded(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_cuts_at_a_character_boundary() {
        assert_eq!(bounded("short", 10), "short");
        assert_eq!(bounded("abcdefghij", 8), "abcde...");
        assert_eq!(bounded("ééééé", 6), "é...");
        assert!(bounded(&"x".repeat(10_000), 256).len() <= 256);
    }
}
