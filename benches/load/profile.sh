#!/usr/bin/env bash
# Profiles one pipeline under the bench load: Go pprof (CPU) of the collector while it takes SPANS spans, and with
# PERF=1 a `perf record` of the same window (Rust frames included). Not a measurement: profiling costs CPU.
#   benches/load/profile.sh B genai            # after `make bench-collector` and `make bench-load` once
#   PERF=1 SECONDS_=15 benches/load/profile.sh R genai
# perf needs symbols: COLLECTOR=/tmp/otelcol-sym, built with `cd build/bench-collector && go build -trimpath -o /tmp/otelcol-sym .`
# Output: build/bench-prof/<pipeline>-<mode>.pb.gz (go tool pprof -top ...), and .perf.data with PERF=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
pipeline=${1:?pipeline, e.g. B}; mode=${2:-genai}
spans=${SPANS:-4000000}; window=${SECONDS_:-12}
out=build/bench-prof; mkdir -p "$out"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
otlp=127.0.0.1:$(port); health=127.0.0.1:$(port)
coproc LG { taskset -c 1 build/bench-load/loadgen -mode "$mode" -target "$otlp" -spans "$spans" -timeout 300s 2>"$out/loadgen.log"; }
read -r sink <&"${LG[0]}"; sink=${sink#sink }
BENCH_OTLP_ENDPOINT=$otlp BENCH_HEALTH_ENDPOINT=$health BENCH_SINK_ENDPOINT=$sink \
  taskset -c 0 "${COLLECTOR:-build/otelcol-bench}" --config benches/load/pipelines/common.yaml \
  --config "benches/load/pipelines/$pipeline.yaml" --config benches/load/pprof.yaml 2>"$out/collector.log" &
col=$!
trap 'kill $col 2>/dev/null || true; kill ${LG_PID:-0} 2>/dev/null || true' EXIT
until curl -sf "http://$health/" >/dev/null; do sleep 0.2; done
echo warmup >&"${LG[1]}"
while read -r line <&"${LG[0]}"; do [[ $line == ready* ]] && break; done
echo go >&"${LG[1]}"
sleep 2
perf_pid=
if [[ ${PERF:-0} == 1 ]]; then
  perf record -e cpu-clock -F 999 -g -p "$col" -o "$out/$pipeline-$mode.perf.data" -- sleep "$window" 2>/dev/null &
  perf_pid=$!
fi
curl -sf "http://127.0.0.1:1777/debug/pprof/profile?seconds=$window" -o "$out/$pipeline-$mode.pb.gz"
[[ -n $perf_pid ]] && wait "$perf_pid"
echo "wrote $out/$pipeline-$mode.pb.gz${perf_pid:+ and $out/$pipeline-$mode.perf.data}"
