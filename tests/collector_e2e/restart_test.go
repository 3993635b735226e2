package collectore2e

// Conversation state across restarts of the real binary, through the file_storage extension: turns and running
// totals continue after a clean stop; a corrupt checkpoint starts clean with a warning and a counter.

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const restartTemplate = `
extensions:
  health_check:
    endpoint: 127.0.0.1:%[4]d
  file_storage:
    directory: %[1]s/storage
    create_directory: true
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%[2]d
      http:
        endpoint: 127.0.0.1:%[3]d
processors:
  last9_genai:
    storage: file_storage
    checkpoint_interval: 1h
exporters:
  file:
    path: %[1]s/out.jsonl
    flush_interval: 50ms
service:
  extensions: [health_check, file_storage]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [last9_genai]
      exporters: [file]
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %[5]d
`

// restartTurn sends one turn of conversation conv (a root with the id, a gpt-4o call) and returns the root as
// exported.
func restartTurn(t *testing.T, c *collector, trace byte, conv string, in, out int64) (asserter, spanSpec) {
	t.Helper()
	root := spanSpec{scenario: 40, trace: trace, id: 1, name: "chat_turn",
		attrs: map[string]any{"gen_ai.conversation.id": conv}}
	call := spanSpec{scenario: 40, trace: trace, id: 2, parent: 1, name: "chat gpt-4o", attrs: chatAttrs("gpt-4o", in, out)}
	c.send(t, httpProto, batchOf(root, call))
	return waitForSpanIn(t, filepath.Join(c.dir, "out.jsonl"), root), root
}

func TestConversationStateSurvivesRestarts(t *testing.T) {
	dir := t.TempDir()
	first := startCollectorWith(t, dir, restartTemplate)
	a, root := restartTurn(t, first, 1, "conv-restart", 1000, 100)
	a.int(root, "gen_ai.conversation.turn", 1)
	a, root = restartTurn(t, first, 2, "conv-restart", 2000, 200)
	a.int(root, "gen_ai.conversation.turn", 2)
	metricValue(t, first.metrics(t), "otelcol_processor_last9_genai_checkpoint_restores", "last9_genai",
		`outcome="missing"`, 1)
	first.stop(t)

	second := startCollectorWith(t, dir, restartTemplate)
	a, root = restartTurn(t, second, 3, "conv-restart", 3000, 300)
	a.int(root, "gen_ai.conversation.turn", 3)
	a.usd(root, "gen_ai.conversation.cost_usd", gpt4oCost(1000, 100)+gpt4oCost(2000, 200)+gpt4oCost(3000, 300))
	m := second.metrics(t)
	metricValue(t, m, "otelcol_processor_last9_genai_checkpoint_restores", "last9_genai", `outcome="restored"`, 1)
	metricValue(t, m, "otelcol_processor_last9_genai_conversations_restored", "last9_genai", "", 1)
	second.stop(t)

	// Overwrite the checkpoint inside file_storage's database with bytes that are not one.
	db := filepath.Join(dir, "storage", "processor_last9_genai_")
	corrupt(t, db, "conversations", []byte("garbage, not a checkpoint"))

	third2 := startCollectorWith(t, dir, restartTemplate)
	a, root = restartTurn(t, third2, 4, "conv-restart", 1000, 100)
	a.int(root, "gen_ai.conversation.turn", 1)
	a.usd(root, "gen_ai.conversation.cost_usd", gpt4oCost(1000, 100))
	metricValue(t, third2.metrics(t), "otelcol_processor_last9_genai_checkpoint_restores", "last9_genai",
		`outcome="corrupt"`, 1)
	if n := strings.Count(third2.log.String(), "conversation checkpoint refused; starting clean"); n != 1 {
		t.Errorf("want one warning about the corrupt checkpoint, got %d", n)
	}
	third2.stop(t)
}

func corrupt(t *testing.T, path, key string, value []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("default"))
		if b == nil {
			return fmt.Errorf("no bucket 'default' in %s", path)
		}
		if b.Get([]byte(key)) == nil {
			return fmt.Errorf("no key %q in %s: the processor wrote no checkpoint", key, path)
		}
		return b.Put([]byte(key), value)
	})
	if err != nil {
		t.Fatal(err)
	}
}
