#!/usr/bin/env python3
"""Fail when a collector module drifts from the one pinned release.

Usage: check_otel_versions.py <0.x version> <1.x version> <file>...
Files are the ocb manifest (gomod: lines) and go.mod files (require lines only: a replace may point elsewhere on
purpose). Every module of the collector core or contrib repositories must be at v<0.x> when its major is 0 and at
v<1.x> when its major is 1.
"""
import re
import sys

PREFIXES = ("go.opentelemetry.io/collector", "github.com/open-telemetry/opentelemetry-collector-contrib")
MODULE = re.compile(r"^\s*(?:-\s*gomod:\s*)?((?:go\.opentelemetry\.io/collector|github\.com/open-telemetry/"
                    r"opentelemetry-collector-contrib)\S*)\s+(v\d+\.\d+\.\d+\S*)")


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    want = {"0": "v" + argv[1], "1": "v" + argv[2]}
    bad = []
    checked = 0
    for path in argv[3:]:
        in_replace_block = False
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                stripped = line.strip()
                if stripped.startswith("replace ("):
                    in_replace_block = True
                elif in_replace_block and stripped == ")":
                    in_replace_block = False
                if in_replace_block or stripped.startswith("replace "):
                    continue
                m = MODULE.match(line.replace("require ", "", 1) if stripped.startswith("require ") else line)
                if not m:
                    continue
                module, version = m.groups()
                major = version[1:].split(".")[0]
                checked += 1
                if want.get(major) != version:
                    bad.append(f"{path}:{n}: {module} {version}, want {want.get(major, 'v0.x/v1.x')}")
    if bad:
        print("collector modules drifted from the pinned release (Makefile OTELCOL_VERSION / OTELCOL_STABLE_VERSION):",
              file=sys.stderr)
        print("\n".join("  " + b for b in bad), file=sys.stderr)
        return 1
    print(f"check-versions: {checked} collector module references at v{argv[1]} / v{argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
