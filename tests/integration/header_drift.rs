//! The checked-in header is the contract with every host; it must be exactly what cbindgen makes of src/ffi.
//! `LAST9_GENAI_UPDATE_HEADER=1 cargo test --test integration header_drift` (or `make header`) rewrites it.

use std::path::Path;

#[test]
fn header_matches_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        // Only the ffi module: the header is the C API and nothing else of the crate.
        .with_src(root.join("src/ffi/mod.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen could not read src/ffi")
        .write(&mut generated);
    let path = root.join("include/last9_genai.h");
    if std::env::var_os("LAST9_GENAI_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write header");
        return;
    }
    let checked_in = std::fs::read(&path).unwrap_or_default();
    assert!(checked_in == generated, "include/last9_genai.h is stale: run `make header` and commit the result");
}
