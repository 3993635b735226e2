package last9genaiprocessor

// No loss under faults: spans that waited for their root were answered to their senders already, so when the next
// consumer refuses them they wait again and are offered again; only a permanent error drops them.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap/zaptest/observer"
)

// refusing is a next consumer that refuses a call when refuse says so, and otherwise passes it to the sink.
type refusing struct {
	mu     sync.Mutex
	calls  int
	refuse func(call int, td ptrace.Traces) error
	sink   consumertest.TracesSink
}

func (r *refusing) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (r *refusing) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	r.mu.Lock()
	r.calls++
	call := r.calls
	r.mu.Unlock()
	if err := r.refuse(call, td); err != nil {
		return err
	}
	return r.sink.ConsumeTraces(ctx, td)
}

var errDownstream = errors.New("exporter queue is full")

func faultyProcessor(t *testing.T, timeout time.Duration, next *refusing) (processor.Traces, *componenttest.Telemetry, *observer.ObservedLogs) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.WaitForRoot = WaitForRootConfig{Timeout: timeout, MaxSpans: 1000, MaxMiB: 64}
	set, tel, logs := observedSettings(t)
	p, err := NewFactory().CreateTraces(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	return p, tel, logs
}

func releaseFailures(t *testing.T, tel *componenttest.Telemetry) int64 {
	t.Helper()
	m, err := tel.GetMetric("otelcol_processor_last9_genai_release_failures")
	if err != nil {
		return 0
	}
	var n int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		n += dp.Value
	}
	return n
}

func TestSpansRefusedAfterTheirTimeoutAreOfferedAgain(t *testing.T) {
	next := &refusing{refuse: func(call int, _ ptrace.Traces) error {
		if call <= 2 {
			return errDownstream
		}
		return nil
	}}
	p, tel, logs := faultyProcessor(t, 30*time.Millisecond, next)
	ctx := context.Background()
	require.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: 1, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 1000, 0)})))
	require.Eventually(t, func() bool { return next.sink.SpanCount() == 1 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, p.Shutdown(ctx))
	assert.Equal(t, 1, next.sink.SpanCount(), "delivered exactly once")
	s := spansByID(&next.sink)[spanID(2)]
	requireStr(t, s, "gen_ai.l9.cost.status", "priced") // enriched once: a second pass would call it "provided"
	requireUSD(t, s, "gen_ai.usage.cost_usd", usd(1000, gpt4oInput))
	assert.EqualValues(t, 2, releaseFailures(t, tel))
	assert.Len(t, logs.FilterMessageSnippet("offered again").All(), 2)
}

func TestSpansMergedIntoARefusedRootBatchAreNotLost(t *testing.T) {
	refusedRoot := false
	next := &refusing{refuse: func(_ int, td ptrace.Traces) error {
		if _, hasRoot := spansByTraces(td)[spanID(1)]; hasRoot && !refusedRoot {
			refusedRoot = true
			return errDownstream
		}
		return nil
	}}
	p, _, _ := faultyProcessor(t, time.Hour, next)
	ctx := context.Background()
	call := span{trace: 1, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 100, 10)}
	root := span{trace: 1, id: 1, name: "turn", attrs: map[string]any{"gen_ai.conversation.id": "c-fault"}}
	require.NoError(t, p.ConsumeTraces(ctx, batch(call)))
	// The root's batch, carrying the call that waited, is refused: the batch goes back to its sender, the call
	// waits again.
	require.ErrorIs(t, p.ConsumeTraces(ctx, batch(root)), errDownstream)
	require.Equal(t, 0, next.sink.SpanCount())
	// The sender retries its batch; the call is offered again at shutdown (its wait is an hour).
	require.NoError(t, p.ConsumeTraces(ctx, batch(root)))
	require.NoError(t, p.Shutdown(ctx))
	requireStr(t, spansByID(&next.sink)[spanID(2)], "gen_ai.conversation.id", "c-fault")
	require.Equal(t, 2, next.sink.SpanCount(), "every span once")
	got := spansByID(&next.sink)
	requireInt(t, got[spanID(1)], "gen_ai.conversation.turn", 1)
	requireUSD(t, got[spanID(1)], "gen_ai.l9.trace.cost_usd", usd(100, gpt4oInput)+usd(10, gpt4oOutput))
}

func TestAPermanentRefusalIsLoggedAndNotRetried(t *testing.T) {
	next := &refusing{refuse: func(int, ptrace.Traces) error { return consumererror.NewPermanent(errDownstream) }}
	p, tel, logs := faultyProcessor(t, 20*time.Millisecond, next)
	ctx := context.Background()
	require.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: 1, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 1, 1)})))
	require.Eventually(t, func() bool { return releaseFailures(t, tel) == 1 }, 5*time.Second, 5*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // several release ticks: nothing is offered again
	require.NoError(t, p.Shutdown(ctx))
	assert.EqualValues(t, 1, releaseFailures(t, tel))
	assert.Len(t, logs.FilterMessageSnippet("refused them permanently").All(), 1)
}

func TestSpansRefusedAtShutdownAreOfferedAgainBeforeItEnds(t *testing.T) {
	next := &refusing{refuse: func(call int, _ ptrace.Traces) error {
		if call <= 3 {
			return errDownstream
		}
		return nil
	}}
	p, tel, _ := faultyProcessor(t, time.Hour, next)
	ctx := context.Background()
	for tr := byte(1); tr <= 3; tr++ {
		require.NoError(t, p.ConsumeTraces(ctx, batch(span{trace: tr, id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 1, 1)})))
	}
	require.NoError(t, p.Shutdown(ctx))
	assert.Equal(t, 3, next.sink.SpanCount())
	assert.EqualValues(t, 9, releaseFailures(t, tel), "three refusals of the three spans")
}

// spansByTraces indexes one batch's spans.
func spansByTraces(td ptrace.Traces) map[[8]byte]ptrace.Span {
	out := map[[8]byte]ptrace.Span{}
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				out[s.SpanID()] = s
			}
		}
	}
	return out
}

// A refused batch goes back to its sender, who sends the same spans again: they come out once, and the trace's
// total, turn and running total count them once.
func TestARetriedBatchIsCountedOnce(t *testing.T) {
	next := &refusing{refuse: func(call int, _ ptrace.Traces) error {
		if call == 1 {
			return errDownstream
		}
		return nil
	}}
	p, _, _ := faultyProcessor(t, time.Hour, next)
	ctx := context.Background()
	turn := func(tr byte) ptrace.Traces {
		return batch(
			span{trace: tr, id: 2*tr + 1, name: "turn", attrs: map[string]any{"gen_ai.conversation.id": "c-retry"}},
			span{trace: tr, id: 2*tr + 2, parent: 2*tr + 1, name: "chat", attrs: chat("gpt-4o", 1000, 100)})
	}
	require.ErrorIs(t, p.ConsumeTraces(ctx, turn(1)), errDownstream)
	require.NoError(t, p.ConsumeTraces(ctx, turn(1)))
	require.NoError(t, p.ConsumeTraces(ctx, turn(2)))
	require.NoError(t, p.Shutdown(ctx))
	require.Equal(t, 4, next.sink.SpanCount())
	got := spansByID(&next.sink)
	one := usd(1000, gpt4oInput) + usd(100, gpt4oOutput)
	requireInt(t, got[spanID(3)], "gen_ai.conversation.turn", 1)
	requireUSD(t, got[spanID(3)], "gen_ai.l9.trace.cost_usd", one)
	requireInt(t, got[spanID(5)], "gen_ai.conversation.turn", 2)
	requireUSD(t, got[spanID(5)], "gen_ai.conversation.cost_usd", 2*one)
}
