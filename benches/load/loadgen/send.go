package main

// Senders: a few concurrent OTLP/gRPC clients (one connection each, no compression), each with its own source of
// requests so nothing is shared between them. A failed export is retried with backoff until the phase deadline:
// the bench measures the collector, not the client's error handling.

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
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

// source hands out the next request: its span count, the sum of its span ids, and how to send it (the send
// returns the spans the collector reported rejecting).
type source func() (spans int, idSum uint64, send func(context.Context) (int64, error))

// pdataSource builds every request anew and sends it with the ptraceotlp client (-wire pdata).
func pdataSource(conn *grpc.ClientConn, build builder, perRequest int) source {
	client := ptraceotlp.NewGRPCClient(conn)
	return func() (int, uint64, func(context.Context) (int64, error)) {
		td, n := build(perRequest)
		req := ptraceotlp.NewExportRequestFromTraces(td)
		return n, spanIDSum(td), func(ctx context.Context) (int64, error) {
			resp, err := client.Export(ctx, req)
			if err != nil {
				return 0, err
			}
			return resp.PartialSuccess().RejectedSpans(), nil
		}
	}
}

// rawSource cycles through a pool of marshalled requests, re-keying each before it is sent (-wire raw, wire.go).
func rawSource(conn *grpc.ClientConn, pool []*pooledRequest, seed uint64) source {
	rng := rand.New(rand.NewPCG(seed, ^seed))
	i := 0
	return func() (int, uint64, func(context.Context) (int64, error)) {
		p := pool[i%len(pool)]
		i++
		sum := p.rekey(rng)
		return p.sites.spans, sum, func(ctx context.Context) (int64, error) { return exportRaw(ctx, conn, p.buf) }
	}
}

type sendStats struct {
	Spans    int64  `json:"spans_sent"`
	Requests int64  `json:"requests"`
	Retries  int64  `json:"retries"`
	Rejected int64  `json:"spans_rejected"` // partial success: the collector said it dropped these
	IDSum    uint64 `json:"-"`
}

type sender struct {
	conns   []*grpc.ClientConn
	sources []source
}

func dial(target string, n int) ([]*grpc.ClientConn, error) {
	var conns []*grpc.ClientConn
	for range n {
		conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, err
		}
		conns = append(conns, conn)
	}
	return conns, nil
}

func (s *sender) close() {
	for _, c := range s.conns {
		_ = c.Close()
	}
}

// send sends from every source until total spans are sent (the last requests may overshoot by less than one
// request per sender; the stats hold the exact count).
func (s *sender) send(total int64, deadline time.Time) (sendStats, error) {
	var claimed atomic.Int64
	var mu sync.Mutex
	var st sendStats
	var firstErr error
	var wg sync.WaitGroup
	for _, next := range s.sources {
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
				n, sum, send := next()
				claimed.Add(int64(n))
				if err := sendWithRetry(send, deadline, &my); err != nil {
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

func sendWithRetry(send func(context.Context) (int64, error), deadline time.Time, st *sendStats) error {
	backoff := 20 * time.Millisecond
	for {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		rejected, err := send(ctx)
		cancel()
		if err == nil {
			st.Rejected += rejected
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
