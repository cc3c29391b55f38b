//! The applications built on `mithril-compat`: the command-line tool's subcommands, the
//! rolling-upgrade demo and the mainnet-size rollout simulation.
//!
//! Node crates depend on the `mithril-compat` library alone; this crate is what `cargo run` at
//! the workspace root starts (the `mithril-compat` binary, whose default command is the demo).

pub mod commands;
pub mod demo;
pub mod figures;
pub mod plot;
pub mod simulate;
