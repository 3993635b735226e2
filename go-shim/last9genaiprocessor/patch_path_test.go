package last9genaiprocessor

// The shim's patch path (span records to the core, attributes put on the pdata spans) against the core's OTLP
// bytes path (the whole batch marshalled, enriched as bytes, unmarshalled) on the same batches: both must give
// the same spans with the same attributes.

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// viaBytes enriches td through the OTLP bytes interface of c.
func viaBytes(t *testing.T, c *core, td ptrace.Traces) ptrace.Traces {
	t.Helper()
	in, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	out, err := c.enrich(in)
	require.NoError(t, err)
	got, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(out)
	require.NoError(t, err)
	return got
}

// canonical renders every span with its attributes sorted by key: puts replace roll-ups in place on the patch
// path, while the bytes path drops and appends them.
func canonical(td ptrace.Traces) []string {
	var out []string
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				keys := make([]string, 0, s.Attributes().Len())
				for k := range s.Attributes().All() {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				line := fmt.Sprintf("%s %s %s %v|", rs.Resource().Attributes().AsRaw(), s.SpanID(), s.Name(), s.Events().Len())
				for _, k := range keys {
					v, _ := s.Attributes().Get(k)
					line += fmt.Sprintf(" %s=%s:%s", k, v.Type(), v.AsString())
				}
				out = append(out, line)
			}
		}
	}
	return out
}

func newPatchProcessor(t *testing.T, config string) *genaiProcessor {
	t.Helper()
	c, err := newCore([]byte(config))
	require.NoError(t, err)
	gp, err := newGenaiProcessor(component.MustNewID("last9_genai"), componenttest.NewNopTelemetrySettings(), c,
		nil, consumertest.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = gp.shutdown(context.Background()) })
	return gp
}

func TestPatchPathEqualsBytesPathOnCapturedSpans(t *testing.T) {
	for _, config := range []string{`{}`, `{"propagate_keys": ["gen_ai.provider.name", "gen_ai.input.messages", "gen_ai.response.finish_reasons", "embedding.embeddings.0.embedding.vector", "gen_ai.request.stop_sequences"]}`} {
		bytesCore, err := newCore([]byte(config))
		require.NoError(t, err)
		t.Cleanup(bytesCore.close)
		gp := newPatchProcessor(t, config)
		for round, file := range capturedFiles(t) {
			spans := loadCaptured(t, file)
			// Whole, then children first one span per batch (as SDKs export), each with fresh ids.
			batches := [][]capturedSpan{spans}
			for i := range spans {
				batches = append(batches, spans[i:i+1])
			}
			for b, part := range batches {
				ids := idRemap{round: uint64(round*1000 + min(b, 1))}
				in := ptrace.NewTraces()
				appendCaptured(in, part, ids, "")
				want := viaBytes(t, bytesCore, in)
				got := gp.enrichBatch(context.Background(), in, false)
				require.Equal(t, canonical(want), canonical(got), "%s batch %d (%s)", file, b, config)
			}
		}
	}
}
