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
    BackendError, DEFAULT_MAX_PER_EPOCH, DEFAULT_MONITOR_RETENTION_EPOCHS,
    DEFAULT_RETENTION_EPOCHS, InMemoryBackend, PROTOCOL_CONFIGURATION_EPOCHS_AHEAD, SignerBackend,
};
pub use state::{AggregatorState, EraView};

pub use super::text::bounded;
