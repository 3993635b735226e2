package last9genaiprocessor

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config mirrors the Rust core's JSON configuration (see core_config.go for the mapping). Prices are USD per
// MILLION tokens, as in the last9-genai SDK's ModelPricing.
type Config struct {
	// Pricing adds or overrides prices by model name; it wins over pricing_file and the embedded defaults.
	Pricing map[string]ModelPrice `mapstructure:"pricing"`
	// PricingFile is a LiteLLM model_prices_and_context_window.json (USD per token), read once at start-up.
	PricingFile string `mapstructure:"pricing_file"`
	// UseDefaultPricing turns the price table embedded in the core on or off.
	UseDefaultPricing bool `mapstructure:"use_default_pricing"`

	// The alias lists say where ids are found. Unset or empty means the core's built-in list; a non-empty list
	// replaces the built-in one (it does not extend it).
	ConversationIDKeys []string `mapstructure:"conversation_id_keys"`
	UserIDKeys         []string `mapstructure:"user_id_keys"`
	WorkflowIDKeys     []string `mapstructure:"workflow_id_keys"`
	WorkflowTypeKeys   []string `mapstructure:"workflow_type_keys"`
	// PropagateKeys are extra attributes copied, like the conversation id, to every span of a trace.
	PropagateKeys []string `mapstructure:"propagate_keys"`

	// Memory across batches: conversations (turn numbers, running totals) and recently seen traces (late spans).
	MaxConversations int           `mapstructure:"max_conversations"`
	ConversationTTL  time.Duration `mapstructure:"conversation_ttl"`
	MaxTraces        int           `mapstructure:"max_traces"`
	TraceTTL         time.Duration `mapstructure:"trace_ttl"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ModelPrice is one model's price in USD per million tokens. Input and output are required; a missing cache or
// reasoning price falls back (in the core) to the input or output price, a missing above_200k price to the base one.
type ModelPrice struct {
	Input               *float64 `mapstructure:"input"`
	Output              *float64 `mapstructure:"output"`
	CacheRead           *float64 `mapstructure:"cache_read"`
	CacheWrite          *float64 `mapstructure:"cache_write"`
	Reasoning           *float64 `mapstructure:"reasoning"`
	InputAbove200k      *float64 `mapstructure:"input_above_200k"`
	OutputAbove200k     *float64 `mapstructure:"output_above_200k"`
	CacheReadAbove200k  *float64 `mapstructure:"cache_read_above_200k"`
	CacheWriteAbove200k *float64 `mapstructure:"cache_write_above_200k"`
}

var _ component.Config = (*Config)(nil)

// Validate reports every problem at once; each message starts with the configuration key it is about, in the
// collector's "a::b::c" notation.
func (cfg *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}

	models := make([]string, 0, len(cfg.Pricing))
	for model := range cfg.Pricing {
		models = append(models, model)
	}
	sort.Strings(models) // stable error order
	for _, model := range models {
		if model == "" {
			bad("pricing", "model name must not be empty")
			continue
		}
		for _, f := range cfg.Pricing[model].fields() {
			key := "pricing::" + model + "::" + f.key
			switch {
			case f.value == nil:
				if f.required {
					bad(key, "required")
				}
			case math.IsNaN(*f.value) || math.IsInf(*f.value, 0):
				bad(key, "must be a finite number")
			case *f.value < 0:
				bad(key, "must be >= 0")
			}
		}
	}

	if cfg.PricingFile != "" {
		if info, err := os.Stat(cfg.PricingFile); err != nil {
			bad("pricing_file", "%v", err)
		} else if info.IsDir() {
			bad("pricing_file", "%s is a directory, want a LiteLLM JSON price file", cfg.PricingFile)
		}
	}

	for _, list := range []struct {
		key  string
		keys []string
	}{
		{"conversation_id_keys", cfg.ConversationIDKeys},
		{"user_id_keys", cfg.UserIDKeys},
		{"workflow_id_keys", cfg.WorkflowIDKeys},
		{"workflow_type_keys", cfg.WorkflowTypeKeys},
		{"propagate_keys", cfg.PropagateKeys},
	} {
		for i, k := range list.keys {
			if k == "" {
				bad(list.key, "entry %d is empty", i)
			}
		}
	}

	if cfg.MaxConversations <= 0 {
		bad("max_conversations", "must be > 0, got %d", cfg.MaxConversations)
	}
	if cfg.MaxTraces <= 0 {
		bad("max_traces", "must be > 0, got %d", cfg.MaxTraces)
	}
	if cfg.ConversationTTL < time.Second {
		bad("conversation_ttl", "must be >= 1s, got %s", cfg.ConversationTTL)
	}
	if cfg.TraceTTL < time.Second {
		bad("trace_ttl", "must be >= 1s, got %s", cfg.TraceTTL)
	}
	return errors.Join(errs...)
}

type priceField struct {
	key      string
	value    *float64
	required bool
}

func (p ModelPrice) fields() []priceField {
	return []priceField{
		{"input", p.Input, true},
		{"output", p.Output, true},
		{"cache_read", p.CacheRead, false},
		{"cache_write", p.CacheWrite, false},
		{"reasoning", p.Reasoning, false},
		{"input_above_200k", p.InputAbove200k, false},
		{"output_above_200k", p.OutputAbove200k, false},
		{"cache_read_above_200k", p.CacheReadAbove200k, false},
		{"cache_write_above_200k", p.CacheWriteAbove200k, false},
	}
}
