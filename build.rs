//! Compiles the wire schemas under `proto/` with protox (pure Rust: no system `protoc`) and
//! prost-build, and writes the file descriptor set the crate embeds.

use std::path::{Path, PathBuf};

/// Every wire package this build compiles, as its directory under `proto/`.
/// Adding a wire version starts here.
const PACKAGES: &[&str] = &["mithril/signer/v1", "mithril/signer/v2"];

/// Messages that are implemented by hand so that they keep the variants this build does not know.
const HAND_WRITTEN: &[(&str, &str)] = &[
    (
        ".mithril.signer.v1.SignedEntityType",
        "crate::wire::v1::pb::SignedEntityType",
    ),
    (
        ".mithril.signer.v2.SignedEntityType",
        "crate::wire::v2::pb::SignedEntityType",
    ),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = Path::new("proto");
    println!("cargo:rerun-if-changed={}", proto_root.display());

    let mut files = Vec::new();
    for package in PACKAGES {
        let dir = proto_root.join(package);
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|ext| ext == "proto") {
                println!("cargo:rerun-if-changed={}", path.display());
                files.push(path.strip_prefix(proto_root)?.to_path_buf());
            }
        }
    }
    // Directory order is not stable across file systems; the output must be.
    files.sort();

    let descriptor_set = protox::Compiler::new([proto_root])?
        .include_imports(true)
        .include_source_info(false)
        .open_files(files)?
        .file_descriptor_set();

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("mithril_compat_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptor_set),
    )?;

    let mut config = prost_build::Config::new();
    config.btree_map(["."]);
    config.bytes(["."]);
    for (proto, rust) in HAND_WRITTEN {
        config.extern_path(*proto, *rust);
    }
    config.compile_fds(descriptor_set)?;
    Ok(())
}
