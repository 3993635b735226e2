package last9genaiprocessor

// The only file that talks to the Rust core. It links the core's STATIC library, found inside this Go module:
// go-shim/include (the C header) and go-shim/lib (liblast9_genai.a alone, so the linker cannot pick a .so). In this
// repository both are symlinks, to include/ and to build/lib (where `make rust-lib` copies
// target/release/liblast9_genai.a); `make shim-dist` copies the module with the real files in their place, for
// collectors built elsewhere. The collector binary needs no shared library of ours at run time.
//
// The linux flags are the core's native dependencies, as printed by
// `cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs`, with one change: gcc_eh (the
// unwinder's static archive) instead of gcc_s (its shared library), so that the same flags link a dynamic binary and
// a fully static one (`-extldflags=-static`; there is no static libgcc_s). Rust's unwinder needs one or the other.

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: -L${SRCDIR}/../lib -llast9_genai
#cgo linux LDFLAGS: -lgcc_eh -lutil -lrt -lpthread -lm -ldl -lc
#include <stdlib.h>
#include "last9_genai.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

const (
	statusOK      = 0
	errorBufBytes = 1024
	// abiVersion is what last9_genai_abi_v1 returns. Calling the symbol makes a library without it fail at link time.
	abiVersion = 1
)

// errCoreClosed is returned after Shutdown; the batch is passed through unchanged.
var errCoreClosed = errors.New("last9_genai core is shut down")

// coreError carries a non-OK status from the core and the message it wrote (which names the offending key).
// op says which call failed when the core wrote no message.
type coreError struct {
	op     string
	status uint32
	msg    string
}

func (e *coreError) Error() string {
	text := C.GoString(C.last9_genai_status_text(C.uint32_t(e.status)))
	if e.msg == "" {
		return fmt.Sprintf("last9_genai %s: %s (core status %d)", e.op, text, e.status)
	}
	// The core's message already names the component and the offending key.
	return fmt.Sprintf("%s (core status %d: %s)", e.msg, e.status, text)
}

// core owns one Rust processor handle. Calls on the handle run under the read lock (the core is thread-safe, so
// they run in parallel); close takes the write lock, so the handle is never freed under an in-flight call, and is
// freed exactly once.
type core struct {
	mu     sync.RWMutex
	handle *C.struct_last9_genai_processor
	slots  chan struct{}
}

// coreLibraryVersion is the version of the linked Rust library, e.g. "0.1.0".
func coreLibraryVersion() string {
	return C.GoString(C.last9_genai_version())
}

// coreDefaults is the core's own defaults of the keys it owns, as the JSON document it accepts: the shim's default
// configuration is filled from it, so each default is defined once, in the core.
func coreDefaults() (coreConfig, error) {
	var d coreConfig
	var out *C.struct_last9_genai_bytes
	if status := C.last9_genai_default_config(&out); status != statusOK {
		return d, &coreError{op: "defaults", status: uint32(status)}
	}
	if err := json.Unmarshal(takeBytes(out), &d); err != nil {
		return d, fmt.Errorf("last9_genai defaults: %w", err)
	}
	return d, nil
}

func newCore(configJSON []byte) (*core, error) {
	if v := uint32(C.last9_genai_abi_v1()); v != abiVersion {
		return nil, fmt.Errorf("last9_genai core speaks ABI %d, this shim needs %d", v, abiVersion)
	}
	var errBuf [errorBufBytes]byte
	var errLen C.size_t
	var handle *C.struct_last9_genai_processor
	status := C.last9_genai_processor_new(
		bytesPtr(configJSON), C.size_t(len(configJSON)),
		(*C.char)(unsafe.Pointer(&errBuf[0])), C.size_t(len(errBuf)), &errLen,
		&handle)
	if status != statusOK {
		return nil, &coreError{op: "configuration", status: uint32(status), msg: errText(errBuf[:], errLen)}
	}
	return &core{handle: handle, slots: make(chan struct{}, runtime.GOMAXPROCS(0))}, nil
}

// enrich returns the enriched copy of an OTLP ExportTraceServiceRequest, in Go memory.
func (c *core) enrich(in []byte) ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return nil, errCoreClosed
	}
	var errBuf [errorBufBytes]byte
	var errLen C.size_t
	var out *C.struct_last9_genai_bytes
	status := C.last9_genai_enrich_traces(c.handle,
		bytesPtr(in), C.size_t(len(in)),
		(*C.char)(unsafe.Pointer(&errBuf[0])), C.size_t(len(errBuf)), &errLen,
		&out)
	if status != statusOK {
		return nil, &coreError{op: "enrich", status: uint32(status), msg: errText(errBuf[:], errLen)}
	}
	return takeBytes(out), nil
}

// keyList returns the core's key list: the attribute keys to forward in span records (by index) and the fixed
// values patches name. Layout in include/last9_genai.h (last9_genai_processor_keys).
func (c *core) keyList() ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return nil, errCoreClosed
	}
	var out *C.struct_last9_genai_bytes
	if status := C.last9_genai_processor_keys(c.handle, &out); status != statusOK {
		return nil, &coreError{op: "keys", status: uint32(status)}
	}
	return takeBytes(out), nil
}

// enrichSpans gives the core one batch as span records and calls apply with its response, which lives in Rust
// memory only until apply returns (no copy). A batch with nothing to change calls apply with nil.
func (c *core) enrichSpans(records []byte, apply func(patches []byte) error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	// At most GOMAXPROCS calls in the core at once: a cgo call gives up its P, so without this more threads than
	// CPUs run the core, and one preempted while holding a state lock makes the others spin.
	c.slots <- struct{}{}
	defer func() { <-c.slots }()
	if c.handle == nil {
		return errCoreClosed
	}
	var errBuf [errorBufBytes]byte
	var errLen C.size_t
	var out *C.struct_last9_genai_bytes
	status := C.last9_genai_enrich_spans(c.handle,
		bytesPtr(records), C.size_t(len(records)),
		(*C.char)(unsafe.Pointer(&errBuf[0])), C.size_t(len(errBuf)), &errLen,
		&out)
	if status != statusOK {
		return &coreError{op: "enrich", status: uint32(status), msg: errText(errBuf[:], errLen)}
	}
	if out == nil {
		return apply(nil)
	}
	defer C.last9_genai_bytes_free(out)
	n := int(C.last9_genai_bytes_len(out))
	return apply(unsafe.Slice((*byte)(unsafe.Pointer(C.last9_genai_bytes_data(out))), n))
}

// coreStats is the JSON object last9_genai_processor_stats writes: cumulative counters and current sizes.
type coreStats struct {
	Batches               int64              `json:"batches"`
	SpansSeen             int64              `json:"spans_seen"`
	SpansEnriched         int64              `json:"spans_enriched"`
	Priced                int64              `json:"priced"`
	PricedOtherProvider   int64              `json:"priced_other_provider"`
	ServiceTierUnpriced   int64              `json:"service_tier_unpriced"`
	UnpricedModel         int64              `json:"unpriced_model"`
	Duplicate             int64              `json:"duplicate"`
	Provided              int64              `json:"provided"`
	Errors                int64              `json:"errors"`
	ConversationsTracked  int64              `json:"conversations_tracked"`
	TracesTracked         int64              `json:"traces_tracked"`
	ConversationEvictions int64              `json:"conversation_evictions"`
	TraceEvictions        int64              `json:"trace_evictions"`
	ConversationExpiries  int64              `json:"conversation_expirations"`
	TraceExpiries         int64              `json:"trace_expirations"`
	SpansRemembered       int64              `json:"spans_remembered"`
	StateBytes            int64              `json:"state_bytes"`
	StateBytesLimit       int64              `json:"state_bytes_limit"`
	ValuesNotRemembered   int64              `json:"values_not_remembered"`
	SpansHeld             int64              `json:"spans_held"`
	ValuesUnreadable      int64              `json:"values_unreadable"`
	CostUSDByModel        map[string]float64 `json:"cost_usd_by_model"`
	PriceTableModels      int64              `json:"price_table_models"`
	PricingFileLoaded     int64              `json:"pricing_file_entries_loaded"`
	PricingFileSkipped    int64              `json:"pricing_file_entries_skipped"`
	PricingFileFormat     string             `json:"pricing_file_format"`
	UnpricedNoCounts      int64              `json:"unpriced_no_counts"`
	UnpricedUnreadable    int64              `json:"unpriced_unreadable_counts"`
	UnpricedModels        map[string]int64   `json:"unpriced_models"`
}

func (c *core) stats() (coreStats, error) {
	var s coreStats
	raw, err := c.statsJSON()
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("last9_genai stats: %w", err)
	}
	return s, nil
}

// statsJSON is the core's stats object as written (its keys are defined once, in the core's STATS_KEYS).
func (c *core) statsJSON() ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return nil, errCoreClosed
	}
	var out *C.struct_last9_genai_bytes
	if status := C.last9_genai_processor_stats(c.handle, &out); status != statusOK {
		return nil, &coreError{op: "stats", status: uint32(status)}
	}
	return takeBytes(out), nil
}

// expire makes the core forget traces and conversations idle past their TTL (batches only forget what they meet).
func (c *core) expire() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return errCoreClosed
	}
	if status := C.last9_genai_processor_expire(c.handle); status != statusOK {
		return &coreError{op: "expire", status: uint32(status)}
	}
	return nil
}

// exportState returns the core's conversation state as versioned bytes (turn counters, running totals).
func (c *core) exportState() ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return nil, errCoreClosed
	}
	var out *C.struct_last9_genai_bytes
	if status := C.last9_genai_processor_export_state(c.handle, &out); status != statusOK {
		return nil, &coreError{op: "export state", status: uint32(status)}
	}
	return takeBytes(out), nil
}

// reloadPrices rebuilds the core's price table from its configuration (the pricing_file read again); on an
// error the previous table stays in force.
func (c *core) reloadPrices() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return errCoreClosed
	}
	var errBuf [errorBufBytes]byte
	var errLen C.size_t
	status := C.last9_genai_processor_reload_prices(c.handle,
		(*C.char)(unsafe.Pointer(&errBuf[0])), C.size_t(len(errBuf)), &errLen)
	if status != statusOK {
		return &coreError{op: "price reload", status: uint32(status), msg: errText(errBuf[:], errLen)}
	}
	return nil
}

// Statuses of a refused checkpoint (last9_genai_status in include/last9_genai.h).
const (
	statusCheckpointCorrupt = 300
	statusCheckpointNewer   = 301
)

// restoreState puts back what exportState wrote; a refused checkpoint changes nothing and comes back as a
// *coreError with status 300 (corrupt) or 301 (newer release).
func (c *core) restoreState(checkpoint []byte) (restored, skipped uint64, err error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return 0, 0, errCoreClosed
	}
	var errBuf [errorBufBytes]byte
	var errLen C.size_t
	var r, s C.uint64_t
	status := C.last9_genai_processor_restore_state(c.handle,
		bytesPtr(checkpoint), C.size_t(len(checkpoint)),
		(*C.char)(unsafe.Pointer(&errBuf[0])), C.size_t(len(errBuf)), &errLen, &r, &s)
	if status != statusOK {
		return 0, 0, &coreError{op: "restore state", status: uint32(status), msg: errText(errBuf[:], errLen)}
	}
	return uint64(r), uint64(s), nil
}

// close frees the handle once; later calls (and calls racing with it) see a closed core.
func (c *core) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.handle != nil {
		C.last9_genai_processor_free(c.handle)
		c.handle = nil
	}
}

// takeBytes copies a Rust-owned buffer into Go memory and frees the Rust buffer (exactly once, here).
func takeBytes(b *C.struct_last9_genai_bytes) []byte {
	defer C.last9_genai_bytes_free(b)
	n := C.last9_genai_bytes_len(b)
	if n == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(C.last9_genai_bytes_data(b)), C.int(n))
}

// bytesPtr passes a Go slice to C for the duration of one call; the core accepts NULL with a zero length.
func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b)))
}

// errText reads the NUL-terminated message the core wrote; a message longer than the buffer arrives truncated.
func errText(buf []byte, n C.size_t) string {
	if int(n) > len(buf)-1 {
		n = C.size_t(len(buf) - 1)
	}
	return string(buf[:n])
}
