//! The command-line tool, the demo and the simulation, end to end, in one binary.

mod cli;
mod cli_adoption;
mod cli_era;
#[cfg(feature = "p2p")]
mod cli_relay;
mod cli_release;
mod cli_serve;
mod demo;
mod figures;
mod simulate;
