package last9genaiprocessor

import (
	"context"
	"encoding/binary"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
)

func nan() float64 { return math.NaN() }
func inf() float64 { return math.Inf(1) }

// List prices the core embeds (USD per million tokens); expected costs are computed from these, never read back.
const (
	gpt4oInput         = 2.50
	gpt4oOutput        = 10.00
	gpt4oCacheRead     = 1.25
	embedding3SmallIn  = 0.02
	costTolerance      = 1e-12
	unpricedModelName  = "acme-unreleased-llm-9"
	embeddingModelName = "text-embedding-3-small"
)

// usd is the cost of tokens at a price in USD per million tokens.
func usd(tokens int64, perMillion float64) float64 { return float64(tokens) * perMillion / 1e6 }

// span describes one input span; ids are small numbers turned into trace and span ids.
type span struct {
	trace  byte
	id     byte
	parent byte // 0 = root
	name   string
	attrs  map[string]any
}

func traceID(n byte) pcommon.TraceID { return pcommon.TraceID{0xa1, 15: n} }
func spanID(n byte) pcommon.SpanID   { return pcommon.SpanID{0xb2, 7: n} }

// withTraceID gives every span of td the trace id made from n, for tests that need more than 255 traces.
func withTraceID(td ptrace.Traces, n uint32) {
	id := pcommon.TraceID{0xa2}
	binary.BigEndian.PutUint32(id[12:], n)
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				s.SetTraceID(id)
			}
		}
	}
}

// batch builds one ptrace.Traces with all spans under one resource and scope, in the order given.
func batch(spans ...span) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "chat-app")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("test")
	start := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for i, s := range spans {
		out := ss.Spans().AppendEmpty()
		out.SetTraceID(traceID(s.trace))
		out.SetSpanID(spanID(s.id))
		if s.parent != 0 {
			out.SetParentSpanID(spanID(s.parent))
		}
		out.SetName(s.name)
		out.SetKind(ptrace.SpanKindInternal)
		out.SetStartTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(i) * time.Millisecond)))
		out.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Second)))
		// Sorted keys: two batches built from the same specs are byte-identical.
		keys := make([]string, 0, len(s.attrs))
		for k := range s.attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := out.Attributes().PutEmpty(k).FromRaw(s.attrs[k]); err != nil {
				panic(err) // only unsupported Go types in a test spec get here
			}
		}
	}
	return td
}

// chat is an LLM call span with usage.
func chat(model string, in, out int64) map[string]any {
	return map[string]any{
		"gen_ai.operation.name":      "chat",
		"gen_ai.provider.name":       "openai",
		"gen_ai.request.model":       model,
		"gen_ai.usage.input_tokens":  in,
		"gen_ai.usage.output_tokens": out,
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// newTestProcessor builds the processor through the factory, as the collector does.
func newTestProcessor(t *testing.T, cfg *Config, tel *componenttest.Telemetry) (processor.Traces, *consumertest.TracesSink) {
	t.Helper()
	set := processortest.NewNopSettings(metadata.Type)
	if tel != nil {
		set.TelemetrySettings = tel.NewTelemetrySettings()
	}
	sink := new(consumertest.TracesSink)
	if cfg == nil {
		cfg = createDefaultConfig().(*Config)
	}
	p, err := NewFactory().CreateTraces(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
	return p, sink
}

// observedSettings are processor settings whose telemetry is recorded and whose log (info and up) is observed.
func observedSettings(t *testing.T) (processor.Settings, *componenttest.Telemetry, *observer.ObservedLogs) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	core, logs := observer.New(zap.InfoLevel)
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	return set, tel, logs
}

// spansByID indexes every span the sink received, across all batches.
func spansByID(sink *consumertest.TracesSink) map[pcommon.SpanID]ptrace.Span {
	out := map[pcommon.SpanID]ptrace.Span{}
	for _, td := range sink.AllTraces() {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			ss := td.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < ss.Len(); j++ {
				spans := ss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					out[spans.At(k).SpanID()] = spans.At(k)
				}
			}
		}
	}
	return out
}

// requireOriginalsKept checks that every input attribute comes out with its original value.
func requireOriginalsKept(t *testing.T, sink *consumertest.TracesSink, inputs ...span) {
	t.Helper()
	got := spansByID(sink)
	for _, in := range inputs {
		out, ok := got[spanID(in.id)]
		require.Truef(t, ok, "span %q missing from output", in.name)
		require.Equal(t, in.name, out.Name())
		for k, v := range in.attrs {
			val, ok := out.Attributes().Get(k)
			require.Truef(t, ok, "span %q lost attribute %q", in.name, k)
			want := pcommon.NewValueEmpty()
			require.NoError(t, want.FromRaw(v))
			require.Truef(t, want.Equal(val), "span %q attribute %q: want %v, got %v", in.name, k, want.AsRaw(), val.AsRaw())
		}
	}
}
