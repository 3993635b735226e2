package last9genaiprocessor

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config mirrors the Rust core's JSON configuration (see core_config.go for the mapping). Prices are USD per
// MILLION tokens, as in the last9-genai SDK's ModelPricing.
type Config struct {
	// Pricing adds or overrides prices by model name; it wins over pricing_file and the embedded defaults.
	Pricing map[string]ModelPrice `mapstructure:"pricing"`
	// PricingFile is a LiteLLM model_prices_and_context_window.json (USD per token) or a genai-prices data.json
	// (USD per million tokens); the core tells them apart.
	PricingFile string `mapstructure:"pricing_file"`
	// PricingFileCheckInterval is how often PricingFile is checked for changes (size or modification time); a
	// changed file is read again and put in force without stopping batches. 0 reads it once, at start-up.
	PricingFileCheckInterval time.Duration `mapstructure:"pricing_file_check_interval"`
	// UseDefaultPricing turns the price table embedded in the core on or off.
	UseDefaultPricing bool `mapstructure:"use_default_pricing"`
	// ModelAliases maps names that carry no model (an Azure deployment, a Bedrock application inference profile
	// ARN; a key ending in * is a prefix) to the priced model they run.
	ModelAliases map[string]string `mapstructure:"model_aliases"`

	// The alias lists say where ids are found. Unset or empty means the core's built-in list; a non-empty list
	// replaces the built-in one (it does not extend it).
	ConversationIDKeys []string `mapstructure:"conversation_id_keys"`
	UserIDKeys         []string `mapstructure:"user_id_keys"`
	WorkflowIDKeys     []string `mapstructure:"workflow_id_keys"`
	WorkflowTypeKeys   []string `mapstructure:"workflow_type_keys"`
	// PropagateKeys are extra attributes copied, like workflow.id, from the span carrying them to its descendants.
	PropagateKeys []string `mapstructure:"propagate_keys"`

	// Memory across batches: conversations (turn numbers, running totals) and recently seen traces (late spans).
	MaxConversations int           `mapstructure:"max_conversations"`
	ConversationTTL  time.Duration `mapstructure:"conversation_ttl"`
	MaxTraces        int           `mapstructure:"max_traces"`
	TraceTTL         time.Duration `mapstructure:"trace_ttl"`
	// MaxRememberedSpans bounds the spans all remembered traces hold together.
	MaxRememberedSpans int `mapstructure:"max_remembered_spans"`
	// MaxStateMiB bounds, in MiB, everything the processor remembers: both tables and every id and value they
	// hold. Ids come from clients and can be megabytes long; the least recently used traces go first.
	MaxStateMiB int `mapstructure:"max_state_mib"`

	// WaitForRoot holds the spans of GenAI traces whose root has not arrived yet, so that children exported
	// before their root still get the root's conversation and workflow ids.
	WaitForRoot WaitForRootConfig `mapstructure:"wait_for_root"`

	// ConversationIDsOnly is for the front tier of a fleet (collector-config/fleet): only gen_ai.conversation.id
	// is written, on every span of a trace that has one, so that a router can keep each conversation on one back
	// replica, which writes everything else.
	ConversationIDsOnly bool `mapstructure:"conversation_ids_only"`

	// Storage names a storage extension (e.g. file_storage) in which conversation state (turn counters, running
	// totals) is kept across restarts: restored at start, written every CheckpointInterval and at shutdown.
	// Unset: state is memory only.
	Storage *component.ID `mapstructure:"storage"`
	// CheckpointInterval is how often conversation state is written to Storage.
	CheckpointInterval time.Duration `mapstructure:"checkpoint_interval"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// WaitForRootConfig bounds the wait: how long a trace's spans wait for its root, and how much may wait at once.
type WaitForRootConfig struct {
	// Timeout is the longest a span waits; 0 turns waiting off (every span is enriched as it passes).
	Timeout time.Duration `mapstructure:"timeout"`
	// MaxSpans and MaxMiB bound what waits at once; when either is reached, spans pass without waiting.
	MaxSpans int `mapstructure:"max_spans"`
	MaxMiB   int `mapstructure:"max_mib"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ModelPrice is one model's price in USD per million tokens, by token class: input and output (required),
// cache_read, cache_write, reasoning, the long-context rates <class>_above_<N>k (e.g. input_above_200k) that
// replace the normal ones for a whole request above N thousand input tokens, and the service tiers priority, flex
// and batch (each an object of the same rates). It is passed to the core as written: the core owns the grammar
// (README "Configuration reference"), and Validate reports the core's message.
type ModelPrice map[string]any

// maxTTL is the longest state lifetime the core accepts (one year); maxStateMiB its largest budget (1 TiB).
// maxRootWait the longest a span may wait for its trace's root.
const (
	maxTTL      = 365 * 24 * time.Hour
	maxStateMiB = 1 << 20
	maxRootWait = 10 * time.Minute
	// maxCheckpointInterval: a longer interval loses more turns to a crash than a checkpoint costs.
	maxCheckpointInterval = 24 * time.Hour
)

var _ component.Config = (*Config)(nil)

// Validate reports every problem at once; each message starts with the configuration key it is about, in the
// collector's "a::b::c" notation.
func (cfg *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}

	// YAML allows .nan and .inf, which JSON cannot carry to the core: the one price rule checked here.
	for _, model := range slices.Sorted(maps.Keys(cfg.Pricing)) {
		for _, path := range nonFinite(cfg.Pricing[model], "pricing::"+model) {
			bad(path, "must be a finite number")
		}
	}

	if cfg.PricingFile != "" {
		if info, err := os.Stat(cfg.PricingFile); err != nil {
			bad("pricing_file", "%v", err)
		} else if info.IsDir() {
			bad("pricing_file", "%s is a directory, want a JSON price file (LiteLLM or genai-prices)", cfg.PricingFile)
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
			if strings.TrimSpace(k) == "" {
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
	if cfg.MaxRememberedSpans <= 0 {
		bad("max_remembered_spans", "must be > 0, got %d", cfg.MaxRememberedSpans)
	}
	if cfg.MaxStateMiB <= 0 || cfg.MaxStateMiB > maxStateMiB {
		bad("max_state_mib", "must be from 1 to %d, got %d", maxStateMiB, cfg.MaxStateMiB)
	}
	if w := cfg.WaitForRoot; w.Timeout < 0 || w.Timeout > maxRootWait {
		bad("wait_for_root::timeout", "must be from 0s (off) to %s, got %s", maxRootWait, w.Timeout)
	}
	if cfg.WaitForRoot.MaxSpans <= 0 {
		bad("wait_for_root::max_spans", "must be > 0, got %d", cfg.WaitForRoot.MaxSpans)
	}
	if m := cfg.WaitForRoot.MaxMiB; m <= 0 || m > maxStateMiB {
		bad("wait_for_root::max_mib", "must be from 1 to %d, got %d", maxStateMiB, m)
	}
	if i := cfg.PricingFileCheckInterval; i != 0 && (i < time.Second || i > maxCheckpointInterval) {
		bad("pricing_file_check_interval", "must be 0s (read once) or from 1s to %s, got %s", maxCheckpointInterval, i)
	}
	if cfg.Storage != nil && (cfg.CheckpointInterval < time.Second || cfg.CheckpointInterval > maxCheckpointInterval) {
		bad("checkpoint_interval", "must be from 1s to %s when storage is set, got %s", maxCheckpointInterval,
			cfg.CheckpointInterval)
	}
	for _, ttl := range []struct {
		key   string
		value time.Duration
	}{{"conversation_ttl", cfg.ConversationTTL}, {"trace_ttl", cfg.TraceTTL}} {
		if ttl.value < time.Second || ttl.value > maxTTL {
			bad(ttl.key, "must be from 1s to %s, got %s", maxTTL, ttl.value)
		}
	}
	if len(errs) == 0 {
		if err := cfg.checkWithCore(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkWithCore builds (and frees) a core from this configuration, so that prices, price files and model aliases
// are judged by the one grammar that will run them; its message names the key (in the core's dotted form).
func (cfg *Config) checkWithCore() error {
	doc, err := cfg.coreJSON()
	if err != nil {
		return err
	}
	c, err := newCore(doc)
	if err != nil {
		var ce *coreError
		if errors.As(err, &ce) && ce.msg != "" {
			return errors.New(strings.TrimPrefix(ce.msg, "last9_genai config: "))
		}
		return err
	}
	c.close()
	return nil
}

// nonFinite lists the paths of NaN and infinite numbers in a price (tiers included).
func nonFinite(p map[string]any, at string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		switch v := p[k].(type) {
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				out = append(out, at+"::"+k)
			}
		case map[string]any:
			out = append(out, nonFinite(v, at+"::"+k)...)
		case ModelPrice:
			out = append(out, nonFinite(v, at+"::"+k)...)
		case []any:
			for i, e := range v {
				if m, ok := e.(map[string]any); ok {
					out = append(out, nonFinite(m, fmt.Sprintf("%s::%s::%d", at, k, i))...)
				}
			}
		}
	}
	return out
}
