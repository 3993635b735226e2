#!/usr/bin/env python3
"""Check that the collector binary is fully static and that the glibc functions a static binary cannot use are
never reached from the Rust core.

Usage: check_static_link.py --binary BIN --lib liblast9_genai.a --ffi ffi.go [--link-log ocb.log] [--cc CC]

A static glibc binary cannot run getaddrinfo, getpwuid_r and the other NSS and dlopen functions (they load shared
libraries at run time); glibc marks each one with a .gnu.warning section, which is why the static link warns.
The Go side avoids them with the netgo and osusergo tags. The Rust core's archive holds all of Rust's std as one
object, and that object names getaddrinfo (std::net's lookup_host) and getpwuid_r (std::env::home_dir), so the
linker pulls them in and warns, whether or not anything calls them. This script proves that nothing in the core
does:

1. The binary has no program interpreter and no DT_NEEDED entry: not a dynamic executable.
2. A C program whose roots are every function the core exports (last9_genai_*, a superset of what the shim calls)
   is linked statically, with the shim's own link flags (read from ffi.go), twice: as the collector is linked, and
   with --gc-sections, which keeps only the code reachable from those roots (Rust compiles every function into its
   own section, so this is a call graph at function granularity; address-taken functions count as reachable). No
   warned glibc function may survive the second link, other than those an empty static C program already has
   (glibc's own dlopen/dlsym support).
3. Every warning of the collector's own link (ocb --verbose output, when given) names such a function and comes
   from an object inside liblast9_genai.a; a warning from anything else (Go's cgo resolver, os/user) fails.

Stdlib only; needs readelf and a C compiler with static glibc (libc6-dev), as the collector's link does.
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

WARNING = re.compile(r"warning: Using '(\w+)' in statically linked applications")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def readelf(flags, path):
    p = run(["readelf", "-W", *flags, str(path)])
    if p.returncode != 0:
        sys.exit(f"check_static_link: readelf {' '.join(flags)} {path}: {p.stderr.strip()}")
    return p.stdout


def defined_symbols(path):
    """Names of the defined (not UND) symbols in an ELF file or archive, any binding."""
    names = set()
    for line in readelf(["-s"], path).splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].endswith(":") and f[6] != "UND":
            names.add(f[7].split("@")[0])
    return names


def exported_api(lib):
    api = set()
    for line in readelf(["-s"], lib).splitlines():
        f = line.split()
        if len(f) >= 8 and f[3] == "FUNC" and f[4] == "GLOBAL" and f[6] != "UND" and f[7].startswith("last9_genai_"):
            api.add(f[7])
    return sorted(api)


def warned_glibc_functions(cc):
    """Every function glibc's static archives mark with a link-time warning (.gnu.warning.<name>)."""
    names = set()
    for lib in ["libc.a", "libpthread.a", "libdl.a", "librt.a", "libutil.a", "libm.a"]:
        path = run([cc, f"-print-file-name={lib}"]).stdout.strip()
        if not os.path.isabs(path) or not os.path.exists(path):
            continue
        # Some are linker scripts (libm.a: GROUP(...)); readelf reads the archives among them.
        names |= set(re.findall(r"\.gnu\.warning\.(\w+)", run(["readelf", "-W", "-S", path]).stdout))
    if not names:
        sys.exit(f"check_static_link: no static glibc found by {cc} (install libc6-dev)")
    return names


def ffi_link_flags(ffi, lib):
    """The shim's cgo LDFLAGS (all, and linux), with -L pointing at the archive checked here."""
    flags = []
    for m in re.finditer(r"^#cgo (?:linux )?LDFLAGS:(.*)$", pathlib.Path(ffi).read_text(encoding="utf-8"), re.M):
        for f in m.group(1).split():
            flags.append(f"-L{pathlib.Path(lib).resolve().parent}" if f.startswith("-L") else f)
    if "-llast9_genai" not in flags:
        sys.exit(f"check_static_link: no -llast9_genai in the #cgo LDFLAGS of {ffi}")
    return flags


def link(cc, tmp, name, source, flags):
    src = tmp / f"{name}.c"
    src.write_text(source, encoding="utf-8")
    out = tmp / name
    p = run([cc, "-static", "-o", str(out), str(src), *flags])
    if p.returncode != 0:
        sys.exit(f"check_static_link: linking {name} failed:\n{p.stderr}")
    return out, p.stderr


def check(binary, lib, ffi, link_log, cc):
    """Returns (failures, summary)."""
    failures = []

    # 1. Not a dynamic executable.
    interp = "INTERP" in readelf(["-l"], binary)
    needed = re.findall(r"\(NEEDED\).*\[(.*)\]", readelf(["-d"], binary))
    if interp or needed:
        failures.append(f"{binary} is dynamic: interpreter={interp}, shared libraries={needed}")

    # 2. The core's API, linked statically with and without --gc-sections.
    api = exported_api(lib)
    if not api:
        sys.exit(f"check_static_link: {lib} exports no last9_genai_* function")
    warned = warned_glibc_functions(cc)
    flags = ffi_link_flags(ffi, lib)
    probe = "".join(f"extern char {s}[];\n" for s in api)
    probe += "static void *const roots[] = {" + ", ".join(api) + "};\n"
    probe += ("int main(int argc, char **argv) { (void)argv; "
              f"return argc > 99 ? (int)(long)roots[argc % {len(api)}] : 0; }}\n")
    with tempfile.TemporaryDirectory(prefix="check-static-") as d:
        tmp = pathlib.Path(d)
        whole, whole_log = link(cc, tmp, "core-api", probe, flags)
        gc, _ = link(cc, tmp, "core-api-gc", probe, ["-Wl,--gc-sections", *flags])
        empty, _ = link(cc, tmp, "empty-gc", "int main(void) { return 0; }\n", ["-Wl,--gc-sections"])
        in_whole = defined_symbols(whole) & warned
        in_gc = defined_symbols(gc) & warned
        baseline = defined_symbols(empty) & warned
    probe_warnings = set(WARNING.findall(whole_log))
    # Where they are named, from the linker's own "in function" lines (demangled).
    callers = {}
    for m in re.finditer(r"in function `([^']+)':\n[^\n]*warning: Using '(\w+)'", whole_log):
        callers.setdefault(m.group(2), set()).add(m.group(1))
    reached = in_gc - baseline
    if reached:
        failures.append("reachable from the core's exported functions (kept by --gc-sections): " +
                        ", ".join(sorted(reached)))
    if not probe_warnings <= in_whole:
        failures.append(f"the probe link warned about {sorted(probe_warnings - in_whole)} but does not define them: "
                        "this check no longer sees what it checks")

    # 3. The collector's own link.
    link_warnings = []
    if link_log and os.path.exists(link_log):
        text = pathlib.Path(link_log).read_text(encoding="utf-8", errors="replace").replace("\\n", "\n")
        for m in re.finditer(r"ld[^\n]*?: ([^\n]*?): in function `([^']+)':\n[^\n]*?warning: Using '(\w+)'", text):
            obj, fn, sym = m.groups()
            link_warnings.append(sym)
            if "liblast9_genai.a(" not in obj:
                failures.append(f"the collector's link uses {sym} from {obj} ({fn}): only the Rust core's std may, "
                                "and Go must be built with -tags netgo,osusergo")
            elif sym in in_gc:
                failures.append(f"the collector's link uses {sym} ({fn}), which the core's API reaches")
        if len(link_warnings) != len(WARNING.findall(text)):
            failures.append(f"{link_log}: a static-link warning this script could not attribute to an object")

    detail = "; ".join(f"{s} (named by {', '.join(sorted(callers.get(s, ['?'])))})" for s in sorted(probe_warnings))
    summary = (f"{binary} is not a dynamic executable. The core's {len(api)} exported functions, linked statically "
               f"with --gc-sections, reach none of glibc's {len(warned)} static-unsafe functions (only glibc's own "
               f"{', '.join(sorted(baseline)) or 'none'}, as an empty program does). Named but unreachable: "
               f"{detail or 'none'}. Collector link warnings: {', '.join(sorted(set(link_warnings))) or 'none'}, "
               "all from the core's std.")
    return failures, summary


def self_test(ffi, cc):
    """The check must fail on a core that does reach getaddrinfo, and on a Go-side warning; and pass when a
    function that is never called names it (as Rust's std does)."""
    with tempfile.TemporaryDirectory(prefix="check-static-self-") as d:
        tmp = pathlib.Path(d)
        src = tmp / "core.c"
        src.write_text(
            "#include <netdb.h>\n"
            "int named_never_called(const char *h) { struct addrinfo *r; return getaddrinfo(h, 0, 0, &r); }\n"
            "int last9_genai_ok(void) { return 1; }\n"
            "#ifdef REACH\n"
            "int last9_genai_resolve(const char *h) { return named_never_called(h); }\n"
            "#endif\n", encoding="utf-8")
        results = {}
        for case, defs in [("unreached", []), ("reached", ["-DREACH"])]:
            libdir = tmp / case
            libdir.mkdir()
            obj = libdir / "core.o"
            subprocess.run([cc, "-c", "-ffunction-sections", *defs, "-o", str(obj), str(src)], check=True)
            subprocess.run(["ar", "rcs", str(libdir / "liblast9_genai.a"), str(obj)], check=True)
            binary, _ = link(cc, libdir, "bin", "int main(void) { return 0; }\n", [])
            results[case] = (binary, libdir / "liblast9_genai.a")
        goside = tmp / "go-link.log"
        goside.write_text("/usr/bin/ld: /tmp/go-link-1/000004.o: in function `_cgo_net_getaddrinfo':\n"
                          "cgo: warning: Using 'getaddrinfo' in statically linked applications requires ...\n",
                          encoding="utf-8")
        bad = []
        f, _ = check(*results["unreached"], ffi, None, cc)
        if f:
            bad.append(f"a core that only names getaddrinfo failed: {f}")
        f, _ = check(*results["reached"], ffi, None, cc)
        if not any("reachable" in x and "getaddrinfo" in x for x in f):
            bad.append(f"a core that calls getaddrinfo passed: {f}")
        f, _ = check(*results["unreached"], ffi, str(goside), cc)
        if not any("netgo" in x for x in f):
            bad.append(f"a Go-side getaddrinfo in the link log passed: {f}")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary")
    ap.add_argument("--lib")
    ap.add_argument("--ffi", required=True)
    ap.add_argument("--link-log")
    ap.add_argument("--cc", default=os.environ.get("CC") or "gcc")
    ap.add_argument("--self-test", action="store_true", help="check the checker on small C archives first")
    a = ap.parse_args()
    if a.self_test:
        bad = self_test(a.ffi, a.cc)
        if bad:
            print("check_static_link: self-test FAILED\n  " + "\n  ".join(bad), file=sys.stderr)
            return 1
    if not (a.binary and a.lib):
        return 0
    failures, summary = check(a.binary, a.lib, a.ffi, a.link_log, a.cc)
    if failures:
        print("check_static_link: FAILED\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("static link check: " + summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
