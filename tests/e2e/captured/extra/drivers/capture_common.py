"""Shared by the extra-capture drivers (reference material, not run by make test).

Starts tests/e2e/fake_llm_server.py on 127.0.0.1, and writes a capture in the shape of tests/e2e/captured/*.json
(spans via tests/e2e/spanjson.py, every attribute with its OTLP type) plus the exact installed versions.
"""
from __future__ import annotations

import importlib.metadata as md
import json
import os
import sys

E2E = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, E2E)

from fake_llm_server import FakeLLM  # noqa: E402,F401
from spanjson import readable_span_to_json  # noqa: E402,F401

OUT_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def versions(pkgs: list[str]) -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for p in pkgs:
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            out[p] = "absent"
    return out


def write(name: str, pkgs: list[str], spans: list[dict], fake_log: list[dict], notes: dict | None = None,
          pip_freeze: list[str] | None = None, extra_versions: dict | None = None) -> str:
    doc = {"scenario": name, "versions": {**versions(pkgs), **(extra_versions or {})}, "notes": notes or {}, "mode": None, "requests": [],
           "fake_log": fake_log, "spans": spans}
    if pip_freeze is not None:
        doc["pip_freeze"] = pip_freeze
    path = os.path.join(OUT_DIR, f"{name}.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {path}: {len(spans)} spans, {len(fake_log)} requests")
    return path


def freeze() -> list[str]:
    return sorted(f"{d.metadata['Name']}=={d.version}" for d in md.distributions())


# ---- tool calls: the shared fake server only answers text. A scripted content "TOOL:<name>:<json args>" turns a
# non-streamed answer into a tool call (OpenAI tool_calls / Anthropic tool_use), by rewriting the JSON it sends.
import fake_llm_server as _fls  # noqa: E402


class _ToolHandler(_fls._Handler):
    def _json(self, status, obj, extra_headers=None):
        if isinstance(obj, dict) and obj.get("object") == "chat.completion":
            msg = obj["choices"][0]["message"]
            if (msg.get("content") or "").startswith("TOOL:"):
                _, name, args = msg["content"].split(":", 2)
                msg.update(content=None, tool_calls=[{"id": f"call_{obj['id'][-6:]}", "type": "function",
                                                      "function": {"name": name, "arguments": args}}])
                obj["choices"][0]["finish_reason"] = "tool_calls"
        elif isinstance(obj, dict) and obj.get("type") == "message":
            c = obj["content"][0]
            if c.get("text", "").startswith("TOOL:"):
                _, name, args = c["text"].split(":", 2)
                obj["content"] = [{"type": "tool_use", "id": f"toolu_{obj['id'][-6:]}", "name": name,
                                   "input": json.loads(args)}]
                obj["stop_reason"] = "tool_use"
        return super()._json(status, obj, extra_headers)


class ToolFakeLLM(_fls.FakeLLM):
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.httpd.RequestHandlerClass = type("Handler", (_ToolHandler,), {"fake": self})
