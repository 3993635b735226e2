#!/usr/bin/env python3
"""`make demo`: send a 3-turn conversation and a RAG workflow to a running collector, then print what came out.

Start the collector first, in another shell, with `make run`. This program posts OTLP/JSON to its HTTP receiver,
waits until the file exporter has written every span to out/traces.jsonl, and prints the enriched result: per span
the turn, kind, model, tokens and cost; per trace the turn cost and the conversation's running total; per workflow
its total. Standard library only.
"""
import argparse
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request

NANOS = 1_000_000_000


def attr(key, value):
    if isinstance(value, bool):
        v = {"boolValue": value}
    elif isinstance(value, int):
        v = {"intValue": str(value)}
    elif isinstance(value, float):
        v = {"doubleValue": value}
    else:
        v = {"stringValue": str(value)}
    return {"key": key, "value": v}


class Trace:
    """Builds one trace as OTLP/JSON spans; ids are random so reruns never collide in out/traces.jsonl."""

    def __init__(self):
        self.trace_id = secrets.token_hex(16)
        self.spans = []
        self.start = time.time_ns()

    def span(self, name, parent=None, **attrs):
        span_id = secrets.token_hex(8)
        n = len(self.spans)
        self.spans.append({
            "traceId": self.trace_id,
            "spanId": span_id,
            "parentSpanId": parent or "",
            "name": name,
            "kind": 3 if attrs.get("gen_ai.operation.name") else 1,
            "startTimeUnixNano": str(self.start + n * 1_000_000),
            "endTimeUnixNano": str(self.start + NANOS),
            "attributes": [attr(k, v) for k, v in attrs.items()],
        })
        return span_id


def llm(model, tokens_in, tokens_out, operation="chat", **extra):
    a = {"gen_ai.operation.name": operation, "gen_ai.provider.name": "openai", "gen_ai.request.model": model,
         "gen_ai.usage.input_tokens": tokens_in}
    if operation != "embeddings":
        a["gen_ai.usage.output_tokens"] = tokens_out
    a.update(extra)
    return a


def build_traces(conversation_id, workflow_id):
    turns = []
    # Turn 1: one chat call. The conversation id and the user sit only on the root span, as many apps set them.
    t = Trace()
    root = t.span("chat_turn", **{"gen_ai.conversation.id": conversation_id, "user.id": "demo-user"})
    t.span("chat gpt-4o", root, **llm("gpt-4o", 1200, 300))
    turns.append(t)
    # Turn 2: the model calls a tool, then answers.
    t = Trace()
    root = t.span("chat_turn", **{"gen_ai.conversation.id": conversation_id, "user.id": "demo-user"})
    t.span("chat gpt-4o", root, **llm("gpt-4o", 2500, 120))
    t.span("execute_tool get_weather", root, **{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"})
    t.span("chat gpt-4o", root, **llm("gpt-4o", 2800, 450))
    turns.append(t)
    # Turn 3: most of the prompt comes from the provider's cache (input tokens include cached ones).
    t = Trace()
    root = t.span("chat_turn", **{"gen_ai.conversation.id": conversation_id, "user.id": "demo-user"})
    t.span("chat gpt-4o", root, **llm("gpt-4o", 6000, 800, **{"gen_ai.usage.cache_read.input_tokens": 5000}))
    turns.append(t)

    # A RAG workflow: embed the question, retrieve, draft with a small model, refine with a large one.
    rag = Trace()
    root = rag.span("answer_question", **{"workflow.id": workflow_id, "workflow.type": "rag"})
    rag.span("embeddings text-embedding-3-small", root, **llm("text-embedding-3-small", 5000, 0, operation="embeddings"))
    rag.span("retrieve documents", root, **{"gen_ai.operation.name": "retrieval", "db.system": "qdrant"})
    rag.span("chat gpt-4o-mini", root, **llm("gpt-4o-mini", 3000, 400))
    rag.span("chat gpt-4o", root, **llm("gpt-4o", 3500, 600))
    return turns, rag


def post(endpoint, trace):
    body = json.dumps({"resourceSpans": [{
        "resource": {"attributes": [attr("service.name", "last9-genai-demo")]},
        "scopeSpans": [{"scope": {"name": "demo"}, "spans": trace.spans}],
    }]}).encode()
    req = urllib.request.Request(endpoint.rstrip("/") + "/v1/traces", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()


def value(v):
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "boolValue" in v:
        return v["boolValue"]
    return None


def read_spans(path, trace_ids):
    """Spans of the given traces from the file exporter's output (one OTLP/JSON batch per line)."""
    found = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.endswith("\n"):
                    break  # still being written
                for rs in json.loads(line).get("resourceSpans", []):
                    for ss in rs.get("scopeSpans", []):
                        for s in ss.get("spans", []):
                            if s["traceId"] in trace_ids:
                                s["attrs"] = {a["key"]: value(a["value"]) for a in s.get("attributes", [])}
                                found[s["spanId"]] = s
    except FileNotFoundError:
        pass
    return found


def money(v):
    return "-" if v is None else f"${v:.6f}"


def tokens(a):
    i, o = a.get("gen_ai.usage.input_tokens"), a.get("gen_ai.usage.output_tokens")
    c = a.get("gen_ai.usage.cache_read.input_tokens")
    if i is None and o is None:
        return "-"
    s = f"{i or 0}" if o is None else f"{i or 0}/{o}"
    return s + (f" ({c} cached)" if c else "")


def print_trace(trace, out, label):
    cols = "{:<5} {:<36} {:<10} {:<22} {:<20} {:>10}  {}"
    print(cols.format("turn", "span", "kind", "model", "tokens in/out", "cost", "cost status"))
    for s in trace.spans:
        o = out[s["spanId"]]
        a = o["attrs"]
        name = ("  " if o.get("parentSpanId") else "") + o["name"]
        print(cols.format(str(a.get("gen_ai.conversation.turn", "-")), name[:36], a.get("gen_ai.l9.span.kind", "-"),
                          str(a.get("gen_ai.request.model", "-"))[:22], tokens(a), money(a.get("gen_ai.usage.cost_usd")),
                          a.get("gen_ai.l9.cost.status", "")))
    root = out[trace.spans[0]["spanId"]]["attrs"]
    line = f"  {label}: this trace {money(root.get('gen_ai.l9.trace.cost_usd'))}"
    if "gen_ai.conversation.cost_usd" in root:
        line += f", conversation so far {money(root['gen_ai.conversation.cost_usd'])}"
    if "workflow.total_cost_usd" in root:
        line += (f", workflow {root.get('workflow.type')} total {money(root['workflow.total_cost_usd'])}"
                 f" ({root.get('workflow.llm_calls', 0)} LLM calls, {root.get('workflow.tool_calls', 0)} tool calls)")
    print(line + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", default="http://127.0.0.1:4318", help="the collector's OTLP/HTTP receiver")
    ap.add_argument("--output", default="out/traces.jsonl", help="the file exporter's output")
    ap.add_argument("--timeout", type=float, default=30, help="seconds to wait for the enriched spans")
    args = ap.parse_args()

    suffix = secrets.token_hex(3)
    conversation_id, workflow_id = f"demo-conv-{suffix}", f"demo-wf-{suffix}"
    turns, rag = build_traces(conversation_id, workflow_id)
    try:
        for t in turns:
            post(args.endpoint, t)
            time.sleep(0.3)  # keeps the turns in order through groupbytrace
        post(args.endpoint, rag)
    except (urllib.error.URLError, ConnectionError) as e:
        sys.exit(f"cannot reach the collector at {args.endpoint} ({e}); start it with `make run` in another shell")

    want = {s["spanId"] for t in turns + [rag] for s in t.spans}
    ids = {t.trace_id for t in turns + [rag]}
    deadline = time.time() + args.timeout
    out = {}
    while time.time() < deadline:
        out = read_spans(args.output, ids)
        if want <= out.keys():
            break
        time.sleep(0.25)
    else:
        sys.exit(f"only {len(out)} of {len(want)} spans reached {os.path.abspath(args.output)} within {args.timeout:.0f}s")

    print(f"\nConversation {conversation_id} (user demo-user), three turns:\n")
    for i, t in enumerate(turns, 1):
        print_trace(t, out, f"turn {i}")
    print(f"RAG workflow {workflow_id}:\n")
    print_trace(rag, out, "workflow")


if __name__ == "__main__":
    main()
