//! Builds the library, compiles tests/c/enrich_smoke.c against the checked-in header and runs it on a batch made
//! here, linked both ways the product is used: the static library (as the Go shim links it) and the shared one
//! (as other hosts load it).
use crate::common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `cargo test` does not necessarily rebuild the staticlib and cdylib: build them, alone in their own folder.
/// Returns the folder holding `liblast9_genai.a` and `liblast9_genai.so`.
fn built_library() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"));
    let lib_target = target.join("c-test");
    run(Command::new(env!("CARGO"))
        .args(["build", "--lib", "--quiet", "--target-dir"])
        .arg(&lib_target)
        .current_dir(root()));
    lib_target.join("debug")
}

/// Compiles the smoke program into `work/name` with the given link arguments, and writes the batch it reads.
fn compile(work: &Path, name: &str, link: &[&std::ffi::OsStr]) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(work).unwrap();
    let exe = work.join(name);
    run(Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-I"])
        .arg(root().join("include"))
        .arg(root().join("tests/c/enrich_smoke.c"))
        .arg("-o")
        .arg(&exe)
        .args(link));
    let batch_path = work.join("batch.pb");
    std::fs::write(&batch_path, batch(vec![sp(1, 1, 0, "chat").chat("acme-llm", 1_000_000, 250_000)])).unwrap();
    (exe, batch_path)
}

/// A folder holding only `file` of the built library, so the linker cannot pick the other kind.
fn alone(built: &Path, file: &str) -> PathBuf {
    let dir = built.parent().unwrap().join(format!("only-{file}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(built.join(file), dir.join(file)).unwrap();
    dir
}

#[test]
fn c_program_links_the_static_library_and_enriches() {
    let built = built_library();
    let l = format!("-L{}", alone(&built, "liblast9_genai.a").display());
    let args = [l.as_ref(), "-llast9_genai".as_ref(), "-lpthread".as_ref(), "-ldl".as_ref(), "-lm".as_ref()];
    let (exe, batch) = compile(&built.parent().unwrap().join("run-static"), "enrich_smoke", &args);
    let needed = run(Command::new("readelf").arg("-d").arg(&exe));
    assert!(!needed.contains("liblast9_genai"), "linked statically: no NEEDED entry for the library\n{needed}");
    run(Command::new(&exe).arg(&batch));
}

#[test]
fn c_program_loads_the_shared_library_and_enriches() {
    let built = built_library();
    let lib_dir = alone(&built, "liblast9_genai.so");
    let l = format!("-L{}", lib_dir.display());
    let args = [l.as_ref(), "-llast9_genai".as_ref()];
    let (exe, batch) = compile(&built.parent().unwrap().join("run-shared"), "enrich_smoke_dynamic", &args);
    let needed = run(Command::new("readelf").arg("-d").arg(&exe));
    assert!(needed.contains("Shared library: [liblast9_genai.so]"), "NEEDED liblast9_genai.so\n{needed}");
    // Found at run time through the loader's path, as a host that ships the .so beside itself would.
    run(Command::new(&exe).arg(&batch).env("LD_LIBRARY_PATH", &lib_dir));
    // And without it, the loader refuses: the program really depends on the shared library.
    let alone = Command::new(&exe).arg(&batch).env_remove("LD_LIBRARY_PATH").output().unwrap();
    assert!(!alone.status.success(), "ran without its shared library");
}
