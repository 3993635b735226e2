package last9genaiprocessor

import (
	"encoding/binary"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Span records: what the core reads of a batch (format in src/records/mod.rs). Only the span fields the core
// uses and the attributes whose key is in its key list are copied; prompts, completions and every other
// attribute stay where they are.
const (
	recordsVersion = 1
	flagMayHold    = 1
	hostTraceHeld  = 1
	recordHeader   = 12
	maxU16         = 1<<16 - 1
)

// spanRecords builds one request and keeps the span handles in record order: patches name spans by position.
type spanRecords struct {
	buf    []byte
	spans  []ptrace.Span
	flagAt []int
}

func (r *spanRecords) reset() {
	r.buf = append(r.buf[:0], make([]byte, recordHeader)...)
	binary.LittleEndian.PutUint32(r.buf, recordsVersion)
	clear(r.spans)
	r.spans = r.spans[:0]
	r.flagAt = r.flagAt[:0]
}

func (r *spanRecords) addTraces(td ptrace.Traces, keys *keyTable) {
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				r.addSpan(spans.At(k), keys)
			}
		}
	}
}

func (r *spanRecords) addSpan(s ptrace.Span, keys *keyTable) {
	b := r.buf
	tid, sid, pid := s.TraceID(), s.SpanID(), s.ParentSpanID()
	b = append(b, tid[:]...)
	b = append(b, sid[:]...)
	b = append(b, pid[:]...)
	b = binary.LittleEndian.AppendUint64(b, uint64(s.StartTimestamp()))
	b = binary.LittleEndian.AppendUint64(b, uint64(s.EndTimestamp()))
	b = binary.LittleEndian.AppendUint32(b, s.Flags())
	r.flagAt = append(r.flagAt, len(b))
	b = append(b, 0)
	name := s.Name()
	if len(name) > maxU16 {
		name = "" // a name this long is no name the core matches
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
	b = append(b, name...)
	countAt := len(b)
	b = append(b, 0, 0)
	n := 0
	s.Attributes().Range(func(k string, v pcommon.Value) bool {
		idx, ok := keys.lookup(k)
		if !ok {
			return true
		}
		if n == maxU16 {
			return false
		}
		at := len(b)
		b = binary.LittleEndian.AppendUint16(b, idx)
		b = append(b, 0, 0, 0, 0)
		var err error
		if b, err = appendAnyValue(b, v, 0); err != nil {
			b = b[:at] // not forwarded: the core then leaves this attribute alone
			return true
		}
		binary.LittleEndian.PutUint32(b[at+2:], uint32(len(b)-at-6))
		n++
		return true
	})
	binary.LittleEndian.PutUint16(b[countAt:], uint16(n))
	r.buf = b
	r.spans = append(r.spans, s)
}

// markHeld sets the host flag of record i: the shim holds other spans of its trace.
func (r *spanRecords) markHeld(i int) { r.buf[r.flagAt[i]] |= hostTraceHeld }

// request finishes the header and returns the request bytes.
func (r *spanRecords) request(mayHold bool) []byte {
	flags := uint32(0)
	if mayHold {
		flags = flagMayHold
	}
	binary.LittleEndian.PutUint32(r.buf[4:], flags)
	binary.LittleEndian.PutUint32(r.buf[8:], uint32(len(r.spans)))
	return r.buf
}
