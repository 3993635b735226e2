#!/usr/bin/env bash
# assemble-root.sh BINARY CONFIG CA_BUNDLE OUT
#
# Writes OUT: the container image's whole file tree, nothing else. `make image-tree` runs it on this machine, and
# the Dockerfile's build stage runs `make image-tree` too; the final stage (FROM scratch) copies exactly this tree.
# So what tests/collector_e2e runs from build/image-root is what the image holds:
#
#   /otelcol-last9genai                       the static collector (0755)
#   /etc/otelcol-last9genai/config.yaml       the default config (0644), collector-config/image/config.yaml
#   /etc/ssl/certs/ca-certificates.crt        the CA bundle for TLS exporters (0644), Debian's ca-certificates
#
# Everything is owned by root and read-only to the collector's user (uid/gid 10001, set by the Dockerfile's USER;
# the image needs no /etc/passwd: nothing in the collector looks a user up, and Go's os/user is built pure-Go).
# OUT is replaced whole, by rename, so a failed run leaves the previous tree.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 BINARY CONFIG CA_BUNDLE OUT" >&2; exit 2; }
bin=$1 cfg=$2 ca=$3 out=$4
for f in "$bin" "$cfg" "$ca"; do [ -s "$f" ] || { echo "$0: $f is missing or empty" >&2; exit 1; }; done
tmp="$out.tmp"
rm -rf "$tmp"
install -d -m 0755 "$tmp" "$tmp/etc" "$tmp/etc/otelcol-last9genai" "$tmp/etc/ssl" "$tmp/etc/ssl/certs"
install -m 0755 "$bin" "$tmp/otelcol-last9genai"
install -m 0644 "$cfg" "$tmp/etc/otelcol-last9genai/config.yaml"
install -m 0644 "$ca" "$tmp/etc/ssl/certs/ca-certificates.crt"
rm -rf "$out"
mv "$tmp" "$out"
echo "assembled $out:"
(cd "$out" && find . -type f -printf '  /%P %m %s bytes\n' | sort)
