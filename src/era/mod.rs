//! Eras: breaking changes that switch on at the same epoch on every node.
//!
//! - [`Era`]: the closed list of eras this build supports; an unknown name is [`UnsupportedEra`].
//! - [`EraMarker`] and [`schedule`]: the pure function from markers and an epoch to the current
//!   and next era.
//! - [`SignedMarkers`]: payloads signed by the era key (Ed25519) over canonical bytes binding the
//!   network and a monotonic sequence number; text form for a chain datum or a file.
//! - [`EraReader`] and [`ReaderState`]: verification, replay protection, no rewrite of the past,
//!   minimum notice, cancels; every rejected payload reported with its reason.
//! - `MarkerStateStore` (feature `json`): the readers' and signers' state, kept between runs in
//!   one file, keyed by network, marker kind and key.
//! - [`MarkerSource`]: where payloads come from ([`FileSource`], [`StaticSource`], or a node
//!   crate's chain observer).
//! - [`check`] and [`check_read`]: run, warn (upgrade before epoch N), stop, or degraded.
//! - Per-era behaviour in `policy`: the hash scheme of the signed message
//!   ([`Era::hash_scheme`]). Which wire versions each era accepts and sends is the wire
//!   registry's decision ([`WireVersion::accepted_in`](crate::wire::WireVersion::accepted_in),
//!   [`WireVersion::sent_in`](crate::wire::WireVersion::sent_in)).
//!
//! ```
//! use mithril_compat::domain::Epoch;
//! use mithril_compat::era::*;
//!
//! // The release team signs the schedule...
//! let key = EraSigningKey::from_bytes(&[42; 32]);
//! let markers = vec![
//!     EraMarker::scheduled(Era::Pythagoras.era_name(), Epoch(0)),
//!     EraMarker::scheduled(Era::Lagrange.era_name(), Epoch(512)),
//! ];
//! let content = MarkersContent::new(NetworkMagic::PREPROD, 1, markers)?;
//! let datum = SignedMarkers::sign(content, &key).to_text();
//!
//! // ...and every node reads it, at every epoch.
//! let reader = EraReader::new(NetworkMagic::PREPROD, key.verification_key());
//! let report = reader.read(&StaticSource(vec![datum]), &ReaderState::new(), Epoch(500));
//! assert!(report.rejected.is_empty());
//! let status = check_read(&report, 1, Epoch(500), Era::ALL);
//! assert_eq!(status.era(), Some(Era::Pythagoras));
//! // A build that only knows pythagoras is told to upgrade before epoch 512.
//! let old_build = check_read(&report, 1, Epoch(500), &[Era::Pythagoras]);
//! assert!(old_build.to_string().contains("upgrade before epoch 512"));
//! # Ok::<(), MarkerError>(())
//! ```

mod checker;
mod name;
mod policy;
mod reader;
mod schedule;
mod signed;
mod source;
#[cfg(feature = "json")]
mod state_store;

pub use checker::{EraStatus, EraStop, check, check_read};
pub use name::{Era, UnsupportedEra};
pub use reader::{
    AcceptedMarkers, EraReader, REGISTRATION_PIPELINE_EPOCHS, ReadReport, ReaderState, Rejection,
};
pub use schedule::{
    CurrentEra, EraEpochs, EraMarker, NextEra, ScheduleError, schedule, validate_markers,
};
pub use signed::{
    DOMAIN_SEPARATION_TAG, EraSigningKey, EraVerificationKey, MAX_MARKERS, MarkerError,
    MarkersContent, NetworkMagic, SignedMarkers,
};
pub use source::{FileSource, MarkerSource, SourceError, StaticSource};
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub use state_store::{MarkerKind, MarkerStateStore, StateStoreError, entry_key};
