#!/usr/bin/env bash
# End-to-end suite: real instrumentation libraries -> OTLP -> the collector with last9_genai -> assertions.
# Usage: tests/e2e/run.sh [collector-binary] [extra pytest args...]
#   collector-binary defaults to build/otelcol-last9genai at the repository root.
# Creates tests/e2e/.venv from requirements.lock (exact pins, --no-deps: no resolver run) when it is missing or
# when the pinned files changed (sha256 recorded in .venv/.e2e-req-hash). Exits with pytest's status.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
COLLECTOR="${1:-$ROOT/build/otelcol-last9genai}"
[ $# -gt 0 ] && shift
case "$COLLECTOR" in /*) ;; *) COLLECTOR="$PWD/$COLLECTOR" ;; esac
PYTHON="${E2E_PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for c in python3.11 python3.12 python3.13 python3; do
    if command -v "$c" >/dev/null 2>&1; then PYTHON="$c"; break; fi
  done
fi
VENV="$HERE/.venv"
HASH="$(cat "$HERE/requirements.txt" "$HERE/requirements.lock" | { sha256sum 2>/dev/null || shasum -a 256; } | cut -d' ' -f1)-$("$PYTHON" -c 'import sys;print("%d.%d"%sys.version_info[:2])')"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.e2e-req-hash" 2>/dev/null)" != "$HASH" ]; then
  echo "e2e: creating $VENV (pinned requirements changed or venv missing)"
  start=$(date +%s)
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$HERE/requirements.lock"
  echo "$HASH" > "$VENV/.e2e-req-hash"
  echo "e2e: venv ready in $(( $(date +%s) - start ))s"
fi
export E2E_COLLECTOR="$COLLECTOR"
cd "$HERE"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider -rfE "$@" .
rc=$?
set -e
exit $rc
