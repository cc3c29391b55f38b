//! The adoption report in the Prometheus text exposition format (feature `metrics`).

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::gate::GateState;
use super::report::AdoptionReport;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ShareLabels {
    dimension: String,
    value: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EraLabels {
    era: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    era: String,
    state: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

impl AdoptionReport {
    /// The report in the Prometheus text exposition format.
    #[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
    pub fn to_prometheus(&self) -> String {
        let mut registry = Registry::with_prefix("mithril_compat_adoption");
        let share = Family::<ShareLabels, FloatGauge>::default();
        let signers = Family::<ShareLabels, FloatGauge>::default();
        registry.register(
            "stake_share",
            "Share of the epoch's registered stake, by each declared version, wire, era and provenance",
            share.clone(),
        );
        registry.register(
            "signers",
            "Registered signers, by each declared version, wire, era and provenance",
            signers.clone(),
        );
        for (dimension, values) in self.tally.dimensions() {
            for (value, entry) in values {
                let labels = ShareLabels {
                    dimension: dimension.to_owned(),
                    value: value.clone(),
                };
                share.get_or_create(&labels).set(entry.share);
                signers.get_or_create(&labels).set(entry.signers as f64);
            }
        }
        let epoch = FloatGauge::default();
        epoch.set(self.tally.epoch.0 as f64);
        registry.register("epoch", "Epoch of the registrations reported", epoch);
        let excluded = FloatGauge::default();
        excluded.set(self.tally.excluded.len() as f64);
        registry.register(
            "excluded_signers",
            "Registrations left out of the ready stake",
            excluded,
        );
        if let Some(readiness) = &self.readiness {
            let labels = EraLabels {
                era: readiness.era.to_string(),
            };
            for (name, help, value) in [
                (
                    "ready_stake_share",
                    "Share of stake that declares the era and signed recently",
                    readiness.ready_share,
                ),
                (
                    "uncounted_stake_share",
                    "Share of stake that declares the era with a provenance the readiness does not count",
                    readiness.uncounted_share,
                ),
                (
                    "effective_stake_share",
                    "Ready share less the safety margin",
                    readiness.effective_share,
                ),
                (
                    "certificate_failure_probability",
                    "Probability of an epoch without certificate if only the effective share signs",
                    readiness.odds.failure,
                ),
            ] {
                let family = Family::<EraLabels, FloatGauge>::default();
                family.get_or_create(&labels).set(value);
                registry.register(name, help, family);
            }
        }
        if let Some(evidence) = &self.evidence {
            let era = self
                .gate
                .as_ref()
                .map_or_else(String::new, |gate| gate.era.to_string());
            let labels = EraLabels { era };
            let mut values = vec![
                (
                    "proven_stake_share",
                    "Share of stake whose shadow signatures of the era verified within the participation window",
                    evidence.proven_share,
                ),
                (
                    "signing_stake_share",
                    "Share of stake that signed within the participation window",
                    evidence.signing_share,
                ),
                (
                    "cut_off_stake_share",
                    "Share of stake that signs but is not proven ready: what a switch would cut off",
                    evidence.cut_off_share,
                ),
            ];
            if let Some(attempt) = evidence.shadow_certificate {
                values.push((
                    "shadow_certificate_margin",
                    "Lottery indices the epoch's shadow signatures won beyond the quorum (negative: short of it)",
                    attempt.margin() as f64,
                ));
            }
            for (name, help, value) in values {
                let family = Family::<EraLabels, FloatGauge>::default();
                family.get_or_create(&labels).set(value);
                registry.register(name, help, family);
            }
        }
        if let Some(gate) = &self.gate {
            let state = Family::<StateLabels, FloatGauge>::default();
            for candidate in [
                GateState::Defined,
                GateState::Started,
                GateState::LockedIn,
                GateState::Active,
                GateState::Failed,
            ] {
                state
                    .get_or_create(&StateLabels {
                        era: gate.era.to_string(),
                        state: candidate.name().to_owned(),
                    })
                    .set(if candidate == gate.state { 1.0 } else { 0.0 });
            }
            registry.register("gate_state", "1 for the gate's current state", state);
            if let Some(epoch) = gate.proposed_activation {
                let proposed = Family::<EraLabels, FloatGauge>::default();
                proposed
                    .get_or_create(&EraLabels {
                        era: gate.era.to_string(),
                    })
                    .set(epoch.0 as f64);
                registry.register(
                    "proposed_activation_epoch",
                    "Earliest activation epoch the gate proposes",
                    proposed,
                );
            }
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry)
            .expect("writing to a String cannot fail");
        out
    }
}
