#!/usr/bin/env python3
"""Run the load bench: each pipeline x traffic mode, in interleaved rounds, and report collector CPU per span.

Usage (make bench-load runs this): run.py --collector build/otelcol-bench --loadgen build/bench-load/loadgen
          --out build/bench-load [--pipelines A,B] [--spans N] [--rounds 2]

For every (pipeline, mode): start the loadgen on CPU 1 (its sink comes up first), then the collector under test on
CPU 0 with pipelines/common.yaml + pipelines/<P>.yaml, wait for its health check, warm up, then read the collector's
utime+stime from /proc before and after the measured send. The send ends when the sink has every span, so the window
covers the collector's whole work on them. Rounds interleave the cells (A,B,C,A2,B2,R each round) so a slow phase
of the machine spreads over all pipelines instead of landing on one; each cell reports its median over the rounds.
Exits 1 when any span was lost or duplicated, or any run failed. Stdlib only.
"""
import argparse
import datetime
import json
import os
import pathlib
import select
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ORDER = ["A", "B", "C", "A2", "B2", "R"]
# plain traffic only where its number says something: the processors that look at every span (B, C, R) next to
# the passthrough baseline. groupbytrace's cost does not depend on the content.
PLAIN = {"A", "B", "C", "R"}
CAPTURES = [ROOT / "tests/e2e/captured", ROOT / "tests/e2e/captured/extra"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    # Bind port 0 and give it back: racy in principle, but nothing else on this loopback is picking ports.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ticks(pid):
    """utime+stime of the whole process (all threads, Go and Rust alike), in clock ticks."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5), counted after "pid (comm)"


def cpu0_ticks():
    """(busy, total) ticks of CPU 0 from /proc/stat: to see how much of it something else took while measuring."""
    for line in pathlib.Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu0 "):
            v = [int(x) for x in line.split()[1:9]]  # user nice system idle iowait irq softirq steal
            return sum(v) - v[3] - v[4], sum(v)
    return 0, 0


def peak_rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Failed(Exception):
    pass


def read_line(proc, want, timeout):
    """The loadgen's next stdout line, which must start with `want`; its JSON payload (or the raw rest)."""
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            raise Failed(f"no '{want}' from the loadgen within {timeout:.0f}s")
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if not ready:
            continue
        line = proc.stdout.readline().decode().strip()
        if not line:
            raise Failed(f"loadgen exited (rc {proc.wait()}) before '{want}'")
        word, _, rest = line.partition(" ")
        if word == "error":
            raise Failed(f"loadgen: {rest}")
        if word != want:
            raise Failed(f"expected '{want}' from the loadgen, got: {line[:200]}")
        return json.loads(rest) if rest.startswith("{") else rest


def wait_healthy(collector, url, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if collector.poll() is not None:
            raise Failed(f"collector exited (rc {collector.returncode}) before it was healthy")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise Failed(f"collector not healthy at {url} within {timeout}s")


def stop(proc, timeout=20):
    """SIGTERM, then SIGKILL if it does not exit. True when it exited by itself."""
    if proc.poll() is not None:
        return True
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False


def run_cell(args, pipeline, mode, logs):
    """One measured run; returns its record (raises Failed)."""
    # Ports first: the loadgen's gRPC clients connect lazily, at the first export (after the collector is healthy).
    otlp, health = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    loadgen = subprocess.Popen(
        ["taskset", "-c", "1", args.loadgen, "-mode", mode, "-target", otlp, "-spans", str(args.spans), "-warmup", str(args.warmup),
         "-senders", str(args.senders), "-captures", ",".join(map(str, CAPTURES)), "-wire", args.wire,
         "-timeout", f"{args.timeout}s"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(logs / f"{pipeline}-{mode}.loadgen.log", "ab"))
    collector = None
    try:
        sink = read_line(loadgen, "sink", 30)
        env = dict(os.environ, BENCH_OTLP_ENDPOINT=otlp, BENCH_HEALTH_ENDPOINT=health, BENCH_SINK_ENDPOINT=sink)
        collector = subprocess.Popen(
            ["taskset", "-c", "0", args.collector, "--config", str(HERE / "pipelines/common.yaml"),
             "--config", str(HERE / f"pipelines/{pipeline}.yaml")] + [a for c in args.extra_config for a in ("--config", c)],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(logs / f"{pipeline}-{mode}.collector.log", "ab"))
        wait_healthy(collector, f"http://{health}/")
        loadgen.stdin.write(b"warmup\n")
        loadgen.stdin.flush()
        ready = read_line(loadgen, "ready", args.timeout + 30)
        t0, c0, (b0, all0) = time.monotonic(), cpu_ticks(collector.pid), cpu0_ticks()
        loadgen.stdin.write(b"go\n")
        loadgen.stdin.flush()
        done = read_line(loadgen, "done", args.timeout + 30)
        c1, (b1, all1), t1 = cpu_ticks(collector.pid), cpu0_ticks(), time.monotonic()
        rss = peak_rss_mb(collector.pid)
    finally:
        clean = stop(collector) if collector else False
        stop(loadgen, 5)
    cpu_us = (c1 - c0) * 1e6 / CLK_TCK
    sent = done["spans_sent"]
    return {
        "pipeline": pipeline, "mode": mode, "spans": sent, "cpu_us": cpu_us, "cpu_us_per_span": cpu_us / sent,
        "wall_s": done["wall_seconds"], "runner_wall_s": t1 - t0, "spans_per_s": sent / done["wall_seconds"],
        "spans_lost": done["spans_lost"], "spans_duplicated": done["spans_duplicated"], "id_sum_ok": done["id_sum_ok"],
        "timed_out": done["timed_out"], "retries": done["retries"], "rejected": done["spans_rejected"],
        "with_cost_attr": done["spans_with_check_attr"] / max(1, done["spans_received"]),
        "loadgen_cpu_share": done["loadgen_cpu_seconds"] / done["wall_seconds"],
        # CPU 0's busy time not spent by the collector (other processes, interrupts): high means a noisy machine.
        "cpu0_other_share": max(0, (b1 - b0) - (c1 - c0)) / max(1, all1 - all0),
        "collector_cpu_share": (c1 - c0) / max(1, all1 - all0),
        "peak_rss_mb": rss, "stopped_cleanly": clean, "shape": ready["shape"], "warmup": ready["warmup"],
    }


def summarize(runs, cells):
    rows = []
    for p, m in cells:
        rs = [r for r in runs if r["pipeline"] == p and r["mode"] == m and "error" not in r]
        if not rs:
            rows.append({"pipeline": p, "mode": m, "runs": 0})
            continue
        med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731 (median of 2 = their mean)
        rows.append({"pipeline": p, "mode": m, "runs": len(rs), "cpu_us_per_span": med("cpu_us_per_span"),
                     "spans_per_s": med("spans_per_s"), "spans_lost": sum(r["spans_lost"] for r in rs),
                     "spans_duplicated": sum(r["spans_duplicated"] for r in rs),
                     "with_cost_attr": med("with_cost_attr"), "peak_rss_mb": med("peak_rss_mb"),
                     "loadgen_cpu_share": med("loadgen_cpu_share"),
                     "cpu0_other_share_max": max(r["cpu0_other_share"] for r in rs),
                     "cpu_us_per_span_each": [round(r["cpu_us_per_span"], 2) for r in rs]})
    base = {r["mode"]: r.get("cpu_us_per_span") for r in rows if r["pipeline"] == "A"}
    for r in rows:
        if r.get("cpu_us_per_span") and base.get(r["mode"]):
            r["ratio_to_A"] = r["cpu_us_per_span"] / base[r["mode"]]
    return rows


def markdown(rows, meta):
    out = [f"Load bench, {meta['date']}, {meta['machine']}; {meta['spans']:,} spans per run, median of "
           f"{meta['rounds']} rounds; collector on CPU 0, loadgen + sink on CPU 1.", "",
           "| pipeline | mode | CPU µs/span | ratio to A | spans/s | spans lost | cost attr | peak RSS MB "
           "| runs µs/span | CPU 0 others |",
           "|---|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        if not r["runs"]:
            out.append(f"| {r['pipeline']} | {r['mode']} | FAILED | | | | | | | |")
            continue
        ratio = f"{r['ratio_to_A']:.2f}x" if "ratio_to_A" in r else "-"
        out.append(f"| {r['pipeline']} | {r['mode']} | {r['cpu_us_per_span']:.2f} | {ratio} | "
                   f"{r['spans_per_s']:,.0f} | {r['spans_lost'] + r['spans_duplicated']} | "
                   f"{100 * r['with_cost_attr']:.0f}% | {r['peak_rss_mb']:.0f} | "
                   f"{', '.join(map(str, r['cpu_us_per_span_each']))} | {100 * r['cpu0_other_share_max']:.0f}% |")
    out += ["", "cost attr: spans reaching the sink with gen_ai.usage.cost_usd (some captures set it themselves). "
            "CPU 0 others: the most CPU 0 that other processes took during a kept run (above ~10%, the numbers "
            "are inflated)."]
    return "\n".join(out) + "\n"


def machine():
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip() + f", {os.cpu_count()} CPUs"
    except OSError:
        pass
    return f"unknown CPU, {os.cpu_count()} CPUs"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--collector", required=True)
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    ap.add_argument("--pipelines", default=os.environ.get("PIPELINES", ",".join(ORDER)),
                    help="comma-separated subset of " + ",".join(ORDER))
    # 600k spans: the slowest pipeline (B2, ~16k spans/s on the 2-core reference machine) takes ~35 s, and the 20
    # runs of 2 rounds take ~4 minutes. The 2M reference would take ~14 minutes; --spans 2000000 if you have them.
    ap.add_argument("--spans", type=int, default=600_000, help="measured spans per run")
    ap.add_argument("--warmup", type=int, default=30_000, help="spans sent (and drained) before measuring")
    ap.add_argument("--senders", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=120,
                    help="seconds a phase (send + the sink receiving every span) may take before it counts as a loss")
    ap.add_argument("--noisy", type=float, default=0.10,
                    help="a run where other processes took more than this share of CPU 0 is NOISY")
    ap.add_argument("--noisy-retries", type=int, default=1, help="times a NOISY run is repeated (quietest kept)")
    ap.add_argument("--extra-config", action="append", default=[],
                    help="another collector config merged last (e.g. to turn internal metrics on while debugging)")
    ap.add_argument("--wire", default="raw", choices=["raw", "pdata"], help="the loadgen's -wire (loadgen/wire.go)")
    ap.add_argument("--peer-pipelines", default="A2,B2",
                    help="pipelines whose losses are reported but do not fail the bench: groupbytrace v0.161.0 loses "
                         "a few spans per million when one saturated core starves it (README: 'The B2 loss')")
    args = ap.parse_args()

    chosen = [p.strip() for p in args.pipelines.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in ORDER]
    if unknown:
        sys.exit(f"unknown pipelines {unknown}; known: {ORDER}")
    if (os.cpu_count() or 1) < 2:
        sys.exit("the bench pins the collector and the loadgen to CPUs 0 and 1: it needs 2 CPUs")
    cells = [(p, m) for p in ORDER if p in chosen for m in ("genai", "plain") if m == "genai" or p in PLAIN]
    args.out.mkdir(parents=True, exist_ok=True)
    logs = args.out / "logs"
    logs.mkdir(exist_ok=True)
    for f in logs.glob("*.log"):
        f.unlink()
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(), "spans": args.spans, "warmup": args.warmup, "senders": args.senders,
            "rounds": args.rounds, "collector": args.collector}
    print(f"load bench: {meta['machine']}, {meta['date']}; {len(cells)} cells x {args.rounds} rounds, "
          f"{args.spans:,} spans each", flush=True)

    started = time.monotonic()
    runs = []
    for rnd in range(1, args.rounds + 1):
        for p, m in cells:
            # On a shared machine another job can take CPU 0 mid-run, which inflates CPU per span too (caches,
            # kernel time). Such a run is repeated (--noisy-retries) and the quietest attempt kept.
            best = None
            for attempt in range(1, args.noisy_retries + 2):
                try:
                    r = run_cell(args, p, m, logs)
                except (Failed, OSError, KeyError, ValueError) as e:
                    r = {"pipeline": p, "mode": m, "error": str(e)}
                    print(f"  round {rnd} {p:>2} {m:<5} FAILED: {e} (logs: {logs})", flush=True)
                    best = r
                    break
                noisy = r["cpu0_other_share"] > args.noisy
                print(f"  round {rnd} {p:>2} {m:<5} {r['cpu_us_per_span']:7.2f} µs/span {r['spans_per_s']:9,.0f} "
                      f"spans/s  lost {r['spans_lost']}  {r['wall_s']:5.1f}s  collector {r['collector_cpu_share']:.0%}"
                      f" of CPU 0, others {r['cpu0_other_share']:.0%}" + ("  NOISY" if noisy else ""), flush=True)
                r["attempt"] = attempt
                if best is None or r["cpu0_other_share"] < best["cpu0_other_share"]:
                    best = r
                if not noisy:
                    break
            best["round"] = rnd
            runs.append(best)
    meta["elapsed_s"] = round(time.monotonic() - started, 1)

    rows = summarize(runs, cells)
    shapes = {r["mode"]: r["shape"] for r in runs if "shape" in r}
    (args.out / "results.json").write_text(json.dumps(
        {"meta": meta, "traffic": shapes, "summary": rows, "runs": runs}, indent=1) + "\n")
    md = markdown(rows, meta)
    (args.out / "results.md").write_text(md)
    print()
    for mode, s in shapes.items():
        print(f"traffic {mode}: {s['proto_bytes_per_span']:.0f} proto bytes/span, {s['spans_per_trace']:.2f} "
              f"spans/trace ({s['proto_bytes_per_trace']:.0f} bytes/trace), {s['spans_per_request']:.0f} "
              f"spans/request" + (f", {s['conversations_per_request']:.0f} conversations/request"
                                  if mode == "genai" else ""))
    print(md)
    print(f"elapsed {meta['elapsed_s']:.0f}s; results in {args.out}/results.json and results.md")

    peers = set(args.peer_pipelines.split(",")) if args.peer_pipelines else set()
    for r in runs:
        if r["pipeline"] in peers and "error" not in r and (r["spans_lost"] or r["spans_duplicated"]):
            print(f"note: round {r['round']} {r['pipeline']} {r['mode']} lost {r['spans_lost']} spans inside "
                  f"groupbytrace (a peer pipeline: reported, not failed)", file=sys.stderr)
    bad = [r for r in runs if "error" in r or not r["stopped_cleanly"] or r["timed_out"] and r["pipeline"] not in peers
           or r["pipeline"] not in peers and (r["spans_lost"] or r["spans_duplicated"] or not r["id_sum_ok"])]
    if bad:
        print(f"FAILED: {len(bad)} run(s) failed, lost or duplicated spans, or did not stop on SIGTERM:", file=sys.stderr)
        for r in bad:
            print(f"  round {r['round']} {r['pipeline']} {r['mode']}: "
                  f"{r.get('error') or {k: r[k] for k in ('spans_lost', 'spans_duplicated', 'id_sum_ok', 'timed_out', 'stopped_cleanly')}}",
                  file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
