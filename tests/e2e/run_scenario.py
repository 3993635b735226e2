"""Run ONE instrumentation scenario in this process, capture what the library really emits, optionally export it.

Each scenario runs in its own process (instrumentations patch the client libraries globally, so they must not
meet unless a scenario wants them to). It starts its own fake LLM server, runs the application code under the
instrumentation, captures every span in memory (the "input" spans, before any export), then:
  --out FILE          writes {scenario, versions, spans, fake_log, requests} as JSON
  --otlp URL          exports the captured spans to an OTLP/HTTP endpoint (URL + /v1/traces), in the
                      order --mode says; `requests` in the output lists the span ids of each request sent
  --mode per-trace    one request per trace, traces in start order (default; the unambiguous "turn" order)
         split        one request per span, in span END order: children first, parents last
         one-batch    every span in one request
  --run-id ID         suffix for conversation/session/workflow ids, so runs against one collector never collide

Usage: python run_scenario.py SCENARIO [--out F] [--otlp URL] [--mode M] [--run-id ID]
       python run_scenario.py --list
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import os
import sys
import time
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# Quiet, offline, deterministic.
os.environ.setdefault("TRACELOOP_TELEMETRY", "false")
os.environ.setdefault("OTEL_SDK_DISABLED", "false")
os.environ.setdefault("OTEL_PYTHON_LOG_LEVEL", "error")

from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from fake_llm_server import FakeLLM  # noqa: E402
from spanjson import readable_span_to_json  # noqa: E402

VERSIONED = [
    "openai", "anthropic", "opentelemetry-sdk", "opentelemetry-instrumentation-openai-v2", "opentelemetry-util-genai",
    "openinference-instrumentation-openai", "openinference-instrumentation-anthropic", "traceloop-sdk",
    "opentelemetry-instrumentation-openai", "opentelemetry-instrumentation-anthropic", "last9-genai",
]

SCENARIOS: dict[str, Callable[["Ctx"], None]] = {}


def scenario(name: str):
    def deco(fn):
        SCENARIOS[name] = fn
        return fn
    return deco


class Ctx:
    """What a scenario gets: the fake server, a run id, and the capture it must wire up."""

    def __init__(self, name: str, fake: FakeLLM, run_id: str):
        self.name = name
        self.fake = fake
        self.run_id = run_id
        self.capture = InMemorySpanExporter()
        self.provider: TracerProvider | None = None
        self.notes: dict[str, Any] = {}

    def resource(self) -> Resource:
        return Resource.create({"service.name": f"e2e-{self.name}"})

    def standard_provider(self) -> TracerProvider:
        """A global TracerProvider that captures every span in memory, in end order."""
        tp = TracerProvider(resource=self.resource())
        tp.add_span_processor(SimpleSpanProcessor(self.capture))
        trace.set_tracer_provider(tp)
        self.provider = tp
        return tp

    def openai(self):
        import openai
        return openai.OpenAI(base_url=self.fake.openai_base_url, api_key="sk-fake", max_retries=0)

    def anthropic(self):
        import anthropic
        return anthropic.Anthropic(base_url=self.fake.anthropic_base_url, api_key="sk-ant-fake", max_retries=0)

    def id(self, base: str) -> str:
        return f"{base}-{self.run_id}"


MSG = [{"role": "user", "content": "What is the capital of France?"}]


# ---------------------------------------------------------------------------------------------------------------------
# Scenario 1: opentelemetry-instrumentation-openai-v2 (the official one), 3-turn chat, conversation id only on the
# application's root span of each turn.
@scenario("s1_openai_v2")
def s1(ctx: Ctx) -> None:
    ctx.standard_provider()
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    OpenAIInstrumentor().instrument()
    client = ctx.openai()
    tracer = trace.get_tracer("e2e.app")
    conv = ctx.id("s1-conv")
    ctx.notes["conversation_id"] = conv
    history = [{"role": "system", "content": "You are terse."}]
    turns = [
        ({"prompt_tokens": 1200, "completion_tokens": 300, "cached_tokens": 0, "reasoning_tokens": 0}, False),
        ({"prompt_tokens": 2600, "completion_tokens": 420, "cached_tokens": 2048, "reasoning_tokens": 0}, False),
        ({"prompt_tokens": 3100, "completion_tokens": 512, "cached_tokens": 2560, "reasoning_tokens": 256}, True),
    ]
    for i, (usage, stream) in enumerate(turns, 1):
        ctx.fake.script(usage)
        history.append({"role": "user", "content": f"question {i}"})
        with tracer.start_as_current_span("chat_turn", attributes={"gen_ai.conversation.id": conv,
                                                                   "app.turn.label": f"t{i}"}):
            if stream:
                s = client.chat.completions.create(model="gpt-4o", messages=history, stream=True,
                                                   stream_options={"include_usage": True})
                text = "".join((c.choices[0].delta.content or "") for c in s if c.choices)
            else:
                r = client.chat.completions.create(model="gpt-4o", messages=history)
                text = r.choices[0].message.content
        history.append({"role": "assistant", "content": text})


# ---------------------------------------------------------------------------------------------------------------------
# Scenario 2: openinference-instrumentation-openai with using_session / using_user. Two turns (two traces) of one
# session; an embedding, a cached chat with reasoning, a streamed chat, and a model nobody prices.
@scenario("s2_openinference_openai")
def s2(ctx: Ctx) -> None:
    tp = ctx.standard_provider()
    from openinference.instrumentation import using_session, using_user
    from openinference.instrumentation.openai import OpenAIInstrumentor
    OpenAIInstrumentor().instrument(tracer_provider=tp)
    client = ctx.openai()
    tracer = trace.get_tracer("e2e.app")
    sess, user = ctx.id("s2-sess"), ctx.id("s2-user")
    ctx.notes.update(conversation_id=sess, user_id=user)
    with using_session(sess), using_user(user):
        with tracer.start_as_current_span("handle_question", attributes={"app.route": "/ask"}):
            ctx.fake.script({"prompt_tokens": 42})
            client.embeddings.create(model="text-embedding-3-small", input="capital of France")
            ctx.fake.script({"prompt_tokens": 1500, "completion_tokens": 200, "cached_tokens": 1024,
                             "reasoning_tokens": 64})
            client.chat.completions.create(model="gpt-4o", messages=MSG)
        with tracer.start_as_current_span("handle_question", attributes={"app.route": "/ask"}):
            ctx.fake.script({"prompt_tokens": 300, "completion_tokens": 50, "cached_tokens": 0,
                             "reasoning_tokens": 0})
            client.chat.completions.create(model="acme-llm-7", messages=MSG)
            ctx.fake.script({"prompt_tokens": 1800, "completion_tokens": 240, "cached_tokens": 1536,
                             "reasoning_tokens": 0})
            s = client.chat.completions.create(model="gpt-4o", messages=MSG, stream=True,
                                               stream_options={"include_usage": True})
            for _ in s:
                pass


# ---------------------------------------------------------------------------------------------------------------------
# Scenario 3: traceloop-sdk workflow + tasks with association properties (session_id, user_id): a RAG flow
# (embedding, rerank chat, answer chat), two turns of one session.
@scenario("s3_traceloop_rag")
def s3(ctx: Ctx) -> None:
    tp = TracerProvider(resource=ctx.resource())
    trace.set_tracer_provider(tp)
    ctx.provider = tp
    from traceloop.sdk import Traceloop
    from traceloop.sdk.decorators import task, workflow
    from traceloop.sdk.instruments import Instruments
    Traceloop.init(app_name="e2e-rag", exporter=ctx.capture, disable_batch=True, telemetry_enabled=False,
                   instruments={Instruments.OPENAI}, api_key="fake", api_endpoint="http://127.0.0.1:9")
    client = ctx.openai()
    sess, user = ctx.id("s3-sess"), ctx.id("s3-user")
    ctx.notes.update(conversation_id=sess, user_id=user, workflow_name="rag_pipeline")

    @task(name="embed_query")
    def embed(q: str):
        return client.embeddings.create(model="text-embedding-3-small", input=q).data[0].embedding

    @task(name="rerank")
    def rerank(q: str, docs: list[str]):
        r = client.chat.completions.create(model="gpt-4o-mini", messages=[
            {"role": "user", "content": f"rank for {q}: {docs}"}])
        return r.choices[0].message.content

    @task(name="answer")
    def answer(q: str, ctx_docs: str):
        r = client.chat.completions.create(model="gpt-4o", messages=[
            {"role": "system", "content": ctx_docs}, {"role": "user", "content": q}])
        return r.choices[0].message.content

    @workflow(name="rag_pipeline")
    def rag(q: str):
        Traceloop.set_association_properties({"session_id": sess, "user_id": user})
        embed(q)
        ranked = rerank(q, ["doc a", "doc b", "doc c"])
        return answer(q, ranked)

    ctx.fake.script({"prompt_tokens": 16})
    ctx.fake.script({"prompt_tokens": 800, "completion_tokens": 40, "cached_tokens": 0, "reasoning_tokens": 0})
    ctx.fake.script({"prompt_tokens": 2000, "completion_tokens": 350, "cached_tokens": 1536, "reasoning_tokens": 0})
    rag("What is the capital of France?")
    ctx.fake.script({"prompt_tokens": 21})
    ctx.fake.script({"prompt_tokens": 900, "completion_tokens": 45, "cached_tokens": 512, "reasoning_tokens": 0})
    ctx.fake.script({"prompt_tokens": 2400, "completion_tokens": 600, "cached_tokens": 2048,
                     "reasoning_tokens": 200})
    rag("And of Italy?")


# ---------------------------------------------------------------------------------------------------------------------
# Scenario 4: the anthropic client (which traces every call itself) under an Anthropic instrumentation, with cache
# writes and cache reads. 4a: OpenLLMetry's instrumentation (siblings); 4b: OpenInference's (parent/child).
ANTHROPIC_CALLS = [
    # turn 1: a cache write, then a cache read; turn 2: a streamed cache read
    [({"input_tokens": 40, "output_tokens": 180, "cache_read_input_tokens": 0,
       "cache_creation_input_tokens": 3000}, False),
     ({"input_tokens": 55, "output_tokens": 240, "cache_read_input_tokens": 3000,
       "cache_creation_input_tokens": 0}, False)],
    [({"input_tokens": 70, "output_tokens": 90, "cache_read_input_tokens": 3000,
       "cache_creation_input_tokens": 0}, True)],
]
SYSTEM = [{"type": "text", "text": "A long shared system prompt. " * 20, "cache_control": {"type": "ephemeral"}}]


# s4c: streams only (OpenInference's messages.stream span is a SIBLING of the client span, without a response id)
ANTHROPIC_STREAM_CALLS = [
    [({"input_tokens": 25, "output_tokens": 300, "cache_read_input_tokens": 0,
       "cache_creation_input_tokens": 2500}, True)],
    [({"input_tokens": 35, "output_tokens": 120, "cache_read_input_tokens": 2500,
       "cache_creation_input_tokens": 0}, True)],
]
# s4b: the same calls as s4a, none streamed
ANTHROPIC_PLAIN_CALLS = [[(u, False) for u, _ in turn] for turn in ANTHROPIC_CALLS]


def _anthropic_turns(ctx: Ctx, root_attrs: dict[str, Any] | None = None,
                     turns: list = ANTHROPIC_CALLS) -> None:
    client = ctx.anthropic()
    tracer = trace.get_tracer("e2e.app")
    for turn in turns:
        with tracer.start_as_current_span("assistant_turn", attributes=root_attrs or {}):
            for usage, stream in turn:
                ctx.fake.script(usage)
                if stream:
                    with client.messages.stream(model="claude-sonnet-4-0", max_tokens=512, system=SYSTEM,
                                                messages=MSG) as st:
                        st.get_final_message()
                else:
                    client.messages.create(model="claude-sonnet-4-0", max_tokens=512, system=SYSTEM, messages=MSG)


@scenario("s4a_anthropic_openllmetry")
def s4a(ctx: Ctx) -> None:
    tp = ctx.standard_provider()
    from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor
    AnthropicInstrumentor().instrument(tracer_provider=tp)
    conv = ctx.id("s4a-conv")
    ctx.notes["conversation_id"] = conv
    _anthropic_turns(ctx, {"gen_ai.conversation.id": conv})


def _s4_openinference(ctx: Ctx, tag: str, turns: list) -> None:
    tp = ctx.standard_provider()
    from openinference.instrumentation import using_session
    from openinference.instrumentation.anthropic import AnthropicInstrumentor
    AnthropicInstrumentor().instrument(tracer_provider=tp)
    sess = ctx.id(f"{tag}-sess")
    ctx.notes["conversation_id"] = sess
    with using_session(sess):
        _anthropic_turns(ctx, turns=turns)


@scenario("s4b_anthropic_openinference")
def s4b(ctx: Ctx) -> None:
    _s4_openinference(ctx, "s4b", ANTHROPIC_PLAIN_CALLS)


@scenario("s4c_anthropic_openinference_stream")
def s4c(ctx: Ctx) -> None:
    _s4_openinference(ctx, "s4c", ANTHROPIC_STREAM_CALLS)


# ---------------------------------------------------------------------------------------------------------------------
# Scenario 5: last9-genai 1.3.0 as its README shows it: install() (Last9SpanProcessor + openai-v2), then
# conversation_context + @observe around an openai call that openai-v2 also instruments (the same usage on two
# spans); workflow_context with an @observe chain span around two calls (returns the second's response); an
# @observe around an anthropic call (the SDK reports raw cache-exclusive input; the client span the inclusive
# one); and a manual span whose cost the SDK computed itself (`provided`).
@scenario("s5_last9_genai")
def s5(ctx: Ctx) -> None:
    tp = ctx.standard_provider()
    from last9_genai import (Last9GenAI, ModelPricing, conversation_context, install, observe,
                             workflow_context)
    install(tracer_provider=tp, set_global=False, capture_content=False)
    client = ctx.openai()
    aclient = ctx.anthropic()
    tracer = trace.get_tracer("e2e.app")
    conv, user, wf = ctx.id("s5-conv"), ctx.id("s5-user"), ctx.id("s5-wf")
    ctx.notes.update(conversation_id=conv, user_id=user, workflow_id=wf)
    # What the blog shows: prices keyed by the undated name. The response model is dated, so the SDK's exact
    # match finds no price and writes no cost on these wrappers.
    pricing = {"gpt-4o": ModelPricing(input=2.50, output=10.0), "claude-sonnet-4": ModelPricing(input=3.0, output=15.0)}

    @observe(pricing=pricing)
    def ask(question: str):
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])

    @observe(as_type="chain", pricing=pricing)
    def support_chain(question: str):
        draft = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
        return client.chat.completions.create(model="gpt-4o", messages=[
            {"role": "user", "content": question},
            {"role": "assistant", "content": draft.choices[0].message.content},
            {"role": "user", "content": "refine"}])

    @observe(pricing=pricing)
    def ask_claude(question: str):
        return aclient.messages.create(model="claude-sonnet-4-0", max_tokens=256, system=SYSTEM,
                                       messages=[{"role": "user", "content": question}])

    l9 = Last9GenAI(custom_pricing={"acme-priced": ModelPricing(input=1.0, output=2.0)})

    with conversation_context(conversation_id=conv, user_id=user):
        # turn 1: @observe around an instrumented openai call
        ctx.fake.script({"prompt_tokens": 1000, "completion_tokens": 150, "cached_tokens": 0,
                         "reasoning_tokens": 0})
        ask("What is the capital of France?")
        # turn 2: workflow with a chain span around two calls
        with workflow_context(workflow_id=wf, workflow_type="support_flow"):
            ctx.fake.script({"prompt_tokens": 700, "completion_tokens": 120, "cached_tokens": 0,
                             "reasoning_tokens": 0})
            ctx.fake.script({"prompt_tokens": 950, "completion_tokens": 200, "cached_tokens": 512,
                             "reasoning_tokens": 0})
            support_chain("Refund my order")
        # turn 3: @observe around an anthropic call with a cache read and a cache write
        ctx.fake.script({"input_tokens": 30, "output_tokens": 100, "cache_read_input_tokens": 2000,
                         "cache_creation_input_tokens": 400})
        ask_claude("Summarise the policy")
        # turn 4: a manual span whose cost the application computed itself
        with tracer.start_as_current_span("self_hosted_llm") as span:
            usage = {"input_tokens": 5000, "output_tokens": 1000}
            l9.add_standard_llm_attributes(span, "acme-priced", usage=usage,
                                           response_data={"id": ctx.id("selfhosted-1"), "model": "acme-priced"})
            l9.add_llm_cost_attributes(span, "acme-priced", usage)


# ---------------------------------------------------------------------------------------------------------------------
def versions() -> dict[str, str]:
    out = {}
    for p in VERSIONED:
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            out[p] = "absent"
    return out


def export_order(spans: list[ReadableSpan], mode: str) -> list[list[ReadableSpan]]:
    if mode == "one-batch":
        return [list(spans)]
    if mode == "split":
        return [[s] for s in spans]  # InMemorySpanExporter keeps END order: children before parents
    if mode == "per-trace":
        by_trace: dict[int, list[ReadableSpan]] = {}
        for s in spans:
            by_trace.setdefault(s.context.trace_id, []).append(s)
        return sorted(by_trace.values(), key=lambda group: min(s.start_time for s in group))
    raise SystemExit(f"unknown mode {mode}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("--out")
    ap.add_argument("--otlp")
    ap.add_argument("--mode", default="per-trace", choices=["per-trace", "split", "one-batch"])
    ap.add_argument("--run-id", default="capture")
    ap.add_argument("--trace-gap", type=float, default=0.0,
                    help="seconds to wait before the first span of each new trace (turns of a real conversation "
                         "are seconds apart; groupbytrace releases traces whose first spans arrive together in "
                         "no fixed order)")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.list or not args.scenario:
        print("\n".join(SCENARIOS))
        return 0
    fn = SCENARIOS[args.scenario]
    with FakeLLM() as fake:
        ctx = Ctx(args.scenario, fake, args.run_id)
        fn(ctx)
        if ctx.provider is not None:
            ctx.provider.force_flush()
        time.sleep(0.05)
        spans = list(ctx.capture.get_finished_spans())
        if fake.pending():
            raise SystemExit(f"{args.scenario}: {fake.pending()} scripted responses were never requested")
        log = list(fake.log)
    requests: list[list[str]] = []
    if args.otlp:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import SpanExportResult
        exporter = OTLPSpanExporter(endpoint=args.otlp.rstrip("/") + "/v1/traces", timeout=10)
        seen_traces: set[int] = set()
        for group in export_order(spans, args.mode):
            new = {s.context.trace_id for s in group} - seen_traces
            if args.trace_gap and new and seen_traces:
                time.sleep(args.trace_gap)
            seen_traces |= new
            res = exporter.export(group)
            if res != SpanExportResult.SUCCESS:
                raise SystemExit(f"{args.scenario}: OTLP export to {args.otlp} failed: {res}")
            requests.append([format(s.context.span_id, "016x") for s in group])
        exporter.shutdown()
    doc = {
        "scenario": args.scenario,
        "versions": versions(),
        "notes": ctx.notes,
        "mode": args.mode if args.otlp else None,
        "requests": requests,
        "fake_log": log,
        "spans": [readable_span_to_json(s) for s in spans],
    }
    if args.out:
        with open(args.out, "w") as f:
            json.dump(doc, f, indent=1, sort_keys=False)
            f.write("\n")
    else:
        json.dump(doc, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
