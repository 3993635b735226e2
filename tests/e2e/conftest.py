"""Fixtures: an in-process OTLP/HTTP receiver (what the collector sends on), the collector binary started on free
127.0.0.1 ports with a test configuration, and a runner for one scenario in its own process."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from expect import PRICES  # noqa: E402
from spanjson import otlp_request_to_json  # noqa: E402

COLLECTOR = os.environ.get("E2E_COLLECTOR") or os.path.join(ROOT, "build", "otelcol-last9genai")
GROUPBYTRACE_WAIT_S = 1.0
# How long the recommended pipeline holds a GenAI trace's children for its root.
WAIT_FOR_ROOT_S = 1.0


# ---------------------------------------------------------------------------------------------------------------------
class OtlpReceiver:
    """OTLP/HTTP traces receiver on 127.0.0.1 (protobuf or JSON bodies, gzip/deflate/none)."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        self.requests = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        recv = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:
                from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
                    ExportTraceServiceRequest, ExportTraceServiceResponse)
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                enc = (self.headers.get("content-encoding") or "").lower()
                try:
                    if enc == "gzip":
                        body = gzip.decompress(body)
                    elif enc == "deflate":
                        body = zlib.decompress(body)
                    elif enc not in ("", "identity"):
                        raise ValueError(f"unsupported content-encoding {enc}")
                    req = ExportTraceServiceRequest()
                    if "json" in (self.headers.get("content-type") or ""):
                        from google.protobuf import json_format
                        json_format.Parse(body, req)
                    else:
                        req.ParseFromString(body)
                    spans = otlp_request_to_json(req)
                    with recv._lock:
                        recv.requests += 1
                        for s in spans:
                            s["arrival_request"] = recv.requests
                        recv.spans.extend(spans)
                    data = ExportTraceServiceResponse().SerializeToString()
                    self.send_response(200)
                    self.send_header("content-type", "application/x-protobuf")
                except Exception as e:  # pragma: no cover
                    with recv._lock:
                        recv.errors.append(repr(e))
                    data = repr(e).encode()
                    self.send_response(400)
                    self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name="otlp-receiver")
        self.thread.start()

    def spans_of(self, span_ids: set[str]) -> list[dict[str, Any]]:
        with self._lock:
            return [s for s in self.spans if s["span_id"] in span_ids]

    def wait_for(self, span_ids: set[str], timeout: float, settle: float = 0.3) -> list[dict[str, Any]]:
        """Every output span with one of these ids, once all arrived (or the timeout passed), after a short settle
        (so a span that comes out twice is seen twice)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = {s["span_id"] for s in self.spans_of(span_ids)}
            if got >= span_ids:
                break
            time.sleep(0.05)
        time.sleep(settle)
        return self.spans_of(span_ids)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def price_yaml() -> str:
    lines = []
    for model, p in PRICES.items():
        fields = ", ".join(f"{k}: {v}" for k, v in p.items())
        lines.append(f"      {model}: {{ {fields} }}")
    return "\n".join(lines)


def collector_config(in_port: int, out_port: int, groupbytrace: bool, wait_for_root: bool) -> str:
    processors = "[groupbytrace, last9_genai]" if groupbytrace else "[last9_genai]"
    # wait_for_root on: the recommended pipeline (the processor holds children until their root); off: every span
    # is enriched as it passes, the way the processor behaves behind groupbytrace or with the wait turned off.
    wait = f"{WAIT_FOR_ROOT_S}s" if wait_for_root else "0s"
    gbt = f"""
  groupbytrace:
    wait_duration: {GROUPBYTRACE_WAIT_S}s
    num_traces: 1000""" if groupbytrace else ""
    return f"""receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{in_port}
processors:
  last9_genai:
    use_default_pricing: true
    wait_for_root:
      timeout: {wait}
    pricing:
{price_yaml()}{gbt}
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:{out_port}
    compression: none
    retry_on_failure:
      enabled: false
    sending_queue:
      enabled: false
service:
  telemetry:
    logs:
      level: info
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: {processors}
      exporters: [otlp_http]
"""


class Collector:
    def __init__(self, binary: str, groupbytrace: bool, workdir: str, wait_for_root: bool = False) -> None:
        self.receiver = OtlpReceiver()
        self.in_port = free_port()
        self.groupbytrace = groupbytrace
        self.name = ("groupbytrace+" if groupbytrace else "") + "last9_genai" + (" waiting for roots" if wait_for_root else "")
        kind = "gbt" if groupbytrace else "wait" if wait_for_root else "direct"
        self.config_path = os.path.join(workdir, f"collector-{kind}.yaml")
        with open(self.config_path, "w") as f:
            f.write(collector_config(self.in_port, self.receiver.port, groupbytrace, wait_for_root))
        self.log_path = self.config_path.replace(".yaml", ".log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, "--config", self.config_path], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"collector ({self.name}) exited with {self.proc.returncode} at start:\n"
                                   + self.log_tail())
            try:
                with socket.create_connection(("127.0.0.1", self.in_port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"collector ({self.name}) did not listen on {self.in_port}:\n"
                                       + self.log_tail())
                time.sleep(0.1)

    @property
    def otlp_url(self) -> str:
        return f"http://127.0.0.1:{self.in_port}"

    def log_tail(self, n: int = 40) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
        self.receiver.stop()


def collector_components(binary: str) -> str:
    try:
        return subprocess.run([binary, "components"], capture_output=True, text=True, timeout=30).stdout
    except Exception:
        return ""


@pytest.fixture(scope="session")
def workdir():
    d = tempfile.mkdtemp(prefix="l9e2e-")
    yield d
    if os.environ.get("E2E_KEEP") != "1":
        shutil.rmtree(d, ignore_errors=True)
    else:
        print(f"\ne2e work directory kept: {d}")


@pytest.fixture(scope="session")
def collector_binary() -> str:
    if not (os.path.isfile(COLLECTOR) and os.access(COLLECTOR, os.X_OK)):
        pytest.fail(f"collector binary not found or not executable: {COLLECTOR} "
                    f"(build it with `make build`, or pass its path to tests/e2e/run.sh)", pytrace=False)
    return COLLECTOR


@pytest.fixture(scope="session")
def collector(collector_binary, workdir):
    c = Collector(collector_binary, groupbytrace=False, workdir=workdir)
    yield c
    c.stop()


@pytest.fixture(scope="session")
def collector_wait(collector_binary, workdir):
    """The recommended pipeline: no groupbytrace, the processor waits for roots."""
    c = Collector(collector_binary, groupbytrace=False, workdir=workdir, wait_for_root=True)
    yield c
    c.stop()


@pytest.fixture(scope="session")
def collector_gbt(collector_binary, workdir):
    if "groupbytrace" not in collector_components(collector_binary):
        pytest.skip("this collector build has no groupbytrace processor")
    c = Collector(collector_binary, groupbytrace=True, workdir=workdir)
    yield c
    c.stop()


# ---------------------------------------------------------------------------------------------------------------------
def run_scenario(name: str, workdir: str, otlp: str | None = None, mode: str = "per-trace",
                 trace_gap: float = 0.0) -> dict[str, Any]:
    """Run one scenario in its own process (instrumentations patch libraries globally); returns its JSON doc."""
    run_id = uuid.uuid4().hex[:10]
    out = os.path.join(workdir, f"{name}-{mode}-{run_id}.json")
    cmd = [sys.executable, os.path.join(HERE, "run_scenario.py"), name, "--out", out, "--mode", mode,
           "--run-id", run_id]
    if otlp:
        cmd += ["--otlp", otlp]
    if trace_gap:
        cmd += ["--trace-gap", str(trace_gap)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=HERE)
    if p.returncode != 0:
        raise AssertionError(f"[{name}/{mode}] scenario process failed ({p.returncode}):\n{p.stdout[-3000:]}\n"
                             f"{p.stderr[-5000:]}")
    with open(out) as f:
        doc = json.load(f)
    doc["_path"] = out
    return doc


@pytest.fixture(scope="session")
def scenario_runner(workdir):
    def run(name: str, otlp: str | None = None, mode: str = "per-trace", trace_gap: float = 0.0) -> dict[str, Any]:
        return run_scenario(name, workdir, otlp, mode, trace_gap)
    return run
