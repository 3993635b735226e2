package traffic

// Loading tests/e2e/captured/**/*.json into span templates that genai mode replays.
//
// A capture file is one scenario of one instrumentation library: a few traces (turns) that usually share one or two
// conversation ids. Each span becomes a pdata template, built once; a replay copies the template and then overwrites
// only what must be fresh (ids, times, conversation ids), so building a request costs a memcpy-like CopyTo per span
// instead of re-parsing attributes.

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// ConversationKeys are the attributes that name a conversation or session in the libraries captured. Replays give
// each of them a new value per conversation, so the processor under test sees new conversations, as in production,
// instead of one ever-growing conversation per capture file.
var ConversationKeys = map[string]bool{
	"gen_ai.conversation.id":                      true,
	"session.id":                                  true,
	"langfuse.session.id":                         true,
	"traceloop.association.properties.session_id": true,
	"gen_ai.session.id":                           true,
	"ai.telemetry.metadata.sessionId":             true,
}

type jsonValue struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

type jsonSpan struct {
	Name         string `json:"name"`
	TraceID      string `json:"trace_id"`
	SpanID       string `json:"span_id"`
	ParentSpanID string `json:"parent_span_id"`
	Kind         string `json:"kind"`
	Scope        struct{ Name, Version string }
	Start        int64                `json:"start_time_unix_nano"`
	End          int64                `json:"end_time_unix_nano"`
	Status       json.RawMessage      `json:"status"`
	Attributes   map[string]jsonValue `json:"attributes"`
	Events       []json.RawMessage    `json:"events"`
	Resource     map[string]jsonValue `json:"resource"`
}

// convAttr is one conversation attribute of a template span: its key and which of the file's distinct original
// values it held (two keys with the same original value keep sharing their new value).
type convAttr struct {
	key   string
	value int
}

type tmplSpan struct {
	span      ptrace.Span // name, kind, status, attributes, events; ids and times are overwritten per replay
	self      int         // index into capTrace.ids
	parent    int         // index into capTrace.ids, -1 for a root
	startOff  int64       // ns before the file's last end time
	endOff    int64
	eventOffs []int64
	resource  int // index into CapFile.resources
	scope     int // index into CapFile.scopes
	conv      []convAttr
}

type capTrace struct {
	spans []tmplSpan
	ids   int // distinct span ids in the trace: its spans' own, plus parents captured outside it
}

type CapFile struct {
	name       string
	traces     []capTrace
	resources  []pcommon.Resource
	scopes     []pcommon.InstrumentationScope
	convValues int // distinct original conversation values in the file
	spans      int
}

// LoadCaptures reads every *.json in dirs (not recursively) into replayable files, in name order.
func LoadCaptures(dirs []string) ([]*CapFile, error) {
	var paths []string
	for _, d := range dirs {
		m, err := filepath.Glob(filepath.Join(d, "*.json"))
		if err != nil {
			return nil, err
		}
		paths = append(paths, m...)
	}
	sort.Strings(paths)
	var files []*CapFile
	for _, p := range paths {
		f, err := loadCapture(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if f.spans > 0 {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no captured spans in %v", dirs)
	}
	return files, nil
}

func loadCapture(path string) (*CapFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Spans []jsonSpan `json:"spans"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	f := &CapFile{name: filepath.Base(path)}
	// Holder keeps every template's pdata alive (pdata objects belong to a Traces).
	holder := ptrace.NewTraces().ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	resIndex, scopeIndex, convIndex := map[string]int{}, map[string]int{}, map[string]int{}
	traceIndex := map[string]int{}
	var lastEnd int64
	for _, s := range doc.Spans {
		lastEnd = max(lastEnd, s.End, s.Start)
	}
	idIndex := []map[string]int{}
	for _, s := range doc.Spans {
		ti, ok := traceIndex[s.TraceID]
		if !ok {
			ti = len(f.traces)
			traceIndex[s.TraceID] = ti
			f.traces = append(f.traces, capTrace{})
			idIndex = append(idIndex, map[string]int{})
		}
		tr := &f.traces[ti]
		idOf := func(hex string) int {
			if i, ok := idIndex[ti][hex]; ok {
				return i
			}
			idIndex[ti][hex] = tr.ids
			tr.ids++
			return tr.ids - 1
		}
		t := tmplSpan{span: holder.AppendEmpty(), self: idOf(s.SpanID), parent: -1,
			startOff: lastEnd - s.Start, endOff: lastEnd - s.End}
		if s.ParentSpanID != "" {
			t.parent = idOf(s.ParentSpanID)
		}
		t.span.SetName(s.Name)
		t.span.SetKind(parseKind(s.Kind))
		if err := setStatus(t.span.Status(), s.Status); err != nil {
			return nil, fmt.Errorf("span %s: %w", s.Name, err)
		}
		if err := putAttributes(t.span.Attributes(), s.Attributes); err != nil {
			return nil, fmt.Errorf("span %s: %w", s.Name, err)
		}
		for _, k := range slices.Sorted(maps.Keys(s.Attributes)) {
			if !ConversationKeys[k] {
				continue
			}
			v := string(s.Attributes[k].Value)
			vi, ok := convIndex[v]
			if !ok {
				vi = len(convIndex)
				convIndex[v] = vi
			}
			t.conv = append(t.conv, convAttr{key: k, value: vi})
		}
		for _, e := range s.Events {
			off, err := addEvent(t.span.Events(), e, s.Start)
			if err != nil {
				return nil, fmt.Errorf("span %s event: %w", s.Name, err)
			}
			t.eventOffs = append(t.eventOffs, lastEnd-off)
		}
		for k := range s.Resource {
			// A conversation id on the resource would have to be fresh per replay too; none of the captures has one.
			if ConversationKeys[k] {
				return nil, fmt.Errorf("resource attribute %s: conversation ids on the resource are not replayed", k)
			}
		}
		var err error
		if t.resource, err = internResource(f, resIndex, s.Resource); err != nil {
			return nil, err
		}
		t.scope = internScope(f, scopeIndex, s.Scope.Name, s.Scope.Version)
		tr.spans = append(tr.spans, t)
		f.spans++
	}
	f.convValues = len(convIndex)
	return f, nil
}

func internResource(f *CapFile, index map[string]int, attrs map[string]jsonValue) (int, error) {
	key, _ := json.Marshal(attrs) // map keys marshal sorted: a stable identity
	if i, ok := index[string(key)]; ok {
		return i, nil
	}
	r := pcommon.NewResource()
	if err := putAttributes(r.Attributes(), attrs); err != nil {
		return 0, fmt.Errorf("resource: %w", err)
	}
	index[string(key)] = len(f.resources)
	f.resources = append(f.resources, r)
	return len(f.resources) - 1, nil
}

func internScope(f *CapFile, index map[string]int, name, version string) int {
	key := name + "\x00" + version
	if i, ok := index[key]; ok {
		return i
	}
	s := pcommon.NewInstrumentationScope()
	s.SetName(name)
	s.SetVersion(version)
	index[key] = len(f.scopes)
	f.scopes = append(f.scopes, s)
	return len(f.scopes) - 1
}

func parseKind(k string) ptrace.SpanKind {
	switch strings.TrimPrefix(strings.ToUpper(k), "SPAN_KIND_") {
	case "INTERNAL":
		return ptrace.SpanKindInternal
	case "SERVER":
		return ptrace.SpanKindServer
	case "CLIENT":
		return ptrace.SpanKindClient
	case "PRODUCER":
		return ptrace.SpanKindProducer
	case "CONSUMER":
		return ptrace.SpanKindConsumer
	}
	return ptrace.SpanKindUnspecified
}

// setStatus accepts "OK" or {"code": "ERROR", "message": "..."}.
func setStatus(st ptrace.Status, raw json.RawMessage) error {
	var code, msg string
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, &code); err != nil {
		var obj struct{ Code, Message string }
		if err := json.Unmarshal(raw, &obj); err != nil {
			return fmt.Errorf("status %s: %w", raw, err)
		}
		code, msg = obj.Code, obj.Message
	}
	switch strings.TrimPrefix(strings.ToUpper(code), "STATUS_CODE_") {
	case "OK":
		st.SetCode(ptrace.StatusCodeOk)
	case "ERROR":
		st.SetCode(ptrace.StatusCodeError)
	}
	st.SetMessage(msg)
	return nil
}

// addEvent accepts a bare event name or {"name", "time_unix_nano", "attributes"}; it returns the event's time
// (the span's start when the capture has none).
func addEvent(events ptrace.SpanEventSlice, raw json.RawMessage, spanStart int64) (int64, error) {
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		events.AppendEmpty().SetName(name)
		return spanStart, nil
	}
	var obj struct {
		Name       string               `json:"name"`
		Time       int64                `json:"time_unix_nano"`
		Attributes map[string]jsonValue `json:"attributes"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return 0, err
	}
	e := events.AppendEmpty()
	e.SetName(obj.Name)
	if obj.Time == 0 {
		obj.Time = spanStart
	}
	return obj.Time, putAttributes(e.Attributes(), obj.Attributes)
}

func putAttributes(m pcommon.Map, attrs map[string]jsonValue) error {
	m.EnsureCapacity(len(attrs))
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if err := putValue(m.PutEmpty(k), attrs[k]); err != nil {
			return fmt.Errorf("attribute %s: %w", k, err)
		}
	}
	return nil
}

// putValue fills v from a capture's {type, value}: string, int, double, bool, array<T> (T one of those, or empty).
func putValue(v pcommon.Value, jv jsonValue) error {
	typ := jv.Type
	if strings.HasPrefix(typ, "array<") && strings.HasSuffix(typ, ">") {
		elem := typ[len("array<") : len(typ)-1]
		var items []json.RawMessage
		if err := json.Unmarshal(jv.Value, &items); err != nil {
			return err
		}
		s := v.SetEmptySlice()
		for _, it := range items {
			if err := putValue(s.AppendEmpty(), jsonValue{Type: elem, Value: it}); err != nil {
				return err
			}
		}
		return nil
	}
	switch typ {
	case "string":
		var x string
		if err := json.Unmarshal(jv.Value, &x); err != nil {
			return err
		}
		v.SetStr(x)
	case "int":
		var x int64
		if err := json.Unmarshal(jv.Value, &x); err != nil {
			return err
		}
		v.SetInt(x)
	case "double":
		var x float64
		if err := json.Unmarshal(jv.Value, &x); err != nil {
			return err
		}
		v.SetDouble(x)
	case "bool":
		var x bool
		if err := json.Unmarshal(jv.Value, &x); err != nil {
			return err
		}
		v.SetBool(x)
	default:
		return fmt.Errorf("unknown attribute type %q", typ)
	}
	return nil
}

// Spans, Traces and Conversations describe the capture as recorded: spans, traces, and conversation values.
func (f *CapFile) Spans() int         { return f.spans }
func (f *CapFile) Traces() int        { return len(f.traces) }
func (f *CapFile) Conversations() int { return f.convValues }
