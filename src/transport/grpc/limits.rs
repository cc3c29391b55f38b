//! The bounds the gRPC endpoint puts on what one peer can make it do. Every limit is
//! configuration with a default safe for an aggregator on the open internet; the README's
//! "Limits and defaults" lists them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Limits of the gRPC endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerLimits {
    /// Largest request message decoded (bytes). Fields nested in a message are bounded by it
    /// alone (the entry bound counts top-level fields), so keep it small: a nested list of empty
    /// strings costs about twelve times its encoding while it is decoded.
    pub max_request_bytes: usize,
    /// Most signatures in one `RegisterSignatures` batch (and most top-level fields in any
    /// decoded message, checked before decoding).
    pub max_batch_entries: usize,
    /// Most signatures on one `StreamSignatures` stream; past it the stream ends with
    /// RESOURCE_EXHAUSTED, and what came before stays accepted.
    pub max_stream_entries: usize,
    /// Rejections answered one by one (index and reason); beyond them, rejections are counted by
    /// reason.
    pub max_rejection_examples: usize,
    /// Distinct reasons counted in one answer; further reasons count as one "other" reason.
    pub max_rejection_reasons: usize,
    /// Longest reason text in an answer (bytes); longer ones are cut at a character boundary.
    pub max_reason_bytes: usize,
    /// Most connections served at once; the next is accepted when one closes.
    pub max_connections: usize,
    /// Most connections from one IP address at once; past it, a new connection from that
    /// address is closed at once, so that one host cannot take every place.
    pub max_connections_per_peer: usize,
    /// A connection whose peer sends nothing for this long is closed. The server sends no
    /// pings of its own (their answers would count as activity): a client that keeps a stream
    /// open sends HTTP/2 pings, as [`super::SignerClient`] does.
    pub idle_timeout: Duration,
    /// Most concurrent streams (calls) on one connection.
    pub max_concurrent_streams: u32,
    /// Longest back-off of the accept loop when the system refuses connections (no file
    /// descriptors left): it waits instead of spinning.
    pub max_accept_backoff: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_request_bytes: 4 * 1024 * 1024,
            max_batch_entries: DEFAULT_MAX_FIELDS,
            max_stream_entries: 100_000,
            max_rejection_examples: 16,
            max_rejection_reasons: 16,
            max_reason_bytes: 256,
            max_connections: 4096,
            max_connections_per_peer: 64,
            idle_timeout: Duration::from_secs(120),
            max_concurrent_streams: 64,
            max_accept_backoff: Duration::from_secs(1),
        }
    }
}

const DEFAULT_MAX_FIELDS: usize = 4096;

/// No bound until an endpoint starts: a client-only process decodes answers of any size (an
/// aggregator before 0.4.0 answered every rejection one by one).
static MAX_FIELDS: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Most top-level fields the codec lets a decoded message have (process-wide, as tonic builds
/// codecs with `Default`): [`ServerLimits::max_batch_entries`] of the last endpoint started, and
/// no bound in a process that serves none.
pub fn max_fields_per_message() -> usize {
    MAX_FIELDS.load(Ordering::Relaxed)
}

pub(crate) fn set_max_fields_per_message(max: usize) {
    // A message has a few fields besides its entries.
    MAX_FIELDS.store(max.saturating_add(8), Ordering::Relaxed);
}

pub use crate::transport::aggregator::bounded;
