"""What each pinned instrumentation really reports (README.md's table), checked on a fresh run without the
collector: a tripwire for version bumps, since the expected costs in expect.py rely on these facts."""

from __future__ import annotations

import pytest

from expect import CACHE_READ_KEYS, CACHE_WRITE_KEYS, attr

_docs: dict = {}


@pytest.fixture
def doc(scenario_runner, request):
    name = request.param
    if name not in _docs:
        _docs[name] = scenario_runner(name)
    return _docs[name]


def calls(d):
    return {e["response_id"]: e for e in d["fake_log"]}


def spans(d, scope=None, name=None):
    return [s for s in d["spans"] if (scope is None or s["scope"]["name"] == scope)
            and (name is None or s["name"] == name)]


def has_any(s, keys):
    return [k for k in keys if k in s["attributes"]]


@pytest.mark.parametrize("doc", ["s1_openai_v2"], indirect=True)
def test_openai_v2(doc):
    c = calls(doc)
    chats = spans(doc, "opentelemetry.util.genai.handler")
    assert len(chats) == 3
    for s in chats:
        u = c[attr(s, "gen_ai.response.id")]["usage"]
        assert attr(s, "gen_ai.usage.input_tokens") == u["prompt_tokens"]  # inclusive of cached
        assert attr(s, "gen_ai.usage.output_tokens") == u["completion_tokens"]
        assert not has_any(s, CACHE_READ_KEYS + CACHE_WRITE_KEYS), "openai-v2 now reports cache tokens"
        assert not [k for k in s["attributes"] if "reasoning" in k]
        assert "gen_ai.conversation.id" not in s["attributes"]
    assert all("gen_ai.conversation.id" in s["attributes"] for s in spans(doc, "e2e.app"))


@pytest.mark.parametrize("doc", ["s2_openinference_openai"], indirect=True)
def test_openinference_openai(doc):
    log = doc["fake_log"]
    llm = sorted(spans(doc, "openinference.instrumentation.openai"), key=lambda s: s["start_time_unix_nano"])
    assert [attr(s, "openinference.span.kind") for s in llm] == ["EMBEDDING", "LLM", "LLM", "LLM"]
    for s, e in zip(llm, log):
        assert "gen_ai.response.id" not in s["attributes"]
        assert attr(s, "session.id") == doc["notes"]["conversation_id"]
        assert attr(s, "user.id") == doc["notes"]["user_id"]
        assert attr(s, "llm.token_count.prompt") == e["usage"]["prompt_tokens"]
        if attr(s, "openinference.span.kind") == "LLM":
            assert attr(s, "llm.model_name") == e["response_model"]
            assert attr(s, "llm.token_count.prompt_details.cache_read") == e["usage"]["cached_tokens"]
            assert attr(s, "llm.token_count.completion_details.reasoning") == e["usage"]["reasoning_tokens"]
        else:
            assert attr(s, "embedding.model_name") == e["request_model"]
    for s in spans(doc, "e2e.app"):
        assert "session.id" not in s["attributes"]


@pytest.mark.parametrize("doc", ["s3_traceloop_rag"], indirect=True)
def test_traceloop(doc):
    c = calls(doc)
    for s in doc["spans"]:
        assert attr(s, "traceloop.association.properties.session_id") == doc["notes"]["conversation_id"]
        assert attr(s, "traceloop.workflow.name") == "rag_pipeline"
    for s in spans(doc, "opentelemetry.instrumentation.openai.v1", "openai.chat"):
        u = c[attr(s, "gen_ai.response.id")]["usage"]
        assert attr(s, "gen_ai.usage.input_tokens") == u["prompt_tokens"]
        assert attr(s, "gen_ai.usage.cache_read.input_tokens") == u["cached_tokens"]
        assert attr(s, "gen_ai.usage.reasoning_tokens") == u["reasoning_tokens"]
    for s in spans(doc, "opentelemetry.instrumentation.openai.v1", "openai.embeddings"):
        assert "gen_ai.response.id" not in s["attributes"]


@pytest.mark.parametrize("doc", ["s4a_anthropic_openllmetry"], indirect=True)
def test_anthropic_openllmetry(doc):
    c = calls(doc)
    ol = spans(doc, "opentelemetry.instrumentation.anthropic")
    sdk = spans(doc, "com.anthropic.sdk.python")
    assert len(ol) == len(sdk) == 3
    for s in ol + sdk:
        e = c[attr(s, "gen_ai.response.id")]
        u = e["usage"]
        incl = u["input_tokens"] + u["cache_read_input_tokens"] + u["cache_creation_input_tokens"]
        assert attr(s, "gen_ai.usage.input_tokens") == incl  # inclusive, unlike the raw API
        assert attr(s, "gen_ai.usage.cache_read.input_tokens") == u["cache_read_input_tokens"]
        if s in ol:
            assert attr(s, "gen_ai.usage.cache_creation.input_tokens") == u["cache_creation_input_tokens"]
            # streams: OpenLLMetry adds message_start's output_tokens (1) to the final count
            assert attr(s, "gen_ai.usage.output_tokens") in (u["output_tokens"], u["output_tokens"] + 1)
        else:
            assert attr(s, "gen_ai.usage.cache_write.input_tokens") == u["cache_creation_input_tokens"]
            assert attr(s, "gen_ai.usage.output_tokens") == u["output_tokens"]
    # siblings: both children of the application's span
    for a in ol:
        b = [x for x in sdk if attr(x, "gen_ai.response.id") == attr(a, "gen_ai.response.id")][0]
        assert a["parent_span_id"] == b["parent_span_id"]


@pytest.mark.parametrize("doc", ["s4b_anthropic_openinference", "s4c_anthropic_openinference_stream"],
                         indirect=True)
def test_anthropic_openinference(doc):
    oi = sorted(spans(doc, "openinference.instrumentation.anthropic"), key=lambda s: s["start_time_unix_nano"])
    sdk = {s["span_id"]: s for s in spans(doc, "com.anthropic.sdk.python")}
    for s, e in zip(oi, doc["fake_log"]):
        u = e["usage"]
        assert "gen_ai.response.id" not in s["attributes"]
        assert attr(s, "llm.token_count.prompt") == (u["input_tokens"] + u["cache_read_input_tokens"]
                                                     + u["cache_creation_input_tokens"])
        if u["cache_creation_input_tokens"]:
            assert attr(s, "llm.token_count.prompt_details.cache_write") == u["cache_creation_input_tokens"]
        if u["cache_read_input_tokens"]:
            assert attr(s, "llm.token_count.prompt_details.cache_read") == u["cache_read_input_tokens"]
        kids = [x for x in sdk.values() if x["parent_span_id"] == s["span_id"]]
        if s["name"] == "messages.create":
            assert len(kids) == 1  # the client's span is the OpenInference span's CHILD
        else:
            assert s["name"] == "messages.stream" and not kids  # ... but its SIBLING for a stream


@pytest.mark.parametrize("doc", ["s5_last9_genai"], indirect=True)
def test_last9_genai(doc):
    c = calls(doc)
    wrappers = spans(doc, "last9_genai.decorators")
    assert {s["name"] for s in wrappers} == {"ask", "support_chain", "ask_claude"}
    for s in wrappers:
        assert "gen_ai.request.model" not in s["attributes"]
        assert "gen_ai.usage.cost_usd" not in s["attributes"]  # undated price key: the SDK finds no price
        assert s["attributes"]["gen_ai.response.finish_reasons"]["type"] == "string"
        e = c[attr(s, "gen_ai.response.id")]
        u = e["usage"]
        want_in = u.get("prompt_tokens", u.get("input_tokens"))  # raw: Anthropic's stays cache-EXCLUSIVE
        assert attr(s, "gen_ai.usage.input_tokens") == want_in
    chain = spans(doc, "last9_genai.decorators", "support_chain")[0]
    assert attr(chain, "gen_ai.l9.span.kind") == "chain"
    assert attr(chain, "workflow.id") == doc["notes"]["workflow_id"]
