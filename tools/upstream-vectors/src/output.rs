//! JSON file output: pretty-printed, two-space indentation, newline at the end.

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

pub fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value).context("cannot serialize vectors")?;
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
