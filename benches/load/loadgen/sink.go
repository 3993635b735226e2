package main

// The OTLP/gRPC sink the collector under test exports to. It counts spans and sums their span ids (mod 2^64): with
// the sender keeping the same sum over what it sent, equal counts AND equal sums mean every span arrived exactly
// once, where equal counts alone could hide a loss behind a duplicate.

import (
	"context"
	"encoding/binary"
	"net"
	"sync/atomic"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
)

type sink struct {
	ptraceotlp.UnimplementedGRPCServer
	spans    atomic.Int64
	idSum    atomic.Uint64
	withAttr atomic.Int64 // spans carrying checkAttr: shows the processor under test did its work
	requests atomic.Int64
	// checkAttr is an attribute the processors under test add (gen_ai.usage.cost_usd), counted per span.
	checkAttr string
}

func (s *sink) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	var n, with int64
	var sum uint64
	rss := req.Traces().ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				sp := spans.At(k)
				id := sp.SpanID()
				sum += binary.LittleEndian.Uint64(id[:])
				if s.checkAttr != "" {
					if _, ok := sp.Attributes().Get(s.checkAttr); ok {
						with++
					}
				}
				n++
			}
		}
	}
	// The sum first: a reader that sees the new count then also sees this request's ids.
	s.idSum.Add(sum)
	s.withAttr.Add(with)
	s.spans.Add(n)
	s.requests.Add(1)
	return ptraceotlp.NewExportResponse(), nil
}

// startSink listens on addr (port 0: any free one) and returns the address it got.
func startSink(addr string, s *sink) (string, func(), error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	// The collector's batches (8192 spans, ~3 MB) are over gRPC's 4 MiB default only with big spans; no limit
	// here, the sink must never be the reason a span is refused.
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(256 << 20))
	ptraceotlp.RegisterGRPCServer(srv, s)
	go func() { _ = srv.Serve(lis) }()
	return lis.Addr().String(), srv.Stop, nil
}
