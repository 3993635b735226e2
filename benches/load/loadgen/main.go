// Command loadgen is the load bench's traffic source and OTLP sink (benches/load/README.md).
//
// It serves an OTLP/gRPC sink, then talks to the runner over stdin/stdout, one line each:
//
//	loadgen -> "sink <addr>"          the collector under test is started with this exporter endpoint
//	runner  -> "warmup"               send -warmup spans and wait until the sink has them all
//	loadgen -> "ready <json>"         the traffic's shape and the warmup's counts
//	runner  -> "go"                   (the runner has read the collector's CPU time) send -spans spans
//	loadgen -> "done <json>"          every span arrived, or the timeout hit; the runner reads the CPU time again
//
// The measured window therefore runs from the first span sent to the last span received by the sink, so it
// includes the collector's queues draining (groupbytrace's wait, the batch timeout).
package main

import (
	"github.com/last9/last9_genai/benches/load/loadgen/traffic"

	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

type phaseResult struct {
	sendStats
	Received      int64   `json:"spans_received"`
	Lost          int64   `json:"spans_lost"`
	Duplicates    int64   `json:"spans_duplicated"`
	IDSumOK       bool    `json:"id_sum_ok"`
	WithAttr      int64   `json:"spans_with_check_attr"`
	SendSeconds   float64 `json:"send_seconds"`
	WallSeconds   float64 `json:"wall_seconds"` // first span sent -> last span at the sink
	LoadgenCPUSec float64 `json:"loadgen_cpu_seconds"`
	TimedOut      bool    `json:"timed_out"`
}

type shape struct {
	Mode                 string  `json:"mode"`
	SpansPerRequest      float64 `json:"spans_per_request"`
	SpansPerTrace        float64 `json:"spans_per_trace"`
	BytesPerSpan         float64 `json:"proto_bytes_per_span"`
	BytesPerTrace        float64 `json:"proto_bytes_per_trace"`
	ConversationsPerReq  float64 `json:"conversations_per_request,omitempty"`
	ResourceSpansPerReq  float64 `json:"resource_spans_per_request"`
	CaptureFiles         int     `json:"capture_files,omitempty"`
	CapturedSpans        int     `json:"captured_spans,omitempty"`
	CapturedTraces       int     `json:"captured_traces,omitempty"`
	CapturedConversation int     `json:"captured_conversation_values,omitempty"`
}

func main() {
	mode := flag.String("mode", "genai", "genai (replayed captures) or plain (HTTP/DB/cache spans)")
	target := flag.String("target", "127.0.0.1:4317", "the collector's OTLP/gRPC receiver")
	sinkAddr := flag.String("sink", "127.0.0.1:0", "where the sink listens (port 0: a free one)")
	captures := flag.String("captures", "tests/e2e/captured,tests/e2e/captured/extra", "capture dirs, comma-separated")
	spans := flag.Int64("spans", 600_000, "spans in the measured phase")
	warmup := flag.Int64("warmup", 30_000, "spans in the warmup phase")
	senders := flag.Int("senders", 4, "concurrent OTLP/gRPC clients")
	perRequest := flag.Int("per-request", 1000, "spans per export request (whole traces, so slightly more)")
	timeout := flag.Duration("timeout", 5*time.Minute, "per phase: sending plus the sink receiving everything")
	settle := flag.Duration("settle", 5*time.Second, "after sending, spans still missing once the sink has "+
		"received nothing for this long are lost (well above the pipelines' 1s groupbytrace wait + 200ms batch)")
	checkAttr := flag.String("check-attr", "gen_ai.usage.cost_usd", "attribute the sink counts spans carrying")
	shapeOnly := flag.Bool("shape", false, "print the traffic's shape and exit")
	wire := flag.String("wire", "raw", "raw: pooled marshalled requests re-keyed per send and a protobuf-walking "+
		"sink (cheap; wire.go); pdata: ptraceotlp client and server, every request built anew")
	poolSize := flag.Int("pool", 16, "-wire raw: requests pooled per sender")
	flag.Parse()

	builders, sh, err := makeBuilders(*mode, strings.Split(*captures, ","), *senders, *perRequest)
	if err != nil {
		fatal(err)
	}
	js, _ := json.Marshal(sh)
	fmt.Fprintf(os.Stderr, "loadgen: traffic %s\n", js)
	if *shapeOnly {
		fmt.Println(string(js))
		return
	}

	sk := &sink{checkAttr: *checkAttr}
	start := startSink
	conns, err := dial(*target, *senders)
	if err != nil {
		fatal(err)
	}
	snd := &sender{conns: conns}
	defer snd.close()
	for i, b := range builders {
		switch *wire {
		case "pdata":
			snd.sources = append(snd.sources, pdataSource(conns[i], b, *perRequest))
		case "raw":
			start = startRawSink
			pool, err := newPool(b, *poolSize, *perRequest)
			if err != nil {
				fatal(err)
			}
			snd.sources = append(snd.sources, rawSource(conns[i], pool, uint64(time.Now().UnixNano())+uint64(i)))
		default:
			fatal(fmt.Errorf("unknown -wire %q (raw or pdata)", *wire))
		}
	}
	addr, stop, err := start(*sinkAddr, sk)
	if err != nil {
		fatal(err)
	}
	defer stop()

	fmt.Printf("sink %s\n", addr)
	in := bufio.NewScanner(os.Stdin)
	expect := func(word string) {
		if !in.Scan() || strings.TrimSpace(in.Text()) != word {
			fatal(fmt.Errorf("expected %q from the runner, got %q", word, in.Text()))
		}
	}
	expect("warmup")
	w := runPhase(snd, sk, *warmup, *timeout, *settle)
	reply("ready", map[string]any{"shape": sh, "warmup": w})
	if w.Lost != 0 || w.TimedOut || w.Err != "" {
		os.Exit(1)
	}
	expect("go")
	m := runPhase(snd, sk, *spans, *timeout, *settle)
	reply("done", m)
	if m.Lost != 0 || m.Duplicates != 0 || !m.IDSumOK || m.TimedOut || m.Err != "" {
		os.Exit(1)
	}
}

type phaseOut struct {
	phaseResult
	Err string `json:"error,omitempty"`
}

// runPhase sends n spans and waits until the sink has every one of them (by count and by span-id sum), or until
// it has received nothing for settle (those missing are lost), or the timeout.
func runPhase(snd *sender, sk *sink, n int64, timeout, settle time.Duration) phaseOut {
	baseSpans, baseSum, baseAttr := sk.spans.Load(), sk.idSum.Load(), sk.withAttr.Load()
	cpu0 := selfCPU()
	start := time.Now()
	deadline := start.Add(timeout)
	st, err := snd.send(n, deadline)
	var out phaseOut
	out.sendStats = st
	out.SendSeconds = time.Since(start).Seconds()
	if err != nil {
		out.Err = err.Error()
	}
	last, lastAt := int64(-1), time.Now()
	for {
		got := sk.spans.Load() - baseSpans
		sumOK := sk.idSum.Load()-baseSum == st.IDSum
		if got != last {
			last, lastAt = got, time.Now()
		}
		if (got == st.Spans && sumOK) || got > st.Spans || time.Since(lastAt) > settle {
			break
		}
		if time.Now().After(deadline) {
			out.TimedOut = true
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	// Wall time ends at the last span received: a loss's settle wait is not the collector's work.
	out.WallSeconds = lastAt.Sub(start).Seconds()
	out.LoadgenCPUSec = selfCPU() - cpu0
	out.Received = sk.spans.Load() - baseSpans
	out.IDSumOK = sk.idSum.Load()-baseSum == st.IDSum
	out.WithAttr = sk.withAttr.Load() - baseAttr
	out.Lost = max(0, st.Spans-out.Received)
	out.Duplicates = max(0, out.Received-st.Spans)
	return out
}

func makeBuilders(mode string, captureDirs []string, senders, perRequest int) ([]builder, shape, error) {
	sh := shape{Mode: mode}
	var builders []builder
	var sample builder
	var convs, traces int
	switch mode {
	case "genai":
		files, err := traffic.LoadCaptures(captureDirs)
		if err != nil {
			return nil, sh, err
		}
		sh.CaptureFiles = len(files)
		for _, f := range files {
			sh.CapturedSpans += f.Spans()
			sh.CapturedTraces += f.Traces()
			sh.CapturedConversation += f.Conversations()
		}
		for i := range senders {
			// Each sender starts at another file, so concurrent requests are not in lockstep.
			g := traffic.NewGenai(files, i*len(files)/senders, uint64(time.Now().UnixNano())+uint64(i))
			builders = append(builders, func(t int) (ptrace.Traces, int) { td, n, _, _ := g.Build(t); return td, n })
		}
		g := traffic.NewGenai(files, 0, 1)
		sample = func(t int) (ptrace.Traces, int) {
			td, n, tr, c := g.Build(t)
			traces += tr
			convs += c
			return td, n
		}
	case "plain":
		for i := range senders {
			g := traffic.NewPlain(uint64(time.Now().UnixNano()) + uint64(i))
			builders = append(builders, func(t int) (ptrace.Traces, int) { td, n, _ := g.Build(t); return td, n })
		}
		g := traffic.NewPlain(1)
		sample = func(t int) (ptrace.Traces, int) { td, n, tr := g.Build(t); traces += tr; return td, n }
	default:
		return nil, sh, fmt.Errorf("unknown -mode %q (genai or plain)", mode)
	}
	// The shape over 50 requests: what the collector under test is fed.
	const reqs = 50
	var spans, bytes, rs int
	var m ptrace.ProtoMarshaler
	for range reqs {
		td, n := sample(perRequest)
		spans += n
		bytes += m.TracesSize(td)
		rs += td.ResourceSpans().Len()
	}
	sh.SpansPerRequest = float64(spans) / reqs
	sh.SpansPerTrace = float64(spans) / float64(traces)
	sh.BytesPerSpan = float64(bytes) / float64(spans)
	sh.BytesPerTrace = float64(bytes) / float64(traces)
	sh.ResourceSpansPerReq = float64(rs) / reqs
	if mode == "genai" {
		sh.ConversationsPerReq = float64(convs) / reqs
	}
	return builders, sh, nil
}

func reply(word string, v any) {
	js, err := json.Marshal(v)
	if err != nil {
		fatal(err)
	}
	fmt.Printf("%s %s\n", word, js)
}

func selfCPU() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func fatal(err error) {
	fmt.Printf("error %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}
