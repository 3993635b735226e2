package main

// Senders: a few concurrent OTLP/gRPC clients (one connection each, no compression), each building its own
// requests so generation runs in parallel and never shares a random source. A failed export is retried with
// backoff until the phase deadline: the bench measures the collector, not the client's error handling.

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// builder makes one request of about target spans.
type builder func(target int) (td ptrace.Traces, spans int)

type sendStats struct {
	Spans    int64  `json:"spans_sent"`
	Requests int64  `json:"requests"`
	Retries  int64  `json:"retries"`
	Rejected int64  `json:"spans_rejected"` // partial success: the collector said it dropped these
	IDSum    uint64 `json:"-"`
}

type sender struct {
	clients  []ptraceotlp.GRPCClient
	conns    []*grpc.ClientConn
	builders []builder
}

func newSender(target string, builders []builder) (*sender, error) {
	s := &sender{builders: builders}
	for range builders {
		conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, err
		}
		s.conns = append(s.conns, conn)
		s.clients = append(s.clients, ptraceotlp.NewGRPCClient(conn))
	}
	return s, nil
}

func (s *sender) close() {
	for _, c := range s.conns {
		_ = c.Close()
	}
}

// send sends requests of about perRequest spans from every sender until total spans are sent (the last requests
// may overshoot by less than one request per sender; the stats hold the exact count).
func (s *sender) send(total int64, perRequest int, deadline time.Time) (sendStats, error) {
	var claimed atomic.Int64
	var mu sync.Mutex
	var st sendStats
	var firstErr error
	var wg sync.WaitGroup
	for i := range s.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var my sendStats
			defer func() {
				mu.Lock()
				st.Spans += my.Spans
				st.Requests += my.Requests
				st.Retries += my.Retries
				st.Rejected += my.Rejected
				st.IDSum += my.IDSum
				mu.Unlock()
			}()
			for claimed.Load() < total {
				td, n := s.builders[i](perRequest)
				claimed.Add(int64(n))
				sum := spanIDSum(td)
				req := ptraceotlp.NewExportRequestFromTraces(td)
				if err := exportWithRetry(s.clients[i], req, deadline, &my); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				my.Spans += int64(n)
				my.Requests++
				my.IDSum += sum
			}
		}()
	}
	wg.Wait()
	return st, firstErr
}

func exportWithRetry(c ptraceotlp.GRPCClient, req ptraceotlp.ExportRequest, deadline time.Time, st *sendStats) error {
	backoff := 20 * time.Millisecond
	for {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		resp, err := c.Export(ctx, req)
		cancel()
		if err == nil {
			st.Rejected += resp.PartialSuccess().RejectedSpans()
			return nil
		}
		if time.Now().Add(backoff).After(deadline) {
			return fmt.Errorf("export failed until the deadline: %w", err)
		}
		st.Retries++
		time.Sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
}

func spanIDSum(td ptrace.Traces) uint64 {
	var sum uint64
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				id := spans.At(k).SpanID()
				sum += binary.LittleEndian.Uint64(id[:])
			}
		}
	}
	return sum
}
