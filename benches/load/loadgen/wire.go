package main

// The raw wire path (-wire raw, the default): why it exists and how it keeps every span fresh.
//
// Building a ~1,000-span request with pdata and marshalling it costs the loadgen ~3-4 µs a span, and a pdata sink
// unmarshalling the collector's batches ~4 µs more: ~8 µs a span on the loadgen's CPU, more than the passthrough
// collector spends (~7). The loadgen, not the collector, then set the pace. So requests are built with pdata once,
// into a small pool per sender, and marshalled; a scan records where each request's ids, timestamps and
// conversation ids sit in the bytes. Every send then re-keys the request in place: all trace ids XOR one fresh
// random key, all span and parent ids XOR another (so parent links survive), every conversation id's hex part
// XOR a third (ids that were shared stay shared), and every timestamp moves forward to now. Each send thus carries
// ids no earlier send had, for ~0.1 µs a span. The sink counts spans by walking the protobuf instead of
// unmarshalling it. -wire pdata runs the plain ptraceotlp client and server instead, to cross-check.

import (
	"github.com/last9/last9_genai/benches/load/loadgen/traffic"

	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protowire"
)

const exportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

// convPrefix is how genai.go names a fresh conversation: the prefix, then 16 hex digits.
const convPrefix = "bench-conv-"

// rawCodec passes bytes through: the client's request is already protobuf; the sink walks what it receives.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }
func (rawCodec) Marshal(v any) ([]byte, error) {
	return *(v.(*[]byte)), nil
}
func (rawCodec) Unmarshal(data []byte, v any) error {
	// gRPC reuses data once this returns: keep a copy.
	*(v.(*[]byte)) = append((*(v.(*[]byte)))[:0], data...)
	return nil
}

// sites are the offsets in one marshalled request that a send rewrites.
type sites struct {
	traceIDs  []int // 16 bytes each
	spanIDs   []int // 8 bytes each (a span's own id)
	parentIDs []int // 8 bytes each
	times     []int // fixed64 each: span start/end, event times
	convHex   []int // 16 hex digits each
	spans     int
}

type pooledRequest struct {
	buf   []byte
	sites sites
	shift int64 // what has been added to the captured timestamps so far
	built int64 // when the request was built (its times are relative to this)
}

// newPool builds n requests with build and records their sites.
func newPool(build builder, n, perRequest int) ([]*pooledRequest, error) {
	pool := make([]*pooledRequest, 0, n)
	for range n {
		td, spans := build(perRequest)
		buf, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			return nil, err
		}
		p := &pooledRequest{buf: buf, built: time.Now().UnixNano()}
		if err := scanRequest(buf, &p.sites); err != nil {
			return nil, err
		}
		if p.sites.spans != spans {
			return nil, fmt.Errorf("scan found %d spans, built %d", p.sites.spans, spans)
		}
		pool = append(pool, p)
	}
	return pool, nil
}

// rekey makes p's bytes a request never sent before (see the file comment); it returns the sum of the new span ids.
func (p *pooledRequest) rekey(rng *rand.Rand) uint64 {
	t1, t2, s, c := rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()
	b := p.buf
	for _, o := range p.sites.traceIDs {
		xor64(b[o:], t1)
		xor64(b[o+8:], t2)
	}
	var sum uint64
	for _, o := range p.sites.spanIDs {
		xor64(b[o:], s)
		sum += binary.LittleEndian.Uint64(b[o:])
	}
	for _, o := range p.sites.parentIDs {
		xor64(b[o:], s)
	}
	now := time.Now().UnixNano()
	delta := now - p.built - p.shift
	p.shift += delta
	for _, o := range p.sites.times {
		binary.LittleEndian.PutUint64(b[o:], uint64(int64(binary.LittleEndian.Uint64(b[o:]))+delta))
	}
	var h [8]byte
	for _, o := range p.sites.convHex {
		_, _ = hex.Decode(h[:], b[o:o+16])
		binary.LittleEndian.PutUint64(h[:], binary.LittleEndian.Uint64(h[:])^c)
		hex.Encode(b[o:o+16], h[:])
	}
	return sum
}

func xor64(b []byte, k uint64) {
	binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k)
}

// ---- a minimal OTLP trace protobuf walker (field numbers from opentelemetry/proto/trace/v1/trace.proto) ----

// fields calls f for each field of msg with the value's offset in msg (for bytes: of the payload).
func fields(msg []byte, f func(num protowire.Number, typ protowire.Type, val []byte, off int) error) error {
	for off := 0; off < len(msg); {
		num, typ, n := protowire.ConsumeTag(msg[off:])
		if n < 0 {
			return protowire.ParseError(n)
		}
		off += n
		var val []byte
		start := off
		switch typ {
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(msg[off:])
			if m < 0 {
				return protowire.ParseError(m)
			}
			start = off + m - len(v)
			val, off = v, off+m
		default:
			m := protowire.ConsumeFieldValue(num, typ, msg[off:])
			if m < 0 {
				return protowire.ParseError(m)
			}
			val, off = msg[off:off+m], off+m
		}
		if err := f(num, typ, val, start); err != nil {
			return err
		}
	}
	return nil
}

// eachSpan calls f with every span's bytes and its offset in req.
func eachSpan(req []byte, f func(span []byte, off int) error) error {
	return fields(req, func(n protowire.Number, _ protowire.Type, rs []byte, rsOff int) error {
		if n != 1 { // ExportTraceServiceRequest.resource_spans
			return nil
		}
		return fields(rs, func(n protowire.Number, _ protowire.Type, ss []byte, ssOff int) error {
			if n != 2 { // ResourceSpans.scope_spans
				return nil
			}
			return fields(ss, func(n protowire.Number, _ protowire.Type, sp []byte, spOff int) error {
				if n != 2 { // ScopeSpans.spans
					return nil
				}
				return f(sp, rsOff+ssOff+spOff)
			})
		})
	})
}

func scanRequest(req []byte, s *sites) error {
	return eachSpan(req, func(span []byte, base int) error {
		s.spans++
		return fields(span, func(n protowire.Number, _ protowire.Type, v []byte, off int) error {
			at := base + off
			switch n {
			case 1: // trace_id
				s.traceIDs = append(s.traceIDs, at)
			case 2: // span_id
				s.spanIDs = append(s.spanIDs, at)
			case 4: // parent_span_id
				if len(v) == 8 {
					s.parentIDs = append(s.parentIDs, at)
				}
			case 7, 8: // start_time_unix_nano, end_time_unix_nano
				s.times = append(s.times, at)
			case 9: // attributes: KeyValue{1: key, 2: AnyValue{1: string_value}}
				return scanConversation(v, at, s)
			case 11: // events: Event{1: time_unix_nano}
				return fields(v, func(n protowire.Number, _ protowire.Type, _ []byte, eOff int) error {
					if n == 1 {
						s.times = append(s.times, at+eOff)
					}
					return nil
				})
			}
			return nil
		})
	})
}

func scanConversation(kv []byte, base int, s *sites) error {
	// pdata writes a message's fields in reverse order (value before key): decide after the whole KeyValue.
	var key string
	hexAt := -1
	err := fields(kv, func(n protowire.Number, _ protowire.Type, v []byte, off int) error {
		switch n {
		case 1:
			key = string(v)
		case 2:
			return fields(v, func(n protowire.Number, _ protowire.Type, str []byte, sOff int) error {
				if n == 1 && len(str) == len(convPrefix)+16 && string(str[:len(convPrefix)]) == convPrefix {
					hexAt = base + off + sOff + len(convPrefix)
				}
				return nil
			})
		}
		return nil
	})
	if hexAt >= 0 && traffic.ConversationKeys[key] {
		s.convHex = append(s.convHex, hexAt)
	}
	return err
}

// countSpans walks a request the collector exported: spans, the sum of their ids, and how many carry attr.
// attr is found by searching the span's bytes for the attribute key as protobuf encodes it (a KeyValue's key
// field): fast, and a string value holding exactly those bytes is not in this traffic.
func countSpans(req []byte, attr string) (n, withAttr int64, idSum uint64, err error) {
	var needle []byte
	if attr != "" {
		needle = protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), attr)
	}
	err = eachSpan(req, func(span []byte, _ int) error {
		n++
		if needle != nil && bytes.Contains(span, needle) {
			withAttr++
		}
		return fields(span, func(f protowire.Number, _ protowire.Type, v []byte, _ int) error {
			if f == 2 && len(v) == 8 {
				idSum += binary.LittleEndian.Uint64(v)
			}
			return nil
		})
	})
	return
}

// ---- the raw sink and client ----

func (s *sink) exportRaw(req []byte) error {
	n, with, sum, err := countSpans(req, s.checkAttr)
	if err != nil {
		return err
	}
	s.idSum.Add(sum)
	s.withAttr.Add(with)
	s.spans.Add(n)
	s.requests.Add(1)
	return nil
}

var rawServiceDesc = grpc.ServiceDesc{
	ServiceName: "opentelemetry.proto.collector.trace.v1.TraceService",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{MethodName: "Export", Handler: func(srv any, _ context.Context,
		dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
		var req []byte
		if err := dec(&req); err != nil {
			return nil, err
		}
		resp := []byte{} // an empty ExportTraceServiceResponse: full success
		return &resp, srv.(*sink).exportRaw(req)
	}}},
}

func startRawSink(addr string, s *sink) (string, func(), error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.MaxRecvMsgSize(256<<20))
	srv.RegisterService(&rawServiceDesc, s)
	go func() { _ = srv.Serve(lis) }()
	return lis.Addr().String(), srv.Stop, nil
}

// exportRaw sends one marshalled request; it returns the spans the collector reported rejecting.
func exportRaw(ctx context.Context, conn *grpc.ClientConn, buf []byte) (int64, error) {
	var resp []byte
	if err := conn.Invoke(ctx, exportMethod, &buf, &resp, grpc.ForceCodec(rawCodec{})); err != nil {
		return 0, err
	}
	r := ptraceotlp.NewExportResponse()
	if err := r.UnmarshalProto(resp); err != nil {
		return 0, err
	}
	return r.PartialSuccess().RejectedSpans(), nil
}
