package last9genaiprocessor

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
)

// statsMaxAge: instruments observed in one collection share one read of the core's counters.
const statsMaxAge = time.Second

// sharedStats reads the core's counters at most once per statsMaxAge, however many instruments observe them.
type sharedStats struct {
	core enricher
	mu   sync.Mutex
	at   time.Time
	last coreStats
	err  error
}

func (s *sharedStats) get() (coreStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now := time.Now(); now.Sub(s.at) >= statsMaxAge {
		s.last, s.err = s.core.stats()
		s.at = now
	}
	return s.last, s.err
}

// registerCoreStats exposes the core's cumulative counters as observable instruments; a closed core reports
// nothing. The hold buffer's size is read from the buffer itself.
func registerCoreStats(tb *metadata.TelemetryBuilder, core enricher, hold *holdBuffer, attrs attribute.Set) error {
	labels := metric.WithAttributeSet(attrs)
	shared := &sharedStats{core: core}
	fromStats := func(pick func(coreStats) int64) metric.Int64Callback {
		return func(_ context.Context, o metric.Int64Observer) error {
			if s, err := shared.get(); err == nil {
				o.Observe(pick(s), labels)
			}
			return nil
		}
	}
	fromHold := func(pick func(spans, bytes int) int) metric.Int64Callback {
		return func(_ context.Context, o metric.Int64Observer) error {
			if hold != nil {
				o.Observe(int64(pick(hold.counts())), labels)
			}
			return nil
		}
	}
	return errors.Join(
		tb.RegisterProcessorLast9GenaiBatchesCallback(fromStats(func(s coreStats) int64 { return s.Batches })),
		tb.RegisterProcessorLast9GenaiSpansSeenCallback(fromStats(func(s coreStats) int64 { return s.SpansSeen })),
		tb.RegisterProcessorLast9GenaiSpansEnrichedCallback(fromStats(func(s coreStats) int64 { return s.SpansEnriched })),
		tb.RegisterProcessorLast9GenaiSpansPricedCallback(fromStats(func(s coreStats) int64 { return s.Priced })),
		tb.RegisterProcessorLast9GenaiSpansPricedOtherProviderCallback(fromStats(func(s coreStats) int64 { return s.PricedOtherProvider })),
		tb.RegisterProcessorLast9GenaiSpansServiceTierUnpricedCallback(fromStats(func(s coreStats) int64 { return s.ServiceTierUnpriced })),
		tb.RegisterProcessorLast9GenaiSpansUnpricedModelCallback(fromStats(func(s coreStats) int64 { return s.UnpricedModel })),
		tb.RegisterProcessorLast9GenaiSpansDuplicateCallback(fromStats(func(s coreStats) int64 { return s.Duplicate })),
		tb.RegisterProcessorLast9GenaiSpansCostProvidedCallback(fromStats(func(s coreStats) int64 { return s.Provided })),
		tb.RegisterProcessorLast9GenaiConversationsTrackedCallback(fromStats(func(s coreStats) int64 { return s.ConversationsTracked })),
		tb.RegisterProcessorLast9GenaiTracesTrackedCallback(fromStats(func(s coreStats) int64 { return s.TracesTracked })),
		tb.RegisterProcessorLast9GenaiConversationEvictionsCallback(fromStats(func(s coreStats) int64 { return s.ConversationEvictions })),
		tb.RegisterProcessorLast9GenaiTraceEvictionsCallback(fromStats(func(s coreStats) int64 { return s.TraceEvictions })),
		tb.RegisterProcessorLast9GenaiConversationExpirationsCallback(fromStats(func(s coreStats) int64 { return s.ConversationExpiries })),
		tb.RegisterProcessorLast9GenaiTraceExpirationsCallback(fromStats(func(s coreStats) int64 { return s.TraceExpiries })),
		tb.RegisterProcessorLast9GenaiStateBytesCallback(fromStats(func(s coreStats) int64 { return s.StateBytes })),
		tb.RegisterProcessorLast9GenaiValuesNotRememberedCallback(fromStats(func(s coreStats) int64 { return s.ValuesNotRemembered })),
		tb.RegisterProcessorLast9GenaiValuesUnreadableCallback(fromStats(func(s coreStats) int64 { return s.ValuesUnreadable })),
		tb.RegisterProcessorLast9GenaiSpansWaitingCallback(fromHold(func(spans, _ int) int { return spans })),
		tb.RegisterProcessorLast9GenaiWaitingBytesCallback(fromHold(func(_, bytes int) int { return bytes })),
		tb.RegisterProcessorLast9GenaiUnpricedCallsCallback(func(_ context.Context, o metric.Int64Observer) error {
			s, err := shared.get()
			if err != nil {
				return nil
			}
			for _, r := range []struct {
				reason string
				n      int64
			}{{"unknown_model", s.UnpricedModel}, {"no_token_counts", s.UnpricedNoCounts}, {"unreadable_counts", s.UnpricedUnreadable}} {
				o.Observe(r.n, metric.WithAttributes(append(attrs.ToSlice(), attribute.String("reason", r.reason))...))
			}
			return nil
		}),
		tb.RegisterProcessorLast9GenaiUnpricedModelCallsCallback(func(_ context.Context, o metric.Int64Observer) error {
			s, err := shared.get()
			if err != nil {
				return nil
			}
			for _, m := range slices.Sorted(maps.Keys(s.UnpricedModels)) {
				o.Observe(s.UnpricedModels[m], metric.WithAttributes(append(attrs.ToSlice(), attribute.String("model", m))...))
			}
			return nil
		}),
		tb.RegisterProcessorLast9GenaiCostCallback(func(_ context.Context, o metric.Float64Observer) error {
			s, err := shared.get()
			if err != nil {
				return nil
			}
			models := make([]string, 0, len(s.CostUSDByModel))
			for m := range s.CostUSDByModel {
				models = append(models, m)
			}
			sort.Strings(models)
			for _, m := range models {
				kv := append(attrs.ToSlice(), attribute.String("model", m))
				o.Observe(s.CostUSDByModel[m], metric.WithAttributes(kv...))
			}
			return nil
		}),
	)
}
