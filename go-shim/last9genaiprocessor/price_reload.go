package last9genaiprocessor

import (
	"context"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
)

// priceReloader re-reads pricing_file when it changes (size or modification time, checked every interval) and
// swaps the core's price table: batches never wait for it, and a file that is gone or does not parse leaves the
// prices in force, logged once per distinct error and counted.
type priceReloader struct {
	path     string
	interval time.Duration
	core     interface{ reloadPrices() error }
	logger   *zap.Logger
	tel      *metadata.TelemetryBuilder
	attrs    attribute.Set

	stop    chan struct{}
	done    sync.WaitGroup
	seen    fileStamp
	lastErr string
}

type fileStamp struct {
	size    int64
	modTime time.Time
}

func stampOf(path string) (fileStamp, error) {
	info, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{size: info.Size(), modTime: info.ModTime()}, nil
}

func (r *priceReloader) start() {
	// The core read the file when it was created; changes from now on count.
	r.seen, _ = stampOf(r.path)
	r.stop = make(chan struct{})
	r.done.Add(1)
	go func() {
		defer r.done.Done()
		every(r.interval, r.stop, func(time.Time) { r.check() })
	}()
}

// check reloads when the file's stamp changed since the last attempt.
func (r *priceReloader) check() {
	stamp, err := stampOf(r.path)
	if err == nil && stamp == r.seen {
		return
	}
	r.seen = stamp
	if err == nil {
		err = r.core.reloadPrices()
	}
	outcome := "reloaded"
	if err != nil {
		outcome = "failed"
		if msg := err.Error(); msg != r.lastErr {
			r.lastErr = msg
			r.logger.Warn("pricing_file not reloaded; the prices in force stay", zap.String("pricing_file", r.path), zap.Error(err))
		}
	} else {
		r.lastErr = ""
		r.logger.Info("pricing_file reloaded", zap.String("pricing_file", r.path))
	}
	r.tel.ProcessorLast9GenaiPriceReloads.Add(context.Background(), 1,
		metric.WithAttributeSet(attribute.NewSet(append(r.attrs.ToSlice(), attribute.String("outcome", outcome))...)))
}

// shutdown may run without start.
func (r *priceReloader) shutdown() {
	if r.stop != nil {
		close(r.stop)
		r.done.Wait()
		r.stop = nil
	}
}
