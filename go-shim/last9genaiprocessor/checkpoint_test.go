package last9genaiprocessor

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadatatest"
)

var storageID = component.MustNewID("file_storage")

// memStorage is a storage extension keeping values in memory across processor instances, as file_storage keeps
// them across processes.
type memStorage struct {
	component.StartFunc
	component.ShutdownFunc
	mu      sync.Mutex
	values  map[string][]byte
	failSet bool
	clients []component.ID
}

func (m *memStorage) GetClient(_ context.Context, kind component.Kind, id component.ID, _ string) (storage.Client, error) {
	if kind != component.KindProcessor {
		return nil, errors.New("want a processor's client")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clients = append(m.clients, id)
	return &memClient{m}, nil
}

type memClient struct{ m *memStorage }

func (c *memClient) Get(_ context.Context, key string) ([]byte, error) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	return c.m.values[key], nil
}

func (c *memClient) Set(_ context.Context, key string, value []byte) error {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	if c.m.failSet {
		return errors.New("disk full")
	}
	c.m.values[key] = append([]byte(nil), value...)
	return nil
}

func (c *memClient) Delete(_ context.Context, key string) error {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	delete(c.m.values, key)
	return nil
}

func (c *memClient) Batch(context.Context, ...*storage.Operation) error { return errors.New("unused") }
func (c *memClient) Close(context.Context) error                        { return nil }

type storageHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.exts }

func hostWith(st *memStorage) component.Host {
	return storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{storageID: st}}
}

// run is one collector process: start with the storage, send the batches, shut down.
type run struct {
	p    processor.Traces
	sink *consumertest.TracesSink
	tel  *componenttest.Telemetry
	logs *observer.ObservedLogs
}

func startWithStorage(t *testing.T, st *memStorage, interval time.Duration) *run {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Storage = &storageID
	cfg.CheckpointInterval = interval
	require.NoError(t, cfg.Validate())
	set, tel, logs := observedSettings(t)
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), hostWith(st)))
	return &run{p: p, sink: sink, tel: tel, logs: logs}
}

// turn is one trace of conversation conv: a root with the id and a gpt-4o call below it.
func (r *run) turn(t *testing.T, trace byte, conv string, in, out int64) (turn int64, running float64) {
	t.Helper()
	root, call := 2*trace, 2*trace+1
	require.NoError(t, r.p.ConsumeTraces(context.Background(), batch(
		span{trace: trace, id: root, name: "chat_turn", attrs: map[string]any{"gen_ai.conversation.id": conv}},
		span{trace: trace, id: call, parent: root, name: "chat gpt-4o", attrs: chat("gpt-4o", in, out)},
	)))
	s := spansByID(r.sink)[spanID(root)]
	return requireAttr(t, s, "gen_ai.conversation.turn", pcommon.ValueTypeInt).Int(),
		requireAttr(t, s, "gen_ai.conversation.cost_usd", pcommon.ValueTypeDouble).Double()
}

func bill(in, out int64) float64 { return usd(in, gpt4oInput) + usd(out, gpt4oOutput) }

func restoresByOutcome(outcome string) []metricdata.DataPoint[int64] {
	return []metricdata.DataPoint[int64]{{
		Attributes: attribute.NewSet(attribute.String("processor", "last9_genai"), attribute.String("outcome", outcome)),
		Value:      1,
	}}
}

func TestTurnsAndTotalsContinueAfterARestart(t *testing.T) {
	st := &memStorage{values: map[string][]byte{}}
	first := startWithStorage(t, st, time.Hour)
	metadatatest.AssertEqualProcessorLast9GenaiCheckpointRestores(t, first.tel, restoresByOutcome("missing"),
		metricdatatest.IgnoreTimestamp())
	first.turn(t, 1, "conv-1", 1000, 100)
	turn, _ := first.turn(t, 2, "conv-1", 2000, 200)
	require.EqualValues(t, 2, turn)
	require.NoError(t, first.p.Shutdown(context.Background()))
	require.NotEmpty(t, st.values[checkpointKey], "written at shutdown")
	require.Equal(t, []component.ID{component.MustNewID("last9_genai")}, st.clients)

	second := startWithStorage(t, st, time.Hour)
	defer func() { require.NoError(t, second.p.Shutdown(context.Background())) }()
	metadatatest.AssertEqualProcessorLast9GenaiCheckpointRestores(t, second.tel, restoresByOutcome("restored"),
		metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorLast9GenaiConversationsRestored(t, second.tel, []metricdata.DataPoint[int64]{{
		Attributes: attribute.NewSet(attribute.String("processor", "last9_genai")), Value: 1,
	}}, metricdatatest.IgnoreTimestamp())
	turn, running := second.turn(t, 3, "conv-1", 3000, 300)
	require.EqualValues(t, 3, turn)
	require.InDelta(t, bill(1000, 100)+bill(2000, 200)+bill(3000, 300), running, costTolerance)
}

func TestARefusedCheckpointStartsCleanWithOneWarning(t *testing.T) {
	good := &memStorage{values: map[string][]byte{}}
	r := startWithStorage(t, good, time.Hour)
	r.turn(t, 1, "conv-1", 1000, 100)
	require.NoError(t, r.p.Shutdown(context.Background()))
	newer := append([]byte(nil), good.values[checkpointKey]...)
	newer[8] = 99 // format version 99

	for _, c := range []struct {
		outcome string
		value   []byte
	}{
		{"corrupt", []byte("{\"not\": \"a checkpoint\"}")},
		{"newer_version", newer},
	} {
		t.Run(c.outcome, func(t *testing.T) {
			st := &memStorage{values: map[string][]byte{checkpointKey: c.value}}
			r := startWithStorage(t, st, time.Hour)
			defer func() { require.NoError(t, r.p.Shutdown(context.Background())) }()
			metadatatest.AssertEqualProcessorLast9GenaiCheckpointRestores(t, r.tel, restoresByOutcome(c.outcome),
				metricdatatest.IgnoreTimestamp())
			warnings := r.logs.FilterLevelExact(zap.WarnLevel).All()
			require.Len(t, warnings, 1)
			require.Contains(t, warnings[0].Message, "starting clean")
			turn, running := r.turn(t, 2, "conv-1", 1000, 100)
			require.EqualValues(t, 1, turn)
			require.InDelta(t, bill(1000, 100), running, costTolerance)
		})
	}
}

func TestCheckpointsAreWrittenPeriodicallyAndFailuresCounted(t *testing.T) {
	st := &memStorage{values: map[string][]byte{}}
	r := startWithStorage(t, st, time.Second)
	r.turn(t, 1, "conv-1", 1000, 100)
	require.Eventually(t, func() bool {
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.values[checkpointKey] != nil
	}, 10*time.Second, 10*time.Millisecond, "a checkpoint within the interval, before any shutdown")

	st.mu.Lock()
	st.failSet = true
	st.mu.Unlock()
	require.NoError(t, r.p.Shutdown(context.Background()), "a failed write does not fail shutdown")
	written := func(outcome string) int64 {
		m, err := r.tel.GetMetric("otelcol_processor_last9_genai_checkpoint_writes")
		require.NoError(t, err)
		for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
			if v, _ := dp.Attributes.Value("outcome"); v.AsString() == outcome {
				return dp.Value
			}
		}
		return 0
	}
	require.GreaterOrEqual(t, written("written"), int64(1))
	require.EqualValues(t, 1, written("failed"), "the shutdown write")
}

func TestStorageNamingNoExtensionFailsStart(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	missing := component.MustNewIDWithName("file_storage", "nowhere")
	cfg.Storage = &missing
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg,
		new(consumertest.TracesSink))
	require.NoError(t, err)
	err = p.Start(context.Background(), hostWith(&memStorage{values: map[string][]byte{}}))
	require.ErrorContains(t, err, `storage: extension "file_storage/nowhere" is not configured`)
	require.NoError(t, p.Shutdown(context.Background()))
}

func TestCheckpointIntervalIsValidatedOnlyWithStorage(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.CheckpointInterval = 0
	require.NoError(t, cfg.Validate())
	cfg.Storage = &storageID
	require.ErrorContains(t, cfg.Validate(), "checkpoint_interval: must be from 1s to 24h0m0s when storage is set, got 0s")
}
