package last9genaiprocessor

// What the core writes, asserted through the Go shim with real ptrace data: the output contract
// (gen_ai.conversation.*, gen_ai.usage.cost_*, gen_ai.l9.*, workflow.*) and the embedded default prices. Expected
// money is computed here from token counts and list prices, never read back from the output.

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadatatest"
)

// requireAttr fails unless span s has key with the given type, and returns its value.
func requireAttr(t *testing.T, s ptrace.Span, key string, typ pcommon.ValueType) pcommon.Value {
	t.Helper()
	v, ok := s.Attributes().Get(key)
	require.Truef(t, ok, "span %q: missing %s", s.Name(), key)
	require.Equalf(t, typ, v.Type(), "span %q: %s type", s.Name(), key)
	return v
}

func requireStr(t *testing.T, s ptrace.Span, key, want string) {
	t.Helper()
	assert.Equalf(t, want, requireAttr(t, s, key, pcommon.ValueTypeStr).Str(), "span %q: %s", s.Name(), key)
}

func requireInt(t *testing.T, s ptrace.Span, key string, want int64) {
	t.Helper()
	assert.Equalf(t, want, requireAttr(t, s, key, pcommon.ValueTypeInt).Int(), "span %q: %s", s.Name(), key)
}

func requireUSD(t *testing.T, s ptrace.Span, key string, want float64) {
	t.Helper()
	got := requireAttr(t, s, key, pcommon.ValueTypeDouble).Double()
	assert.InDeltaf(t, want, got, costTolerance, "span %q: %s", s.Name(), key)
}

func requireAbsent(t *testing.T, s ptrace.Span, key string) {
	t.Helper()
	_, ok := s.Attributes().Get(key)
	assert.Falsef(t, ok, "span %q: %s must not be set", s.Name(), key)
}

func TestConversationTurnsAndTotals(t *testing.T) {
	p, sink := newTestProcessor(t, nil, nil)
	tokens := []struct{ in, out int64 }{{1200, 300}, {2500, 450}, {4000, 800}}
	var running float64
	for turn, tk := range tokens {
		tr := byte(turn + 1)
		root := span{trace: tr, id: tr*10 + 1, name: "handle_message",
			attrs: map[string]any{"gen_ai.conversation.id": "conv-42", "user.id": "user-7"}}
		call := span{trace: tr, id: tr*10 + 2, parent: root.id, name: "chat gpt-4o", attrs: chat("gpt-4o", tk.in, tk.out)}
		require.NoError(t, p.ConsumeTraces(context.Background(), batch(root, call)))
		requireOriginalsKept(t, sink, root, call)

		cost := usd(tk.in, gpt4oInput) + usd(tk.out, gpt4oOutput)
		running += cost
		got := spansByID(sink)
		for _, s := range []ptrace.Span{got[spanID(root.id)], got[spanID(call.id)]} {
			requireStr(t, s, "gen_ai.conversation.id", "conv-42")
			requireStr(t, s, "user.id", "user-7")
			requireInt(t, s, "gen_ai.conversation.turn", int64(turn+1))
		}
		c := got[spanID(call.id)]
		requireStr(t, c, "gen_ai.l9.span.kind", "llm")
		requireStr(t, c, "gen_ai.l9.cost.status", "priced")
		requireUSD(t, c, "gen_ai.usage.cost_usd", cost)
		requireUSD(t, c, "gen_ai.usage.cost_input_usd", usd(tk.in, gpt4oInput))
		requireUSD(t, c, "gen_ai.usage.cost_output_usd", usd(tk.out, gpt4oOutput))
		r := got[spanID(root.id)]
		requireUSD(t, r, "gen_ai.l9.trace.cost_usd", cost)
		requireUSD(t, r, "gen_ai.conversation.cost_usd", running)
		requireAbsent(t, r, "gen_ai.usage.cost_usd")
	}
}

func TestApplicationTurnWins(t *testing.T) {
	p, sink := newTestProcessor(t, nil, nil)
	root := span{trace: 1, id: 1, name: "turn", attrs: map[string]any{"session.id": "s-1", "gen_ai.conversation.turn": int64(7)}}
	call := span{trace: 1, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 10, 10)}
	require.NoError(t, p.ConsumeTraces(context.Background(), batch(root, call)))
	got := spansByID(sink)
	requireInt(t, got[spanID(1)], "gen_ai.conversation.turn", 7)
	requireStr(t, got[spanID(2)], "gen_ai.conversation.id", "s-1")
}

func TestRAGWorkflowTotals(t *testing.T) {
	p, sink := newTestProcessor(t, nil, nil)
	wf := span{trace: 1, id: 1, name: "answer_question", attrs: map[string]any{"workflow.id": "wf-9", "workflow.type": "rag"}}
	embed := span{trace: 1, id: 2, parent: 1, name: "embeddings", attrs: map[string]any{
		"gen_ai.operation.name": "embeddings", "gen_ai.request.model": embeddingModelName, "gen_ai.usage.input_tokens": int64(5000)}}
	retrieve := span{trace: 1, id: 3, parent: 1, name: "vector search", attrs: map[string]any{"db.system": "qdrant"}}
	draft := span{trace: 1, id: 4, parent: 1, name: "chat draft", attrs: chat("gpt-4o", 2000, 300)}
	refine := span{trace: 1, id: 5, parent: 1, name: "chat refine", attrs: chat("gpt-4o", 1500, 200)}
	inputs := []span{wf, embed, retrieve, draft, refine}
	require.NoError(t, p.ConsumeTraces(context.Background(), batch(inputs...)))
	requireOriginalsKept(t, sink, inputs...)

	got := spansByID(sink)
	embedCost := usd(5000, embedding3SmallIn)
	draftCost := usd(2000, gpt4oInput) + usd(300, gpt4oOutput)
	refineCost := usd(1500, gpt4oInput) + usd(200, gpt4oOutput)
	requireUSD(t, got[spanID(2)], "gen_ai.usage.cost_usd", embedCost)
	requireStr(t, got[spanID(2)], "gen_ai.l9.span.kind", "embedding")
	requireUSD(t, got[spanID(4)], "gen_ai.usage.cost_usd", draftCost)
	requireUSD(t, got[spanID(5)], "gen_ai.usage.cost_usd", refineCost)
	for _, id := range []byte{2, 3, 4, 5} {
		requireStr(t, got[spanID(id)], "workflow.id", "wf-9")
		requireStr(t, got[spanID(id)], "workflow.type", "rag")
	}
	top := got[spanID(1)]
	requireUSD(t, top, "workflow.total_cost_usd", embedCost+draftCost+refineCost)
	requireInt(t, top, "workflow.llm_calls", 3)
	// workflow.tool_calls: zero tool spans here; the key is either absent or 0.
	if v, ok := top.Attributes().Get("workflow.tool_calls"); ok {
		assert.Equal(t, int64(0), v.Int())
	}
	requireUSD(t, top, "gen_ai.l9.trace.cost_usd", embedCost+draftCost+refineCost)
}

func TestCachedTokensBilledAtCacheReadPrice(t *testing.T) {
	p, sink := newTestProcessor(t, nil, nil)
	call := span{trace: 1, id: 1, name: "chat cached", attrs: with(chat("gpt-4o", 10_000, 400),
		"gen_ai.usage.cache_read.input_tokens", int64(8_000))}
	require.NoError(t, p.ConsumeTraces(context.Background(), batch(call)))
	in := usd(10_000-8_000, gpt4oInput) + usd(8_000, gpt4oCacheRead)
	out := usd(400, gpt4oOutput)
	s := spansByID(sink)[spanID(1)]
	requireUSD(t, s, "gen_ai.usage.cost_input_usd", in)
	requireUSD(t, s, "gen_ai.usage.cost_output_usd", out)
	requireUSD(t, s, "gen_ai.usage.cost_usd", in+out)
	requireStr(t, s, "gen_ai.l9.cost.status", "priced")
}

func TestUnpricedModelIsMarkedNotZero(t *testing.T) {
	p, sink := newTestProcessor(t, nil, nil)
	require.NoError(t, p.ConsumeTraces(context.Background(),
		batch(span{trace: 1, id: 1, name: "chat", attrs: chat(unpricedModelName, 100, 100)})))
	s := spansByID(sink)[spanID(1)]
	requireStr(t, s, "gen_ai.l9.cost.status", "unpriced_model")
	requireAbsent(t, s, "gen_ai.usage.cost_usd")
}

func TestProvidedCostIsKept(t *testing.T) {
	p, sink := newTestProcessor(t, nil, nil)
	call := span{trace: 1, id: 1, name: "chat", attrs: with(chat("gpt-4o", 100, 100), "gen_ai.usage.cost_usd", 0.42)}
	require.NoError(t, p.ConsumeTraces(context.Background(), batch(call)))
	s := spansByID(sink)[spanID(1)]
	requireStr(t, s, "gen_ai.l9.cost.status", "provided")
	requireUSD(t, s, "gen_ai.usage.cost_usd", 0.42)
}

func TestWrapperSpanUsageIsNotBilledTwice(t *testing.T) {
	p, sink := newTestProcessor(t, nil, nil)
	agent := span{trace: 1, id: 1, name: "invoke_agent support", attrs: map[string]any{
		"gen_ai.operation.name": "invoke_agent", "gen_ai.request.model": "gpt-4o",
		"gen_ai.usage.input_tokens": int64(900), "gen_ai.usage.output_tokens": int64(90)}}
	call := span{trace: 1, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 900, 90)}
	require.NoError(t, p.ConsumeTraces(context.Background(), batch(agent, call)))
	got := spansByID(sink)
	cost := usd(900, gpt4oInput) + usd(90, gpt4oOutput)
	requireStr(t, got[spanID(1)], "gen_ai.l9.cost.status", "duplicate")
	requireAbsent(t, got[spanID(1)], "gen_ai.usage.cost_usd")
	requireUSD(t, got[spanID(2)], "gen_ai.usage.cost_usd", cost)
	requireUSD(t, got[spanID(1)], "gen_ai.l9.trace.cost_usd", cost)
}

// TestChildrenArriveBeforeTheirRoot: the usual export order. The child is priced in its own batch; the root, a
// batch later, still gets the trace and conversation totals.
func TestChildrenArriveBeforeTheirRoot(t *testing.T) {
	p, sink := newTestProcessor(t, nil, nil)
	call := span{trace: 1, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 3000, 700)}
	root := span{trace: 1, id: 1, name: "turn", attrs: map[string]any{"gen_ai.conversation.id": "conv-split"}}
	require.NoError(t, p.ConsumeTraces(context.Background(), batch(call)))
	require.NoError(t, p.ConsumeTraces(context.Background(), batch(root)))
	requireOriginalsKept(t, sink, call, root)
	cost := usd(3000, gpt4oInput) + usd(700, gpt4oOutput)
	got := spansByID(sink)
	requireUSD(t, got[spanID(2)], "gen_ai.usage.cost_usd", cost)
	r := got[spanID(1)]
	requireUSD(t, r, "gen_ai.l9.trace.cost_usd", cost)
	requireUSD(t, r, "gen_ai.conversation.cost_usd", cost)
	requireInt(t, r, "gen_ai.conversation.turn", 1)
}

func TestInlineAndFilePrices(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.UseDefaultPricing = false
	cfg.Pricing = map[string]ModelPrice{"acme-chat-1": {"input": 1.5, "output": 6}}
	cfg.PricingFile = filepath.Join("testdata", "litellm_prices.json")
	p, sink := newTestProcessor(t, cfg, nil)
	// One call per trace: calls of one trace with identical usage could be taken for one call seen twice.
	require.NoError(t, p.ConsumeTraces(context.Background(), batch(
		span{trace: 1, id: 1, name: "inline", attrs: chat("acme-chat-1", 1000, 100)},
		span{trace: 2, id: 2, name: "file", attrs: chat("acme-file-model", 2000, 200)},
		span{trace: 3, id: 3, name: "defaults off", attrs: chat("gpt-4o", 3000, 300)},
	)))
	got := spansByID(sink)
	requireUSD(t, got[spanID(1)], "gen_ai.usage.cost_usd", usd(1000, 1.5)+usd(100, 6))
	// The file is LiteLLM's format: USD per token (4e-06 and 1.6e-05), i.e. 4 and 16 per million.
	requireUSD(t, got[spanID(2)], "gen_ai.usage.cost_usd", usd(2000, 4)+usd(200, 16))
	requireStr(t, got[spanID(3)], "gen_ai.l9.cost.status", "unpriced_model")
}

func TestCoreConfigErrorFailsCreate(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "prices.json")
	require.NoError(t, os.WriteFile(bad, []byte("{not json"), 0o600))
	cfg := createDefaultConfig().(*Config)
	cfg.PricingFile = bad
	// Validate asks the core, so the collector refuses the configuration before start-up, with the core's words.
	err := cfg.Validate()
	require.Error(t, err)
	assert.Equal(t, "pricing_file: "+bad+": not valid JSON: key must be a string at line 1 column 2", err.Error())
	_, err = NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pricing_file")

	_, err = newCore([]byte(`{"max_traces": 0}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "max_traces")
}

// TestValidateSaysWhatTheCoreSays: for the same bad prices, the collector's Validate and the core report one message.
func TestValidateSaysWhatTheCoreSays(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Pricing = map[string]ModelPrice{"m": {"input": 1.0, "output": 2.0, "input_above_0k": 3.0}}
	doc, err := cfg.coreJSON()
	require.NoError(t, err)
	_, coreErr := newCore(doc)
	var ce *coreError
	require.ErrorAs(t, coreErr, &ce)
	assert.Equal(t, "last9_genai config: "+cfg.Validate().Error(), ce.msg)

	// Several long-context steps on one model are one valid price.
	cfg.Pricing = map[string]ModelPrice{"m": {"input": 1.0, "output": 2.0, "input_above_128k": 2.0, "output_above_200k": 4.0}}
	require.NoError(t, cfg.Validate())
}

func TestTelemetryFromCoreStats(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	p, _ := newTestProcessor(t, nil, tel)
	require.NoError(t, p.ConsumeTraces(context.Background(), batch(
		span{trace: 1, id: 1, name: "turn", attrs: map[string]any{"gen_ai.conversation.id": "c"}},
		// Served at flex, which the embedded gpt-4o price has no rates for: standard rates, counted.
		span{trace: 1, id: 2, parent: 1, name: "chat", attrs: with(chat("gpt-4o", 1000, 100), "openai.response.service_tier", "flex")},
		span{trace: 1, id: 3, parent: 1, name: "chat unknown", attrs: chat(unpricedModelName, 1, 1)},
	)))
	opts := []metricdatatest.Option{metricdatatest.IgnoreTimestamp()}
	id := attribute.String("processor", "last9_genai")
	count := func(v int64) []metricdata.DataPoint[int64] {
		return []metricdata.DataPoint[int64]{{Value: v, Attributes: attribute.NewSet(id)}}
	}
	metadatatest.AssertEqualProcessorLast9GenaiBatches(t, tel, count(1), opts...)
	metadatatest.AssertEqualProcessorLast9GenaiSpansSeen(t, tel, count(3), opts...)
	metadatatest.AssertEqualProcessorLast9GenaiSpansPriced(t, tel, count(1), opts...)
	metadatatest.AssertEqualProcessorLast9GenaiSpansUnpricedModel(t, tel, count(1), opts...)
	metadatatest.AssertEqualProcessorLast9GenaiSpansServiceTierUnpriced(t, tel, count(1), opts...)
	metadatatest.AssertEqualProcessorLast9GenaiSpansPricedOtherProvider(t, tel, count(0), opts...)
	reason := func(r string, v int64) metricdata.DataPoint[int64] {
		return metricdata.DataPoint[int64]{Value: v, Attributes: attribute.NewSet(id, attribute.String("reason", r))}
	}
	metadatatest.AssertEqualProcessorLast9GenaiUnpricedCalls(t, tel, []metricdata.DataPoint[int64]{
		reason("unknown_model", 1), reason("no_token_counts", 0), reason("unreadable_counts", 0)}, opts...)
	metadatatest.AssertEqualProcessorLast9GenaiUnpricedModelCalls(t, tel, []metricdata.DataPoint[int64]{{
		Value: 1, Attributes: attribute.NewSet(id, attribute.String("model", unpricedModelName))}}, opts...)
	metadatatest.AssertEqualProcessorLast9GenaiConversationsTracked(t, tel, count(1), opts...)
	metadatatest.AssertEqualProcessorLast9GenaiConversationExpirations(t, tel, count(0), opts...)
	metadatatest.AssertEqualProcessorLast9GenaiTraceExpirations(t, tel, count(0), opts...)
	metadatatest.AssertEqualProcessorLast9GenaiCost(t, tel, []metricdata.DataPoint[float64]{{
		Attributes: attribute.NewSet(id, attribute.String("model", "gpt-4o")),
		Value:      usd(1000, gpt4oInput) + usd(100, gpt4oOutput),
	}}, opts...)
}

// TestStartUpLogsThePriceFile: the price file's format and how many entries were loaded and skipped are logged
// once, at creation.
func TestStartUpLogsThePriceFile(t *testing.T) {
	set, _, logs := observedSettings(t)
	cfg := createDefaultConfig().(*Config)
	cfg.PricingFile = "../../tests/fixtures/litellm_prices.json"
	p, err := NewFactory().CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, p.Shutdown(context.Background()))
	entries := logs.FilterMessage("last9_genai prices loaded").All()
	require.Len(t, entries, 1)
	fields := entries[0].ContextMap()
	// The fixture: 21 entries with per-token prices, 6 without (tests/integration/pricing_models.rs says the same).
	assert.Equal(t, int64(21), fields["file_entries_loaded"])
	assert.Equal(t, int64(6), fields["file_entries_skipped"])
	assert.Equal(t, cfg.PricingFile, fields["pricing_file"])
	assert.Equal(t, "litellm", fields["format"])

	// A genai-prices file: the sample shipped with the examples, 12 models.
	set, _, logs = observedSettings(t)
	cfg.PricingFile = "../../collector-config/prices/genai-prices-sample.json"
	p, err = NewFactory().CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, p.Shutdown(context.Background()))
	fields = logs.FilterMessage("last9_genai prices loaded").All()[0].ContextMap()
	assert.Equal(t, "genai-prices", fields["format"])
	assert.Equal(t, []any{int64(12), int64(0)}, []any{fields["file_entries_loaded"], fields["file_entries_skipped"]})
}
