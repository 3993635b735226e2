package last9genaiprocessor

import (
	"sync"
	"time"

	"go.uber.org/zap"
)

// passThroughWarning logs enrichment failures at most once per interval, with how many batches went through
// unchanged since the last line: a broken core must not flood the collector's log at the pipeline's batch rate.
type passThroughWarning struct {
	logger   *zap.Logger
	interval time.Duration
	now      func() time.Time

	mu         sync.Mutex
	lastLogged time.Time
	pending    int64
}

func newPassThroughWarning(logger *zap.Logger, interval time.Duration) *passThroughWarning {
	return &passThroughWarning{logger: logger, interval: interval, now: time.Now}
}

func (w *passThroughWarning) record(err error, spans int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending++
	now := w.now()
	if !w.lastLogged.IsZero() && now.Sub(w.lastLogged) < w.interval {
		return
	}
	w.logger.Warn("GenAI enrichment failed; batch passed through unchanged",
		zap.Error(err),
		zap.Int("spans", spans),
		zap.Int64("batches_passed_through", w.pending),
		zap.Duration("log_interval", w.interval))
	w.lastLogged = now
	w.pending = 0
}
