#!/usr/bin/env bash
# shim_dist.sh OUT CORE_LIB
#
# Writes OUT (`make shim-dist`: build/shim-dist): the Go module github.com/last9/last9_genai/go-shim as a collector
# build elsewhere needs it, with the Rust core prebuilt inside, so that machine needs Go and a C toolchain but no
# Rust. Its cgo flags (last9genaiprocessor/ffi.go) already point inside the module: ${SRCDIR}/../include for the
# header and ${SRCDIR}/../lib for liblast9_genai.a. In this repository those two are symlinks to include/ and
# build/lib; here they are the real files. Tests and test data are left out (they read files elsewhere in this
# repository). OUT is replaced whole, by rename.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OUT CORE_LIB" >&2; exit 2; }
out=$(realpath -m "$1") lib=$2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -s "$lib" ] || { echo "$0: $lib is missing (make rust-lib)" >&2; exit 1; }
tmp="$out.tmp"
rm -rf "$tmp"
mkdir -p "$tmp/include" "$tmp/lib"
cp "$root/go-shim/go.mod" "$root/go-shim/go.sum" "$tmp/"
(cd "$root/go-shim" && find last9genaiprocessor -type f ! -name '*_test.go' ! -path '*/testdata/*' -print0 |
  xargs -0 cp --parents -t "$tmp/")
cp "$root/include/last9_genai.h" "$tmp/include/"
cp "$lib" "$tmp/lib/liblast9_genai.a"
sha=$(sha256sum "$tmp/lib/liblast9_genai.a" | cut -d' ' -f1)
# Go's build cache does not hash a C library: a new core under unchanged Go sources could link a cached binary.
# Stamping the core's hash into the copy's cgo preamble makes every new core a new package, rebuilt and relinked.
sed -i "s|^#cgo CFLAGS: .*|&\\n#cgo CFLAGS: -DLAST9_GENAI_CORE_SHA256=${sha:0:16}|" "$tmp/last9genaiprocessor/ffi.go"
grep -q "LAST9_GENAI_CORE_SHA256=${sha:0:16}" "$tmp/last9genaiprocessor/ffi.go" || { echo "$0: could not stamp ffi.go" >&2; exit 1; }
ldflags=$(grep -h '^#cgo ' "$tmp/last9genaiprocessor/ffi.go" | sed 's/^/    /')
cat > "$tmp/README.md" <<README
# last9_genai processor, prebuilt (made by \`make shim-dist\`)

The Go module \`github.com/last9/last9_genai/go-shim\` with the Rust core inside it, for an OpenTelemetry Collector
built with ocb on a machine without Rust. Add to your ocb manifest (see the repository README, "Adding last9_genai
to your own collector", and collector-config/own-distribution/builder-config.yaml):

    dist:
      cgo_enabled: true            # the processor calls the core through cgo
      build_tags: netgo,osusergo   # for a static binary
    processors:
      - gomod: github.com/last9/last9_genai/go-shim v0.0.0
        import: github.com/last9/last9_genai/go-shim/last9genaiprocessor
        path: <this folder>

and build with \`builder --config <manifest> --ldflags='-s -w -linkmode=external -extldflags=-static'\` (a static
binary) or without \`--ldflags\` (dynamic, glibc only). The build machine needs Go $(sed -n 's/^go //p' "$tmp/go.mod") or later and gcc
with glibc's static libraries (Debian: gcc, libc6-dev); linux/amd64 only (the core below is x86_64 glibc).

- \`lib/liblast9_genai.a\`: the core, static, sha256 $sha
- \`include/last9_genai.h\`: its C API
- cgo flags (\`last9genaiprocessor/ffi.go\`; the CFLAGS define only makes a new core rebuild):
$ldflags
README
rm -rf "$out"
mv "$tmp" "$out"
echo "wrote $out (core sha256 ${sha:0:16})"
