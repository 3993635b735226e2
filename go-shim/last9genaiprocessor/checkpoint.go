package last9genaiprocessor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
)

// checkpointKey is the one storage key this processor writes: the core's conversation state, whole.
const checkpointKey = "conversations"

// stateCore is the part of the core a checkpointer needs.
type stateCore interface {
	exportState() ([]byte, error)
	restoreState(checkpoint []byte) (restored, skipped uint64, err error)
}

// checkpointer keeps the core's conversation state in a storage extension: restored at start, written every
// interval and once more at shutdown. Nothing it meets stops the collector once its client is open: a missing,
// corrupt or newer-version checkpoint starts clean with one warning, a failed write is retried at the next tick.
type checkpointer struct {
	storageID component.ID
	interval  time.Duration
	processor component.ID
	core      stateCore
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	attrs     attribute.Set

	client storage.Client
	// mu orders writes: the periodic one and the last one at shutdown never overlap.
	mu   sync.Mutex
	stop chan struct{}
	done chan struct{}
}

// start opens the storage client and restores. A storage id that names no storage extension is a configuration
// error and fails start, as in contrib components with a `storage` setting.
func (c *checkpointer) start(ctx context.Context, host component.Host) error {
	ext, ok := host.GetExtensions()[c.storageID]
	if !ok {
		return fmt.Errorf("storage: extension %q is not configured (add it under extensions and service::extensions)", c.storageID)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return fmt.Errorf("storage: extension %q is not a storage extension", c.storageID)
	}
	client, err := se.GetClient(ctx, component.KindProcessor, c.processor, "")
	if err != nil {
		return fmt.Errorf("storage: opening a client of %q: %w", c.storageID, err)
	}
	c.client = client
	c.restore(ctx)
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go c.run()
	return nil
}

func (c *checkpointer) restore(ctx context.Context) {
	outcome := func(o string) {
		c.telemetry.ProcessorLast9GenaiCheckpointRestores.Add(ctx, 1, metric.WithAttributeSet(
			attribute.NewSet(append(c.attrs.ToSlice(), attribute.String("outcome", o))...)))
	}
	data, err := c.client.Get(ctx, checkpointKey)
	switch {
	case err != nil:
		outcome("storage_error")
		c.logger.Warn("conversation state could not be read from storage; starting clean", zap.Error(err),
			zap.String("storage", c.storageID.String()))
		return
	case data == nil:
		outcome("missing")
		c.logger.Warn("no conversation checkpoint in storage (first start?); starting clean",
			zap.String("storage", c.storageID.String()))
		return
	}
	restored, skipped, err := c.core.restoreState(data)
	if err != nil {
		o := "corrupt"
		var ce *coreError
		if errors.As(err, &ce) && ce.status == statusCheckpointNewer {
			o = "newer_version"
		}
		outcome(o)
		c.logger.Warn("conversation checkpoint refused; starting clean", zap.Error(err),
			zap.String("storage", c.storageID.String()), zap.Int("bytes", len(data)))
		return
	}
	outcome("restored")
	c.telemetry.ProcessorLast9GenaiConversationsRestored.Add(ctx, int64(restored), metric.WithAttributeSet(c.attrs))
	c.logger.Info("conversation state restored", zap.Uint64("conversations", restored),
		zap.Uint64("skipped_idle_or_known", skipped), zap.String("storage", c.storageID.String()))
}

func (c *checkpointer) run() {
	defer close(c.done)
	every(c.interval, c.stop, func(time.Time) { c.write(context.Background()) })
}

func (c *checkpointer) write(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	outcome := "written" // the values of write_outcome in metadata.yaml
	data, err := c.core.exportState()
	if err == nil {
		err = c.client.Set(ctx, checkpointKey, data)
	}
	if err != nil {
		outcome = "failed"
		c.logger.Warn("conversation checkpoint not written; retrying at the next interval", zap.Error(err),
			zap.String("storage", c.storageID.String()))
	}
	c.telemetry.ProcessorLast9GenaiCheckpointWrites.Add(ctx, 1, metric.WithAttributeSet(
		attribute.NewSet(append(c.attrs.ToSlice(), attribute.String("outcome", outcome))...)))
}

// shutdown writes the last checkpoint and closes the client; the core must still be open. Safe without start.
func (c *checkpointer) shutdown(ctx context.Context) error {
	if c.client == nil {
		return nil
	}
	close(c.stop)
	<-c.done
	c.write(ctx)
	err := c.client.Close(ctx)
	c.client = nil
	return err
}
