package last9genaiprocessor

import (
	"context"
	"encoding/binary"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
)

// benchBatch is 100 traces x 10 spans, the shape of the Rust bench (benches/enrich.rs): with genai, each trace is
// a conversation turn with three LLM calls and a tool; without, HTTP/DB spans only.
func benchBatch(genai bool, round uint64) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "bench")
	ss := rs.ScopeSpans().AppendEmpty()
	for t := 0; t < 100; t++ {
		var tid pcommon.TraceID
		binary.BigEndian.PutUint64(tid[:8], round+1)
		binary.BigEndian.PutUint64(tid[8:], uint64(t+1))
		for n := 0; n < 10; n++ {
			s := ss.Spans().AppendEmpty()
			s.SetTraceID(tid)
			s.SetSpanID(pcommon.SpanID{0xb2, 7: byte(n + 1)})
			if n > 0 {
				s.SetParentSpanID(pcommon.SpanID{0xb2, 7: 1})
			}
			s.SetName("span")
			a := s.Attributes()
			switch {
			case genai && n == 0:
				a.PutStr("gen_ai.conversation.id", "conv")
			case genai && n <= 3:
				for k, v := range chat("gpt-4o", 1200, 300) {
					_ = a.PutEmpty(k).FromRaw(v)
				}
			case genai && n == 4:
				a.PutStr("gen_ai.operation.name", "execute_tool")
			default:
				a.PutStr("http.request.method", "POST")
				a.PutStr("url.full", "https://api.example.com/v1/orders/12345?expand=items")
				a.PutInt("http.response.status_code", 200)
				a.PutStr("db.statement", "SELECT id, status FROM orders WHERE id = $1")
			}
		}
	}
	return td
}

// BenchmarkProcessTraces measures the whole processor: ptrace -> OTLP bytes -> Rust core -> ptrace.
// Run: make bench-go (or: cd go-shim && go test -run '^$' -bench ProcessTraces ./last9genaiprocessor)
func BenchmarkProcessTraces(b *testing.B) {
	for _, tc := range []struct {
		name  string
		genai bool
	}{{"genai_mix", true}, {"no_genai", false}} {
		b.Run(tc.name, func(b *testing.B) {
			set := processortest.NewNopSettings(metadata.Type)
			c, err := newCore([]byte(`{"max_traces": 20000}`))
			if err != nil {
				b.Fatal(err)
			}
			gp, err := newGenaiProcessor(set.ID, set.TelemetrySettings, c, nil, consumertest.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = gp.shutdown(context.Background()) }()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// A fresh batch with fresh trace ids each time (a real stream never repeats a trace), built
				// outside the timer.
				b.StopTimer()
				td := benchBatch(tc.genai, uint64(i))
				b.StartTimer()
				if _, err := gp.processTraces(context.Background(), td); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "spans/s")
		})
	}
}
