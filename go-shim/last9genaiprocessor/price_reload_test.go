package last9genaiprocessor

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadatatest"
)

// TestPricingFileReload: a changed file is put in force for the following batches; a broken one keeps the
// prices in force, is logged once per distinct error and counted.
func TestPricingFileReload(t *testing.T) {
	file := filepath.Join(t.TempDir(), "prices.json")
	stamp := time.Now().Add(-time.Hour)
	write := func(doc string) {
		stamp = stamp.Add(time.Minute)
		require.NoError(t, os.WriteFile(file, []byte(doc), 0o600))
		require.NoError(t, os.Chtimes(file, stamp, stamp))
	}
	write(`{"acme": {"input_cost_per_token": 1e-06, "output_cost_per_token": 0}}`)
	set, tel, logs := observedSettings(t)
	cfg := createDefaultConfig().(*Config)
	cfg.PricingFile, cfg.UseDefaultPricing, cfg.WaitForRoot.Timeout = file, false, 0
	cfg.PricingFileCheckInterval = time.Second
	require.NoError(t, cfg.Validate())
	sink := new(consumertest.TracesSink)
	p, err := NewFactory().CreateTraces(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()

	trace := byte(0)
	cost := func() float64 {
		trace++
		sink.Reset()
		require.NoError(t, p.ConsumeTraces(context.Background(), batch(span{trace: trace, id: 1, name: "chat", attrs: chat("acme", 1000, 0)})))
		v, ok := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get("gen_ai.usage.cost_usd")
		require.True(t, ok)
		return v.Double()
	}
	assert.InDelta(t, 0.001, cost(), 1e-15)
	write(`{"acme": {"input_cost_per_token": 2e-06, "output_cost_per_token": 0}}`)
	require.Eventually(t, func() bool { return cost() > 0.0015 }, 10*time.Second, 100*time.Millisecond)
	assert.InDelta(t, 0.002, cost(), 1e-15)

	const notReloaded = "pricing_file not reloaded; the prices in force stay"
	write(`{"acme": `)
	require.Eventually(t, func() bool { return logs.FilterMessage(notReloaded).Len() == 1 }, 10*time.Second, 50*time.Millisecond)
	assert.InDelta(t, 0.002, cost(), 1e-15, "a broken file keeps the prices in force")
	time.Sleep(2200 * time.Millisecond) // two more checks of the same broken file: no new log line, no new attempt
	assert.Equal(t, 1, logs.FilterMessage(notReloaded).Len())

	id := attribute.String("processor", "last9_genai")
	outcome := func(o string, v int64) metricdata.DataPoint[int64] {
		return metricdata.DataPoint[int64]{Value: v, Attributes: attribute.NewSet(id, attribute.String("outcome", o))}
	}
	metadatatest.AssertEqualProcessorLast9GenaiPriceReloads(t, tel, []metricdata.DataPoint[int64]{
		outcome("reloaded", 1), outcome("failed", 1)}, metricdatatest.IgnoreTimestamp())
}
