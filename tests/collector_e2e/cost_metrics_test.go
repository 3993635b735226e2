package collectore2e

// Cost as metrics (issue 9 item 9): collector-config/example-cost-metrics.yaml run by the binary, its listeners
// moved by its own environment variables, its two exporters swapped for files (and the opt-in per-user connector
// switched on) by an overlay. Known spans in; every series of every metric out, with exact values computed from the
// token counts and gpt-4o's embedded list price (2.50 in / 10.00 out per million tokens).

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// costMetricsOverlay: a file for the spans and one for the metrics instead of the example's backends, and the
// opt-in per-user connector added to both pipelines, as the example tells an operator to do. Argument: the dir.
const costMetricsOverlay = `
exporters:
  file/traces:
    path: %[1]s/traces.jsonl
    flush_interval: 50ms
  file/metrics:
    path: %[1]s/metrics.jsonl
    flush_interval: 50ms
service:
  pipelines:
    traces:
      exporters: [file/traces, signal_to_metrics, signal_to_metrics/per_user]
    metrics:
      receivers: [signal_to_metrics, signal_to_metrics/per_user]
      exporters: [file/metrics]
`

// series is "metric{k=v,...}" with the data point's attributes and the resource's service.name, sorted.
func seriesKey(metric string, res, attrs pcommon.Map) string {
	var kv []string
	if v, ok := res.Get("service.name"); ok {
		kv = append(kv, "service.name="+v.AsString())
	}
	attrs.Range(func(k string, v pcommon.Value) bool {
		kv = append(kv, k+"="+v.AsString())
		return true
	})
	sort.Strings(kv)
	return metric + "{" + strings.Join(kv, ",") + "}"
}

// readCostMetrics returns the LAST value of every gen_ai.l9.* series the file exporter has written (the output of
// delta_to_cumulative, so the last value is the running total), and a problem for every metric that is not a
// monotonic cumulative sum.
func readCostMetrics(t *testing.T, path string) (map[string]float64, []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	got := map[string]float64{}
	var problems []string
	var u pmetric.JSONUnmarshaler
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		md, err := u.UnmarshalMetrics([]byte(line))
		if err != nil {
			continue // a line still being written
		}
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			rm := md.ResourceMetrics().At(i)
			for j := 0; j < rm.ScopeMetrics().Len(); j++ {
				ms := rm.ScopeMetrics().At(j).Metrics()
				for k := 0; k < ms.Len(); k++ {
					m := ms.At(k)
					if !strings.HasPrefix(m.Name(), "gen_ai.l9.") {
						continue
					}
					if m.Type() != pmetric.MetricTypeSum || !m.Sum().IsMonotonic() ||
						m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
						problems = append(problems, fmt.Sprintf("%s: %s, want a monotonic cumulative sum", m.Name(), m.Type()))
						continue
					}
					dps := m.Sum().DataPoints()
					for d := 0; d < dps.Len(); d++ {
						dp := dps.At(d)
						v := float64(dp.IntValue())
						if dp.ValueType() == pmetric.NumberDataPointValueTypeDouble {
							v = dp.DoubleValue()
						}
						got[seriesKey(m.Name(), rm.Resource().Attributes(), dp.Attributes())] = v
					}
				}
			}
		}
	}
	return got, problems
}

func diffSeries(got, want map[string]float64) []string {
	var diffs []string
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("missing %s (want %v)", k, w))
		case math.Abs(g-w) > costTolerance:
			diffs = append(diffs, fmt.Sprintf("%s = %.15g, want %.15g", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("unexpected series %s = %v", k, g))
		}
	}
	sort.Strings(diffs)
	return diffs
}

// TestCostMetrics: two turns of one conversation. Turn 1 is a "support" workflow with two gpt-4o calls (1000 in,
// 500 out: 0.0075 USD each) and one call of a model no price list knows (200 in, 100 out: unpriced_model). Turn 2
// has no workflow: an agent span repeating its child's usage (400 in, 100 out), so the wrapper is a duplicate and
// only the child pays (0.001 + 0.001 = 0.002 USD). Every series of every metric is checked, and that no other
// series exists: the unpriced call and the wrapper add no cost and no tokens; the unpriced call is a call, the
// wrapper is not; each turn counts once, however many spans it has.
func TestCostMetrics(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	example := filepath.Join(root, "collector-config", "example-cost-metrics.yaml")
	dir := t.TempDir()
	overlay := filepath.Join(dir, "overlay.yaml")
	writeFile(t, overlay, fmt.Sprintf(costMetricsOverlay, dir))
	c := newCollector(t, dir)
	env := []string{
		fmt.Sprintf("COST_OTLP_GRPC_ENDPOINT=127.0.0.1:%d", c.grpcPort),
		fmt.Sprintf("COST_OTLP_HTTP_ENDPOINT=127.0.0.1:%d", c.httpPort),
		fmt.Sprintf("COST_HEALTH_ENDPOINT=127.0.0.1:%d", c.healthPort),
		fmt.Sprintf("COST_TELEMETRY_PORT=%d", c.metricsPort),
	}
	bin, err := filepath.Abs(*collectorBinary)
	if err != nil {
		t.Fatal(err)
	}
	runOnce(t, root, env, bin, "validate", "--config", example, "--config", overlay)
	start := time.Now()
	c.launch(t, []string{"--config", example, "--config", overlay}, env)

	const conv, user = "conv-cost-metrics-1", "user-cost-metrics-1"
	turn1 := []spanSpec{
		{scenario: 61, trace: 1, id: 1, name: "support.turn", attrs: map[string]any{
			"gen_ai.conversation.id": conv, "user.id": user, "workflow.id": "wf-cm-1", "workflow.type": "support"}},
		{scenario: 61, trace: 1, id: 2, parent: 1, name: "chat gpt-4o", attrs: chatAttrs("gpt-4o", 1000, 500)},
		{scenario: 61, trace: 1, id: 3, parent: 1, name: "chat gpt-4o again", attrs: chatAttrs("gpt-4o", 1000, 500)},
		{scenario: 61, trace: 1, id: 4, parent: 1, name: "chat unknown", attrs: chatAttrs(unpricedModel, 200, 100)},
	}
	wrapper := chatAttrs("gpt-4o", 400, 100)
	wrapper["gen_ai.conversation.id"] = conv
	wrapper["user.id"] = user
	turn2 := []spanSpec{
		{scenario: 61, trace: 2, id: 1, name: "agent.turn", attrs: wrapper},
		{scenario: 61, trace: 2, id: 2, parent: 1, name: "chat gpt-4o", attrs: chatAttrs("gpt-4o", 400, 100)},
	}
	traces := filepath.Join(dir, "traces.jsonl")
	// One turn at a time, each out before the next, so that the turn numbers follow the sending order.
	c.send(t, httpProto, batchOf(turn1...))
	waitForSpanIn(t, traces, turn1[3])
	c.send(t, overGRPC, batchOf(turn2...))
	a := waitForSpanIn(t, traces, turn2[0])

	// The spans the metrics are made from, as the processor wrote them.
	for _, s := range turn1[1:3] {
		a.str(s, "gen_ai.l9.cost.status", "priced")
		a.usd(s, "gen_ai.usage.cost_usd", gpt4oCost(1000, 500))
		a.str(s, "workflow.type", "support")
		a.int(s, "gen_ai.conversation.turn", 1)
	}
	a.str(turn1[3], "gen_ai.l9.cost.status", "unpriced_model")
	a.absent(turn1[3], "gen_ai.usage.cost_usd")
	a.str(turn2[0], "gen_ai.l9.cost.status", "duplicate")
	a.absent(turn2[0], "gen_ai.usage.cost_usd")
	a.int(turn2[0], "gen_ai.conversation.turn", 2)
	a.str(turn2[1], "gen_ai.l9.cost.status", "priced")
	a.usd(turn2[1], "gen_ai.usage.cost_usd", gpt4oCost(400, 100))

	const svc = "service.name=e2e-agent"
	gpt := svc + ",gen_ai.l9.cost.model=gpt-4o,gen_ai.provider.name=openai,gen_ai.request.model=gpt-4o"
	key := func(metric string, labels ...string) string {
		sort.Strings(labels)
		return metric + "{" + strings.Join(labels, ",") + "}"
	}
	split := func(s string) []string { return strings.Split(s, ",") }
	with := func(base string, more ...string) []string { return append(split(base), more...) }
	want := map[string]float64{
		key("gen_ai.l9.cost_usd", with(gpt, "workflow.type=support")...):      2 * gpt4oCost(1000, 500), // 0.015
		key("gen_ai.l9.cost_usd", split(gpt)...):                              gpt4oCost(400, 100),      // 0.002
		key("gen_ai.l9.input_tokens", with(gpt, "workflow.type=support")...):  2000,
		key("gen_ai.l9.input_tokens", split(gpt)...):                          400,
		key("gen_ai.l9.output_tokens", with(gpt, "workflow.type=support")...): 1000,
		key("gen_ai.l9.output_tokens", split(gpt)...):                         100,
		key("gen_ai.l9.llm_calls", svc, "gen_ai.l9.cost.status=priced", "gen_ai.l9.span.kind=llm",
			"gen_ai.provider.name=openai", "gen_ai.request.model=gpt-4o", "workflow.type=support"): 2,
		key("gen_ai.l9.llm_calls", svc, "gen_ai.l9.cost.status=unpriced_model", "gen_ai.l9.span.kind=llm",
			"gen_ai.provider.name=openai", "gen_ai.request.model="+unpricedModel, "workflow.type=support"): 1,
		key("gen_ai.l9.llm_calls", svc, "gen_ai.l9.cost.status=priced", "gen_ai.l9.span.kind=llm",
			"gen_ai.provider.name=openai", "gen_ai.request.model=gpt-4o"): 1,
		key("gen_ai.l9.conversation.turns", svc, "workflow.type=support"): 1,
		key("gen_ai.l9.conversation.turns", svc):                          1,
		key("gen_ai.l9.conversations", svc, "workflow.type=support"):      1,
		// The opt-in per-user metric: both turns' billable calls.
		key("gen_ai.l9.user.cost_usd", svc, "user.id="+user, "gen_ai.request.model=gpt-4o"): 2*gpt4oCost(1000, 500) +
			gpt4oCost(400, 100), // 0.017
	}

	metricsPath := filepath.Join(dir, "metrics.jsonl")
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, problems := readCostMetrics(t, metricsPath)
		diffs := diffSeries(got, want)
		if len(diffs) == 0 && len(problems) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics after 30s:\n%s", strings.Join(append(problems, diffs...), "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.stop(t)
	t.Logf("collector ran %s", time.Since(start).Round(time.Millisecond))
}
