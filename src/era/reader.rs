//! Reading era payloads from a source: verification, replay protection, and the rules that keep
//! history fixed.

use std::collections::BTreeMap;

use super::schedule::EraMarker;
use super::signed::{EraVerificationKey, MarkerError, MarkersContent, NetworkMagic, SignedMarkers};
use super::source::{MarkerSource, SourceError};
use crate::domain::Epoch;

/// Epochs between a registration and the first signature with its keys: registrations made at
/// epoch `e` sign at `e + 2`.
pub const REGISTRATION_PIPELINE_EPOCHS: u64 = 2;

/// The schedule a reader last accepted. Persist it (it is serde-serializable with the `serde`
/// feature) and give it back to the next read: it is what makes replays and rewrites of the past
/// detectable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReaderState {
    accepted: Option<AcceptedMarkers>,
}

/// An accepted payload's sequence number and markers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AcceptedMarkers {
    /// The sequence number.
    pub sequence: u64,
    /// The markers, in canonical order.
    pub markers: Vec<EraMarker>,
}

impl ReaderState {
    /// The state of a node that has accepted nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The accepted payload, if any.
    pub fn accepted(&self) -> Option<&AcceptedMarkers> {
        self.accepted.as_ref()
    }

    /// The accepted markers (empty when nothing was accepted).
    pub fn markers(&self) -> &[EraMarker] {
        self.accepted
            .as_ref()
            .map(|accepted| accepted.markers.as_slice())
            .unwrap_or_default()
    }

    /// The highest sequence number accepted.
    pub fn highest_sequence(&self) -> Option<u64> {
        self.accepted.as_ref().map(|accepted| accepted.sequence)
    }
}

/// A payload that was not accepted, and why. Rejections are always reported, never dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Position of the payload in what the source returned.
    pub index: usize,
    /// Its sequence number, when it could be read.
    pub sequence: Option<u64>,
    /// Why it was not accepted.
    pub reason: MarkerError,
}

/// The outcome of one read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadReport {
    /// The state after the read: the new payload's, or the previous one's.
    pub state: ReaderState,
    /// Whether a new payload was accepted.
    pub changed: bool,
    /// Payloads that were not accepted, with their reasons.
    pub rejected: Vec<Rejection>,
    /// The source's failure, if it could not be read at all; the state is then the previous one.
    pub source_error: Option<SourceError>,
}

impl ReadReport {
    /// Whether the schedule in [`Self::state`] could not be refreshed: the source failed, or it
    /// returned payloads and none of them could be accepted or confirmed.
    pub fn is_degraded(&self, payload_count: usize) -> bool {
        self.source_error.is_some() || (payload_count > 0 && self.rejected.len() == payload_count)
    }
}

/// Verifies era payloads for one network and one era key, and applies the rules between a
/// payload and the one accepted before it.
#[derive(Clone, Debug)]
pub struct EraReader {
    network: NetworkMagic,
    key: EraVerificationKey,
    minimum_notice: u64,
}

impl EraReader {
    /// A reader with the default minimum notice ([`REGISTRATION_PIPELINE_EPOCHS`]).
    pub fn new(network: NetworkMagic, key: EraVerificationKey) -> Self {
        Self {
            network,
            key,
            minimum_notice: REGISTRATION_PIPELINE_EPOCHS,
        }
    }

    /// Sets the minimum number of epochs between the epoch a schedule change is read and the
    /// activation it introduces (at least the registration pipeline, so that signers can register
    /// the keys the new era signs with).
    pub fn with_minimum_notice(mut self, epochs: u64) -> Self {
        self.minimum_notice = epochs;
        self
    }

    /// The minimum notice, in epochs.
    pub fn minimum_notice(&self) -> u64 {
        self.minimum_notice
    }

    /// Reads a source and applies [`Self::read_payloads`] to what it returns. A failing source
    /// leaves the state as it was and says so in [`ReadReport::source_error`].
    pub fn read(
        &self,
        source: &impl MarkerSource,
        state: &ReaderState,
        current_epoch: Epoch,
    ) -> ReadReport {
        match source.read() {
            Ok(payloads) => self.read_payloads(&payloads, state, current_epoch),
            Err(error) => ReadReport {
                state: state.clone(),
                changed: false,
                rejected: Vec::new(),
                source_error: Some(error),
            },
        }
    }

    /// Verifies every payload (text forms) and accepts at most one, deterministically: the
    /// payloads that verify are taken in sequence order, each checked against the one accepted
    /// before it (the persisted state first), and the last one that follows the rules wins. Every
    /// other payload is reported with its reason; the state is never changed by a rejected
    /// payload.
    pub fn read_payloads(
        &self,
        payloads: &[String],
        state: &ReaderState,
        current_epoch: Epoch,
    ) -> ReadReport {
        let mut rejected = Vec::new();
        let mut verified: Vec<(usize, MarkersContent)> = Vec::new();
        for (index, text) in payloads.iter().enumerate() {
            let signed = match SignedMarkers::from_text(text) {
                Ok(signed) => signed,
                Err(reason) => {
                    rejected.push(Rejection {
                        index,
                        sequence: None,
                        reason,
                    });
                    continue;
                }
            };
            match signed.verify(&self.key, self.network) {
                Ok(content) => verified.push((index, content.clone())),
                Err(reason) => rejected.push(Rejection {
                    index,
                    sequence: Some(signed.content_unverified().sequence()),
                    reason,
                }),
            }
        }

        // Identical copies of one payload count once; two different payloads with one sequence
        // number cannot be trusted. The others are checked in sequence order, each against the
        // one accepted before it (the persisted state, then the lower sequences of the same
        // read), so that a higher sequence cannot rewrite what a lower one fixed.
        let mut by_sequence: BTreeMap<u64, Vec<(usize, MarkersContent)>> = BTreeMap::new();
        for (index, content) in verified {
            by_sequence
                .entry(content.sequence())
                .or_default()
                .push((index, content));
        }
        let mut current: Option<AcceptedMarkers> = state.accepted().cloned();
        let mut accepted_here: Vec<(u64, Vec<usize>)> = Vec::new();
        for (sequence, copies) in by_sequence {
            let content = &copies[0].1;
            let equivocation = copies.iter().any(|(_, other)| other != content)
                || current.as_ref().is_some_and(|accepted| {
                    accepted.sequence == sequence && accepted.markers != content.markers()
                });
            let verdict = if equivocation {
                Err(MarkerError::Equivocation { sequence })
            } else {
                match &current {
                    Some(accepted) if sequence < accepted.sequence => Err(MarkerError::Replay {
                        sequence,
                        accepted: accepted.sequence,
                    }),
                    // The payload already accepted, read again: nothing changes.
                    Some(accepted) if sequence == accepted.sequence => Ok(false),
                    _ => self
                        .check_transition(current.as_ref(), content.markers(), current_epoch)
                        .map(|()| true),
                }
            };
            match verdict {
                Ok(true) => {
                    current = Some(AcceptedMarkers {
                        sequence,
                        markers: content.markers().to_vec(),
                    });
                    accepted_here.push((sequence, copies.iter().map(|(i, _)| *i).collect()));
                }
                Ok(false) => {}
                Err(reason) => rejected.extend(copies.iter().map(|(index, _)| Rejection {
                    index: *index,
                    sequence: Some(sequence),
                    reason: reason.clone(),
                })),
            }
        }
        // Every payload accepted on the way but the last is superseded by the last.
        if let Some((last, _)) = accepted_here.last().cloned() {
            for (sequence, indexes) in &accepted_here[..accepted_here.len() - 1] {
                rejected.extend(indexes.iter().map(|index| Rejection {
                    index: *index,
                    sequence: Some(*sequence),
                    reason: MarkerError::Superseded { by: last },
                }));
            }
        }
        rejected.sort_by_key(|rejection| rejection.index);

        let changed = !accepted_here.is_empty();
        ReadReport {
            state: ReaderState { accepted: current },
            changed,
            rejected,
            source_error: None,
        }
    }

    /// The rules between the accepted markers and new ones, read at `current_epoch`:
    /// - the era of every epoch up to `current_epoch` stays what it was (no rewrite of the past);
    /// - an activation the new markers add or move must be at least the minimum notice away;
    /// - removing or un-scheduling a future activation (a cancel) is allowed until the epoch
    ///   before it.
    ///
    /// A node that has accepted nothing yet takes the schedule as it is.
    pub fn check_transition(
        &self,
        previous: Option<&AcceptedMarkers>,
        markers: &[EraMarker],
        current_epoch: Epoch,
    ) -> Result<(), MarkerError> {
        let Some(previous) = previous else {
            return Ok(());
        };
        let past = |list: &[EraMarker]| -> Vec<(Epoch, String)> {
            let mut past: Vec<_> = list
                .iter()
                .filter_map(|marker| marker.epoch.map(|epoch| (epoch, marker.name.to_string())))
                .filter(|(epoch, _)| *epoch <= current_epoch)
                .collect();
            past.sort();
            past
        };
        let (before, after) = (past(&previous.markers), past(markers));
        if before != after {
            let epoch = before
                .iter()
                .zip(after.iter())
                .find(|(a, b)| a != b)
                .map(|(a, b)| a.0.min(b.0))
                .or_else(|| {
                    before
                        .get(after.len())
                        .or(after.get(before.len()))
                        .map(|x| x.0)
                })
                .unwrap_or(current_epoch);
            return Err(MarkerError::RewritesPast { epoch });
        }
        let earliest = Epoch(current_epoch.0.saturating_add(self.minimum_notice));
        for marker in markers {
            let Some(epoch) = marker.epoch else { continue };
            if epoch <= current_epoch {
                continue;
            }
            let unchanged = previous
                .markers
                .iter()
                .any(|old| old.name == marker.name && old.epoch == Some(epoch));
            if !unchanged && epoch < earliest {
                return Err(MarkerError::TooSoon {
                    era: marker.name.clone(),
                    epoch,
                    earliest,
                });
            }
        }
        Ok(())
    }
}
