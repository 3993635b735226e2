package last9genaiprocessor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/last9/last9_genai/go-shim/last9genaiprocessor/internal/metadata"
)

func TestCreateDefaultConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Equal(t, &Config{
		UseDefaultPricing:        true,
		MaxConversations:         100_000,
		ConversationTTL:          24 * time.Hour,
		MaxTraces:                50_000,
		TraceTTL:                 5 * time.Minute,
		MaxRememberedSpans:       1_000_000,
		MaxStateMiB:              256,
		WaitForRoot:              WaitForRootConfig{Timeout: time.Second, MaxSpans: 100_000, MaxMiB: 64},
		CheckpointInterval:       time.Minute,
		PricingFileCheckInterval: time.Minute,
	}, cfg)
	assert.NoError(t, componenttest.CheckConfigStruct(cfg))
	assert.NoError(t, confmap.Validate(cfg))
}

var fileStorage = component.MustNewID("file_storage")

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	tests := []struct {
		name    string
		want    *Config
		wantErr string
	}{
		{name: "", want: createDefaultConfig().(*Config)},
		{name: "full", want: &Config{
			Pricing: map[string]ModelPrice{
				"acme-chat-1": {
					"input": 1.5, "output": 6, "cache_read": 0.15, "cache_write": 1.875, "reasoning": 6,
					"input_above_200k": 3, "output_above_200k": 12, "cache_read_above_200k": 0.3, "cache_write_above_200k": 3.75,
				},
				"acme-gemini-like": {"input": 1.25, "output": 5, "input_above_128k": 2.5},
			},
			PricingFile:              "testdata/litellm_prices.json",
			UseDefaultPricing:        false,
			ConversationIDKeys:       []string{"app.chat_id", "session.id"},
			UserIDKeys:               []string{"app.user"},
			WorkflowIDKeys:           []string{"app.flow_id"},
			WorkflowTypeKeys:         []string{"app.flow"},
			PropagateKeys:            []string{"custom.tenant"},
			MaxConversations:         10,
			ConversationTTL:          time.Hour,
			MaxTraces:                20,
			TraceTTL:                 30 * time.Second,
			MaxRememberedSpans:       5000,
			MaxStateMiB:              64,
			WaitForRoot:              WaitForRootConfig{Timeout: 2 * time.Second, MaxSpans: 500, MaxMiB: 8},
			Storage:                  &fileStorage,
			CheckpointInterval:       30 * time.Second,
			PricingFileCheckInterval: 10 * time.Second,
			ConversationIDsOnly:      true,
		}},
		{name: "no_wait", want: func() *Config {
			c := createDefaultConfig().(*Config)
			c.WaitForRoot.Timeout = 0
			return c
		}()},
		{name: "negative_price", wantErr: "pricing.gpt-4o.input: expected a non-negative number of USD per million tokens, got -1"},
		{name: "missing_output", wantErr: "pricing.acme-chat-1.output: required (USD per million tokens)"},
		{name: "missing_pricing_file", wantErr: "pricing_file: stat testdata/does-not-exist.json: no such file or directory"},
		{name: "zero_limits", wantErr: "max_conversations: must be > 0, got 0\nmax_traces: must be > 0, got -5\nmax_remembered_spans: must be > 0, got 0\nmax_state_mib: must be from 1 to 1048576, got 0"},
		{name: "short_ttls", wantErr: "conversation_ttl: must be from 1s to 8760h0m0s, got 500ms\ntrace_ttl: must be from 1s to 8760h0m0s, got 0s"},
		{name: "empty_alias", wantErr: "conversation_id_keys: entry 1 is empty"},
		{name: "bad_checkpoint_interval", wantErr: "checkpoint_interval: must be from 1s to 24h0m0s when storage is set, got 100ms"},
		{name: "bad_wait", wantErr: "wait_for_root::timeout: must be from 0s (off) to 10m0s, got 11m0s\n" +
			"wait_for_root::max_spans: must be > 0, got 0\nwait_for_root::max_mib: must be from 1 to 1048576, got -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(component.NewIDWithName(metadata.Type, tt.name).String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			if tt.wantErr != "" {
				assert.EqualError(t, confmap.Validate(cfg), tt.wantErr)
				return
			}
			assert.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}

// TestValidateEachPriceField names every price key in its error (the core's message), and rejects NaN and
// infinities that YAML allows and JSON cannot carry.
func TestValidateEachPriceField(t *testing.T) {
	for _, key := range []string{"input", "output", "cache_read", "cache_write", "reasoning", "input_above_200k",
		"output_above_200k", "cache_read_above_200k", "cache_write_above_200k", "input_above_128k"} {
		for value, msg := range map[float64]string{
			-0.01: "pricing.m." + key + ": expected a non-negative number of USD per million tokens, got -0.01",
			nan(): "pricing::m::" + key + ": must be a finite number",
			inf(): "pricing::m::" + key + ": must be a finite number",
		} {
			p := ModelPrice{"input": 1.0, "output": 2.0}
			p[key] = value
			cfg := createDefaultConfig().(*Config)
			cfg.Pricing = map[string]ModelPrice{"m": p}
			assert.EqualError(t, cfg.Validate(), msg)
		}
	}
}

// TestValidateTiersAndAliases: service tiers are nested prices, and an alias must lead to a priced model.
func TestValidateTiersAndAliases(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Pricing = map[string]ModelPrice{"gpt-4o": {"input": 2.5, "output": 10.0,
		"priority": map[string]any{"input": 4.25, "output": 17.0}}}
	cfg.ModelAliases = map[string]string{"prod-chat": "gpt-4o"}
	assert.NoError(t, cfg.Validate())

	cfg.Pricing["gpt-4o"]["flex"] = map[string]any{"input": inf()}
	assert.EqualError(t, cfg.Validate(), "pricing::gpt-4o::flex::input: must be a finite number")
	delete(cfg.Pricing["gpt-4o"], "flex")

	cfg.ModelAliases = map[string]string{"prod-chat": "gpt-99"}
	assert.EqualError(t, cfg.Validate(), `model_aliases.prod-chat: no price for "gpt-99" (add it under pricing)`)
}

func TestValidateOtherErrors(t *testing.T) {
	tests := map[string]struct {
		mutate  func(*Config)
		wantErr string
	}{
		"empty model name": {func(c *Config) {
			c.Pricing = map[string]ModelPrice{"": {"input": 1, "output": 1}}
		}, "pricing: a model name is empty"},
		"missing input and output": {func(c *Config) {
			c.Pricing = map[string]ModelPrice{"m": {}}
		}, "pricing.m.input: required (USD per million tokens)"},
		"unknown price key": {func(c *Config) {
			c.Pricing = map[string]ModelPrice{"m": {"input": 1, "output": 1, "image": 1}}
		}, "pricing.m.image: unknown key; expected one of input, output, cache_read, cache_write, reasoning, " +
			"input_above_200k, output_above_200k, cache_read_above_200k, cache_write_above_200k (200k may be any " +
			"threshold in thousands of input tokens, e.g. input_above_128k), priority, flex, batch (service tiers), " +
			"valid_from, history"},
		"blank alias": {func(c *Config) { c.ConversationIDKeys = []string{"  "} }, "conversation_id_keys: entry 0 is empty"},
		"price file checked too often": {func(c *Config) { c.PricingFileCheckInterval = 100 * time.Millisecond },
			"pricing_file_check_interval: must be 0s (read once) or from 1s to 24h0m0s, got 100ms"},
		"pricing file is a directory": {func(c *Config) { c.PricingFile = "testdata" },
			"pricing_file: testdata is a directory, want a JSON price file (LiteLLM or genai-prices)"},
		"empty user key":          {func(c *Config) { c.UserIDKeys = []string{""} }, "user_id_keys: entry 0 is empty"},
		"empty workflow id key":   {func(c *Config) { c.WorkflowIDKeys = []string{"a", ""} }, "workflow_id_keys: entry 1 is empty"},
		"empty workflow type key": {func(c *Config) { c.WorkflowTypeKeys = []string{""} }, "workflow_type_keys: entry 0 is empty"},
		"empty propagate key":     {func(c *Config) { c.PropagateKeys = []string{""} }, "propagate_keys: entry 0 is empty"},
		"negative ttl":            {func(c *Config) { c.ConversationTTL = -time.Hour }, "conversation_ttl: must be from 1s to 8760h0m0s, got -1h0m0s"},
		"ttl over a year":         {func(c *Config) { c.TraceTTL = 366 * 24 * time.Hour }, "trace_ttl: must be from 1s to 8760h0m0s, got 8784h0m0s"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tt.mutate(cfg)
			assert.EqualError(t, cfg.Validate(), tt.wantErr)
		})
	}
}

func TestCoreJSON(t *testing.T) {
	t.Run("the defaults are the core's: nothing to send", func(t *testing.T) {
		got, err := createDefaultConfig().(*Config).coreJSON()
		require.NoError(t, err)
		assert.JSONEq(t, `{}`, string(got))
	})
	t.Run("the keys set", func(t *testing.T) {
		cfg := createDefaultConfig().(*Config)
		cfg.Pricing = map[string]ModelPrice{"m": {"input": 2.5, "output": 10, "cache_read": 1.25}}
		cfg.PricingFile = "/prices.json"
		cfg.UseDefaultPricing = false
		cfg.ConversationIDKeys = []string{"c"}
		cfg.UserIDKeys = []string{"u"}
		cfg.WorkflowIDKeys = []string{"w"}
		cfg.WorkflowTypeKeys = []string{"t"}
		cfg.PropagateKeys = []string{"custom.tenant"}
		cfg.ConversationTTL = 90 * time.Minute
		cfg.TraceTTL = 1500 * time.Millisecond
		got, err := cfg.coreJSON()
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(got, &m))
		assert.Equal(t, map[string]any{
			"pricing":                  map[string]any{"m": map[string]any{"input": 2.5, "output": 10.0, "cache_read": 1.25}},
			"pricing_file":             "/prices.json",
			"use_default_pricing":      false,
			"conversation_id_keys":     []any{"c"},
			"user_id_keys":             []any{"u"},
			"workflow_id_keys":         []any{"w"},
			"workflow_type_keys":       []any{"t"},
			"propagate_keys":           []any{"custom.tenant"},
			"conversation_ttl_seconds": 5400.0,
			"trace_ttl_seconds":        1.5,
		}, m, "only the keys set to something other than the core's default")
	})
}

// TestPriceHistoryFromYAML: an unquoted YAML date reaches the core and is read as that day; history is checked.
func TestPriceHistoryFromYAML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
pricing:
  acme:
    input: 1
    output: 2
    valid_from: 2026-01-01
    history:
      - {valid_from: 2025-01-01, input: 3, output: .inf}
`), 0o600))
	conf, err := confmaptest.LoadConf(path)
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, conf.Unmarshal(cfg))
	assert.EqualError(t, cfg.Validate(), "pricing::acme::history::0::output: must be a finite number")
	cfg.Pricing["acme"]["history"].([]any)[0].(map[string]any)["output"] = 4.0
	assert.NoError(t, cfg.Validate())
	cfg.Pricing["acme"]["valid_from"] = "someday"
	assert.EqualError(t, cfg.Validate(), `pricing.acme.valid_from: expected a date such as "2024-10-02" (midnight UTC), got "someday"`)
}
