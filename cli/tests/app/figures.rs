//! The decision record's deterministic figures are current: regenerate them with
//! `cargo run -p mithril-compat-cli -- figures --update docs/adr/001-graceful-updates.md`.

use std::path::Path;

use mithril_compat_cli::figures;

#[test]
fn the_decision_records_figures_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/adr/001-graceful-updates.md");
    let document = std::fs::read_to_string(&path).unwrap();
    let block = figures::block_of(&document).expect("the record has a figures block");
    let current = figures::render().unwrap();
    assert!(
        block == current,
        "the figures of docs/adr/001-graceful-updates.md are stale: run `cargo run -p \
         mithril-compat-cli -- figures --update docs/adr/001-graceful-updates.md`\n--- record\n\
         {block}\n--- now\n{current}"
    );
    // Replacing the block is idempotent and keeps the rest of the record.
    assert_eq!(figures::with_block(&document, &current).unwrap(), document);
}

#[test]
fn the_figures_command_checks_and_refuses_a_stale_record() {
    let dir = std::env::temp_dir().join(format!("figures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stale = dir.join("record.md");
    std::fs::write(
        &stale,
        format!(
            "# Record\n\n{}\n| old |\n{}\n",
            figures::BEGIN,
            figures::END
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mithril-compat"))
            .args(args)
            .output()
            .unwrap()
    };
    let check = run(&["figures", "--check", stale.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stderr).contains("stale"));
    assert!(
        run(&["figures", "--update", stale.to_str().unwrap()])
            .status
            .success()
    );
    let updated = std::fs::read_to_string(&stale).unwrap();
    assert!(updated.starts_with("# Record\n\n<!-- figures:begin -->\n**Table F1.**"));
    // The block written is the record's (which the test above holds current).
    let record = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/adr/001-graceful-updates.md"),
    )
    .unwrap();
    assert_eq!(
        figures::block_of(&updated).unwrap(),
        figures::block_of(&record).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
