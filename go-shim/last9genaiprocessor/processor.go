package last9genaiprocessor

import (
	"context"
	"runtime"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
)

// warnInterval bounds how often a failing core is reported in the log.
const warnInterval = 10 * time.Second

// expireInterval: how often the core forgets state idle past its TTL when no batch comes to do it.
const expireInterval = 10 * time.Second

// maxPooledRecordBytes: a batch's scratch larger than this is not kept for the next one.
const maxPooledRecordBytes = 16 << 20

// enricher is the Rust core as the processor sees it; tests substitute a failing one.
type enricher interface {
	keyList() ([]byte, error)
	enrichSpans(records []byte, apply func(patches []byte) error) error
	stats() (coreStats, error)
	expire() error
	close()
}

// genaiProcessor enriches each batch in place: it sends the core span records (the few fields and attributes the
// core reads), and puts the attributes the core returns on the spans. Whatever fails, the batch goes on as it
// came: the pipeline never breaks because of this processor.
type genaiProcessor struct {
	logger    *zap.Logger
	core      enricher
	keys      *keyTable
	telemetry *metadata.TelemetryBuilder
	// metricAttrs labels every metric with the component id, as processorhelper does: two instances (two
	// pipelines) of this processor must not report into one series.
	metricAttrs attribute.Set
	warning     *passThroughWarning
	// scratch is a free list rather than a sync.Pool: a pool is emptied by every GC, and a collector under load
	// collects often enough that the buffers would be rebuilt for most batches.
	scratch chan *batchScratch

	// checkpoint is nil unless `storage` is set.
	checkpoint *checkpointer
	// priceReload is nil unless a pricing_file is checked for changes.
	priceReload *priceReloader

	// inFlight: batches on their way to the next consumer that carry merged spans (ptrace.Traces -> mergedTail).
	inFlight sync.Map

	// hold is nil when wait_for_root is off; next receives the traces it releases on its own.
	hold *holdBuffer
	next consumer.Traces
	stop chan struct{}
	// background: the goroutines start runs (releasing waits on timeout, expiring idle state); shutdown waits.
	background sync.WaitGroup
	stopOnce   sync.Once
}

type batchScratch struct {
	records spanRecords
	patches patchScratch
}

func newGenaiProcessor(id component.ID, set component.TelemetrySettings, core enricher, hold *holdBuffer,
	next consumer.Traces) (*genaiProcessor, error) {
	list, err := core.keyList()
	if err != nil {
		return nil, err
	}
	keys, err := newKeyTable(list)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	p := &genaiProcessor{
		logger:      set.Logger,
		core:        core,
		keys:        keys,
		telemetry:   tb,
		metricAttrs: attribute.NewSet(attribute.String("processor", id.String())),
		warning:     newPassThroughWarning(set.Logger, warnInterval),
		scratch:     make(chan *batchScratch, 4*runtime.GOMAXPROCS(0)),
		hold:        hold,
		next:        next,
		stop:        make(chan struct{}),
	}
	if err := registerCoreStats(tb, core, hold, p.metricAttrs); err != nil {
		tb.Shutdown()
		return nil, err
	}
	return p, nil
}

func (p *genaiProcessor) start(ctx context.Context, host component.Host) error {
	p.logger.Info("GenAI enrichment core loaded", zap.String("core_version", coreLibraryVersion()),
		zap.Bool("wait_for_root", p.hold != nil), zap.Bool("checkpoints", p.checkpoint != nil))
	if p.checkpoint != nil {
		if err := p.checkpoint.start(ctx, host); err != nil {
			return err
		}
	}
	if p.hold != nil {
		p.background.Add(1)
		go p.releaseOnTimeout()
	}
	if p.priceReload != nil {
		p.priceReload.start()
	}
	p.background.Add(1)
	go p.expireIdle()
	return nil
}

// shutdown may run without start and more than once. Held spans are enriched as they are and passed on, then
// the last checkpoint is written (so it counts their turns), before the core's handle is freed.
func (p *genaiProcessor) shutdown(ctx context.Context) error {
	var err error
	p.stopOnce.Do(func() {
		close(p.stop)
		p.background.Wait()
		if p.priceReload != nil {
			p.priceReload.shutdown()
		}
		if p.hold != nil {
			p.release(ctx, p.hold.drain(), "shutdown")
		}
		if p.checkpoint != nil {
			err = p.checkpoint.shutdown(ctx)
		}
		p.telemetry.Shutdown()
		p.core.close()
	})
	return err
}

// expireIdle lets memory shrink when traffic stops: batches forget idle state only as they meet it.
func (p *genaiProcessor) expireIdle() {
	defer p.background.Done()
	every(expireInterval, p.stop, func(time.Time) {
		if err := p.core.expire(); err != nil {
			p.logger.Debug("last9_genai: expiring idle state failed", zap.Error(err))
		}
	})
}

func (p *genaiProcessor) releaseOnTimeout() {
	defer p.background.Done()
	every(max(p.hold.timeout/10, 10*time.Millisecond), p.stop, func(now time.Time) {
		p.release(context.Background(), p.hold.expired(now, false), "timeout")
	})
}

// release enriches held traces without their root (what is known of it from earlier batches still applies) and
// passes them to the next consumer. Traces back for a retry were enriched before and go on as they are.
func (p *genaiProcessor) release(ctx context.Context, traces []*heldTrace, reason string) {
	if len(traces) == 0 {
		return
	}
	fresh, again := ptrace.NewTraces(), ptrace.NewTraces()
	bytes := 0
	for _, t := range traces {
		bytes += t.bytes
		if t.enriched {
			t.td.ResourceSpans().MoveAndAppendTo(again.ResourceSpans())
		} else {
			t.td.ResourceSpans().MoveAndAppendTo(fresh.ResourceSpans())
		}
	}
	if n := fresh.SpanCount(); n > 0 {
		p.telemetry.ProcessorLast9GenaiSpansReleased.Add(ctx, int64(n),
			metric.WithAttributeSet(attribute.NewSet(append(p.metricAttrs.ToSlice(), attribute.String("reason", reason))...)))
		fresh = p.enrichBatch(ctx, fresh, false)
	}
	again.ResourceSpans().MoveAndAppendTo(fresh.ResourceSpans())
	p.deliver(ctx, fresh, bytes, reason)
}

// mergedTail marks where a batch's merged spans begin (its ResourceSpans from `from` on) and their bytes.
type mergedTail struct{ from, bytes int }

// returnPath is the next consumer as processorhelper calls it: when it refuses a batch that carries spans merged
// from the hold buffer, those spans wait again instead of being lost with the refused batch.
type returnPath struct {
	p    *genaiProcessor
	next consumer.Traces
}

func (r returnPath) Capabilities() consumer.Capabilities { return r.next.Capabilities() }

func (r returnPath) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	err := r.next.ConsumeTraces(ctx, td)
	v, merged := r.p.inFlight.LoadAndDelete(td)
	if err == nil || !merged {
		return err
	}
	tail := v.(mergedTail)
	back := ptrace.NewTraces()
	rss := td.ResourceSpans()
	for i := tail.from; i < rss.Len(); i++ {
		rss.At(i).CopyTo(back.ResourceSpans().AppendEmpty())
	}
	if r.p.refused(ctx, back, tail.bytes, "root", err) {
		// Shutting down: nothing may wait any more, so they are offered again now.
		r.p.deliver(ctx, back, tail.bytes, "root")
	}
	return err
}

// shutdownRetries bounds how often spans refused at shutdown are offered again (while the context allows).
const (
	shutdownRetries    = 10
	shutdownRetryPause = 100 * time.Millisecond
)

// deliver passes released (already enriched) spans to the next consumer. Their senders were answered when the
// spans arrived, so a refusal cannot go back to them: the spans wait again and are offered at the next release
// tick (still within the buffer's bounds), unless the error is permanent. At shutdown they are offered a few more
// times while ctx allows; only then, or on a permanent error, are they dropped, with an error log.
func (p *genaiProcessor) deliver(ctx context.Context, td ptrace.Traces, bytes int, reason string) {
	for attempt := 0; ; attempt++ {
		err := p.next.ConsumeTraces(ctx, td)
		if err == nil || !p.refused(ctx, td, bytes, reason, err) {
			return
		}
		if attempt >= shutdownRetries || ctx.Err() != nil {
			spans := td.SpanCount()
			p.logger.Error("released spans dropped at shutdown: the next consumer kept refusing them", zap.Error(err),
				zap.Int("spans", spans), zap.String("reason", reason), zap.Int("attempts", attempt+1))
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(shutdownRetryPause):
		}
	}
}

// refused counts and logs a refusal of released spans and keeps them to be offered again. It says whether the
// caller must offer them itself now: only when the buffer is closed (shutdown) and the error is not permanent.
func (p *genaiProcessor) refused(ctx context.Context, td ptrace.Traces, bytes int, reason string, err error) bool {
	spans := td.SpanCount()
	p.telemetry.ProcessorLast9GenaiReleaseFailures.Add(ctx, int64(spans), metric.WithAttributeSet(p.metricAttrs))
	if consumererror.IsPermanent(err) {
		p.logger.Error("released spans dropped: the next consumer refused them permanently", zap.Error(err),
			zap.Int("spans", spans), zap.String("reason", reason))
		return false
	}
	if p.hold != nil && p.hold.retry(td, spans, bytes, time.Now()) {
		p.logger.Warn("released spans refused by the next consumer; they wait and are offered again",
			zap.Error(err), zap.Int("spans", spans), zap.String("reason", reason), zap.Duration("retry_in", p.hold.timeout))
		return false
	}
	return true
}

func (p *genaiProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	if td.SpanCount() == 0 {
		return td, nil
	}
	td, held, merged := p.enrichBatchHolding(ctx, td, p.hold != nil)
	if len(merged) > 0 {
		// Spans that waited for this batch's root go on in it, so that every later hop (a load-balancing
		// exporter, a back tier waiting for roots) sees them with their root. Their senders were answered
		// already: if the next consumer refuses the batch, returnPath takes them back to be offered again.
		tail := mergedTail{from: td.ResourceSpans().Len()}
		for _, t := range merged {
			t.td.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
			tail.bytes += t.bytes
		}
		p.inFlight.Store(td, tail)
	}
	if held && td.SpanCount() == 0 {
		// Everything waits for its root: nothing to pass on now.
		return td, processorhelper.ErrSkipProcessingData
	}
	return td, nil
}

// enrichBatch enriches td in place without holding anything (so nothing is merged into it either).
func (p *genaiProcessor) enrichBatch(ctx context.Context, td ptrace.Traces, _ bool) ptrace.Traces {
	td, _, _ = p.enrichBatchHolding(ctx, td, false)
	return td
}

// enrichBatchHolding enriches td in place; with mayHold, spans the core wants held are moved out of it into the
// hold buffer (and it says whether any were). Held traces whose root is in td are enriched with it and returned,
// enriched, for the caller to pass on.
func (p *genaiProcessor) enrichBatchHolding(ctx context.Context, td ptrace.Traces, mayHold bool) (ptrace.Traces, bool, []*heldTrace) {
	var sc *batchScratch
	select {
	case sc = <-p.scratch:
	default:
		sc = new(batchScratch)
	}
	defer p.recycle(sc)
	r := &sc.records
	r.reset()
	r.addTraces(td, p.keys)
	batchSpans := len(r.spans)
	var merged []*heldTrace
	if mayHold {
		merged = p.hold.claim(r)
		for _, t := range merged {
			r.addTraces(t.td, p.keys)
			p.telemetry.ProcessorLast9GenaiSpansReleased.Add(ctx, int64(t.spans),
				metric.WithAttributeSet(attribute.NewSet(append(p.metricAttrs.ToSlice(), attribute.String("reason", "root"))...)))
		}
		mayHold = p.hold.hasRoom()
	}
	var holds []int
	err := p.core.enrichSpans(r.request(mayHold), func(patches []byte) error {
		if patches == nil {
			return nil
		}
		var err error
		holds, err = applyPatches(patches, r.spans, p.keys, &sc.patches)
		return err
	})
	// Merged traces go on whatever happened: enriched, or as they came when the core failed.
	for _, t := range merged {
		t.enriched = true
	}
	if err != nil {
		p.telemetry.ProcessorLast9GenaiPassthroughBatches.Add(ctx, 1, metric.WithAttributeSet(p.metricAttrs))
		p.warning.record(err, len(r.spans))
		return td, false, merged
	}
	if len(holds) == 0 {
		return td, false, merged
	}
	for _, h := range holds {
		if h >= batchSpans {
			// Only spans of this batch can be held: a merged trace has its root here.
			p.warning.record(errPatches, len(r.spans))
			return td, false, merged
		}
	}
	return td, p.hold.keep(td, holds, time.Now()), merged
}

func (p *genaiProcessor) recycle(sc *batchScratch) {
	clear(sc.records.spans)
	if cap(sc.records.buf) > maxPooledRecordBytes {
		return
	}
	select {
	case p.scratch <- sc:
	default:
	}
}
