"""The scenarios of issue 4: real instrumentation libraries -> OTLP -> the collector (last9_genai) -> checks.

Expected values come from the fake server's scripted usage x expect.PRICES (see expect.py); a failure lists every
problem found, each naming the scenario, the span, the expected and the actual value.
"""

from __future__ import annotations

import json

import pytest

from conftest import GROUPBYTRACE_WAIT_S
from expect import Expect, check

V2 = "opentelemetry.util.genai.handler"          # openai-v2 2.4b0 emits its spans under this scope
OI_OPENAI = "openinference.instrumentation.openai"
OI_ANTHROPIC = "openinference.instrumentation.anthropic"
TL = "traceloop.tracer"
TL_OPENAI = "opentelemetry.instrumentation.openai.v1"
TL_ANTHROPIC = "opentelemetry.instrumentation.anthropic"
ANTHROPIC_SDK = "com.anthropic.sdk.python"


def expectations(name: str, notes: dict) -> Expect:
    conv, user = notes.get("conversation_id"), notes.get("user_id")
    if name == "s1_openai_v2":
        return Expect(conversation_id=conv, span_kinds={(V2, "chat gpt-4o"): "llm"})
    if name == "s2_openinference_openai":
        return Expect(conversation_id=conv, user_id=user,
                      span_kinds={(OI_OPENAI, "ChatCompletion"): "llm", (OI_OPENAI, "CreateEmbeddings"): "embedding"})
    if name == "s3_traceloop_rag":
        return Expect(conversation_id=conv, user_id=user,
                      workflow_roots=[("rag_pipeline.workflow", "rag_pipeline")],
                      span_kinds={(TL_OPENAI, "openai.chat"): "llm", (TL_OPENAI, "openai.embeddings"): "embedding",
                                  (TL, "rag_pipeline.workflow"): "workflow"})
    if name == "s4a_anthropic_openllmetry":
        return Expect(conversation_id=conv, span_kinds={(TL_ANTHROPIC, "anthropic.chat"): "llm",
                                                        (ANTHROPIC_SDK, "anthropic.messages.create"): "llm"})
    if name in ("s4b_anthropic_openinference", "s4c_anthropic_openinference_stream"):
        return Expect(conversation_id=conv, span_kinds={(OI_ANTHROPIC, "messages.create"): "llm",
                                                        (OI_ANTHROPIC, "messages.stream"): "llm",
                                                        (ANTHROPIC_SDK, "anthropic.messages.create"): "llm"})
    if name == "s5_last9_genai":
        return Expect(conversation_id=conv, user_id=user, workflow_roots=[("support_chain", notes["workflow_id"])],
                      span_kinds={(V2, "chat gpt-4o"): "llm", (ANTHROPIC_SDK, "anthropic.messages.create"): "llm"})
    raise KeyError(name)


ALL = ["s1_openai_v2", "s2_openinference_openai", "s3_traceloop_rag", "s4a_anthropic_openllmetry",
       "s4b_anthropic_openinference", "s4c_anthropic_openinference_stream", "s5_last9_genai"]
# Scenario 6: children first, one span per request. s1 has the conversation id only on the root (arrives last),
# s2 only on the leaves, s3's workflow span (the roll-up target) arrives after all its calls, s4a's two sibling
# spans of one call share a response id across requests, s4b and s5 have wrappers repeating their child's usage,
# s4c has two sibling spans of one call of which only one has a response id.
SPLIT = ALL


def run_and_check(runner, coll, name: str, mode: str, *, relaxed_split: bool = False,
                  turn_order: bool = True, trace_gap: float = 0.0) -> None:
    doc = runner(name, otlp=coll.otlp_url, mode=mode, trace_gap=trace_gap)
    ids = {s["span_id"] for s in doc["spans"]}
    out = coll.receiver.wait_for(ids, timeout=15)
    with open(doc["_path"].replace(".json", ".collector-out.json"), "w") as f:  # kept with E2E_KEEP=1
        json.dump(out, f, indent=1)
    exp = expectations(name, doc["notes"])
    exp.check_turn_order = turn_order
    problems = check(name, f"{mode} via {coll.name}", doc, out, exp, relaxed_split=relaxed_split)
    if coll.proc.poll() is not None:
        problems.insert(0, f"[{name}] the collector exited ({coll.proc.returncode}):\n{coll.log_tail()}")
    if problems:
        pytest.fail(f"{len(problems)} problem(s):\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("name", ALL)
def test_per_trace(scenario_runner, collector_wait, name):
    """One OTLP request per trace (turn), in order, through the recommended pipeline."""
    run_and_check(scenario_runner, collector_wait, name, "per-trace")


@pytest.mark.parametrize("name", SPLIT)
def test_split_children_first_waiting_for_root(scenario_runner, collector_wait, name):
    """Scenario 6 through the recommended pipeline: one span per request, children first, no groupbytrace. The
    processor holds each GenAI trace's children until its root arrives: everything must hold, ids on every span."""
    run_and_check(scenario_runner, collector_wait, name, "split")


@pytest.mark.parametrize("name", SPLIT)
def test_split_children_first(scenario_runner, collector, name):
    """Scenario 6 with wait_for_root off and no grouping: one span per request, children first. Costs, duplicates
    and the roll-ups on the root (which arrives last) must hold; conversation/user ids are only required on spans
    that arrived after some span of their trace named them."""
    run_and_check(scenario_runner, collector, name, "split", relaxed_split=True)


@pytest.mark.parametrize("name", SPLIT)
def test_split_children_first_groupbytrace(scenario_runner, collector_gbt, name):
    """Scenario 6 behind groupbytrace: one span per request, children first, regrouped: everything must hold.
    Turns start more than wait_duration apart, as a conversation's turns do: groupbytrace releases traces whose
    first spans arrived together in no fixed order, and turn numbers follow arrival."""
    run_and_check(scenario_runner, collector_gbt, name, "split", trace_gap=GROUPBYTRACE_WAIT_S + 0.3)


@pytest.mark.parametrize("name", ["s3_traceloop_rag", "s4a_anthropic_openllmetry"])
def test_one_batch(scenario_runner, collector, name):
    """All turns of a conversation in one request. Which trace is turn 1 inside one batch is not fixed by the
    contract: only that turns are ints in range; everything else must hold."""
    run_and_check(scenario_runner, collector, name, "one-batch", turn_order=False)
