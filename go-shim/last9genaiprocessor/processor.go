package last9genaiprocessor

import (
	"bytes"
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
)

// warnInterval bounds how often a failing core is reported in the log.
const warnInterval = 10 * time.Second

// enricher is the Rust core as the processor sees it; tests substitute a failing one.
type enricher interface {
	enrich([]byte) ([]byte, error)
	stats() (coreStats, error)
	close()
}

// genaiProcessor moves each batch through the core: ptrace -> OTLP bytes -> core -> OTLP bytes -> ptrace.
// Whatever fails, the original batch goes on unchanged: the pipeline never breaks because of this processor.
type genaiProcessor struct {
	logger    *zap.Logger
	core      enricher
	telemetry *metadata.TelemetryBuilder
	// metricAttrs labels every metric with the component id, as processorhelper does: two instances (two
	// pipelines) of this processor must not report into one series.
	metricAttrs attribute.Set
	warning     *passThroughWarning
}

func newGenaiProcessor(id component.ID, set component.TelemetrySettings, core enricher) (*genaiProcessor, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	p := &genaiProcessor{
		logger:      set.Logger,
		core:        core,
		telemetry:   tb,
		metricAttrs: attribute.NewSet(attribute.String("processor", id.String())),
		warning:     newPassThroughWarning(set.Logger, warnInterval),
	}
	if err := registerCoreStats(tb, core, p.metricAttrs); err != nil {
		tb.Shutdown()
		return nil, err
	}
	return p, nil
}

func (p *genaiProcessor) start(context.Context, component.Host) error {
	p.logger.Info("GenAI enrichment core loaded", zap.String("core_version", coreLibraryVersion()))
	return nil
}

// shutdown may run without start and more than once; the core frees its handle once.
func (p *genaiProcessor) shutdown(context.Context) error {
	p.telemetry.Shutdown()
	p.core.close()
	return nil
}

func (p *genaiProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	spans := td.SpanCount()
	if spans == 0 {
		return td, nil
	}
	in, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		return p.passThrough(ctx, td, spans, err), nil
	}
	out, err := p.core.enrich(in)
	if err != nil {
		return p.passThrough(ctx, td, spans, err), nil
	}
	if bytes.Equal(out, in) {
		// Nothing to add (no GenAI content, no trace we remember): skip unmarshalling an identical batch.
		return td, nil
	}
	enriched, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(out)
	if err != nil {
		return p.passThrough(ctx, td, spans, err), nil
	}
	return enriched, nil
}

func (p *genaiProcessor) passThrough(ctx context.Context, td ptrace.Traces, spans int, err error) ptrace.Traces {
	p.telemetry.ProcessorLast9GenaiPassthroughBatches.Add(ctx, 1, metric.WithAttributeSet(p.metricAttrs))
	p.warning.record(err, spans)
	return td
}
