package main

// Checks that replays keep each capture's structure (parents inside their trace, conversation keys shared as
// captured) while everything that identifies a trace, span or conversation is fresh; and what a request costs the
// loadgen to build and the sink to count, so the loadgen's CPU share (results.json) can be judged.

import (
	"github.com/last9/last9_genai/benches/load/loadgen/traffic"

	"context"
	"math/rand/v2"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

var captureDirs = []string{"../../../tests/e2e/captured", "../../../tests/e2e/captured/extra"}

func allSpans(td ptrace.Traces, f func(ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			for k := range sss.At(j).Spans().Len() {
				f(sss.At(j).Spans().At(k))
			}
		}
	}
}

func TestGenaiReplaysAreFreshAndConsistent(t *testing.T) {
	files, err := traffic.LoadCaptures(captureDirs)
	if err != nil {
		t.Fatal(err)
	}
	g := traffic.NewGenai(files, 0, 42)
	seenTrace := map[pcommon.TraceID]bool{}
	seenConv := map[string]bool{}
	for range 2 {
		td, n, traces, convs := g.Build(1000)
		if n < 1000 || n != td.SpanCount() || traces == 0 || convs == 0 {
			t.Fatalf("spans %d (SpanCount %d), traces %d, conversations %d", n, td.SpanCount(), traces, convs)
		}
		ids := map[pcommon.TraceID]map[pcommon.SpanID]bool{}
		allSpans(td, func(s ptrace.Span) {
			if ids[s.TraceID()] == nil {
				ids[s.TraceID()] = map[pcommon.SpanID]bool{}
			}
			ids[s.TraceID()][s.SpanID()] = true
		})
		for id := range ids {
			if seenTrace[id] {
				t.Fatalf("trace id %s reused across requests", id)
			}
			seenTrace[id] = true
		}
		convHere := map[string]bool{}
		allSpans(td, func(s ptrace.Span) {
			if p := s.ParentSpanID(); !p.IsEmpty() && !ids[s.TraceID()][p] {
				t.Errorf("span %q: parent %s not in its trace", s.Name(), p)
			}
			s.Attributes().Range(func(k string, v pcommon.Value) bool {
				if traffic.ConversationKeys[k] {
					if seenConv[v.Str()] {
						t.Errorf("conversation %s reused across requests", v.Str())
					}
					convHere[v.Str()] = true
				}
				return true
			})
		})
		for c := range convHere {
			seenConv[c] = true
		}
		if len(convHere) < 50 {
			t.Errorf("only %d distinct conversations in a request", len(convHere))
		}
	}
}

func BenchmarkBuildAndMarshal(b *testing.B) {
	files, err := traffic.LoadCaptures(captureDirs)
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"genai", "plain"} {
		b.Run(mode, func(b *testing.B) {
			gg, pg := traffic.NewGenai(files, 0, 1), traffic.NewPlain(1)
			spans := 0
			for b.Loop() {
				var td ptrace.Traces
				var n int
				if mode == "genai" {
					td, n, _, _ = gg.Build(1000)
				} else {
					td, n, _ = pg.Build(1000)
				}
				if _, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto(); err != nil {
					b.Fatal(err)
				}
				spans += n
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(spans), "ns/span")
		})
	}
}

func BenchmarkSinkUnmarshalAndCount(b *testing.B) {
	files, err := traffic.LoadCaptures(captureDirs)
	if err != nil {
		b.Fatal(err)
	}
	td, n, _, _ := traffic.NewGenai(files, 0, 1).Build(8192)
	raw, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	s := &sink{checkAttr: "gen_ai.usage.cost_usd"}
	for b.Loop() {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(raw); err != nil {
			b.Fatal(err)
		}
		_, _ = s.Export(context.Background(), req)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/span")
}

// A re-keyed pooled request must be a valid request with all-new ids, links intact, conversations renamed
// consistently, times near now, and the span-id sum the sender reports.
func TestRekeyKeepsStructureAndRenamesEverything(t *testing.T) {
	files, err := traffic.LoadCaptures(captureDirs)
	if err != nil {
		t.Fatal(err)
	}
	g := traffic.NewGenai(files, 0, 7)
	pool, err := newPool(func(n int) (ptrace.Traces, int) { td, s, _, _ := g.Build(n); return td, s }, 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	p := pool[0]
	if len(p.sites.convHex) == 0 || len(p.sites.parentIDs) == 0 {
		t.Fatalf("scan found %d conversation ids, %d parents", len(p.sites.convHex), len(p.sites.parentIDs))
	}
	decode := func() ptrace.Traces {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(p.buf); err != nil {
			t.Fatal(err)
		}
		return req.Traces()
	}
	view := func(td ptrace.Traces) (ids map[pcommon.SpanID]bool, convs map[string]bool, sum uint64, minStart int64) {
		ids, convs, minStart = map[pcommon.SpanID]bool{}, map[string]bool{}, 1<<62
		allSpans(td, func(s ptrace.Span) {
			ids[s.SpanID()] = true
			minStart = min(minStart, int64(s.StartTimestamp()))
			s.Attributes().Range(func(k string, v pcommon.Value) bool {
				if traffic.ConversationKeys[k] {
					convs[v.Str()] = true
				}
				return true
			})
		})
		return ids, convs, spanIDSum(td), minStart
	}
	beforeIDs, beforeConvs, _, _ := view(decode())
	sum := p.rekey(rand.New(rand.NewPCG(1, 2)))
	td := decode()
	afterIDs, afterConvs, afterSum, minStart := view(td)
	if sum != afterSum {
		t.Errorf("rekey reported span-id sum %x, the request has %x", sum, afterSum)
	}
	for id := range afterIDs {
		if beforeIDs[id] {
			t.Fatalf("span id %s survived the rekey", id)
		}
	}
	for c := range afterConvs {
		if beforeConvs[c] {
			t.Fatalf("conversation %s survived the rekey", c)
		}
	}
	if len(afterConvs) != len(beforeConvs) {
		t.Errorf("%d distinct conversations before, %d after", len(beforeConvs), len(afterConvs))
	}
	allSpans(td, func(s ptrace.Span) {
		if p := s.ParentSpanID(); !p.IsEmpty() && !afterIDs[p] {
			t.Errorf("span %q: parent %s lost by the rekey", s.Name(), p)
		}
	})
	if age := time.Now().UnixNano() - minStart; age < 0 || age > int64(time.Hour) {
		t.Errorf("oldest span starts %s before now", time.Duration(age))
	}
	n, _, idSum, err := countSpans(p.buf, "")
	if err != nil || n != int64(td.SpanCount()) || idSum != afterSum {
		t.Errorf("countSpans: %d spans, sum %x, err %v; want %d, %x", n, idSum, err, td.SpanCount(), afterSum)
	}
}

func BenchmarkRawRekeyAndCount(b *testing.B) {
	files, err := traffic.LoadCaptures(captureDirs)
	if err != nil {
		b.Fatal(err)
	}
	g := traffic.NewGenai(files, 0, 1)
	pool, err := newPool(func(n int) (ptrace.Traces, int) { td, s, _, _ := g.Build(n); return td, s }, 1, 8192)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		pool[0].rekey(rng)
		if _, _, _, err := countSpans(pool[0].buf, "gen_ai.usage.cost_usd"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*pool[0].sites.spans), "ns/span")
}

func BenchmarkRawCountOnly(b *testing.B) {
	files, _ := traffic.LoadCaptures(captureDirs)
	g := traffic.NewGenai(files, 0, 1)
	pool, _ := newPool(func(n int) (ptrace.Traces, int) { td, s, _, _ := g.Build(n); return td, s }, 1, 8192)
	for b.Loop() {
		_, _, _, _ = countSpans(pool[0].buf, "gen_ai.usage.cost_usd")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*pool[0].sites.spans), "ns/span")
}
