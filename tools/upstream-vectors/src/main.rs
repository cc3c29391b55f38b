//! Golden test-vector generator backed by the published `mithril-common` crate.
//!
//! Writes `protocol_messages.json`, `era_markers.json`, `messages.json`,
//! `certificate_chain.json` and `pool_certification.json` into the folder given
//! as the only argument. Every value is produced by upstream code (or, for the few formats that
//! live in unpublished upstream crates, by a structure declared here with the same fields and
//! serde attributes, see `era_markers.rs`), so the files pin what Mithril itself writes.

mod certificates;
mod data;
mod era_markers;
mod messages;
mod output;
mod pool_certification;
mod protocol_messages;
mod retriever;

use std::path::PathBuf;

use anyhow::{bail, Context};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(out_dir) = args.next() else {
        bail!("usage: upstream-vectors <output folder>");
    };
    if args.next().is_some() {
        bail!("usage: upstream-vectors <output folder>");
    }
    let out_dir = PathBuf::from(out_dir);
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .context("cannot start the async runtime")?;

    let fixtures = data::Fixtures::build();
    let protocol = runtime.block_on(protocol_messages::generate(&fixtures))?;
    output::write_json(&out_dir.join("protocol_messages.json"), &protocol.file)?;

    let era = era_markers::generate()?;
    output::write_json(&out_dir.join("era_markers.json"), &era)?;

    let messages = messages::generate(&fixtures, &protocol.signed)?;
    output::write_json(&out_dir.join("messages.json"), &messages)?;

    let chain = runtime.block_on(certificates::generate())?;
    output::write_json(&out_dir.join("certificate_chain.json"), &chain)?;

    let pools = pool_certification::generate()?;
    output::write_json(&out_dir.join("pool_certification.json"), &pools)?;

    eprintln!(
        "wrote {} protocol-message vectors ({} rigid), {} era payloads, {} messages to {}",
        protocol.legacy_count + protocol.rigid_count,
        protocol.rigid_count,
        era["payloads"].as_array().map(Vec::len).unwrap_or(0),
        messages["messages"].as_array().map(Vec::len).unwrap_or(0),
        out_dir.display()
    );
    Ok(())
}
