//! Builds the static library, compiles tests/c/enrich_smoke.c against the checked-in header, links it the way
//! the Go shim does (static library only), and runs it on a batch made here.
mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn c_program_links_the_static_library_and_enriches() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    // `cargo test` does not necessarily rebuild the staticlib; build it explicitly, alone in its own folder.
    let lib_target = target.join("c-test");
    run(Command::new(env!("CARGO"))
        .args(["build", "--lib", "--quiet", "--target-dir"])
        .arg(&lib_target)
        .current_dir(root));
    let lib_dir = target.join("c-test-lib");
    std::fs::create_dir_all(&lib_dir).unwrap();
    std::fs::copy(lib_target.join("debug/liblast9_genai.a"), lib_dir.join("liblast9_genai.a")).unwrap();

    let work = target.join("c-test-run");
    std::fs::create_dir_all(&work).unwrap();
    let exe = work.join("enrich_smoke");
    run(Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-I"])
        .arg(root.join("include"))
        .arg(root.join("tests/c/enrich_smoke.c"))
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(&lib_dir)
        .args(["-llast9_genai", "-lpthread", "-ldl", "-lm"]));

    let batch_path = work.join("batch.pb");
    std::fs::write(&batch_path, batch(vec![sp(1, 1, 0, "chat").chat("acme-llm", 1_000_000, 250_000)])).unwrap();
    run(Command::new(&exe).arg(&batch_path));
}
