package collectore2e

import (
	"bufio"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

const costTolerance = 1e-12

// TestCollectorEndToEnd drives the built collector binary with every scenario of issue 3 §4, over OTLP/HTTP
// (protobuf and JSON) and OTLP/gRPC, and checks both pipelines' output and the processor's internal metrics.
func TestCollectorEndToEnd(t *testing.T) {
	c := startCollector(t)
	var sent []ptrace.Traces
	send := func(via transport, specs ...spanSpec) {
		td := batchOf(specs...)
		sent = append(sent, batchOf(specs...)) // an untouched copy to compare against
		c.send(t, via, td)
		keys := make([]spanKey, len(specs))
		for i, s := range specs {
			keys[i] = s.key()
		}
		// One batch at a time, each fully out before the next: turn numbers follow the sending order.
		c.waitForSpans(t, keys...)
	}

	// 1. A 3-turn conversation whose id (and user) sit only on each turn's root span.
	const convID, userID = "conv-e2e-1", "user-e2e-7"
	turns := []struct {
		via     transport
		in, out int64
	}{{httpProto, 1200, 300}, {overGRPC, 2500, 450}, {httpJSON, 4000, 800}}
	for i, tk := range turns {
		tr := byte(i + 1)
		send(tk.via,
			spanSpec{scenario: 1, trace: tr, id: 1, name: "agent.turn",
				attrs: map[string]any{"gen_ai.conversation.id": convID, "user.id": userID}},
			spanSpec{scenario: 1, trace: tr, id: 2, parent: 1, name: "chat gpt-4o", attrs: chatAttrs("gpt-4o", tk.in, tk.out)},
			spanSpec{scenario: 1, trace: tr, id: 3, parent: 1, name: "execute_tool get_weather",
				attrs: map[string]any{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"}},
		)
	}

	// 2. A RAG workflow: one embedding, one retrieval, two chats.
	send(overGRPC,
		spanSpec{scenario: 2, trace: 1, id: 1, name: "rag.answer", attrs: map[string]any{"workflow.id": "wf-e2e-9", "workflow.type": "rag"}},
		spanSpec{scenario: 2, trace: 1, id: 2, parent: 1, name: "embeddings text-embedding-3-small", attrs: map[string]any{
			"gen_ai.operation.name": "embeddings", "gen_ai.request.model": "text-embedding-3-small", "gen_ai.usage.input_tokens": int64(5000)}},
		spanSpec{scenario: 2, trace: 1, id: 3, parent: 1, name: "retrieve docs", attrs: map[string]any{"gen_ai.operation.name": "retrieval"}},
		spanSpec{scenario: 2, trace: 1, id: 4, parent: 1, name: "chat draft", attrs: chatAttrs("gpt-4o", 2000, 300)},
		spanSpec{scenario: 2, trace: 1, id: 5, parent: 1, name: "chat refine", attrs: chatAttrs("gpt-4o", 1500, 200)},
	)

	// 3. A call that read most of its prompt from the provider's cache (input is inclusive of cached tokens).
	cached := chatAttrs("gpt-4o", 10_000, 400)
	cached["gen_ai.usage.cache_read.input_tokens"] = int64(8_000)
	send(httpProto, spanSpec{scenario: 3, trace: 1, id: 1, name: "chat cached", attrs: cached})

	// 4. A model no price list knows.
	send(overGRPC, spanSpec{scenario: 4, trace: 1, id: 1, name: "chat unknown model", attrs: chatAttrs(unpricedModel, 100, 100)})

	// 5. One trace split over two batches, the child first (the usual export order).
	send(httpProto, spanSpec{scenario: 5, trace: 1, id: 2, parent: 1, name: "chat gpt-4o", attrs: chatAttrs("gpt-4o", 3000, 700)})
	send(overGRPC, spanSpec{scenario: 5, trace: 1, id: 1, name: "agent.turn", attrs: map[string]any{"gen_ai.conversation.id": "conv-e2e-split"}})

	for _, p := range []struct{ name, path string }{{"direct", c.directOut()}, {"grouped", c.groupedOut()}} {
		t.Run(p.name, func(t *testing.T) {
			got, total := readOutput(t, p.path)
			inputs := checkNothingLost(t, sent, got)
			if total != inputs {
				t.Errorf("exported %d spans, sent %d", total, inputs)
			}
			a := asserter{t: t, got: got}

			var running float64
			for i, tk := range turns {
				tr := byte(i + 1)
				root, chat, tool := spanSpec{scenario: 1, trace: tr, id: 1}, spanSpec{scenario: 1, trace: tr, id: 2}, spanSpec{scenario: 1, trace: tr, id: 3}
				cost := gpt4oCost(tk.in, tk.out)
				running += cost
				for _, s := range []spanSpec{root, chat, tool} {
					a.str(s, "gen_ai.conversation.id", convID)
					a.str(s, "user.id", userID)
					a.int(s, "gen_ai.conversation.turn", int64(i+1))
				}
				a.str(chat, "gen_ai.l9.span.kind", "llm")
				a.str(chat, "gen_ai.l9.cost.status", "priced")
				a.usd(chat, "gen_ai.usage.cost_usd", cost)
				a.usd(chat, "gen_ai.usage.cost_input_usd", usd(tk.in, gpt4oInput))
				a.usd(chat, "gen_ai.usage.cost_output_usd", usd(tk.out, gpt4oOutput))
				a.str(tool, "gen_ai.l9.span.kind", "tool")
				a.absent(tool, "gen_ai.usage.cost_usd")
				a.usd(root, "gen_ai.l9.trace.cost_usd", cost)
				a.usd(root, "gen_ai.conversation.cost_usd", running)
				a.absent(root, "gen_ai.usage.cost_usd")
			}

			embed := usd(5000, embedding3SmallIn)
			draft, refine := gpt4oCost(2000, 300), gpt4oCost(1500, 200)
			wf := spanSpec{scenario: 2, trace: 1, id: 1}
			for id := byte(2); id <= 5; id++ {
				a.str(spanSpec{scenario: 2, trace: 1, id: id}, "workflow.id", "wf-e2e-9")
				a.str(spanSpec{scenario: 2, trace: 1, id: id}, "workflow.type", "rag")
			}
			a.str(spanSpec{scenario: 2, trace: 1, id: 2}, "gen_ai.l9.span.kind", "embedding")
			a.usd(spanSpec{scenario: 2, trace: 1, id: 2}, "gen_ai.usage.cost_usd", embed)
			a.str(spanSpec{scenario: 2, trace: 1, id: 3}, "gen_ai.l9.span.kind", "retriever")
			a.usd(spanSpec{scenario: 2, trace: 1, id: 4}, "gen_ai.usage.cost_usd", draft)
			a.usd(spanSpec{scenario: 2, trace: 1, id: 5}, "gen_ai.usage.cost_usd", refine)
			a.usd(wf, "workflow.total_cost_usd", embed+draft+refine)
			a.int(wf, "workflow.llm_calls", 3)
			a.intOrAbsent(wf, "workflow.tool_calls", 0)
			a.usd(wf, "gen_ai.l9.trace.cost_usd", embed+draft+refine)

			cs := spanSpec{scenario: 3, trace: 1, id: 1}
			cachedIn := usd(10_000-8_000, gpt4oInput) + usd(8_000, gpt4oCacheRead)
			a.str(cs, "gen_ai.l9.cost.status", "priced")
			a.usd(cs, "gen_ai.usage.cost_input_usd", cachedIn)
			a.usd(cs, "gen_ai.usage.cost_output_usd", usd(400, gpt4oOutput))
			a.usd(cs, "gen_ai.usage.cost_usd", cachedIn+usd(400, gpt4oOutput))

			un := spanSpec{scenario: 4, trace: 1, id: 1}
			a.str(un, "gen_ai.l9.cost.status", "unpriced_model")
			a.absent(un, "gen_ai.usage.cost_usd")

			splitCost := gpt4oCost(3000, 700)
			splitChild, splitRoot := spanSpec{scenario: 5, trace: 1, id: 2}, spanSpec{scenario: 5, trace: 1, id: 1}
			a.str(splitChild, "gen_ai.l9.cost.status", "priced")
			a.usd(splitChild, "gen_ai.usage.cost_usd", splitCost)
			a.usd(splitRoot, "gen_ai.l9.trace.cost_usd", splitCost)
			a.usd(splitRoot, "gen_ai.conversation.cost_usd", splitCost)
			a.int(splitRoot, "gen_ai.conversation.turn", 1)
			a.str(splitRoot, "gen_ai.conversation.id", "conv-e2e-split")
		})
	}

	t.Run("internal metrics", func(t *testing.T) {
		text := c.metrics(t)
		gpt4oTotal := 0.0
		for _, tk := range turns {
			gpt4oTotal += gpt4oCost(tk.in, tk.out)
		}
		gpt4oTotal += gpt4oCost(2000, 300) + gpt4oCost(1500, 200) + gpt4oCost(3000, 700) +
			usd(10_000-8_000, gpt4oInput) + usd(8_000, gpt4oCacheRead) + usd(400, gpt4oOutput)
		for _, id := range []string{"last9_genai/direct", "last9_genai/grouped"} {
			metricValue(t, text, "otelcol_processor_last9_genai_spans_priced", id, "", 8)
			metricValue(t, text, "otelcol_processor_last9_genai_spans_unpriced_model", id, "", 1)
			metricValue(t, text, "otelcol_processor_last9_genai_passthrough_batches", id, "", 0)
			metricValue(t, text, "otelcol_processor_last9_genai_cost", id, `model="gpt-4o"`, gpt4oTotal)
			metricValue(t, text, "otelcol_processor_last9_genai_cost", id, `model="text-embedding-3-small"`, usd(5000, embedding3SmallIn))
		}
	})

	c.stop(t)
}

// checkNothingLost: every input span comes out once, with its original attributes, events, links, status,
// resource and scope; the only additions are contract keys. Returns the number of input spans.
func checkNothingLost(t *testing.T, sent []ptrace.Traces, got map[spanKey]outSpan) int {
	t.Helper()
	n := 0
	for _, td := range sent {
		rs := td.ResourceSpans().At(0)
		ss := rs.ScopeSpans().At(0)
		for i := 0; i < ss.Spans().Len(); i++ {
			in := ss.Spans().At(i)
			n++
			o, ok := got[spanKey{in.TraceID(), in.SpanID()}]
			if !ok {
				t.Errorf("span %q (%s) missing from output", in.Name(), in.SpanID())
				continue
			}
			out := o.span
			if !reflect.DeepEqual(rs.Resource().Attributes().AsRaw(), o.resource.Attributes().AsRaw()) {
				t.Errorf("span %q: resource changed: %v", in.Name(), o.resource.Attributes().AsRaw())
			}
			if ss.Scope().Name() != o.scope.Name() || ss.Scope().Version() != o.scope.Version() {
				t.Errorf("span %q: scope changed", in.Name())
			}
			if in.Name() != out.Name() || in.Kind() != out.Kind() || in.ParentSpanID() != out.ParentSpanID() ||
				in.StartTimestamp() != out.StartTimestamp() || in.EndTimestamp() != out.EndTimestamp() ||
				in.Status().Code() != out.Status().Code() || in.Links().Len() != out.Links().Len() ||
				in.Events().Len() != out.Events().Len() {
				t.Errorf("span %q: fields other than attributes changed", in.Name())
			} else if in.Events().Len() > 0 &&
				!reflect.DeepEqual(in.Events().At(0).Attributes().AsRaw(), out.Events().At(0).Attributes().AsRaw()) {
				t.Errorf("span %q: event attributes changed", in.Name())
			}
			in.Attributes().Range(func(k string, v pcommon.Value) bool {
				ov, ok := out.Attributes().Get(k)
				if !ok {
					t.Errorf("span %q: attribute %s lost", in.Name(), k)
				} else if !v.Equal(ov) {
					t.Errorf("span %q: attribute %s: sent %v, got %v", in.Name(), k, v.AsRaw(), ov.AsRaw())
				}
				return true
			})
			out.Attributes().Range(func(k string, _ pcommon.Value) bool {
				if _, orig := in.Attributes().Get(k); !orig && !contractKeys[k] {
					t.Errorf("span %q: added %s, which is not in the output contract", in.Name(), k)
				}
				return true
			})
		}
	}
	return n
}

type asserter struct {
	t   *testing.T
	got map[spanKey]outSpan
}

// value returns the attribute, or an empty value (shown as <nil>) when the span lacks it.
func (a asserter) value(s spanSpec, key string) (ptrace.Span, pcommon.Value, bool) {
	a.t.Helper()
	o, ok := a.got[s.key()]
	if !ok {
		a.t.Fatalf("span %v missing", s.key())
	}
	v, ok := o.span.Attributes().Get(key)
	if !ok {
		v = pcommon.NewValueEmpty()
	}
	return o.span, v, ok
}

func (a asserter) str(s spanSpec, key, want string) {
	a.t.Helper()
	sp, v, ok := a.value(s, key)
	if !ok || v.Type() != pcommon.ValueTypeStr || v.Str() != want {
		a.t.Errorf("span %q: %s = %v (%s), want string %q", sp.Name(), key, v.AsRaw(), v.Type(), want)
	}
}

func (a asserter) int(s spanSpec, key string, want int64) {
	a.t.Helper()
	sp, v, ok := a.value(s, key)
	if !ok || v.Type() != pcommon.ValueTypeInt || v.Int() != want {
		a.t.Errorf("span %q: %s = %v (%s), want int %d", sp.Name(), key, v.AsRaw(), v.Type(), want)
	}
}

func (a asserter) intOrAbsent(s spanSpec, key string, want int64) {
	a.t.Helper()
	if _, _, ok := a.value(s, key); ok {
		a.int(s, key, want)
	}
}

func (a asserter) usd(s spanSpec, key string, want float64) {
	a.t.Helper()
	sp, v, ok := a.value(s, key)
	if !ok || v.Type() != pcommon.ValueTypeDouble || math.Abs(v.Double()-want) > costTolerance {
		a.t.Errorf("span %q: %s = %v (%s), want double %.12f", sp.Name(), key, v.AsRaw(), v.Type(), want)
	}
}

func (a asserter) absent(s spanSpec, key string) {
	a.t.Helper()
	if sp, v, ok := a.value(s, key); ok {
		a.t.Errorf("span %q: %s = %v, want absent", sp.Name(), key, v.AsRaw())
	}
}

// metricValue finds one series in Prometheus text: the metric (with or without _total), the component id, and an
// optional extra label; its value must equal want (a missing series counts as 0 for want == 0).
func metricValue(t *testing.T, text, metric, componentID, label string, want float64) {
	t.Helper()
	var found []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || !strings.Contains(line, `"`+componentID+`"`) ||
			(label != "" && !strings.Contains(line, label)) {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		if name != metric && name != metric+"_total" {
			continue
		}
		found = append(found, line)
	}
	if len(found) == 0 {
		if want == 0 {
			return
		}
		t.Errorf("metric %s{%s %s} not exported; last9_genai series:\n%s", metric, componentID, label, grepLines(text, "last9_genai"))
		return
	}
	if len(found) > 1 {
		t.Errorf("metric %s{%s %s}: %d series:\n%s", metric, componentID, label, len(found), strings.Join(found, "\n"))
		return
	}
	fields := strings.Fields(found[0])
	got, err := strconv.ParseFloat(fields[len(fields)-1], 64)
	if err != nil || math.Abs(got-want) > 1e-9 {
		t.Errorf("%s: want %v", found[0], want)
	}
}

func grepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
