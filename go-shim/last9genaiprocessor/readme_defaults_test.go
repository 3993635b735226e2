package last9genaiprocessor

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// short renders a duration as the README writes it: 24h, 5m, 1s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// The README's configuration table states each default the processor has: the core's (filled in from it) and the
// shim's own.
func TestReadmeDefaultsAreTheConfigsDefaults(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	table := strings.SplitN(strings.SplitN(string(readme), "## Configuration reference", 2)[1], "\n## ", 2)[0]
	cells := map[string]string{}
	for _, line := range strings.Split(table, "\n") {
		parts := strings.Split(line, " | ")
		if len(parts) < 3 || !strings.HasPrefix(parts[0], "| `") {
			continue
		}
		cells[strings.Trim(strings.TrimPrefix(parts[0], "| "), "`")] = parts[2]
	}
	cfg := createDefaultConfig().(*Config)
	want := map[string]string{
		"pricing":                     "none",
		"pricing_file":                "none",
		"pricing_file_check_interval": short(cfg.PricingFileCheckInterval),
		"model_aliases":               "none",
		"use_default_pricing":         fmt.Sprint(cfg.UseDefaultPricing),
		"conversation_id_keys":        "built-in",
		"user_id_keys":                "built-in",
		"workflow_id_keys":            "built-in",
		"workflow_type_keys":          "built-in",
		"propagate_keys":              "none",
		"max_conversations":           fmt.Sprint(cfg.MaxConversations),
		"conversation_ttl":            short(cfg.ConversationTTL),
		"max_traces":                  fmt.Sprint(cfg.MaxTraces),
		"trace_ttl":                   short(cfg.TraceTTL),
		"max_remembered_spans":        fmt.Sprint(cfg.MaxRememberedSpans),
		"wait_for_root::timeout":      short(cfg.WaitForRoot.Timeout),
		"wait_for_root::max_spans":    fmt.Sprint(cfg.WaitForRoot.MaxSpans),
		"wait_for_root::max_mib":      fmt.Sprint(cfg.WaitForRoot.MaxMiB),
		"storage":                     "none",
		"conversation_ids_only":       fmt.Sprint(cfg.ConversationIDsOnly),
		"checkpoint_interval":         short(cfg.CheckpointInterval),
		"max_state_mib":               fmt.Sprint(cfg.MaxStateMiB),
	}
	require.Len(t, cells, len(want), "one README row per key: %v", cells)
	for key, w := range want {
		cell, ok := cells[key]
		require.True(t, ok, "README row for %s", key)
		require.Equal(t, w, strings.Trim(cell, "`"), "README default of %s", key)
	}
	require.Equal(t, "24h", short(24*time.Hour))
	require.Equal(t, "1m30s", short(90*time.Second))
}
