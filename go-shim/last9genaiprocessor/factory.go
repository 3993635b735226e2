package last9genaiprocessor

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.uber.org/zap"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
)

// Defaults of the keys only the shim reads, documented in the top-level README's configuration table (a test
// compares them). The defaults of the keys the core reads come from the core (coreDefaults).
const (
	defaultPriceFileCheck  = time.Minute
	defaultRootWait        = time.Second
	defaultMaxWaitingSpans = 100_000
	defaultMaxWaitingMiB   = 64
	defaultCheckpointEvery = time.Minute
)

// The core's defaults, read once: they never change within a process.
var (
	coreDefaultsOnce sync.Once
	coreDefaultValue coreConfig
)

// NewFactory returns the factory for the `last9_genai` traces processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithTraces(createTraces, metadata.TracesStability),
	)
}

func createDefaultConfig() component.Config {
	coreDefaultsOnce.Do(func() {
		// The call cannot fail short of a broken build; if it did, the zero values left here fail Validate with
		// the core's own message naming the key, before anything listens.
		coreDefaultValue, _ = coreDefaults()
	})
	d := coreDefaultValue
	seconds := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	return &Config{
		UseDefaultPricing:        d.UseDefaultPricing,
		MaxConversations:         d.MaxConversations,
		ConversationTTL:          seconds(d.ConversationTTLSeconds),
		MaxTraces:                d.MaxTraces,
		TraceTTL:                 seconds(d.TraceTTLSeconds),
		MaxRememberedSpans:       d.MaxRememberedSpans,
		MaxStateMiB:              d.MaxStateMiB,
		ConversationIDsOnly:      d.ConversationIDsOnly,
		CheckpointInterval:       defaultCheckpointEvery,
		PricingFileCheckInterval: defaultPriceFileCheck,
		WaitForRoot: WaitForRootConfig{
			Timeout:  defaultRootWait,
			MaxSpans: defaultMaxWaitingSpans,
			MaxMiB:   defaultMaxWaitingMiB,
		},
	}
}

// createTraces builds the core here rather than in Start, so a configuration the core rejects (a pricing_file it
// cannot parse, for example) stops the collector while it builds pipelines, before any receiver listens, with the
// core's own message.
func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	pCfg := cfg.(*Config)
	configJSON, err := pCfg.coreJSON()
	if err != nil {
		return nil, fmt.Errorf("encoding configuration for the core: %w", err)
	}
	c, err := newCore(configJSON)
	if err != nil {
		return nil, err
	}
	if s, err := c.stats(); err == nil {
		fields := []zap.Field{zap.Int64("price_table_models", s.PriceTableModels)}
		if pCfg.PricingFile != "" {
			// Entries the table cannot bill per token (image, audio, per-second or per-request models) are skipped:
			// say how many, and which format the file was read as.
			fields = append(fields, zap.String("pricing_file", pCfg.PricingFile), zap.String("format", s.PricingFileFormat),
				zap.Int64("file_entries_loaded", s.PricingFileLoaded), zap.Int64("file_entries_skipped", s.PricingFileSkipped))
		}
		set.Logger.Info("last9_genai prices loaded", fields...)
	}
	var hold *holdBuffer
	if w := pCfg.WaitForRoot; w.Timeout > 0 {
		hold = newHoldBuffer(w.Timeout, w.MaxSpans, w.MaxMiB<<20)
	}
	p, err := newGenaiProcessor(set.ID, set.TelemetrySettings, c, hold, next)
	if err != nil {
		c.close()
		return nil, err
	}
	if pCfg.PricingFile != "" && pCfg.PricingFileCheckInterval > 0 {
		p.priceReload = &priceReloader{path: pCfg.PricingFile, interval: pCfg.PricingFileCheckInterval, core: c,
			logger: set.Logger, tel: p.telemetry, attrs: p.metricAttrs}
	}
	if pCfg.Storage != nil {
		p.checkpoint = &checkpointer{
			storageID: *pCfg.Storage,
			interval:  pCfg.CheckpointInterval,
			processor: set.ID,
			core:      c,
			logger:    set.Logger,
			telemetry: p.telemetry,
			attrs:     p.metricAttrs,
		}
	}
	return processorhelper.NewTraces(ctx, set, cfg, returnPath{p: p, next: next}, p.processTraces,
		// Attributes are put on the spans of the batch itself, and held spans are moved out of it.
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown))
}
