package traffic

// genai mode: requests made of replayed captures, each replay with fresh trace/span ids, times ending now and fresh
// conversation ids. One replay of a capture file is one conversation (its traces are the turns, usually 2-5), so a
// ~1,000-span request holds ~100 conversations, each new to the processor under test.

import (
	"encoding/hex"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

type Genai struct {
	files []*CapFile
	next  int // the file replayed next (round-robin)
	rng   *rand.Rand
	ids   []pcommon.SpanID // scratch: one trace's new span ids
	conv  []string         // scratch: one replay's new conversation values
	// Per request: the ScopeSpans of each (file, resource, scope), so spans group by resource+scope as OTLP does.
	groups map[groupKey]ptrace.SpanSlice
}

type groupKey struct{ file, resource, scope int }

func NewGenai(files []*CapFile, start int, seed uint64) *Genai {
	return &Genai{files: files, next: start % len(files), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		groups: map[groupKey]ptrace.SpanSlice{}}
}

// build returns a request of at least target spans (whole replays), and how many conversations and traces it holds.
func (g *Genai) Build(target int) (td ptrace.Traces, spans, traces, conversations int) {
	td = ptrace.NewTraces()
	clear(g.groups)
	resSpans := map[[2]int]ptrace.ResourceSpans{}
	for spans < target {
		fi := g.next
		f := g.files[fi]
		g.next = (g.next + 1) % len(g.files)
		shift := time.Now().UnixNano()
		g.conv = g.conv[:0]
		for range f.convValues {
			g.conv = append(g.conv, g.newConversationID())
		}
		if f.convValues > 0 {
			conversations++
		}
		for ti := range f.traces {
			tr := &f.traces[ti]
			traceID := g.newTraceID()
			g.ids = g.ids[:0]
			for range tr.ids {
				g.ids = append(g.ids, g.newSpanID())
			}
			for si := range tr.spans {
				t := &tr.spans[si]
				key := groupKey{fi, t.resource, t.scope}
				dst, ok := g.groups[key]
				if !ok {
					rs, ok := resSpans[[2]int{fi, t.resource}]
					if !ok {
						rs = td.ResourceSpans().AppendEmpty()
						f.resources[t.resource].CopyTo(rs.Resource())
						resSpans[[2]int{fi, t.resource}] = rs
					}
					ss := rs.ScopeSpans().AppendEmpty()
					f.scopes[t.scope].CopyTo(ss.Scope())
					dst = ss.Spans()
					g.groups[key] = dst
				}
				s := dst.AppendEmpty()
				t.span.CopyTo(s)
				s.SetTraceID(traceID)
				s.SetSpanID(g.ids[t.self])
				if t.parent >= 0 {
					s.SetParentSpanID(g.ids[t.parent])
				}
				s.SetStartTimestamp(pcommon.Timestamp(shift - t.startOff))
				s.SetEndTimestamp(pcommon.Timestamp(shift - t.endOff))
				for ei, off := range t.eventOffs {
					s.Events().At(ei).SetTimestamp(pcommon.Timestamp(shift - off))
				}
				for _, c := range t.conv {
					s.Attributes().PutStr(c.key, g.conv[c.value])
				}
				spans++
			}
			traces++
		}
	}
	return td, spans, traces, conversations
}

func (g *Genai) newTraceID() pcommon.TraceID {
	var id pcommon.TraceID
	putUint64(id[:8], g.rng.Uint64())
	putUint64(id[8:], g.rng.Uint64()|1) // never all-zero (invalid in OTLP)
	return id
}

func (g *Genai) newSpanID() pcommon.SpanID {
	var id pcommon.SpanID
	putUint64(id[:], g.rng.Uint64()|1)
	return id
}

func (g *Genai) newConversationID() string {
	var b [8]byte
	putUint64(b[:], g.rng.Uint64())
	return "bench-conv-" + hex.EncodeToString(b[:])
}

func putUint64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
}
