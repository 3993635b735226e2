package collectore2e

// The scenarios of issue 3 §4, built as real OTLP, and the exact values the output contract promises for them.
// Money is computed here from token counts and list prices (USD per million tokens), never read back.

import (
	"sort"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// List prices embedded in the core, USD per million tokens.
const (
	gpt4oInput        = 2.50
	gpt4oOutput       = 10.00
	gpt4oCacheRead    = 1.25
	embedding3SmallIn = 0.02
	unpricedModel     = "acme-unreleased-llm-9"
)

func usd(tokens int64, perMillion float64) float64 { return float64(tokens) * perMillion / 1e6 }

func gpt4oCost(in, out int64) float64 { return usd(in, gpt4oInput) + usd(out, gpt4oOutput) }

// spanSpec is one input span. Trace ids are built from a scenario number and a trace number.
type spanSpec struct {
	scenario, trace, id, parent byte
	name                        string
	attrs                       map[string]any
}

func (s spanSpec) key() spanKey {
	return spanKey{traceIDOf(s.scenario, s.trace), spanIDOf(s.trace, s.id)}
}

func traceIDOf(scenario, trace byte) pcommon.TraceID {
	return pcommon.TraceID{0xe2, 0xe0, 0x1a, 13: 0x5c, 14: scenario, 15: trace}
}
func spanIDOf(trace, id byte) pcommon.SpanID { return pcommon.SpanID{0x5a, 6: trace, 7: id} }

var baseTime = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

// batchOf builds one OTLP batch. Every span also gets an event and a status, and non-roots a link, so that the test
// can check the core keeps what it does not touch.
func batchOf(specs ...spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "e2e-agent")
	rs.Resource().Attributes().PutStr("deployment.environment.name", "test")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("e2e.instrumentation")
	ss.Scope().SetVersion("1.2.3")
	for i, s := range specs {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(traceIDOf(s.scenario, s.trace))
		sp.SetSpanID(spanIDOf(s.trace, s.id))
		if s.parent != 0 {
			sp.SetParentSpanID(spanIDOf(s.trace, s.parent))
			link := sp.Links().AppendEmpty()
			link.SetTraceID(traceIDOf(0xff, 1))
			link.SetSpanID(spanIDOf(1, 1))
		}
		sp.SetName(s.name)
		sp.SetKind(ptrace.SpanKindClient)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(baseTime.Add(time.Duration(i) * time.Millisecond)))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(baseTime.Add(2 * time.Second)))
		sp.Status().SetCode(ptrace.StatusCodeOk)
		ev := sp.Events().AppendEmpty()
		ev.SetName("e2e.checkpoint")
		ev.Attributes().PutInt("e2e.index", int64(i))
		keys := make([]string, 0, len(s.attrs))
		for k := range s.attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := sp.Attributes().PutEmpty(k).FromRaw(s.attrs[k]); err != nil {
				panic(err)
			}
		}
	}
	return td
}

func chatAttrs(model string, in, out int64) map[string]any {
	return map[string]any{
		"gen_ai.operation.name":      "chat",
		"gen_ai.provider.name":       "openai",
		"gen_ai.request.model":       model,
		"gen_ai.response.model":      model,
		"gen_ai.usage.input_tokens":  in,
		"gen_ai.usage.output_tokens": out,
	}
}

// The keys the processor may add (output-contract.md); anything else added is a contract violation.
var contractKeys = map[string]bool{
	"gen_ai.conversation.id": true, "gen_ai.conversation.turn": true, "user.id": true,
	"workflow.id": true, "workflow.type": true, "gen_ai.l9.span.kind": true,
	"gen_ai.usage.cost_usd": true, "gen_ai.usage.cost_input_usd": true, "gen_ai.usage.cost_output_usd": true,
	"gen_ai.l9.cost.status": true, "workflow.total_cost_usd": true, "workflow.llm_calls": true,
	"workflow.tool_calls": true, "gen_ai.l9.trace.cost_usd": true, "gen_ai.conversation.cost_usd": true,
	// Added (2026-12): cost detail, tier and price provenance.
	"gen_ai.usage.cost_cache_read_usd": true, "gen_ai.usage.cost_cache_write_usd": true,
	"gen_ai.l9.cost.service_tier": true, "gen_ai.l9.cost.model": true,
}
