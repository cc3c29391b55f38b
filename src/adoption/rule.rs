//! The activation rule: readiness proven by signatures of the next era's message.
//!
//! A declaration (even one the pool signed) says a signer *installed* software that supports the
//! next era; only a signature of the next era's message says it *can sign* it. While an era is
//! announced, upgraded signers sign the next era's composition of each message beside the
//! current one (*shadow* signatures), and the aggregator tries each epoch to aggregate them into
//! a *shadow certificate* it never publishes. [`RuleConfig::judge`] decides from that
//! [`Evidence`] whether the epoch counts towards locking the era in:
//!
//! 1. a shadow certificate was produced this epoch;
//! 2. if only the stake that shadow-signed this epoch, less the safety margin, signed, an epoch
//!    would end without a certificate with probability at most the target (this epoch's signers,
//!    not the participation window's: stake that signs one epoch in ten proves it *can* sign, not
//!    that it *will*);
//! 3. the stake activation would cut off (stake that signs today but is not proven ready) is at
//!    most a share of the stake that actually signs, not of the registered stake.
//!
//! Stake that never signs neither blocks activation (it is not in the signing stake) nor
//! inflates readiness (it proves nothing). The verdict explains itself in one line, with the
//! numbers of its binding condition.
//!
//! # What it costs and what it saves, measured
//!
//! `mithril-compat simulate` (3000 signers at mainnet parameters, 1000 seeds per scenario, the
//! defaults: target 1e-9, margin 10%, cut-off 30%, two ready epochs, notice 2) runs this rule
//! beside flat 95% and an omniscient reference on the same worlds:
//!
//! | scenario | epochs without a certificate caused: gate / flat 95% | median activation: gate / flat 95% / reference |
//! |---|---|---|
//! | baseline | 0 / 0 | 12 / 13 / 10 |
//! | laggards | 0 / 0 | 29 / 33 / 27 |
//! | lost declarations | 0 / 0 | 12 / never / 10 |
//! | large pools last | 0 / 0 | 16 / 19 / 13 |
//! | faulty next-era code | 0 / 38 811 | never (times out, says why) / 13 / never safe |
//! | rarely signs | 0 / 81 | never (times out, says why) / 13 / 22 in 104 runs of 1000 |
//!
//! Reading it: the gap to the reference is one epoch for the second ready epoch and one for
//! the stake the margin waits for: the reference needs the stake that will sign at the safe
//! share (62.4% at mainnet parameters), the gate 69.3% proven. Where the largest pools come
//! last, the others hold about 67% once upgraded and no pool upgrades for one epoch before the
//! largest begin, so the gate waits that epoch as well (two for the margin). A smaller cut-off
//! buys fewer operators left out for later activation; the README's simulation section has the
//! whole table and the decision table.

use std::fmt;

use super::quorum::{CertificateOdds, QuorumError, certificate_odds};
use crate::domain::ProtocolParameters;

/// What the aggregator proved about the next era at one epoch. Shares are of the epoch's
/// registered stake.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Evidence {
    /// Signers whose shadow signatures verified within the participation window.
    pub shadow_signers: usize,
    /// Share of stake whose shadow signatures verified within the participation window: the
    /// proven-ready stake.
    pub proven_share: f64,
    /// Share of stake that signed the current era's messages within the participation window:
    /// the stake that actually signs.
    pub signing_share: f64,
    /// Share of stake that signs today but is not proven ready: what activation would cut off.
    pub cut_off_share: f64,
    /// This epoch's attempt at a shadow certificate, when one was made.
    pub shadow_certificate: Option<ShadowCertificate>,
    /// Share of stake whose verified declarations support the era: what the rule falls back to
    /// when nobody shadow-signs and it is configured to.
    pub declared_share: f64,
}

/// An attempt at aggregating the shadow signatures of an epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ShadowCertificate {
    /// Distinct lottery indices the valid shadow signatures won.
    pub won_indices: u64,
    /// Indices a certificate needs (`k`).
    pub quorum: u64,
    /// Share of registered stake whose shadow signatures of this epoch verified.
    pub stake_share: f64,
}

impl ShadowCertificate {
    /// Whether the aggregate reached the quorum.
    pub fn produced(&self) -> bool {
        self.won_indices >= self.quorum
    }

    /// Indices won beyond the quorum (negative when short of it).
    pub fn margin(&self) -> i64 {
        i64::try_from(self.won_indices).unwrap_or(i64::MAX)
            - i64::try_from(self.quorum).unwrap_or(i64::MAX)
    }
}

/// The rule's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RuleConfig {
    /// Greatest probability that an epoch ends without a certificate if only the proven-ready
    /// stake less the margin signs (default 1e-9).
    pub max_failure: f64,
    /// Share of the proven-ready stake assumed not to sign anyway (default 0.1).
    pub safety_margin: f64,
    /// Greatest share of the stake that actually signs which activation may cut off (default
    /// 0.3). At mainnet parameters about 62% of the stake must sign for a failure probability of
    /// 1e-9; with the default margin, the quorum condition first holds with about 69% of the
    /// stake proven, when about 30% of the signing stake is not yet. So the default leaves the
    /// quorum condition to bind, and guards against activating while much more of the stake
    /// that signs would be left out; a smaller share trades activation epochs for fewer
    /// operators cut off (`mithril-compat simulate` prints the trade in its decision table:
    /// 20% costs one or two epochs at mainnet size, for no fewer certificates).
    pub max_cut_off: f64,
    /// When no signer shadow-signs, judge on verified declared readiness instead of waiting
    /// (default false: wait, and say so).
    pub fall_back_to_declared: bool,
}

impl Default for RuleConfig {
    fn default() -> Self {
        Self {
            max_failure: 1e-9,
            safety_margin: 0.1,
            max_cut_off: 0.3,
            fall_back_to_declared: false,
        }
    }
}

/// What the verdict rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Basis {
    /// Shadow signatures and certificates.
    Proven,
    /// Verified declarations (nobody shadow-signs, and the rule falls back).
    Declared,
}

/// The condition that kept an epoch from counting as ready.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Binding {
    /// No signer shadow-signs yet (and the rule does not fall back to declarations).
    NoShadowSigners,
    /// The shadow signatures did not aggregate into a certificate.
    NoShadowCertificate {
        /// The attempt, when one was made.
        attempt: Option<ShadowCertificate>,
    },
    /// The ready stake less the margin is too small for the quorum target.
    Quorum {
        /// The share the quorum check assumes signs.
        effective_share: f64,
        /// Its probability of an epoch without a certificate.
        failure: f64,
        /// The target.
        target: f64,
    },
    /// Activation would cut off too much of the stake that signs.
    CutOff {
        /// The share of the signing stake that would be cut off.
        share: f64,
        /// The most allowed.
        max: f64,
    },
}

/// The rule's judgement of one epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Verdict {
    /// Whether the epoch counts towards lock-in.
    pub ready: bool,
    /// What the verdict rests on.
    pub basis: Basis,
    /// The first condition that failed, when one did.
    pub binding: Option<Binding>,
    /// The ready share (proven, or declared on fallback) less the margin.
    pub effective_share: f64,
    /// The odds of a certificate if only the effective share signs.
    pub odds: CertificateOdds,
    /// The share of the signing stake activation would cut off.
    pub cut_off: f64,
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let basis = match self.basis {
            Basis::Proven => "proven",
            Basis::Declared => "declared (no shadow signer; falling back)",
        };
        match self.binding {
            None => write!(
                f,
                "ready on {basis} stake: effective {}, P(no certificate) {:.1e} <= target, cut-off {} of the signing stake",
                percent(self.effective_share),
                self.odds.failure,
                percent(self.cut_off)
            ),
            Some(Binding::NoShadowSigners) => f.write_str(
                "waiting: no signer shadow-signs the next era yet (nothing proves it can be signed)",
            ),
            Some(Binding::NoShadowCertificate { attempt: None }) => {
                f.write_str("waiting: no shadow certificate was attempted this epoch")
            }
            Some(Binding::NoShadowCertificate {
                attempt: Some(attempt),
            }) => write!(
                f,
                "waiting: the shadow signatures won {} of the {} indices a certificate needs",
                attempt.won_indices, attempt.quorum
            ),
            Some(Binding::Quorum {
                effective_share,
                failure,
                target,
            }) => write!(
                f,
                "waiting: {basis} stake signing this epoch, less the margin, is {}, P(no certificate) {failure:.1e} > target {target:.0e}",
                percent(effective_share)
            ),
            Some(Binding::CutOff { share, max }) => write!(
                f,
                "waiting: activation would cut off {} of the signing stake (at most {} allowed)",
                percent(share),
                percent(max)
            ),
        }
    }
}

impl RuleConfig {
    /// The share left once the margin is taken off `share`.
    pub fn effective_share(&self, share: f64) -> f64 {
        (share * (1.0 - self.safety_margin.clamp(0.0, 1.0))).clamp(0.0, 1.0)
    }

    /// Judges one epoch's evidence under `parameters`.
    pub fn judge(
        &self,
        parameters: &ProtocolParameters,
        evidence: &Evidence,
    ) -> Result<Verdict, QuorumError> {
        let cut_off_of_signing = |cut_off_share: f64| {
            if evidence.signing_share > 0.0 {
                (cut_off_share / evidence.signing_share).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        let (basis, ready_share, cut_off) = if evidence.shadow_signers > 0 {
            (
                Basis::Proven,
                evidence.proven_share,
                cut_off_of_signing(evidence.cut_off_share),
            )
        } else if self.fall_back_to_declared {
            (
                Basis::Declared,
                evidence.declared_share,
                cut_off_of_signing((evidence.signing_share - evidence.declared_share).max(0.0)),
            )
        } else {
            let odds = certificate_odds(parameters, 0.0)?;
            return Ok(Verdict {
                ready: false,
                basis: Basis::Proven,
                binding: Some(Binding::NoShadowSigners),
                effective_share: 0.0,
                odds,
                cut_off: cut_off_of_signing(evidence.signing_share),
            });
        };
        // On proof, the quorum is judged on this epoch's shadow signers (never more than the
        // window's proven stake).
        let quorum_share = match (basis, evidence.shadow_certificate) {
            (Basis::Proven, Some(attempt)) => attempt.stake_share.min(ready_share),
            _ => ready_share,
        };
        let effective_share = self.effective_share(quorum_share);
        let odds = certificate_odds(parameters, effective_share)?;
        let binding = if basis == Basis::Proven
            && !evidence
                .shadow_certificate
                .is_some_and(|attempt| attempt.produced())
        {
            Some(Binding::NoShadowCertificate {
                attempt: evidence.shadow_certificate,
            })
        } else if odds.failure > self.max_failure {
            Some(Binding::Quorum {
                effective_share,
                failure: odds.failure,
                target: self.max_failure,
            })
        } else if cut_off > self.max_cut_off {
            Some(Binding::CutOff {
                share: cut_off,
                max: self.max_cut_off,
            })
        } else {
            None
        };
        Ok(Verdict {
            ready: binding.is_none(),
            basis,
            binding,
            effective_share,
            odds,
            cut_off,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAINNET: &ProtocolParameters = &ProtocolParameters::MAINNET;

    fn evidence(proven: f64, signing: f64, won: u64) -> Evidence {
        Evidence {
            shadow_signers: 100,
            proven_share: proven,
            signing_share: signing,
            cut_off_share: (signing - proven).max(0.0),
            shadow_certificate: Some(ShadowCertificate {
                won_indices: won,
                quorum: MAINNET.k(),
                stake_share: proven,
            }),
            declared_share: proven,
        }
    }

    #[test]
    fn each_condition_binds_in_turn() {
        let rule = RuleConfig::default();
        let ready = rule.judge(MAINNET, &evidence(0.9, 0.95, 3000)).unwrap();
        assert!(ready.ready, "{ready}");
        assert!(ready.to_string().starts_with("ready on proven stake"));

        let short = rule.judge(MAINNET, &evidence(0.9, 0.95, 1900)).unwrap();
        assert!(matches!(
            short.binding,
            Some(Binding::NoShadowCertificate { .. })
        ));
        assert!(
            short.to_string().contains("won 1900 of the 1944"),
            "{short}"
        );

        let thin = rule.judge(MAINNET, &evidence(0.6, 0.62, 3000)).unwrap();
        assert!(
            matches!(thin.binding, Some(Binding::Quorum { .. })),
            "{thin}"
        );

        // Within the default cut-off (30%), beyond a stricter one (20%).
        let evidence = evidence(0.75, 0.98, 3000);
        assert!(rule.judge(MAINNET, &evidence).unwrap().ready);
        let strict = RuleConfig {
            max_cut_off: 0.2,
            ..rule
        };
        let cutting = strict.judge(MAINNET, &evidence).unwrap();
        assert!(
            matches!(cutting.binding, Some(Binding::CutOff { .. })),
            "{cutting}"
        );
        assert!(
            cutting.to_string().contains("23.5% of the signing stake"),
            "{cutting}"
        );
    }

    #[test]
    fn stake_that_never_signs_neither_blocks_nor_counts() {
        // Half the registered stake never signs: the other half, all proven, is what signs.
        let rule = RuleConfig {
            max_cut_off: 0.0,
            ..RuleConfig::default()
        };
        let verdict = rule.judge(MAINNET, &evidence(0.8, 0.8, 3000)).unwrap();
        assert_eq!(verdict.cut_off, 0.0);
        assert!(verdict.ready, "{verdict}");
    }

    #[test]
    fn without_shadow_signers_the_rule_waits_or_falls_back_as_configured() {
        let nobody = Evidence {
            signing_share: 0.97,
            declared_share: 0.96,
            ..Evidence::default()
        };
        let waiting = RuleConfig::default().judge(MAINNET, &nobody).unwrap();
        assert_eq!(waiting.binding, Some(Binding::NoShadowSigners));
        assert!(waiting.to_string().contains("no signer shadow-signs"));
        let falling_back = RuleConfig {
            fall_back_to_declared: true,
            ..RuleConfig::default()
        }
        .judge(MAINNET, &nobody)
        .unwrap();
        assert!(falling_back.ready, "{falling_back}");
        assert_eq!(falling_back.basis, Basis::Declared);
    }
}
