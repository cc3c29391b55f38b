//! The probability that a certificate is produced.
//!
//! A set of signers holding stake share `a` wins each of the `m` lottery indices independently
//! with probability `p = 1 - (1 - phi_f)^a`, so the number of indices won is exactly
//! `Binomial(m, p)`, and a certificate needs `k` of them: `P(certificate) = P[Binomial(m, p) >= k]`.
//!
//! Both tails are computed directly (neither as one minus the other), in log space, from the
//! ratios of consecutive probabilities anchored at the mode, so that nothing overflows for
//! mainnet's m = 16 948 and a failure probability of 1e-12 keeps its relative precision.
//! Terms more than 40 standard deviations from the mode are below e^-800 of the total and are
//! skipped, which bounds the work to a few thousand terms.

use crate::domain::ProtocolParameters;

/// Why a quorum computation was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum QuorumError {
    /// A stake share outside `[0, 1]` (or not a number).
    #[error("stake share {0} is not a number in [0, 1]")]
    StakeShare(f64),
    /// A probability outside `(0, 1)` (or not a number).
    #[error("target probability {0} is not a number in (0, 1)")]
    Probability(f64),
}

/// The probabilities that a certificate is, and is not, produced.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CertificateOdds {
    /// `P[Binomial(m, p) >= k]`.
    pub success: f64,
    /// `P[Binomial(m, p) < k]`, computed on its own (precise when tiny).
    pub failure: f64,
}

/// The probability that signers holding stake share `a` win one lottery index:
/// `1 - (1 - phi_f)^a`, computed without cancellation for small `a`.
pub fn index_win_probability(
    parameters: &ProtocolParameters,
    stake_share: f64,
) -> Result<f64, QuorumError> {
    if !(0.0..=1.0).contains(&stake_share) {
        return Err(QuorumError::StakeShare(stake_share));
    }
    if stake_share == 0.0 {
        return Ok(0.0);
    }
    let phi_f = parameters.phi_f();
    if phi_f >= 1.0 {
        return Ok(1.0);
    }
    Ok(-(stake_share * (-phi_f).ln_1p()).exp_m1())
}

/// The odds of a certificate when only signers holding stake share `a` sign.
pub fn certificate_odds(
    parameters: &ProtocolParameters,
    stake_share: f64,
) -> Result<CertificateOdds, QuorumError> {
    let p = index_win_probability(parameters, stake_share)?;
    Ok(binomial_tails(parameters.m(), parameters.k(), p))
}

/// `P[X >= k]` and `P[X < k]` for `X ~ Binomial(m, p)`; `p` must be in `[0, 1]`.
pub fn binomial_tails(m: u64, k: u64, p: f64) -> CertificateOdds {
    if p <= 0.0 {
        return odds_from(k == 0);
    }
    if p >= 1.0 {
        return odds_from(k <= m);
    }
    if k == 0 {
        return odds_from(true);
    }
    if k > m {
        return odds_from(false);
    }
    let mf = m as f64;
    let mode = (((mf + 1.0) * p).floor() as u64).min(m);
    let sd = (mf * p * (1.0 - p)).sqrt();
    let reach = (40.0 * sd + 10.0).ceil() as u64;
    let low = mode.saturating_sub(reach);
    let high = mode.saturating_add(reach).min(m);
    let log_odds = p.ln() - (-p).ln_1p();

    // log(pmf(i) / pmf(mode)) for i in [low, high], by the ratio of consecutive terms:
    // pmf(i + 1) / pmf(i) = (m - i) / (i + 1) * p / (1 - p).
    let mut logs = vec![0.0f64; (high - low + 1) as usize];
    let at = |i: u64| (i - low) as usize;
    for i in mode..high {
        logs[at(i + 1)] = logs[at(i)] + ((mf - i as f64) / (i as f64 + 1.0)).ln() + log_odds;
    }
    for i in (low..mode).rev() {
        logs[at(i)] = logs[at(i + 1)] - ((mf - i as f64) / (i as f64 + 1.0)).ln() - log_odds;
    }
    // Sums relative to the mode term (which is 1): the largest term, so no overflow.
    let (mut below, mut above) = (0.0f64, 0.0f64);
    for i in low..=high {
        let term = logs[at(i)].exp();
        if i < k {
            below += term;
        } else {
            above += term;
        }
    }
    let total = below + above;
    CertificateOdds {
        success: above / total,
        failure: below / total,
    }
}

fn odds_from(certain: bool) -> CertificateOdds {
    if certain {
        CertificateOdds {
            success: 1.0,
            failure: 0.0,
        }
    } else {
        CertificateOdds {
            success: 0.0,
            failure: 1.0,
        }
    }
}

/// The smallest stake share whose signers alone produce a certificate with failure probability
/// at most `max_failure`, to within 1e-9 of share; `None` when even all the stake does not.
pub fn minimum_stake_share(
    parameters: &ProtocolParameters,
    max_failure: f64,
) -> Result<Option<f64>, QuorumError> {
    if !(max_failure > 0.0 && max_failure < 1.0) {
        return Err(QuorumError::Probability(max_failure));
    }
    let failure = |share: f64| certificate_odds(parameters, share).map(|odds| odds.failure);
    if failure(1.0)? > max_failure {
        return Ok(None);
    }
    // The failure probability decreases with the share: bisect.
    let (mut low, mut high) = (0.0f64, 1.0f64);
    while high - low > 1e-9 {
        let middle = 0.5 * (low + high);
        if failure(middle)? <= max_failure {
            high = middle;
        } else {
            low = middle;
        }
    }
    Ok(Some(high))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAINNET: &ProtocolParameters = &ProtocolParameters::MAINNET;

    #[test]
    fn edges() {
        assert_eq!(binomial_tails(10, 0, 0.3).success, 1.0);
        assert_eq!(binomial_tails(10, 11, 0.3).success, 0.0);
        assert_eq!(binomial_tails(10, 3, 0.0).failure, 1.0);
        assert_eq!(binomial_tails(10, 3, 1.0).success, 1.0);
        let odds = certificate_odds(MAINNET, 0.0).unwrap();
        assert_eq!((odds.success, odds.failure), (0.0, 1.0));
    }

    #[test]
    fn small_case_matches_direct_enumeration() {
        // m = 4, k = 2, p = 0.5: P[X >= 2] = 11/16.
        let odds = binomial_tails(4, 2, 0.5);
        assert!((odds.success - 11.0 / 16.0).abs() < 1e-15);
        assert!((odds.failure - 5.0 / 16.0).abs() < 1e-15);
    }

    #[test]
    fn bad_inputs_are_errors() {
        for share in [-0.1, 1.1, f64::NAN] {
            assert!(matches!(
                certificate_odds(MAINNET, share),
                Err(QuorumError::StakeShare(_))
            ));
        }
        for target in [0.0, 1.0, f64::NAN, -1.0] {
            assert!(minimum_stake_share(MAINNET, target).is_err());
        }
    }

    #[test]
    fn win_probability_is_precise_for_small_shares() {
        let p = index_win_probability(MAINNET, 1e-9).unwrap();
        // 1 - 0.8^a ≈ -a ln 0.8 for tiny a.
        assert!((p / (1e-9 * -(0.8f64.ln())) - 1.0).abs() < 1e-8);
    }

    #[test]
    fn minimum_share_is_where_the_failure_crosses_the_target() {
        let share = minimum_stake_share(MAINNET, 1e-9).unwrap().unwrap();
        assert!(certificate_odds(MAINNET, share).unwrap().failure <= 1e-9);
        assert!(certificate_odds(MAINNET, share - 1e-6).unwrap().failure > 1e-9);
        // Unreachable: k = m with a tiny phi_f.
        let strict = ProtocolParameters::new(100, 100, 0.01).unwrap();
        assert_eq!(minimum_stake_share(&strict, 1e-9).unwrap(), None);
    }
}
