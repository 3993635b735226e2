"""A deterministic fake LLM server that the official `openai` and `anthropic` Python clients accept.

Endpoints (127.0.0.1 only, free port by default):
  POST /v1/chat/completions   OpenAI chat completions; `stream: true` answers with SSE chunks (the usage chunk is
                              sent when `stream_options.include_usage` is true, as OpenAI does)
  POST /v1/embeddings         OpenAI embeddings (`encoding_format` float or base64, the openai client's default)
  POST /v1/messages           Anthropic messages; `stream: true` answers with Anthropic's SSE events

Usage is scripted, never random. Each request takes the next entry of the script queue (`FakeLLM.script(...)`);
with an empty queue it gets `default_usage(provider, n)`, deterministic in the request's sequence number n.
A request can also carry its usage in the header `x-fake-usage` (JSON), which wins over the queue.

Usage shapes (what the provider's API reports, verbatim):
  openai chat   {"prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens"}
                prompt_tokens INCLUDES cached_tokens; completion_tokens INCLUDES reasoning_tokens (OpenAI semantics)
  openai embed  {"prompt_tokens"}
  anthropic     {"input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"}
                input_tokens EXCLUDES both cache counts (Anthropic semantics)

Models: the request model is answered with a dated/canonical response model (RESPONSE_MODEL); anything else is
echoed. `acme-llm-7` is the model that no price table knows.

Every answered request is appended to `FakeLLM.log` (provider, path, request model, response model, response id,
usage as sent, stream flag), so a test can match spans to the scripted usage by response id.

Run standalone: python fake_llm_server.py [--port N]
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import struct
import threading
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RESPONSE_MODEL = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "claude-sonnet-4": "claude-sonnet-4-20250514",
    "claude-sonnet-4-0": "claude-sonnet-4-20250514",
    "claude-sonnet-4-20250514": "claude-sonnet-4-20250514",
    "text-embedding-3-small": "text-embedding-3-small",
    "acme-llm-7": "acme-llm-7",
}
UNPRICED_MODEL = "acme-llm-7"


def response_model(request_model: str) -> str:
    return RESPONSE_MODEL.get(request_model, request_model)


def default_usage(provider: str, n: int) -> dict[str, int]:
    """Deterministic usage for the n-th request (1-based) when nothing was scripted."""
    if provider == "openai.embeddings":
        return {"prompt_tokens": 8 + n}
    if provider == "anthropic":
        return {"input_tokens": 100 + n, "output_tokens": 20 + n, "cache_read_input_tokens": 0,
                "cache_creation_input_tokens": 0}
    return {"prompt_tokens": 100 + n, "completion_tokens": 20 + n, "cached_tokens": 0, "reasoning_tokens": 0}


class FakeLLM:
    """The server. Use as a context manager, or start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._queue: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self.log: list[dict[str, Any]] = []
        # response ids are unique across servers too (several scenario processes share one collector)
        self.tag = uuid.uuid4().hex[:12]
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    def start(self) -> "FakeLLM":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fake-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeLLM":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting -------------------------------------------------------------------------------------------------
    def script(self, usage: dict[str, int], content: str | None = None) -> None:
        """Queue the usage (and optionally the answer text) of the next request."""
        with self._lock:
            self._queue.append({"usage": dict(usage), "content": content})

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.log.clear()

    def _next(self, provider: str, header: str | None) -> tuple[int, dict[str, Any]]:
        with self._lock:
            n = next(self._seq)
            if header:
                return n, {"usage": json.loads(header), "content": None}
            if self._queue:
                return n, self._queue.popleft()
            return n, {"usage": default_usage(provider, n), "content": None}

    def _record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.log.append(entry)

    def by_response_id(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {e["response_id"]: e for e in self.log}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLLM
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing --------------------------------------------------------------------------------------------------
    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    def _json(self, status: int, obj: Any, extra_headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, events: list[tuple[str | None, Any]], extra_headers: dict[str, str] | None = None) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        for event, data in events:
            chunk = ""
            if event:
                chunk += f"event: {event}\n"
            chunk += "data: " + (data if isinstance(data, str) else json.dumps(data)) + "\n\n"
            self.wfile.write(chunk.encode())
            self.wfile.flush()
        self.close_connection = True

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/health", "/v1/models"):
            self._json(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in RESPONSE_MODEL]})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        path = self.path.split("?")[0].rstrip("/")
        try:
            body = self._body()
            if path.endswith("/chat/completions"):
                self._openai_chat(body)
            elif path.endswith("/embeddings"):
                self._openai_embeddings(body)
            elif path.endswith("/messages"):
                self._anthropic_messages(body)
            else:
                self._json(404, {"error": {"message": f"no route {path}", "type": "not_found"}})
        except Exception as e:  # pragma: no cover - surfaced to the client as a 500
            self._json(500, {"error": {"message": repr(e), "type": "server_error"}})

    # -- OpenAI ----------------------------------------------------------------------------------------------------
    def _openai_chat(self, body: dict[str, Any]) -> None:
        n, item = self.fake._next("openai.chat", self.headers.get("x-fake-usage"))
        u = {"prompt_tokens": 0, "completion_tokens": 0, "cached_tokens": 0, "reasoning_tokens": 0, **item["usage"]}
        req_model = body.get("model", "")
        model = response_model(req_model)
        rid = f"chatcmpl-{self.fake.tag}{n:04d}"
        text = item["content"] or f"Fake answer #{n} from {model}."
        created = 1_760_000_000 + n
        usage = {
            "prompt_tokens": u["prompt_tokens"],
            "completion_tokens": u["completion_tokens"],
            "total_tokens": u["prompt_tokens"] + u["completion_tokens"],
            "prompt_tokens_details": {"cached_tokens": u["cached_tokens"], "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": u["reasoning_tokens"], "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
        }
        stream = bool(body.get("stream"))
        self.fake._record({"provider": "openai", "path": "/v1/chat/completions", "n": n, "request_model": req_model,
                           "response_model": model, "response_id": rid, "usage": u, "stream": stream})
        headers = {"x-request-id": f"req_fake{n:06d}"}
        if not stream:
            self._json(200, {
                "id": rid, "object": "chat.completion", "created": created, "model": model,
                "system_fingerprint": "fp_fake0001", "service_tier": "default",
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                             "message": {"role": "assistant", "content": text, "refusal": None}}],
                "usage": usage,
            }, headers)
            return
        base = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model,
                "system_fingerprint": "fp_fake0001", "service_tier": "default"}
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events: list[tuple[str | None, Any]] = []
        events.append((None, {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                                   "logprobs": None, "finish_reason": None}],
                              **({"usage": None} if include_usage else {})}))
        words = text.split(" ")
        for i, w in enumerate(words):
            piece = w if i == 0 else " " + w
            events.append((None, {**base, "choices": [{"index": 0, "delta": {"content": piece}, "logprobs": None,
                                                       "finish_reason": None}],
                                  **({"usage": None} if include_usage else {})}))
        events.append((None, {**base, "choices": [{"index": 0, "delta": {}, "logprobs": None,
                                                   "finish_reason": "stop"}],
                              **({"usage": None} if include_usage else {})}))
        if include_usage:
            events.append((None, {**base, "choices": [], "usage": usage}))
        events.append((None, "[DONE]"))
        self._sse(events, headers)

    def _openai_embeddings(self, body: dict[str, Any]) -> None:
        n, item = self.fake._next("openai.embeddings", self.headers.get("x-fake-usage"))
        u = {"prompt_tokens": 0, **item["usage"]}
        req_model = body.get("model", "")
        model = response_model(req_model)
        inputs = body.get("input")
        if isinstance(inputs, str) or (isinstance(inputs, list) and inputs and isinstance(inputs[0], int)):
            inputs = [inputs]
        inputs = inputs or [""]
        dims = int(body.get("dimensions") or 8)
        b64 = body.get("encoding_format") == "base64"
        data = []
        for i, _ in enumerate(inputs):
            vec = [round(((n * 31 + i * 7 + d) % 17) / 17.0, 6) for d in range(dims)]
            emb: Any = base64.b64encode(struct.pack(f"<{dims}f", *vec)).decode() if b64 else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        rid = f"emb-{self.fake.tag}{n:04d}"  # OpenAI embeddings carry no id; logged for matching only
        self.fake._record({"provider": "openai", "path": "/v1/embeddings", "n": n, "request_model": req_model,
                           "response_model": model, "response_id": rid, "usage": u, "stream": False})
        self._json(200, {"object": "list", "data": data, "model": model,
                         "usage": {"prompt_tokens": u["prompt_tokens"], "total_tokens": u["prompt_tokens"]}},
                   {"x-request-id": f"req_fake{n:06d}"})

    # -- Anthropic -------------------------------------------------------------------------------------------------
    def _anthropic_messages(self, body: dict[str, Any]) -> None:
        n, item = self.fake._next("anthropic", self.headers.get("x-fake-usage"))
        u = {"input_tokens": 0, "output_tokens": 0, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0,
             **item["usage"]}
        req_model = body.get("model", "")
        model = response_model(req_model)
        rid = f"msg_{self.fake.tag}{n:04d}"
        text = item["content"] or f"Fake answer #{n} from {model}."
        stream = bool(body.get("stream"))
        self.fake._record({"provider": "anthropic", "path": "/v1/messages", "n": n, "request_model": req_model,
                           "response_model": model, "response_id": rid, "usage": u, "stream": stream})
        usage = {
            "input_tokens": u["input_tokens"],
            "output_tokens": u["output_tokens"],
            "cache_read_input_tokens": u["cache_read_input_tokens"],
            "cache_creation_input_tokens": u["cache_creation_input_tokens"],
            "cache_creation": {"ephemeral_5m_input_tokens": u["cache_creation_input_tokens"],
                               "ephemeral_1h_input_tokens": 0},
            "service_tier": "standard",
        }
        headers = {"request-id": f"req_fake{n:06d}"}
        if not stream:
            self._json(200, {
                "id": rid, "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn", "stop_sequence": None, "usage": usage,
            }, headers)
            return
        start_usage = {**usage, "output_tokens": 1}
        events: list[tuple[str | None, Any]] = [
            ("message_start", {"type": "message_start", "message": {
                "id": rid, "type": "message", "role": "assistant", "model": model, "content": [],
                "stop_reason": None, "stop_sequence": None, "usage": start_usage}}),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "text", "text": ""}}),
        ]
        for i, w in enumerate(text.split(" ")):
            events.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                   "delta": {"type": "text_delta",
                                                             "text": w if i == 0 else " " + w}}))
        events += [
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                               "usage": {"output_tokens": u["output_tokens"],
                                         "input_tokens": u["input_tokens"],
                                         "cache_read_input_tokens": u["cache_read_input_tokens"],
                                         "cache_creation_input_tokens": u["cache_creation_input_tokens"]}}),
            ("message_stop", {"type": "message_stop"}),
        ]
        self._sse(events, headers)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    with FakeLLM(port=args.port) as fake:
        print(f"fake LLM server on {fake.url}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
