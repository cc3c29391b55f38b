//! The eras this build supports.

use std::fmt;
use std::str::FromStr;

use crate::domain::EraName;

/// An era of the certificate chain: a period inside which every node behaves the same.
///
/// The enum is closed: it lists exactly the eras this build can run. Eras are ordered by their
/// place in the chain's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum Era {
    /// The era of today's network.
    Pythagoras,
    /// The next era: wire version 2 only, and the era is part of every signed message.
    Lagrange,
}

impl Era {
    /// Every era this build supports, oldest first.
    pub const ALL: &'static [Era] = &[Era::Pythagoras, Era::Lagrange];

    /// The stable name nodes exchange (`pythagoras`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Pythagoras => "pythagoras",
            Self::Lagrange => "lagrange",
        }
    }

    /// The name as a domain value.
    pub fn era_name(self) -> EraName {
        EraName::new(self.name()).expect("era names are valid")
    }

    /// The era with that name, or [`UnsupportedEra`] for a name this build does not know
    /// (an era of a newer release).
    pub fn from_name(name: &str) -> Result<Self, UnsupportedEra> {
        Self::ALL
            .iter()
            .copied()
            .find(|era| era.name() == name)
            .ok_or_else(|| UnsupportedEra(name.to_owned()))
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Era {
    type Err = UnsupportedEra;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::from_name(name)
    }
}

/// An era name this build does not support: not an error of the input, but an era of a newer
/// release. Nodes that meet it warn or stop (see [`super::check`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("era {0:?} is not supported by this build (it supports {supported})", supported = supported_names())]
pub struct UnsupportedEra(pub String);

fn supported_names() -> String {
    Era::ALL
        .iter()
        .map(|era| era.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_parse_back() {
        assert_eq!(Era::Pythagoras.name(), "pythagoras");
        assert_eq!(Era::Lagrange.name(), "lagrange");
        for era in Era::ALL {
            assert_eq!(era.name().parse::<Era>(), Ok(*era));
        }
        assert!(Era::Pythagoras < Era::Lagrange);
    }

    #[test]
    fn unknown_name_is_a_distinct_outcome() {
        assert_eq!(
            Era::from_name("euclid"),
            Err(UnsupportedEra("euclid".into()))
        );
        assert_eq!(
            UnsupportedEra("euclid".into()).to_string(),
            "era \"euclid\" is not supported by this build (it supports pythagoras, lagrange)"
        );
    }
}
