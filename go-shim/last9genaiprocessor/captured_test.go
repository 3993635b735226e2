package last9genaiprocessor

// Spans real instrumentation libraries emitted (tests/e2e/captured), as ptrace data: the inputs of the tests that
// compare the shim's patch path with the core's OTLP bytes path, and of the benchmark.

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

type capturedValue struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

type capturedSpan struct {
	Name       string `json:"name"`
	TraceID    string `json:"trace_id"`
	SpanID     string `json:"span_id"`
	ParentID   string `json:"parent_span_id"`
	Kind       string `json:"kind"`
	Scope      struct{ Name, Version string }
	Start      uint64                   `json:"start_time_unix_nano"`
	End        uint64                   `json:"end_time_unix_nano"`
	Attributes map[string]capturedValue `json:"attributes"`
	Resource   map[string]capturedValue `json:"resource"`
	// Event names only: the captures record no event attributes.
	Events []string `json:"events"`
}

// capturedFiles are every capture, in a stable order.
func capturedFiles(t testing.TB) []string {
	dir := filepath.Join("..", "..", "tests", "e2e", "captured")
	var files []string
	for _, d := range []string{dir, filepath.Join(dir, "extra")} {
		m, err := filepath.Glob(filepath.Join(d, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no captures found")
	}
	return files
}

func loadCaptured(t testing.TB, file string) []capturedSpan {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Spans []capturedSpan `json:"spans"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return doc.Spans
}

func setCaptured(v pcommon.Value, c capturedValue) {
	switch {
	case c.Type == "string":
		var s string
		_ = json.Unmarshal(c.Value, &s)
		v.SetStr(s)
	case c.Type == "int":
		var i int64
		_ = json.Unmarshal(c.Value, &i)
		v.SetInt(i)
	case c.Type == "double":
		var d float64
		_ = json.Unmarshal(c.Value, &d)
		v.SetDouble(d)
	case c.Type == "bool":
		var b bool
		_ = json.Unmarshal(c.Value, &b)
		v.SetBool(b)
	case strings.HasPrefix(c.Type, "array<"):
		inner := strings.TrimSuffix(strings.TrimPrefix(c.Type, "array<"), ">")
		var items []json.RawMessage
		_ = json.Unmarshal(c.Value, &items)
		s := v.SetEmptySlice()
		for _, it := range items {
			setCaptured(s.AppendEmpty(), capturedValue{Type: inner, Value: it})
		}
	}
}

func putCaptured(m pcommon.Map, attrs map[string]capturedValue) {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		setCaptured(m.PutEmpty(k), attrs[k])
	}
}

// idRemap gives each captured id a fresh one derived from `round`, so replays never repeat a trace or span.
type idRemap struct{ round uint64 }

func (r idRemap) trace(h string) pcommon.TraceID {
	var id pcommon.TraceID
	b, _ := hex.DecodeString(h)
	copy(id[:], b)
	binary.BigEndian.PutUint64(id[:8], binary.BigEndian.Uint64(id[:8])^(r.round*0x9e3779b97f4a7c15+1))
	return id
}

func (r idRemap) span(h string) pcommon.SpanID {
	var id pcommon.SpanID
	if h == "" {
		return id
	}
	b, _ := hex.DecodeString(h)
	copy(id[:], b)
	binary.BigEndian.PutUint64(id[:], binary.BigEndian.Uint64(id[:])^(r.round*0xc2b2ae3d27d4eb4f+1))
	return id
}

// appendCaptured adds the spans to td, one ResourceSpans and ScopeSpans per span as SDK exporters group them
// when resources and scopes differ; `conv` renames every conversation id (empty: kept as captured).
func appendCaptured(td ptrace.Traces, spans []capturedSpan, ids idRemap, conv string) {
	for _, c := range spans {
		rs := td.ResourceSpans().AppendEmpty()
		putCaptured(rs.Resource().Attributes(), c.Resource)
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName(c.Scope.Name)
		ss.Scope().SetVersion(c.Scope.Version)
		s := ss.Spans().AppendEmpty()
		s.SetName(c.Name)
		s.SetTraceID(ids.trace(c.TraceID))
		s.SetSpanID(ids.span(c.SpanID))
		s.SetParentSpanID(ids.span(c.ParentID))
		s.SetStartTimestamp(pcommon.Timestamp(c.Start))
		s.SetEndTimestamp(pcommon.Timestamp(c.End))
		putCaptured(s.Attributes(), c.Attributes)
		if conv != "" {
			for _, k := range []string{"gen_ai.conversation.id", "session.id", "langfuse.session.id",
				"traceloop.association.properties.session_id", "gen_ai.session.id", "ai.telemetry.metadata.sessionId"} {
				if v, ok := s.Attributes().Get(k); ok {
					v.SetStr(conv)
				}
			}
		}
		for _, e := range c.Events {
			s.Events().AppendEmpty().SetName(e)
		}
	}
}
