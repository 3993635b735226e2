package last9genaiprocessor

import (
	"encoding/binary"
	"errors"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Op kinds of a core response (src/records/mod.rs).
const (
	opString   = 1
	opInt      = 2
	opDouble   = 3
	opFixed    = 4
	opAnyValue = 5
)

var errPatches = errors.New("last9_genai core returned a malformed response")

// patchReader walks a core response; every read is bounds-checked, so a bad response is an error, not a crash.
type patchReader struct {
	b   []byte
	bad bool
}

func (r *patchReader) take(n int) []byte {
	if r.bad || n < 0 || len(r.b) < n {
		r.bad = true
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *patchReader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *patchReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *patchReader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// patchScratch holds what applying one response needs, reused across batches.
type patchScratch struct {
	strings []string
	holds   []int
}

// applyPatches puts the response's attributes on the spans they name and returns the positions of the spans to
// hold. The response lives in Rust memory: strings are copied out, nothing else is kept. Every read is checked, so
// a malformed response (a bug in the core) is an error, never a crash; what was put before it stays.
func applyPatches(p []byte, spans []ptrace.Span, keys *keyTable, sc *patchScratch) ([]int, error) {
	return walkPatches(p, spans, keys, sc, true)
}

func walkPatches(p []byte, spans []ptrace.Span, keys *keyTable, sc *patchScratch, apply bool) ([]int, error) {
	r := &patchReader{b: p}
	nStrings, nOps, nHolds := r.u32(), r.u32(), r.u32()
	if r.bad || int(nStrings) > len(p) || int(nOps) > len(p) || int(nHolds) > len(p) {
		return nil, errPatches
	}
	sc.strings = sc.strings[:0]
	for range nStrings {
		b := r.take(int(r.u32()))
		if apply {
			sc.strings = append(sc.strings, string(b))
		}
	}
	for range nOps {
		span, key, kind := int(r.u32()), int(r.u16()), r.take(1)
		if r.bad || span >= len(spans) || key >= len(keys.names) {
			return nil, errPatches
		}
		attrs, k := spans[span].Attributes(), keys.names[key]
		switch kind[0] {
		case opString:
			i := int(r.u32())
			if r.bad || i >= int(nStrings) {
				return nil, errPatches
			}
			if apply {
				attrs.PutStr(k, sc.strings[i])
			}
		case opInt:
			if x := r.u64(); apply {
				attrs.PutInt(k, int64(x))
			}
		case opDouble:
			if x := r.u64(); apply {
				attrs.PutDouble(k, math.Float64frombits(x))
			}
		case opFixed:
			i := int(r.u16())
			if r.bad || i >= len(keys.fixed) {
				return nil, errPatches
			}
			if apply {
				attrs.PutStr(k, keys.fixed[i])
			}
		case opAnyValue:
			v := r.take(int(r.u32()))
			if r.bad {
				return nil, errPatches
			}
			dst := pcommon.NewValueEmpty()
			if apply {
				dst = attrs.PutEmpty(k)
			}
			if err := decodeAnyValue(v, dst, 0); err != nil {
				return nil, err
			}
		default:
			return nil, errPatches
		}
	}
	sc.holds = sc.holds[:0]
	for range nHolds {
		i := int(r.u32())
		if r.bad || i >= len(spans) {
			return nil, errPatches
		}
		sc.holds = append(sc.holds, i)
	}
	if r.bad || len(r.b) != 0 {
		return nil, errPatches
	}
	return sc.holds, nil
}
