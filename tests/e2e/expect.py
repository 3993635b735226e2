"""Expected values for the e2e scenarios, computed from the fake server's scripted usage and the price table below,
never from the processor's output; and the checks that compare them with what the collector sent on.

The only thing read from the captured INPUT spans is what information the instrumentation made available: which
spans carry a call's usage (so which must be billed once and which are duplicates), and whether any of them reports
the cached tokens at all (openai-v2 drops them: then cached input is billed at the full input price, as the span
reports it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# USD per million tokens. The same prices are given inline to the collector (tests/e2e/conftest.py), so the test does
# not depend on the embedded default table; they are the real list prices, so defaults would agree anyway.
PRICES: dict[str, dict[str, float]] = {
    "gpt-4o": {"input": 2.50, "output": 10.00, "cache_read": 1.25},
    "gpt-4o-mini": {"input": 0.15, "output": 0.60, "cache_read": 0.075},
    "claude-sonnet-4": {"input": 3.00, "output": 15.00, "cache_read": 0.30, "cache_write": 3.75},
    "text-embedding-3-small": {"input": 0.02, "output": 0.0},
    "acme-priced": {"input": 1.0, "output": 2.0},
}
# The fake server's response model -> the price entry that must apply (dated names, as providers answer).
PRICE_KEY = {
    "gpt-4o-2024-08-06": "gpt-4o",
    "gpt-4o-mini-2024-07-18": "gpt-4o-mini",
    "claude-sonnet-4-20250514": "claude-sonnet-4",
    "text-embedding-3-small": "text-embedding-3-small",
    "acme-priced": "acme-priced",
}
UNPRICED_MODELS = {"acme-llm-7"}
REL_TOL = 1e-12

# Keys the libraries were SEEN to use (captured/*.json), used only to find the spans that carry a call's usage.
USAGE_KEYS = (
    "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.prompt_tokens",
    "gen_ai.usage.completion_tokens", "llm.token_count.prompt", "llm.token_count.completion",
)
CACHE_READ_KEYS = (
    "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
    "llm.token_count.prompt_details.cache_read", "gen_ai.usage.prompt_tokens_details.cached_tokens",
)
CACHE_WRITE_KEYS = (
    "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_write.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens", "llm.token_count.prompt_details.cache_write",
)
CONVERSATION_KEYS = (
    "gen_ai.conversation.id", "session.id", "traceloop.association.properties.session_id", "gen_ai.session.id",
    "langfuse.session.id", "ai.telemetry.metadata.sessionId",
)
USER_KEYS = ("user.id", "traceloop.association.properties.user_id", "gen_ai.user.id", "langfuse.user.id")

# Output contract keys.
COST = "gen_ai.usage.cost_usd"
COST_IN = "gen_ai.usage.cost_input_usd"
COST_OUT = "gen_ai.usage.cost_output_usd"
STATUS = "gen_ai.l9.cost.status"
CONV_ID = "gen_ai.conversation.id"
TURN = "gen_ai.conversation.turn"
TRACE_COST = "gen_ai.l9.trace.cost_usd"
CONV_COST = "gen_ai.conversation.cost_usd"
WF_TOTAL = "workflow.total_cost_usd"
WF_LLM = "workflow.llm_calls"
WF_TOOL = "workflow.tool_calls"
SPAN_KIND = "gen_ai.l9.span.kind"


def cost_usd(price: dict[str, float], input_incl: int, output: int, cache_read: int = 0,
             cache_write: int = 0) -> tuple[float, float, float]:
    """(input, output, total) USD; input_incl INCLUDES the cached tokens. Missing cache prices fall back to input."""
    cr = price.get("cache_read", price["input"])
    cw = price.get("cache_write", price["input"])
    c_in = ((input_incl - cache_read - cache_write) * price["input"] + cache_read * cr + cache_write * cw) / 1e6
    c_out = output * price["output"] / 1e6
    return c_in, c_out, c_in + c_out


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-18)


# ---------------------------------------------------------------------------------------------------------------------
def attr(span: dict[str, Any], key: str) -> Any:
    v = span["attributes"].get(key)
    return None if v is None else v["value"]


def has_usage(span: dict[str, Any]) -> bool:
    return any(k in span["attributes"] for k in USAGE_KEYS)


def is_embedding_span(span: dict[str, Any]) -> bool:
    return (attr(span, "openinference.span.kind") == "EMBEDDING" or attr(span, "gen_ai.operation.name") == "embeddings"
            or "embedding" in span["name"].lower())


def label(span: dict[str, Any]) -> str:
    return f"span {span['name']!r} ({span['span_id']}, scope {span['scope']['name']}, trace {span['trace_id'][:8]})"


@dataclass
class Call:
    """One request to the fake server and what it must cost."""
    entry: dict[str, Any]
    spans: list[dict[str, Any]] = field(default_factory=list)  # input spans carrying its usage
    provided: float | None = None  # a call that the application priced itself (no fake entry)

    @property
    def rid(self) -> str:
        return self.entry["response_id"]

    @property
    def trace_id(self) -> str:
        return self.spans[0]["trace_id"]

    @property
    def priced(self) -> bool:
        return self.provided is not None or self.entry["response_model"] not in UNPRICED_MODELS

    def expected(self) -> tuple[float, float, float]:
        if self.provided is not None:
            return (float("nan"), float("nan"), self.provided)
        e, u = self.entry, self.entry["usage"]
        if not self.priced:
            return (0.0, 0.0, 0.0)  # nothing to bill: the span must say unpriced_model and carry no cost
        price = PRICES[PRICE_KEY[e["response_model"]]]
        reports_cr = any(k in s["attributes"] for s in self.spans for k in CACHE_READ_KEYS)
        reports_cw = any(k in s["attributes"] for s in self.spans for k in CACHE_WRITE_KEYS)
        if e["path"] == "/v1/embeddings":
            return cost_usd(price, u["prompt_tokens"], 0)
        if e["provider"] == "anthropic":
            cr, cw = u["cache_read_input_tokens"], u["cache_creation_input_tokens"]
            # Anthropic's input_tokens excludes cache; every instrumentation seen reports the inclusive sum.
            return cost_usd(price, u["input_tokens"] + cr + cw, u["output_tokens"],
                            cr if reports_cr else 0, cw if reports_cw else 0)
        # OpenAI chat: prompt_tokens includes cached_tokens. A library that drops the cached count (openai-v2)
        # leaves the processor nothing but full-price input: bill what the spans report.
        return cost_usd(price, u["prompt_tokens"], u["completion_tokens"], u["cached_tokens"] if reports_cr else 0)


def match_calls(doc: dict[str, Any]) -> tuple[list[Call], list[str]]:
    """Map every input span that carries usage to the fake-server call it reports (by response id when it has one,
    else by order among the spans of its instrumentation scope and call kind)."""
    problems: list[str] = []
    calls = {e["response_id"]: Call(e) for e in doc["fake_log"]}
    order = [e["response_id"] for e in doc["fake_log"]]
    usage_spans = [s for s in doc["spans"] if has_usage(s)]
    extra: list[Call] = []
    by_scope: dict[str, list[dict[str, Any]]] = {}
    for s in usage_spans:
        if COST in s["attributes"] and attr(s, "gen_ai.response.id") not in calls:
            # the application priced this call itself (e.g. a self-hosted model via the last9-genai SDK)
            extra.append(Call({"response_id": attr(s, "gen_ai.response.id") or s["span_id"], "path": "-",
                               "provider": "app", "response_model": attr(s, "gen_ai.response.model") or "-",
                               "usage": {}}, [s], provided=float(attr(s, COST))))
            continue
        by_scope.setdefault(s["scope"]["name"], []).append(s)
    for scope, spans in by_scope.items():
        unmatched = []
        for s in spans:
            rid = attr(s, "gen_ai.response.id")
            if rid in calls:
                calls[rid].spans.append(s)
            else:
                unmatched.append(s)
        taken = {attr(s, "gen_ai.response.id") for s in spans}
        for want_embedding in (True, False):
            group = sorted((s for s in unmatched if is_embedding_span(s) == want_embedding),
                           key=lambda s: s["start_time_unix_nano"])
            free = [r for r in order if r not in taken
                    and (calls[r].entry["path"] == "/v1/embeddings") == want_embedding]
            if len(group) > len(free):
                problems.append(f"{len(group)} usage spans of scope {scope} without a response id, but only "
                                f"{len(free)} calls left to match them to")
            for s, r in zip(group, free):
                calls[r].spans.append(s)
    result = [calls[r] for r in order] + extra
    for c in result:
        if not c.spans:
            problems.append(f"call {c.rid} ({c.entry['path']}) has no span carrying its usage: nothing to bill")
    return result, problems


def ancestors(span: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    p = span["parent_span_id"]
    while p and p in by_id:
        out.append(p)
        p = by_id[p]["parent_span_id"]
    return out


# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class Expect:
    """What a scenario must look like after the processor."""
    conversation_id: str | None = None
    user_id: str | None = None
    # workflow top span selector -> (workflow.id expected on it and its descendants, or None to skip that check)
    workflow_roots: list[tuple[str, str | None]] = field(default_factory=list)  # (span name, workflow id)
    span_kinds: dict[tuple[str, str], str] = field(default_factory=dict)  # (scope, span name) -> l9 kind
    check_turn_order: bool = True


def check(scenario: str, mode: str, doc: dict[str, Any], out_spans: list[dict[str, Any]], exp: Expect,
          relaxed_split: bool) -> list[str]:
    """All problems found, each naming the scenario, the span, expected and actual. relaxed_split: spans were sent
    one per request, children first, with no grouping stage before the processor: a span that arrived before any
    span of its trace named the conversation / user cannot carry them (the processor had not seen them yet)."""
    P: list[str] = []
    tag = f"[{scenario}/{mode}]"

    def bad(span: dict[str, Any] | None, msg: str) -> None:
        P.append(f"{tag} {label(span) + ': ' if span else ''}{msg}")

    inputs = doc["spans"]
    by_id_in = {s["span_id"]: s for s in inputs}
    # -- every input span comes out exactly once, with all its original attributes unchanged --------------------
    outs: dict[str, list[dict[str, Any]]] = {}
    for s in out_spans:
        outs.setdefault(s["span_id"], []).append(s)
    out: dict[str, dict[str, Any]] = {}
    for s in inputs:
        got = outs.get(s["span_id"], [])
        if len(got) != 1:
            bad(s, f"expected to come out exactly once, came out {len(got)} times")
            if not got:
                continue
        o = got[-1]
        out[s["span_id"]] = o
        if o.get("duplicate_keys"):
            bad(s, f"attribute keys written twice: {o['duplicate_keys']}")
        for k, v in s["attributes"].items():
            ov = o["attributes"].get(k)
            if ov != v:
                bad(s, f"original attribute {k} changed: expected {v['value']!r}:{v['type']}, actual "
                       f"{(repr(ov['value']) + ':' + ov['type']) if ov else 'MISSING'}")
        for f in ("name", "trace_id", "parent_span_id", "kind"):
            if o[f] != s[f]:
                bad(s, f"{f} changed: expected {s[f]!r}, actual {o[f]!r}")
    extra = set(outs) - set(by_id_in)
    if extra:
        P.append(f"{tag} {len(extra)} spans came out that were never sent: {sorted(extra)[:5]}")
    if not out:
        return P

    # -- arrival order (relaxed split mode) ---------------------------------------------------------------------
    arrival = {sid: i for i, req in enumerate(doc["requests"]) for sid in req}

    def known_by(s: dict[str, Any], keys: tuple[str, ...]) -> bool:
        if not relaxed_split:
            return True
        first = min((arrival.get(x["span_id"], 1 << 30) for x in inputs
                     if x["trace_id"] == s["trace_id"] and any(k in x["attributes"] for k in keys)), default=1 << 30)
        return arrival.get(s["span_id"], -1) >= first

    # -- traces, turns ------------------------------------------------------------------------------------------
    traces: dict[str, list[dict[str, Any]]] = {}
    for s in inputs:
        traces.setdefault(s["trace_id"], []).append(s)
    first_arrival = {t: min(arrival.get(s["span_id"], 0) for s in ss) for t, ss in traces.items()}
    start = {t: min(s["start_time_unix_nano"] for s in ss) for t, ss in traces.items()}
    trace_order = sorted(traces, key=lambda t: (first_arrival[t], start[t]))
    turn_of = {t: i + 1 for i, t in enumerate(trace_order)}
    roots = {t: [s for s in ss if not s["parent_span_id"] or s["parent_span_id"] not in by_id_in]
             for t, ss in traces.items()}

    # -- calls: one billable span each, the rest duplicates --------------------------------------------------------
    calls, probs = match_calls(doc)
    P.extend(f"{tag} {p}" for p in probs)
    billed_cost: dict[str, float] = {}  # trace -> expected sum
    usage_span_ids = set()
    for c in calls:
        if not c.spans:
            continue
        usage_span_ids.update(s["span_id"] for s in c.spans)
        exp_in, exp_out, exp_total = c.expected()
        what = (f"call {c.rid} ({c.entry['response_model']}, usage {c.entry['usage']}"
                + (f", app-provided cost {c.provided}" if c.provided is not None else "") + ")")
        statuses = {s["span_id"]: attr(out[s["span_id"]], STATUS) for s in c.spans if s["span_id"] in out}
        if c.provided is not None:
            want_status = "provided"
        elif c.priced:
            want_status = "priced"
        else:
            want_status = "unpriced_model"
        primary = [s for s in c.spans if statuses.get(s["span_id"]) == want_status]
        ids_in_call = {s["span_id"] for s in c.spans}
        if len(primary) != 1:
            P.append(f"{tag} {what}: expected exactly one of its {len(c.spans)} usage spans with {STATUS}="
                     f"{want_status!r} (the others 'duplicate'), actual statuses: "
                     + ", ".join(f"{by_id_in[i]['name']!r}({i})={st!r}" for i, st in statuses.items()))
        for s in c.spans:
            o = out.get(s["span_id"])
            if o is None:
                continue
            st = attr(o, STATUS)
            if s in primary[:1]:
                # the wrapper rule: a span whose descendant carries the same call's usage is never the billed one
                desc = [i for i in ids_in_call if s["span_id"] in ancestors(by_id_in[i], by_id_in)]
                if desc:
                    bad(o, f"{what}: billed on a wrapper span although its descendant "
                           f"{by_id_in[desc[0]]['name']!r} ({desc[0]}) carries the same usage")
                if want_status == "priced":
                    for key, want in ((COST, exp_total), (COST_IN, exp_in), (COST_OUT, exp_out)):
                        got = o["attributes"].get(key)
                        if got is None:
                            bad(o, f"{what}: {key} expected {want!r}, actual MISSING")
                        elif got["type"] != "double" or not close(got["value"], want):
                            bad(o, f"{what}: {key} expected {want!r}:double, actual {got['value']!r}:{got['type']}")
                elif want_status == "unpriced_model":
                    if COST in o["attributes"]:
                        bad(o, f"{what}: unpriced model must carry no {COST}, actual {attr(o, COST)!r}")
                else:  # provided: kept as the application wrote it (checked by the attribute comparison)
                    pass
            else:
                if st != "duplicate":
                    if len(primary) == 1:
                        bad(o, f"{what}: {STATUS} expected 'duplicate' (billed on {primary[0]['name']!r} "
                               f"{primary[0]['span_id']}), actual {st!r}")
                if COST in o["attributes"] and COST not in s["attributes"]:
                    bad(o, f"{what}: a duplicate must carry no {COST}, actual {attr(o, COST)!r}")
        if c.priced:
            billed_cost[c.trace_id] = billed_cost.get(c.trace_id, 0.0) + exp_total

    # -- spans without usage are never billed ---------------------------------------------------------------------
    for s in inputs:
        o = out.get(s["span_id"])
        if o is None or s["span_id"] in usage_span_ids:
            continue
        if COST in o["attributes"]:
            bad(o, f"carries no usage, so no {COST} expected, actual {attr(o, COST)!r}")
        if attr(o, STATUS) in ("priced", "provided"):
            bad(o, f"carries no usage, so {STATUS} must not be {attr(o, STATUS)!r}")

    # -- conversation id, turn, user on every span; trace and conversation totals on the root ---------------------
    running = 0.0
    for t in trace_order:
        want_turn = turn_of[t]
        trace_total = billed_cost.get(t, 0.0)
        running += trace_total
        for s in traces[t]:
            o = out.get(s["span_id"])
            if o is None:
                continue
            if exp.conversation_id is not None and known_by(s, CONVERSATION_KEYS):
                got = o["attributes"].get(CONV_ID)
                if got != {"type": "string", "value": exp.conversation_id}:
                    bad(o, f"{CONV_ID} expected {exp.conversation_id!r}:string, actual "
                           f"{(repr(got['value']) + ':' + got['type']) if got else 'MISSING'}")
                got = o["attributes"].get(TURN)
                if exp.check_turn_order:
                    if got != {"type": "int", "value": want_turn}:
                        bad(o, f"{TURN} expected {want_turn}:int, actual "
                               f"{(repr(got['value']) + ':' + got['type']) if got else 'MISSING'}")
                elif got is None or got["type"] != "int" or not 1 <= got["value"] <= len(traces):
                    bad(o, f"{TURN} expected an int in 1..{len(traces)}, actual {got!r}")
            if exp.user_id is not None and known_by(s, USER_KEYS):
                got = o["attributes"].get("user.id")
                if got != {"type": "string", "value": exp.user_id}:
                    bad(o, f"user.id expected {exp.user_id!r}:string, actual "
                           f"{(repr(got['value']) + ':' + got['type']) if got else 'MISSING'}")
        for r in roots[t]:
            o = out.get(r["span_id"])
            if o is None:
                continue
            for key, want in ((TRACE_COST, trace_total),
                              *(((CONV_COST, running),) if exp.conversation_id is not None
                                and exp.check_turn_order else ())):
                got = o["attributes"].get(key)
                if got is None or got["type"] != "double" or not close(got["value"], want):
                    bad(o, f"root of turn {want_turn}: {key} expected {want!r}:double, actual "
                           f"{(repr(got['value']) + ':' + got['type']) if got else 'MISSING'}")

    # -- workflows --------------------------------------------------------------------------------------------------
    for wf_name, wf_id in exp.workflow_roots:
        tops = [s for s in inputs if s["name"] == wf_name]
        if not tops:
            P.append(f"{tag} no input span named {wf_name!r} (workflow top)")
        for top in tops:
            o = out.get(top["span_id"])
            if o is None:
                continue
            under = [s for s in traces[top["trace_id"]]
                     if s is top or top["span_id"] in ancestors(s, by_id_in)]
            want = sum(c.expected()[2] for c in calls if c.spans and c.priced
                       and any(s["span_id"] in {u["span_id"] for u in under} for s in c.spans))
            n_llm = sum(1 for c in calls if c.spans and c.provided is None
                        and any(s["span_id"] in {u["span_id"] for u in under} for s in c.spans))
            got = o["attributes"].get(WF_TOTAL)
            if got is None or got["type"] != "double" or not close(got["value"], want):
                bad(o, f"workflow top: {WF_TOTAL} expected {want!r}:double, actual "
                       f"{(repr(got['value']) + ':' + got['type']) if got else 'MISSING'}")
            got = o["attributes"].get(WF_LLM)
            if got != {"type": "int", "value": n_llm}:
                bad(o, f"workflow top: {WF_LLM} expected {n_llm}:int, actual {got!r}")
            got = o["attributes"].get(WF_TOOL)
            if got is not None and got != {"type": "int", "value": 0}:
                bad(o, f"workflow top: {WF_TOOL} expected 0:int (or absent), actual {got!r}")
            if wf_id is not None:
                for s in under:
                    os_ = out.get(s["span_id"])
                    if os_ is None:
                        continue
                    got = os_["attributes"].get("workflow.id")
                    if got != {"type": "string", "value": wf_id}:
                        bad(os_, f"workflow.id expected {wf_id!r}:string (inside workflow {wf_name!r}), actual "
                                 f"{got!r}")

    # -- span kinds -------------------------------------------------------------------------------------------------
    for s in inputs:
        want = exp.span_kinds.get((s["scope"]["name"], s["name"]))
        o = out.get(s["span_id"])
        if want is None or o is None:
            continue
        got = o["attributes"].get(SPAN_KIND)
        if got != {"type": "string", "value": want}:
            bad(o, f"{SPAN_KIND} expected {want!r}:string, actual {got!r}")
    return P
