package last9genaiprocessor

// Behaviour of the Go shim that does not depend on what the core computes: lifecycle, pass-through on failure,
// telemetry of pass-throughs, concurrency, and that nothing is lost on the way through the core.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadatatest"
)

func TestFactory(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, "last9_genai", f.Type().String())
	assert.Equal(t, metadata.TracesStability, f.TracesStability())
	assert.NotEmpty(t, coreLibraryVersion())
}

func TestShutdownWithoutStart(t *testing.T) {
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type),
		createDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, p.Shutdown(context.Background()))
	require.NoError(t, p.Shutdown(context.Background()))
}

func TestStartShutdownTwice(t *testing.T) {
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type),
		createDefaultConfig(), sink)
	require.NoError(t, err)
	for range 2 {
		require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
		require.NoError(t, p.Shutdown(context.Background()))
	}
	// After Shutdown the handle is gone: batches pass through instead of crashing.
	in := batch(span{trace: 1, id: 1, name: "late", attrs: chat("gpt-4o", 10, 10)})
	require.NoError(t, p.ConsumeTraces(context.Background(), in))
	require.Equal(t, 1, sink.SpanCount())
}

func TestCoreHandleFreedOnce(t *testing.T) {
	c, err := newCore([]byte(`{}`))
	require.NoError(t, err)
	c.close()
	c.close()
	_, err = c.enrich([]byte{})
	assert.ErrorIs(t, err, errCoreClosed)
	_, err = c.stats()
	assert.ErrorIs(t, err, errCoreClosed)
}

func TestEmptyBatchSkipsCore(t *testing.T) {
	fake := &failingCore{}
	gp, _ := newFakeCoreProcessor(t, fake, nil)
	out, err := gp.processTraces(context.Background(), ptrace.NewTraces())
	require.NoError(t, err)
	assert.Equal(t, 0, out.SpanCount())
	assert.Equal(t, 0, fake.calls)
}

func TestAttributesSurviveTheCore(t *testing.T) {
	p, sink := newTestProcessor(t, nil, nil)
	inputs := []span{
		{trace: 1, id: 1, name: "root", attrs: map[string]any{"gen_ai.conversation.id": "c-1", "http.route": "/chat",
			"custom.list": []any{"a", int64(2)}, "custom.map": map[string]any{"k": true}, "custom.bytes.like": "\x00\x01"}},
		{trace: 1, id: 2, parent: 1, name: "chat gpt-4o", attrs: chat("gpt-4o", 100, 20)},
		{trace: 1, id: 3, parent: 1, name: "db query", attrs: map[string]any{"db.system": "postgresql"}},
	}
	in := batch(inputs...)
	require.NoError(t, p.ConsumeTraces(context.Background(), in))
	require.Equal(t, 3, sink.SpanCount())
	requireOriginalsKept(t, sink, inputs...)
	out := sink.AllTraces()[0]
	assert.Equal(t, "chat-app", func() string {
		v, _ := out.ResourceSpans().At(0).Resource().Attributes().Get("service.name")
		return v.Str()
	}())
}

// A batch the core leaves as it is comes back as the very same ptrace.Traces, byte for byte.
func TestUnchangedBatchIsPassedOnAsIs(t *testing.T) {
	set := processortest.NewNopSettings(metadata.Type)
	c, err := newCore([]byte(`{}`))
	require.NoError(t, err)
	gp, err := newGenaiProcessor(set.ID, set.TelemetrySettings, c, nil, consumertest.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, gp.shutdown(context.Background())) })
	in := batch(span{trace: 1, id: 1, name: "GET /health", attrs: map[string]any{"http.route": "/health"}})
	out, err := gp.processTraces(context.Background(), in)
	require.NoError(t, err)
	assert.True(t, out == in, "the same batch object")
	want, _ := (&ptrace.ProtoMarshaler{}).MarshalTraces(in)
	got, _ := (&ptrace.ProtoMarshaler{}).MarshalTraces(out)
	assert.Equal(t, want, got)
}

// failingCore stands in for a core that rejects every batch.
type failingCore struct {
	mu     sync.Mutex
	calls  int
	closed int
}

func (f *failingCore) keyList() ([]byte, error) {
	c, err := newCore([]byte(`{}`))
	if err != nil {
		return nil, err
	}
	defer c.close()
	return c.keyList()
}

func (f *failingCore) enrichSpans([]byte, func([]byte) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return &coreError{op: "enrich", status: 200, msg: "field 1: truncated"}
}
func (f *failingCore) stats() (coreStats, error) { return coreStats{}, errors.New("no stats") }
func (f *failingCore) expire() error             { return errors.New("no expiry") }
func (f *failingCore) close()                    { f.mu.Lock(); f.closed++; f.mu.Unlock() }

func newFakeCoreProcessor(t *testing.T, core enricher, logger *zap.Logger) (*genaiProcessor, error) {
	t.Helper()
	set := componenttest.NewNopTelemetrySettings()
	if logger != nil {
		set.Logger = logger
	}
	gp, err := newGenaiProcessor(component.MustNewID("last9_genai"), set, core, nil, consumertest.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = gp.shutdown(context.Background()) })
	return gp, err
}

func TestPassThroughOnCoreError(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	logs, logged := observer.New(zap.WarnLevel)
	set := tel.NewTelemetrySettings()
	set.Logger = zap.New(logs)
	fake := &failingCore{}
	gp, err := newGenaiProcessor(component.MustNewIDWithName("last9_genai", "failing"), set, fake, nil, consumertest.NewNop())
	require.NoError(t, err)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	gp.warning.now = func() time.Time { return clock }

	inputs := []span{{trace: 1, id: 1, name: "chat", attrs: chat("gpt-4o", 1000, 500)}}
	for i := range 5 {
		in := batch(inputs...)
		want := batch(inputs...)
		out, err := gp.processTraces(context.Background(), in)
		require.NoError(t, err, "a core failure must not fail the pipeline")
		assert.Equal(t, want, out, "batch %d must pass through unchanged", i)
		clock = clock.Add(3 * time.Second) // 5 failures over 12s: warnings at 0s and 12s
	}
	assert.Equal(t, 5, fake.calls)
	metadatatest.AssertEqualProcessorLast9GenaiPassthroughBatches(t, tel,
		[]metricdata.DataPoint[int64]{{Value: 5, Attributes: attribute.NewSet(attribute.String("processor", "last9_genai/failing"))}},
		metricdatatest.IgnoreTimestamp())

	warnings := logged.FilterMessage("GenAI enrichment failed; batch passed through unchanged").All()
	require.Len(t, warnings, 2, "rate limited to one line per 10s")
	assert.Equal(t, int64(1), warnings[0].ContextMap()["batches_passed_through"])
	assert.Equal(t, int64(4), warnings[1].ContextMap()["batches_passed_through"])
	assert.Contains(t, warnings[0].ContextMap()["error"], "field 1: truncated")

	require.NoError(t, gp.shutdown(context.Background()))
	require.NoError(t, gp.shutdown(context.Background()))
}

// TestConcurrentConsumeTraces runs many goroutines through one handle (run it with -race), and a Shutdown racing
// with them: every batch must come out, enriched or passed through, and nothing may crash.
func TestConcurrentConsumeTraces(t *testing.T) {
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type),
		createDefaultConfig(), sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))

	const workers, perWorker = 8, 40
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				in := batch(
					span{id: 1, name: "turn", attrs: map[string]any{"gen_ai.conversation.id": "conc"}},
					span{id: 2, parent: 1, name: "chat", attrs: chat("gpt-4o", 100, 10)},
				)
				// Trace ids distinct across all workers (a byte would wrap at 256 and merge traces).
				withTraceID(in, uint32(w*perWorker+i+1))
				assert.NoError(t, p.ConsumeTraces(context.Background(), in))
			}
		}()
	}
	wg.Wait()
	require.Equal(t, workers*perWorker*2, sink.SpanCount())
	// One conversation shared by every worker: each turn number exactly once, each total the sum of the turns
	// before it, whatever the interleaving.
	call := usd(100, gpt4oInput) + usd(10, gpt4oOutput)
	turns := map[int64]int{}
	for _, td := range sink.AllTraces() {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, s := range ss.Spans().All() {
					if s.Name() == "chat" {
						requireUSD(t, s, "gen_ai.usage.cost_usd", call)
						continue
					}
					turn, ok := s.Attributes().Get("gen_ai.conversation.turn")
					require.True(t, ok, "root numbered")
					turns[turn.Int()]++
					requireUSD(t, s, "gen_ai.l9.trace.cost_usd", call)
					requireUSD(t, s, "gen_ai.conversation.cost_usd", float64(turn.Int())*call)
				}
			}
		}
	}
	require.Len(t, turns, workers*perWorker)
	for n := int64(1); n <= workers*perWorker; n++ {
		require.Equal(t, 1, turns[n], "turn %d", n)
	}

	// Shutdown while batches are in flight: calls hold the read lock, so the handle is never freed under them.
	var wg2 sync.WaitGroup
	for range 4 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for range 50 {
				assert.NoError(t, p.ConsumeTraces(context.Background(),
					batch(span{trace: 250, id: 9, name: "chat", attrs: chat("gpt-4o", 1, 1)})))
			}
		}()
	}
	require.NoError(t, p.Shutdown(context.Background()))
	wg2.Wait()
	assert.Equal(t, workers*perWorker*2+200, sink.SpanCount())
}
