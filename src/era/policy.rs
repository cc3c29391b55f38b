//! What each era means for a node's signatures: how it composes the message signers sign.
//! (Which wire versions each era accepts and sends is a decision of the wire registry:
//! `WireVersion::accepted_in` and `WireVersion::sent_in`.)
//!
//! Code that exists only until an era has passed on every network is marked
//! `ERA-TRANSITION(<era>)`: once `<era>` is active everywhere, everything so marked goes
//! (`grep -rn "ERA-TRANSITION(lagrange)" src`).

use super::name::Era;
use crate::domain::HashScheme;

impl Era {
    /// The hash scheme of the protocol messages signed during this era, as Mithril's eras use
    /// them: pythagoras signs the `legacy` digest, lagrange the `rigid` one (which covers the next
    /// SNARK aggregate verification key). The digests themselves are computed by
    /// `crate::mithril::signed_message`.
    pub fn hash_scheme(self) -> HashScheme {
        match self {
            // ERA-TRANSITION(lagrange): the legacy scheme goes with pythagoras.
            Self::Pythagoras => HashScheme::Legacy,
            Self::Lagrange => HashScheme::Rigid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_scheme_per_era() {
        assert_eq!(Era::Pythagoras.hash_scheme(), HashScheme::Legacy);
        assert_eq!(Era::Lagrange.hash_scheme(), HashScheme::Rigid);
    }
}
