package last9genaiprocessor

import (
	"encoding/json"
	"reflect"
)

// coreConfig is the JSON document the Rust core accepts (last9_genai_processor_new). The core rejects unknown keys,
// so this struct holds exactly its keys. Omitted keys mean the core's default: the alias lists are omitted when
// empty because an empty JSON list would mean "no aliases at all", which is never what an unset YAML key means.
type coreConfig struct {
	Pricing                map[string]ModelPrice `json:"pricing,omitempty"`
	PricingFile            string                `json:"pricing_file,omitempty"`
	UseDefaultPricing      bool                  `json:"use_default_pricing"`
	ModelAliases           map[string]string     `json:"model_aliases,omitempty"`
	ConversationIDKeys     []string              `json:"conversation_id_keys,omitempty"`
	UserIDKeys             []string              `json:"user_id_keys,omitempty"`
	WorkflowIDKeys         []string              `json:"workflow_id_keys,omitempty"`
	WorkflowTypeKeys       []string              `json:"workflow_type_keys,omitempty"`
	PropagateKeys          []string              `json:"propagate_keys,omitempty"`
	MaxConversations       int                   `json:"max_conversations"`
	ConversationTTLSeconds float64               `json:"conversation_ttl_seconds"`
	MaxTraces              int                   `json:"max_traces"`
	TraceTTLSeconds        float64               `json:"trace_ttl_seconds"`
	MaxRememberedSpans     int                   `json:"max_remembered_spans"`
	MaxStateMiB            int                   `json:"max_state_mib"`
	ConversationIDsOnly    bool                  `json:"conversation_ids_only,omitempty"`
}

// coreJSON renders the collector configuration as the core's JSON configuration, with only the keys whose value is
// not the core's own default: the defaults stay the core's alone (createDefaultConfig shows them, from the core).

func (cfg *Config) coreJSON() ([]byte, error) {
	cc := coreConfig{
		PricingFile:            cfg.PricingFile,
		UseDefaultPricing:      cfg.UseDefaultPricing,
		ModelAliases:           cfg.ModelAliases,
		ConversationIDKeys:     cfg.ConversationIDKeys,
		UserIDKeys:             cfg.UserIDKeys,
		WorkflowIDKeys:         cfg.WorkflowIDKeys,
		WorkflowTypeKeys:       cfg.WorkflowTypeKeys,
		PropagateKeys:          cfg.PropagateKeys,
		MaxConversations:       cfg.MaxConversations,
		ConversationTTLSeconds: cfg.ConversationTTL.Seconds(),
		MaxTraces:              cfg.MaxTraces,
		TraceTTLSeconds:        cfg.TraceTTL.Seconds(),
		MaxRememberedSpans:     cfg.MaxRememberedSpans,
		MaxStateMiB:            cfg.MaxStateMiB,
		ConversationIDsOnly:    cfg.ConversationIDsOnly,
	}
	if len(cfg.Pricing) > 0 {
		cc.Pricing = cfg.Pricing
	}
	all, err := asObject(cc)
	if err != nil {
		return nil, err
	}
	createDefaultConfig() // loads the core's defaults once
	defaults, err := asObject(coreDefaultValue)
	if err != nil {
		return nil, err
	}
	for k, v := range defaults {
		if reflect.DeepEqual(all[k], v) {
			delete(all, k)
		}
	}
	return json.Marshal(all)
}

// asObject is v as the JSON object the core reads, keyed as the core names its keys.
func asObject(v coreConfig) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}
