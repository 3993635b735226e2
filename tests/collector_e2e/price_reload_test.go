package collectore2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The pipeline under test; loopbackOverlay adds the listeners, the health check and the metrics reader.
const priceReloadConfig = `
processors:
  last9_genai:
    pricing_file: %[1]s/prices.json
    pricing_file_check_interval: 1s
    use_default_pricing: false
    wait_for_root:
      timeout: 0s
exporters:
  file:
    path: %[1]s/out.jsonl
    flush_interval: 50ms
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [last9_genai]
      exporters: [file]
`

// TestPriceFileReload: the running collector puts a changed pricing_file in force without a restart (the next
// calls use the new price), and keeps the prices in force when the file is broken.
func TestPriceFileReload(t *testing.T) {
	dir := t.TempDir()
	prices := filepath.Join(dir, "prices.json")
	stamp := time.Now().Add(-time.Hour)
	write := func(doc string) {
		stamp = stamp.Add(time.Minute)
		if err := os.WriteFile(prices, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(prices, stamp, stamp); err != nil {
			t.Fatal(err)
		}
	}
	// 1000 input and 500 output tokens of gpt-4o, at 2.50 / 10.00 per million, then at 5.00 / 20.00.
	write(`{"gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}}`)
	c := newCollector(t, dir)
	base, overlay := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "overlay.yaml")
	writeFile(t, base, fmt.Sprintf(priceReloadConfig, dir))
	writeFile(t, overlay, fmt.Sprintf(loopbackOverlay, dir, c.grpcPort, c.httpPort, c.healthPort, c.metricsPort))
	c.launch(t, []string{"--config", base, "--config", overlay}, nil)
	defer c.stop(t)
	out := filepath.Join(dir, "out.jsonl")
	span := func(scenario byte) spanSpec {
		return spanSpec{scenario: scenario, trace: 1, id: 1, name: "chat gpt-4o", attrs: chatAttrs("gpt-4o", 1000, 500)}
	}
	first := span(71)
	c.send(t, overGRPC, batchOf(first))
	requirePriced(waitForSpanIn(t, out, first), first, 2.50, 10.00)

	write(`{"gpt-4o": {"input_cost_per_token": 5e-06, "output_cost_per_token": 2e-05}}`)
	// Checked every second: send until a call comes out at the new price (none in between at another).
	deadline := time.Now().Add(15 * time.Second)
	for scenario := byte(72); ; scenario++ {
		s := span(scenario)
		c.send(t, overGRPC, batchOf(s))
		a := waitForSpanIn(t, out, s)
		_, v, _ := a.value(s, "gen_ai.usage.cost_usd")
		if v.Double() > 0.0075 {
			requirePriced(a, s, 5.00, 20.00)
			break
		}
		requirePriced(a, s, 2.50, 10.00)
		if time.Now().After(deadline) {
			t.Fatal("the changed pricing_file was not put in force within 15 s")
		}
		time.Sleep(200 * time.Millisecond)
	}

	write(`{"gpt-4o": `)
	time.Sleep(2500 * time.Millisecond)
	last := span(120)
	c.send(t, overGRPC, batchOf(last))
	requirePriced(waitForSpanIn(t, out, last), last, 5.00, 20.00)
}
