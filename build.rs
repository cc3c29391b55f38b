//! Compiles the wire schemas under `proto/` with protox (pure Rust: no system `protoc`) and
//! prost-build, and writes the file descriptor set the crate embeds.
//!
//! It also compiles the schema image of every frozen release (`tests/golden/<release>/image.binpb`)
//! into `OUT_DIR/frozen/<release>/`, so that tests can act as a node built on that release.

use std::path::{Path, PathBuf};

/// Every wire package this build compiles, as its directory under `proto/`.
/// Adding a wire version starts here.
const PACKAGES: &[&str] = &[
    "mithril/discovery/v1",
    "mithril/signer/v1",
    "mithril/signer/v2",
];

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
    // gRPC servers and clients only with the `grpc` feature, so that node crates that only
    // convert messages do not depend on tonic.
    if std::env::var_os("CARGO_FEATURE_GRPC").is_some() {
        config.service_generator(
            tonic_prost_build::configure()
                // prost's codec with a bound on the entries of each decoded message.
                .codec_path("crate::transport::grpc::codec::BoundedCodec")
                .build_client(true)
                .build_server(true)
                .service_generator(),
        );
    }
    config.compile_fds(descriptor_set)?;

    compile_frozen_releases(&out_dir)?;
    Ok(())
}

/// Where the tests declare the modules of frozen release code: `crate::frozen::r0_1_0::v1`.
fn frozen_module(release: &str, package: &str) -> String {
    let version = package.rsplit('.').next().unwrap_or(package);
    format!("crate::frozen::r{}::{version}", release.replace('.', "_"))
}

fn compile_frozen_releases(out_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let golden = Path::new("tests/golden");
    if !golden.is_dir() {
        // A packaged crate has no tests: nothing to compile.
        return Ok(());
    }
    println!("cargo:rerun-if-changed={}", golden.display());
    let mut releases: Vec<_> = std::fs::read_dir(golden)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    releases.sort();
    for release_dir in releases {
        let image = release_dir.join("image.binpb");
        if !image.is_file() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", image.display());
        let release = release_dir
            .file_name()
            .and_then(|name| name.to_str())
            .ok_or("release directory name is not UTF-8")?
            .to_owned();
        let descriptor_set: prost_types::FileDescriptorSet =
            prost::Message::decode(std::fs::read(&image)?.as_slice())?;
        let target = out_dir.join("frozen").join(&release);
        std::fs::create_dir_all(&target)?;
        let mut config = prost_build::Config::new();
        config.out_dir(&target);
        config.btree_map(["."]);
        config.bytes(["."]);
        let mut packages: Vec<String> = descriptor_set
            .file
            .iter()
            .filter_map(|file| file.package.clone())
            .collect();
        packages.sort();
        packages.dedup();
        for package in &packages {
            config.extern_path(
                format!(".{package}.SignedEntityType"),
                format!("{}::SignedEntityType", frozen_module(&release, package)),
            );
        }
        config.compile_fds(descriptor_set)?;
    }
    Ok(())
}
