package collectore2e

// Real OTLP in (HTTP protobuf, HTTP JSON, gRPC) and the file exporter's OTLP/JSON lines out.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

type transport string

const (
	httpProto transport = "http/protobuf"
	httpJSON  transport = "http/json"
	overGRPC  transport = "grpc"
)

func (c *collector) send(t *testing.T, via transport, td ptrace.Traces) {
	t.Helper()
	req := ptraceotlp.NewExportRequestFromTraces(td)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	switch via {
	case overGRPC:
		conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", c.grpcPort),
			grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatalf("grpc client: %v", err)
		}
		defer conn.Close()
		if _, err := ptraceotlp.NewGRPCClient(conn).Export(ctx, req); err != nil {
			t.Fatalf("OTLP/gRPC export: %v", err)
		}
	case httpProto, httpJSON:
		var body []byte
		var err error
		contentType := "application/x-protobuf"
		if via == httpJSON {
			body, err = req.MarshalJSON()
			contentType = "application/json"
		} else {
			body, err = req.MarshalProto()
		}
		if err != nil {
			t.Fatal(err)
		}
		hreq, _ := http.NewRequestWithContext(ctx, http.MethodPost,
			fmt.Sprintf("http://127.0.0.1:%d/v1/traces", c.httpPort), bytes.NewReader(body))
		hreq.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(hreq)
		if err != nil {
			t.Fatalf("OTLP/HTTP export: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("OTLP/HTTP export: status %s", resp.Status)
		}
	default:
		t.Fatalf("unknown transport %q", via)
	}
}

type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// outSpan is one exported span with the resource and scope it came under.
type outSpan struct {
	span     ptrace.Span
	resource pcommon.Resource
	scope    pcommon.InstrumentationScope
}

// readOutput parses every complete line the file exporter has written so far. A span exported twice is reported,
// because the processor must never duplicate data.
func readOutput(t *testing.T, path string) (map[spanKey]outSpan, int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return map[spanKey]outSpan{}, 0
	}
	if err != nil {
		t.Fatal(err)
	}
	spans := map[spanKey]outSpan{}
	total := 0
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break // a line still being written
		}
		line := data[:i]
		data = data[i+1:]
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(line)
		if err != nil {
			t.Fatalf("%s: bad OTLP/JSON line: %v", path, err)
		}
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				ss := rs.ScopeSpans().At(j)
				for k := 0; k < ss.Spans().Len(); k++ {
					s := ss.Spans().At(k)
					key := spanKey{s.TraceID(), s.SpanID()}
					if _, dup := spans[key]; dup {
						t.Errorf("%s: span %q exported twice", path, s.Name())
					}
					spans[key] = outSpan{span: s, resource: rs.Resource(), scope: ss.Scope()}
					total++
				}
			}
		}
	}
	return spans, total
}

// waitForSpans polls both outputs until every given span is there.
func (c *collector) waitForSpans(t *testing.T, keys ...spanKey) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		missing := 0
		for _, out := range []string{c.directOut(), c.groupedOut()} {
			got, _ := readOutput(t, out)
			for _, k := range keys {
				if _, ok := got[k]; !ok {
					missing++
				}
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d span copies still missing from the outputs after 30s", missing)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *collector) directOut() string  { return c.dir + "/direct.jsonl" }
func (c *collector) groupedOut() string { return c.dir + "/grouped.jsonl" }
