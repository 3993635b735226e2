package last9genaiprocessor

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

const benchBatchSpans = 1000

// genaiBench replays the captured spans of real instrumentation libraries round-robin until a batch holds about
// 1,000 spans, with fresh trace and span ids every batch and a new conversation every three captures.
type genaiBench struct {
	captures [][]capturedSpan
	next     int
}

func (g *genaiBench) batch(round uint64) ptrace.Traces {
	td := ptrace.NewTraces()
	for td.SpanCount() < benchBatchSpans {
		n := g.next
		g.next++
		spans := g.captures[n%len(g.captures)]
		appendCaptured(td, spans, idRemap{round: round*100_000 + uint64(n)}, fmt.Sprintf("conv-%d", n/3))
	}
	return td
}

// plainBatch is HTTP, DB and cache spans of a web service, three per trace, nothing for us.
func plainBatch(round uint64) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "orders")
	rs.Resource().Attributes().PutStr("telemetry.sdk.language", "python")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("opentelemetry.instrumentation.fastapi")
	for t := range benchBatchSpans / 3 {
		var tid pcommon.TraceID
		binary.BigEndian.PutUint64(tid[:8], round+1)
		binary.BigEndian.PutUint64(tid[8:], uint64(t+1))
		for n := range 3 {
			s := ss.Spans().AppendEmpty()
			s.SetTraceID(tid)
			s.SetSpanID(pcommon.SpanID{0xb2, 6: byte(t), 7: byte(n + 1)})
			a := s.Attributes()
			switch n {
			case 0:
				s.SetName("POST /v1/orders")
				a.PutStr("http.request.method", "POST")
				a.PutStr("url.full", "https://api.example.com/v1/orders/12345?expand=items")
				a.PutStr("http.route", "/v1/orders/{id}")
				a.PutInt("http.response.status_code", 200)
				a.PutStr("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36")
				a.PutStr("session.id", fmt.Sprintf("web-%d", t))
			case 1:
				s.SetParentSpanID(pcommon.SpanID{0xb2, 6: byte(t), 7: 1})
				s.SetName("SELECT orders")
				a.PutStr("db.system", "postgresql")
				a.PutStr("db.query.text", "SELECT id, status, total FROM orders WHERE id = $1 AND tenant = $2")
				a.PutStr("server.address", "db.internal")
				a.PutInt("server.port", 5432)
			default:
				s.SetParentSpanID(pcommon.SpanID{0xb2, 6: byte(t), 7: 1})
				s.SetName("GET")
				a.PutStr("db.system", "redis")
				a.PutStr("db.operation.name", "GET")
				a.PutStr("server.address", "cache.internal")
			}
		}
	}
	return td
}

// BenchmarkProcessTraces measures the whole processor on batches like a collector sees them: span records to the
// core and attributes put back on the pdata spans. BenchmarkBytesPath is the same batches through the OTLP bytes
// interface (marshal, enrich, unmarshal), what the shim did before. Run: make bench
func BenchmarkProcessTraces(b *testing.B) { benchPaths(b, false) }
func BenchmarkBytesPath(b *testing.B)     { benchPaths(b, true) }

func benchPaths(b *testing.B, viaBytes bool) {
	g := &genaiBench{}
	for _, f := range capturedFiles(b) {
		g.captures = append(g.captures, loadCaptured(b, f))
	}
	for _, tc := range []struct {
		name  string
		batch func(uint64) ptrace.Traces
	}{{"genai_captured", g.batch}, {"plain", plainBatch}} {
		b.Run(tc.name, func(b *testing.B) {
			gp := benchProcessor(b)
			defer func() { _ = gp.shutdown(context.Background()) }()
			spans := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// A fresh batch every time (enrichment writes into it), built outside the timer.
				b.StopTimer()
				td := tc.batch(uint64(i))
				spans += td.SpanCount()
				b.StartTimer()
				if viaBytes {
					in, _ := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
					out, err := gp.core.(*core).enrich(in)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(out); err != nil {
						b.Fatal(err)
					}
				} else if _, err := gp.processTraces(context.Background(), td); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(spans)/b.Elapsed().Seconds(), "spans/s")
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(spans), "ns/span")
		})
	}
}

// BenchmarkCollectorPath is what a collector does with each request, without the network: unmarshal the OTLP
// request, run the processor (or nothing: passthrough), marshal for the exporter. The ratio of the two is the
// processor's share of a collector's CPU, close to what make bench-load measures end to end.
func BenchmarkCollectorPath(b *testing.B) {
	g := &genaiBench{}
	for _, f := range capturedFiles(b) {
		g.captures = append(g.captures, loadCaptured(b, f))
	}
	for _, tc := range []struct {
		name  string
		batch func(uint64) ptrace.Traces
	}{{"genai_captured", g.batch}, {"plain", plainBatch}} {
		// Pre-marshalled requests with distinct ids; reused round-robin (ids repeat only after many batches).
		var reqs [][]byte
		spans := 0
		for i := range 64 {
			td := tc.batch(uint64(i))
			spans = td.SpanCount()
			raw, _ := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
			reqs = append(reqs, raw)
		}
		for _, withProcessor := range []bool{false, true} {
			name := tc.name + "/passthrough"
			if withProcessor {
				name = tc.name + "/last9_genai"
			}
			b.Run(name, func(b *testing.B) {
				gp := benchProcessor(b)
				defer func() { _ = gp.shutdown(context.Background()) }()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(reqs[i%len(reqs)])
					if err != nil {
						b.Fatal(err)
					}
					if withProcessor {
						td, _ = gp.processTraces(context.Background(), td)
					}
					if _, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(spans*b.N), "ns/span")
			})
		}
	}
}

// BenchmarkOneTraceBatches is the processor behind groupbytrace (or any exporter of single traces): every batch
// one captured trace of a few spans, so per-call costs dominate.
func BenchmarkOneTraceBatches(b *testing.B) {
	var traces [][]capturedSpan
	for _, f := range capturedFiles(b) {
		spans := loadCaptured(b, f)
		byTrace := map[string][]capturedSpan{}
		var order []string
		for _, s := range spans {
			if _, ok := byTrace[s.TraceID]; !ok {
				order = append(order, s.TraceID)
			}
			byTrace[s.TraceID] = append(byTrace[s.TraceID], s)
		}
		for _, t := range order {
			traces = append(traces, byTrace[t])
		}
	}
	gp := benchProcessor(b)
	defer func() { _ = gp.shutdown(context.Background()) }()
	spans := 0
	// Only the processor's calls are timed (each batch is built just before): StopTimer per iteration costs
	// more than a small call.
	var inCalls time.Duration
	for i := 0; i < b.N; i++ {
		td := ptrace.NewTraces()
		appendCaptured(td, traces[i%len(traces)], idRemap{round: uint64(i)}, fmt.Sprintf("conv-%d", i/3))
		spans += td.SpanCount()
		t0 := time.Now()
		if _, err := gp.processTraces(context.Background(), td); err != nil {
			b.Fatal(err)
		}
		inCalls += time.Since(t0)
	}
	b.ReportMetric(float64(inCalls.Nanoseconds())/float64(spans), "ns/span")
	b.ReportMetric(float64(inCalls.Nanoseconds())/float64(b.N), "ns/call")
}

// benchProcessor is a processor on the real core with default configuration, no waiting, and a nop next consumer.
func benchProcessor(b *testing.B) *genaiProcessor {
	b.Helper()
	c, err := newCore([]byte(`{}`))
	if err != nil {
		b.Fatal(err)
	}
	gp, err := newGenaiProcessor(component.MustNewID("last9_genai"), componenttest.NewNopTelemetrySettings(),
		c, nil, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	return gp
}
