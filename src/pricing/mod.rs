//! Prices of LLM calls: the price table (inline config, a price file, embedded defaults), model-name matching, and
//! the cost formula. Knows nothing about spans or traces: callers hand in a model name, a provider name and token
//! counts.
//!
//! - `model_price`: one model's rates; parsing an inline `pricing.<model>` config entry
//! - `price_history`: earlier prices, by the date each took effect
//! - `price_table`: building the table and looking a span's model up in it
//! - `model_match`: the normalised forms of a model name (routing prefixes, Bedrock ids, dates)
//! - `provider`: provider families, to prefer a provider-specific price
//! - `price_file`: reading `pricing_file` and telling its format
//! - `litellm`: the LiteLLM price-file loader
//! - `genai_prices`: the genai-prices data-file loader
//! - `match_clause`: genai-prices' model and provider matching clauses
//! - `model_alias`: deployment and inference-profile names standing for a model
//! - `off_peak`: time-of-day prices
//! - `service_tier`: priority / flex / batch rates
//! - `default_prices`: embedded list prices
//! - `cost`: the formula

mod cost;
mod default_prices;
mod genai_prices;
mod litellm;
mod match_clause;
mod model_alias;
mod model_match;
mod model_price;
mod off_peak;
mod price_file;
mod price_history;
mod price_table;
mod provider;
mod service_tier;

pub use cost::{cost, Cost, TokenUsage};
pub use model_alias::ModelAliases;
pub use model_price::ModelPrice;
pub use price_table::PriceTable;
pub use service_tier::ServiceTier;
