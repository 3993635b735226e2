package last9genaiprocessor

// wait_for_root: spans of a GenAI trace exported before its root wait for it, and leave with it, on timeout or
// at shutdown; everything else passes at once; nothing is lost.

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadatatest"
)

func waitingProcessor(t *testing.T, timeout time.Duration, maxSpans int, tel *componenttest.Telemetry) (processor.Traces, *consumertest.TracesSink) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.WaitForRoot = WaitForRootConfig{Timeout: timeout, MaxSpans: maxSpans, MaxMiB: 64}
	set := processortest.NewNopSettings(metadata.Type)
	if tel != nil {
		set.TelemetrySettings = tel.NewTelemetrySettings()
	}
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	return p, sink
}

func released(reason string, n int64) []metricdata.DataPoint[int64] {
	return []metricdata.DataPoint[int64]{{Value: n, Attributes: attribute.NewSet(
		attribute.String("processor", "last9_genai"), attribute.String("reason", reason))}}
}

func TestChildrenExportedBeforeTheirRootGetTheRootsConversation(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	p, sink := waitingProcessor(t, time.Hour, 1000, tel)
	ctx := context.Background()
	call := span{trace: 1, id: 2, parent: 1, name: "chat gpt-4o", attrs: chat("gpt-4o", 1000, 100)}
	tool := span{trace: 1, id: 3, parent: 1, name: "http GET", attrs: map[string]any{"http.request.method": "GET"}}
	root := span{trace: 1, id: 1, name: "turn", attrs: map[string]any{"gen_ai.conversation.id": "c-wait", "user.id": "u-1"}}

	require.NoError(t, p.ConsumeTraces(ctx, batch(call)))
	// A later non-GenAI span of a trace that waits waits with it.
	require.NoError(t, p.ConsumeTraces(ctx, batch(tool)))
	assert.Equal(t, 0, sink.SpanCount(), "both wait for the root")
	require.NoError(t, p.ConsumeTraces(ctx, batch(root)))
	require.Len(t, sink.AllTraces(), 1, "the root's batch carries the waiting spans")
	assert.Equal(t, 3, sink.SpanCount())
	got := spansByID(sink)
	for _, s := range got {
		requireStr(t, s, "gen_ai.conversation.id", "c-wait")
		requireStr(t, s, "user.id", "u-1")
		requireInt(t, s, "gen_ai.conversation.turn", 1)
	}
	requireUSD(t, got[spanID(1)], "gen_ai.l9.trace.cost_usd", usd(1000, gpt4oInput)+usd(100, gpt4oOutput))
	requireOriginalsKept(t, sink, call, tool, root)
	metadatatest.AssertEqualProcessorLast9GenaiSpansReleased(t, tel, released("root", 2), metricdatatest.IgnoreTimestamp())
	require.NoError(t, p.Shutdown(ctx))
}

func TestWaitingSpansLeaveOnTimeoutEnriched(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	p, sink := waitingProcessor(t, 50*time.Millisecond, 1000, tel)
	ctx := context.Background()
	require.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: 2, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 1000, 0)})))
	require.Eventually(t, func() bool { return sink.SpanCount() == 1 }, 5*time.Second, 5*time.Millisecond)
	s := spansByID(sink)[spanID(2)]
	requireStr(t, s, "gen_ai.l9.cost.status", "priced")
	requireUSD(t, s, "gen_ai.usage.cost_usd", usd(1000, gpt4oInput))
	metadatatest.AssertEqualProcessorLast9GenaiSpansReleased(t, tel, released("timeout", 1), metricdatatest.IgnoreTimestamp())
	// The root arriving after the timeout is enriched on its own; its trace cost counts the call.
	require.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: 2, id: 1, name: "turn"})))
	requireUSD(t, spansByID(sink)[spanID(1)], "gen_ai.l9.trace.cost_usd", usd(1000, gpt4oInput))
	require.NoError(t, p.Shutdown(ctx))
}

func TestShutdownReleasesWhatWaits(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	p, sink := waitingProcessor(t, time.Hour, 1000, tel)
	ctx := context.Background()
	for tr := byte(1); tr <= 3; tr++ {
		require.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: tr, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 10, 1)})))
	}
	assert.Equal(t, 0, sink.SpanCount())
	require.NoError(t, p.Shutdown(ctx))
	assert.Equal(t, 3, sink.SpanCount())
	for _, s := range spansByID(sink) {
		requireStr(t, s, "gen_ai.l9.cost.status", "priced")
	}
	metadatatest.AssertEqualProcessorLast9GenaiSpansReleased(t, tel, released("shutdown", 3), metricdatatest.IgnoreTimestamp())
}

func TestOnlyGenAITracesWait(t *testing.T) {
	p, sink := waitingProcessor(t, time.Hour, 1000, nil)
	ctx := context.Background()
	// A child without GenAI content, and a whole GenAI trace: neither waits.
	require.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: 1, id: 2, parent: 1, name: "GET /orders",
		attrs: map[string]any{"http.request.method": "GET"}})))
	require.NoError(t, p.ConsumeTraces(ctx, batch(
		span{trace: 2, id: 1, name: "turn", attrs: map[string]any{"gen_ai.conversation.id": "c"}},
		span{trace: 2, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 1, 1)})))
	assert.Equal(t, 3, sink.SpanCount())
	require.NoError(t, p.Shutdown(ctx))
}

func TestAFullWaitLetsSpansPass(t *testing.T) {
	p, sink := waitingProcessor(t, time.Hour, 1, nil)
	ctx := context.Background()
	require.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: 1, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 1, 1)})))
	require.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: 2, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 1, 1)})))
	assert.Equal(t, 1, sink.SpanCount(), "the second trace passes: one span already waits")
	requireStr(t, spansByID(sink)[spanID(2)], "gen_ai.l9.cost.status", "priced")
	require.NoError(t, p.Shutdown(ctx))
	assert.Equal(t, 2, sink.SpanCount())
}

// A remote parent (Span.flags) makes a span its service's root: nothing waits for a parent in another service.
func TestASpanWithARemoteParentIsARoot(t *testing.T) {
	p, sink := waitingProcessor(t, time.Hour, 1000, nil)
	ctx := context.Background()
	require.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: 1, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 1, 1)})))
	td := batch(span{trace: 1, id: 1, parent: 9, name: "POST /chat", attrs: map[string]any{"gen_ai.conversation.id": "c-r"}})
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).SetFlags(0x300)
	require.NoError(t, p.ConsumeTraces(ctx, td))
	assert.Equal(t, 2, sink.SpanCount())
	requireStr(t, spansByID(sink)[spanID(2)], "gen_ai.conversation.id", "c-r")
	require.NoError(t, p.Shutdown(ctx))
}

// Many goroutines, each sending a trace's children before its root, some roots never: every span comes out once,
// and every child whose root came carries the root's conversation id. Run with -race.
func TestConcurrentWaitsLoseNothing(t *testing.T) {
	p, sink := waitingProcessor(t, 20*time.Millisecond, 100_000, nil)
	ctx := context.Background()
	const workers, traces = 6, 30
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range traces {
				tr := byte(w*traces + i + 1)
				assert.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: tr, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 10, 1)})))
				if i%3 != 0 {
					assert.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: tr, id: 1, name: "turn",
						attrs: map[string]any{"gen_ai.conversation.id": "c-conc"}})))
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, p.Shutdown(ctx))
	roots := workers * traces * 2 / 3
	require.Equal(t, workers*traces+roots, sink.SpanCount(), "spans out = spans in")
	seen := map[[2]byte]int{}
	for _, td := range sink.AllTraces() {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					seen[[2]byte{s.TraceID()[15], s.SpanID()[7]}]++
					if _, hasRoot := rootIndex(s); hasRoot && s.SpanID()[7] == 2 {
						requireStr(t, s, "gen_ai.conversation.id", "c-conc")
					}
				}
			}
		}
	}
	for k, n := range seen {
		require.Equal(t, 1, n, "span %v came out %d times", k, n)
	}
}

// rootIndex says whether the test sent a root for the span's trace (every trace but each third).
func rootIndex(s ptrace.Span) (int, bool) {
	i := (int(s.TraceID()[15]) - 1) % 30
	return i, i%3 != 0
}
