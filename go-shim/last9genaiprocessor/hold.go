package last9genaiprocessor

import (
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// holdBuffer keeps the spans of GenAI traces whose root has not arrived yet: SDKs export children before their
// parents, and the root usually carries the conversation and workflow ids every span should get. Only spans the
// core asks to hold wait here; everything else flows on at once. A trace leaves when its root arrives (merged
// into the root's batch), when it has waited `timeout`, or at shutdown; nothing is ever dropped here. The
// buffer is bounded by spans and estimated bytes: when full, the core is told not to ask for more.
type holdBuffer struct {
	timeout  time.Duration
	maxSpans int
	maxBytes int

	mu     sync.Mutex
	traces map[pcommon.TraceID]*heldTrace
	// In arrival order, so deadlines are in order too; an entry taken by its root is skipped when reached.
	queue []*heldTrace
	spans int
	bytes int
	// closed once shutdown has drained the buffer: nothing may wait after that.
	closed bool
}

type heldTrace struct {
	id       pcommon.TraceID
	td       ptrace.Traces
	spans    int
	bytes    int
	deadline time.Time
	taken    bool
	// enriched: spans refused downstream after enrichment, waiting to be offered again (not in `traces`: no root
	// is awaited).
	enriched bool
}

func newHoldBuffer(timeout time.Duration, maxSpans, maxBytes int) *holdBuffer {
	return &holdBuffer{timeout: timeout, maxSpans: maxSpans, maxBytes: maxBytes,
		traces: make(map[pcommon.TraceID]*heldTrace)}
}

// hasRoom says whether the core may ask for more spans to be held.
func (h *holdBuffer) hasRoom() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.spans < h.maxSpans && h.bytes < h.maxBytes
}

func (h *holdBuffer) counts() (spans, bytes int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.spans, h.bytes
}

func isLocalRoot(s ptrace.Span) bool {
	const remote = 0x100 | 0x200 // SpanFlags: the sender knows the parent is remote, and it is
	return s.ParentSpanID().IsEmpty() || s.Flags()&remote == remote
}

// claim looks at a batch's records: a span whose trace is held is marked so (the core then holds it too, unless
// its root is in the batch), and a held trace whose root is in the batch is taken out, to be merged into it.
func (h *holdBuffer) claim(r *spanRecords) []*heldTrace {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.traces) == 0 {
		return nil
	}
	var taken []*heldTrace
	var last pcommon.TraceID
	var held *heldTrace
	for i, s := range r.spans {
		if tid := s.TraceID(); i == 0 || tid != last {
			last, held = tid, h.traces[tid]
		}
		if held == nil {
			continue
		}
		r.markHeld(i)
		if isLocalRoot(s) && !held.taken {
			held.taken = true
			h.forget(held)
			taken = append(taken, held)
		}
	}
	return taken
}

func (h *holdBuffer) forget(t *heldTrace) {
	if !t.enriched {
		delete(h.traces, t.id)
	}
	h.spans -= t.spans
	h.bytes -= t.bytes
}

// keep moves the spans at the given record positions out of td into the buffer, each under a copy of its
// resource and scope, and drops the scopes and resources it emptied. After shutdown it keeps nothing and says
// so: the spans then go on as they are.
func (h *holdBuffer) keep(td ptrace.Traces, positions []int, now time.Time) bool {
	hold := make(map[int]bool, len(positions))
	for _, p := range positions {
		hold[p] = true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	i := 0
	rss := td.ResourceSpans()
	rss.RemoveIf(func(rs ptrace.ResourceSpans) bool {
		emptied := false
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			if ss.Spans().Len() == 0 {
				return false // empty as it came: passed on as it came
			}
			dests := map[*heldTrace]ptrace.SpanSlice{}
			ss.Spans().RemoveIf(func(s ptrace.Span) bool {
				here := i
				i++
				if !hold[here] {
					return false
				}
				t := h.trace(s.TraceID(), now)
				dst, ok := dests[t]
				if !ok {
					dst = t.mirror(rs, ss)
					dests[t] = dst
				}
				size := estimateSpanBytes(s)
				s.MoveTo(dst.AppendEmpty())
				t.spans++
				t.bytes += size
				h.spans++
				h.bytes += size
				return true
			})
			if ss.Spans().Len() == 0 {
				emptied = true
				return true
			}
			return false
		})
		return emptied && rs.ScopeSpans().Len() == 0
	})
	return true
}

func (h *holdBuffer) trace(id pcommon.TraceID, now time.Time) *heldTrace {
	if t, ok := h.traces[id]; ok {
		return t
	}
	t := &heldTrace{id: id, td: ptrace.NewTraces(), deadline: now.Add(h.timeout)}
	h.traces[id] = t
	h.queue = append(h.queue, t)
	return t
}

// mirror adds a copy of rs's resource and ss's scope to the held trace and returns where its spans go.
func (t *heldTrace) mirror(rs ptrace.ResourceSpans, ss ptrace.ScopeSpans) ptrace.SpanSlice {
	drs := t.td.ResourceSpans().AppendEmpty()
	rs.Resource().CopyTo(drs.Resource())
	drs.SetSchemaUrl(rs.SchemaUrl())
	dss := drs.ScopeSpans().AppendEmpty()
	ss.Scope().CopyTo(dss.Scope())
	dss.SetSchemaUrl(ss.SchemaUrl())
	size := estimateMapBytes(rs.Resource().Attributes()) + estimateMapBytes(ss.Scope().Attributes()) + 64
	t.bytes += size
	return dss.Spans()
}

// retry keeps enriched spans the next consumer refused, to be offered again after `timeout` (in deadline order
// with everything else). They count against the bounds, so while they wait fewer new spans are held. After
// shutdown it keeps nothing and says so.
func (h *holdBuffer) retry(td ptrace.Traces, spans, bytes int, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.queue = append(h.queue, &heldTrace{td: td, spans: spans, bytes: bytes, deadline: now.Add(h.timeout), enriched: true})
	h.spans += spans
	h.bytes += bytes
	return true
}

// drain closes the buffer and takes everything in it.
func (h *holdBuffer) drain() []*heldTrace {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	return h.expired(time.Time{}, true)
}

// expired takes the traces whose wait is over (all of them when `all`).
func (h *holdBuffer) expired(now time.Time, all bool) []*heldTrace {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*heldTrace
	n := 0
	for _, t := range h.queue {
		if !all && t.deadline.After(now) {
			break
		}
		n++
		if t.taken {
			continue
		}
		t.taken = true
		h.forget(t)
		out = append(out, t)
	}
	h.queue = h.queue[n:]
	return out
}

// estimateSpanBytes approximates what a span holds in memory: its strings and fixed fields.
func estimateSpanBytes(s ptrace.Span) int {
	n := 200 + len(s.Name()) + len(s.TraceState().AsRaw()) + estimateMapBytes(s.Attributes())
	for _, e := range s.Events().All() {
		n += 64 + len(e.Name()) + estimateMapBytes(e.Attributes())
	}
	for _, l := range s.Links().All() {
		n += 64 + len(l.TraceState().AsRaw()) + estimateMapBytes(l.Attributes())
	}
	return n
}

func estimateMapBytes(m pcommon.Map) int {
	n := 0
	for k, v := range m.All() {
		n += 48 + len(k) + estimateValueBytes(v)
	}
	return n
}

func estimateValueBytes(v pcommon.Value) int {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return len(v.Str())
	case pcommon.ValueTypeBytes:
		return v.Bytes().Len()
	case pcommon.ValueTypeMap:
		return estimateMapBytes(v.Map())
	case pcommon.ValueTypeSlice:
		n := 0
		for _, e := range v.Slice().All() {
			n += 32 + estimateValueBytes(e)
		}
		return n
	}
	return 8
}
