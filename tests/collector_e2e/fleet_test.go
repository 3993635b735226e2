package collectore2e

// collector-config/fleet through real binaries on loopback: one front collector (front.yaml) routing to three back
// replicas (back.yaml), fed interleaved multi-turn conversations replayed from the captured libraries (split
// batches and late spans included), must give every span exactly the attributes one collector (back.yaml alone)
// gives the same batches; and plain traffic must spread evenly by trace id.

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/last9/last9_genai/benches/load/loadgen/traffic"
)

const fleetBacks = 3

// The back tier as shipped, writing to a file instead of a backend; its state directory under the test's.
const backOverlay = `
exporters:
  file/out:
    path: %s/out.jsonl
    flush_interval: 50ms
service:
  pipelines:
    traces:
      exporters: [file/out]
`

func startBack(t *testing.T, dir string) *collector {
	t.Helper()
	c := newCollector(t, dir)
	overlay := filepath.Join(dir, "overlay.yaml")
	writeFile(t, overlay, fmt.Sprintf(backOverlay, dir))
	c.launch(t, []string{"--config", "../../collector-config/fleet/back.yaml", "--config", overlay}, []string{
		fmt.Sprintf("FLEET_HEALTH_ENDPOINT=127.0.0.1:%d", c.healthPort),
		fmt.Sprintf("FLEET_OTLP_GRPC_ENDPOINT=127.0.0.1:%d", c.grpcPort),
		"FLEET_STATE_DIR=" + filepath.Join(dir, "state"),
		"FLEET_METRICS_HOST=127.0.0.1", fmt.Sprintf("FLEET_METRICS_PORT=%d", c.metricsPort),
	})
	return c
}

func startFront(t *testing.T, backs []*collector) *collector {
	t.Helper()
	c := newCollector(t, t.TempDir())
	var hosts []string
	for _, b := range backs {
		hosts = append(hosts, fmt.Sprintf("127.0.0.1:%d", b.grpcPort))
	}
	c.launch(t, []string{"--config", "../../collector-config/fleet/front.yaml"}, []string{
		fmt.Sprintf("FLEET_HEALTH_ENDPOINT=127.0.0.1:%d", c.healthPort),
		fmt.Sprintf("FLEET_OTLP_GRPC_ENDPOINT=127.0.0.1:%d", c.grpcPort),
		fmt.Sprintf("FLEET_OTLP_HTTP_ENDPOINT=127.0.0.1:%d", c.httpPort),
		"FLEET_BACKENDS=[" + strings.Join(hosts, ", ") + "]",
		"FLEET_METRICS_HOST=127.0.0.1", fmt.Sprintf("FLEET_METRICS_PORT=%d", c.metricsPort),
	})
	return c
}

// traceOf is one trace of the replayed traffic and the conversation it belongs to ("" for none).
type traceOf struct {
	id           pcommon.TraceID
	conversation string
}

// fleetTraffic is the conversations of one replayed request, as rounds: round r holds the r-th trace of every
// conversation (and the traces without one in round 0), so each conversation's turns arrive in order.
func fleetTraffic(t *testing.T) (ptrace.Traces, [][]traceOf) {
	t.Helper()
	files, err := traffic.LoadCaptures([]string{"../e2e/captured", "../e2e/captured/extra"})
	if err != nil {
		t.Fatal(err)
	}
	td, _, _, _ := traffic.NewGenai(files, 0, 7).Build(600)
	conv := map[pcommon.TraceID]string{}
	var order []pcommon.TraceID
	forSpans(td, func(s ptrace.Span) {
		id := s.TraceID()
		if _, seen := conv[id]; !seen {
			conv[id] = ""
			order = append(order, id)
		}
		for k, v := range s.Attributes().All() {
			if traffic.ConversationKeys[k] && conv[id] == "" {
				conv[id] = v.AsString()
			}
		}
	})
	turn := map[string]int{}
	var rounds [][]traceOf
	for _, id := range order {
		r := 0
		if c := conv[id]; c != "" {
			r = turn[c]
			turn[c]++
		}
		for len(rounds) <= r {
			rounds = append(rounds, nil)
		}
		rounds[r] = append(rounds[r], traceOf{id, conv[id]})
	}
	return td, rounds
}

func forSpans(td ptrace.Traces, f func(ptrace.Span)) {
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				f(s)
			}
		}
	}
}

// pick copies the spans keep accepts, under copies of their resource and scope.
func pick(td ptrace.Traces, keep func(ptrace.Span) bool) ptrace.Traces {
	out := ptrace.NewTraces()
	for _, rs := range td.ResourceSpans().All() {
		var ors ptrace.ResourceSpans
		for _, ss := range rs.ScopeSpans().All() {
			var oss ptrace.ScopeSpans
			for _, s := range ss.Spans().All() {
				if !keep(s) {
					continue
				}
				if oss == (ptrace.ScopeSpans{}) {
					if ors == (ptrace.ResourceSpans{}) {
						ors = out.ResourceSpans().AppendEmpty()
						rs.Resource().CopyTo(ors.Resource())
					}
					oss = ors.ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(oss.Scope())
				}
				s.CopyTo(oss.Spans().AppendEmpty())
			}
		}
	}
	return out
}

// fleetBatches turns the rounds into batches: per round, one batch of the children of every other trace and the
// whole of the rest, then one of those traces' roots (children before their root, as SDKs export); one leaf of
// each round's first trace is held back and sent with the next round (a span arriving after its trace was routed).
func fleetBatches(td ptrace.Traces, rounds [][]traceOf) []ptrace.Traces {
	parents := map[pcommon.SpanID]bool{}
	forSpans(td, func(s ptrace.Span) { parents[s.ParentSpanID()] = true })
	var out []ptrace.Traces
	var late map[pcommon.SpanID]bool
	for _, round := range rounds {
		split, in := map[pcommon.TraceID]bool{}, map[pcommon.TraceID]bool{}
		for i, tr := range round {
			in[tr.id] = true
			split[tr.id] = i%2 == 0
		}
		nextLate := map[pcommon.SpanID]bool{}
		forSpans(td, func(s ptrace.Span) {
			if s.TraceID() == round[0].id && !s.ParentSpanID().IsEmpty() && !parents[s.SpanID()] && len(nextLate) == 0 {
				nextLate[s.SpanID()] = true
			}
		})
		prevLate := late
		first := pick(td, func(s ptrace.Span) bool {
			if prevLate[s.SpanID()] {
				return true
			}
			return in[s.TraceID()] && !nextLate[s.SpanID()] && !(split[s.TraceID()] && s.ParentSpanID().IsEmpty())
		})
		roots := pick(td, func(s ptrace.Span) bool {
			return in[s.TraceID()] && split[s.TraceID()] && s.ParentSpanID().IsEmpty() && !nextLate[s.SpanID()]
		})
		out = append(out, first, roots)
		late = nextLate
	}
	if len(late) > 0 {
		out = append(out, pick(td, func(s ptrace.Span) bool { return late[s.SpanID()] }))
	}
	return out
}

func spanCountOf(tds []ptrace.Traces) int {
	n := 0
	for _, td := range tds {
		n += td.SpanCount()
	}
	return n
}

// waitForCount polls the outputs until they hold want spans in total, and returns them merged.
func waitForCount(t *testing.T, paths []string, want int) (map[spanKey]outSpan, []int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		all := map[spanKey]outSpan{}
		per := make([]int, len(paths))
		total := 0
		for i, p := range paths {
			got, n := readOutput(t, p)
			per[i] = n
			total += n
			for k, v := range got {
				all[k] = v
			}
		}
		if total >= want {
			if total > want || len(all) != want {
				t.Fatalf("%d spans out (%d distinct) for %d in: duplicated", total, len(all), want)
			}
			return all, per
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d spans out after 60s", total, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestFleetGivesWhatOneCollectorGives(t *testing.T) {
	var backs []*collector
	var outs []string
	for range fleetBacks {
		b := startBack(t, t.TempDir())
		backs = append(backs, b)
		outs = append(outs, filepath.Join(b.dir, "out.jsonl"))
	}
	front := startFront(t, backs)
	single := startBack(t, t.TempDir())
	singleOut := []string{filepath.Join(single.dir, "out.jsonl")}

	td, rounds := fleetTraffic(t)
	conversations := 0
	for _, tr := range rounds[0] {
		if tr.conversation != "" {
			conversations++
		}
	}
	if len(rounds) < 3 || conversations < 20 {
		t.Fatalf("traffic too thin: %d rounds, %d conversations", len(rounds), conversations)
	}
	batches := fleetBatches(td, rounds)
	sent := 0
	for i := 0; i < len(batches); i += 2 {
		for _, b := range batches[i:min(i+2, len(batches))] {
			front.send(t, overGRPC, b)
			single.send(t, overGRPC, b)
			sent += b.SpanCount()
		}
		waitForCount(t, outs, sent)
		waitForCount(t, singleOut, sent)
	}
	if sent != td.SpanCount() {
		t.Fatalf("sent %d of %d spans", sent, td.SpanCount())
	}
	fleet, per := waitForCount(t, outs, sent)
	one, _ := waitForCount(t, singleOut, sent)
	checked := map[string]int{}
	for k, want := range one {
		got := fleet[k]
		w, g := want.span.Attributes().AsRaw(), got.span.Attributes().AsRaw()
		if !reflect.DeepEqual(w, g) {
			t.Errorf("span %q: fleet and one collector differ:\n  one:   %v\n  fleet: %v", want.span.Name(), w, g)
		}
		for _, key := range []string{"gen_ai.conversation.turn", "gen_ai.conversation.cost_usd", "gen_ai.l9.trace.cost_usd", "workflow.total_cost_usd"} {
			if _, ok := w[key]; ok {
				checked[key]++
			}
		}
	}
	t.Logf("%d spans, %d conversations over %d rounds; spans per back replica %v; values compared %v", sent,
		conversations, len(rounds), per, checked)
	if checked["gen_ai.conversation.turn"] == 0 || checked["gen_ai.conversation.cost_usd"] == 0 || checked["gen_ai.l9.trace.cost_usd"] == 0 {
		t.Errorf("the traffic exercised too little: %v", checked)
	}
	for i, n := range per {
		if n == 0 {
			t.Errorf("back replica %d got no spans", i)
		}
	}

	// Plain traffic: no conversation, spread by trace id.
	gen, plainSpans := traffic.NewPlain(11), 0
	for range 6 {
		plain, n, _ := gen.Build(1000)
		front.send(t, overGRPC, plain)
		plainSpans += n
	}
	_, after := waitForCount(t, outs, sent+plainSpans)
	mean := float64(plainSpans) / fleetBacks
	for i := range after {
		if got := float64(after[i] - per[i]); got > 1.5*mean {
			t.Errorf("back replica %d got %.0f plain spans, above 1.5x the mean %.0f", i, got, mean)
		}
	}
	t.Logf("plain spans per back replica: %d, %d, %d", after[0]-per[0], after[1]-per[1], after[2]-per[2])
	for _, c := range append(backs, front, single) {
		c.stop(t)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := writeFileErr(path, text); err != nil {
		t.Fatal(err)
	}
}
