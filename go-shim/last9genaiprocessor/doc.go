// Package last9genaiprocessor registers the `last9_genai` traces processor. It hands each batch, as OTLP bytes, to
// the Rust core (linked statically through cgo), which adds GenAI conversation, turn, workflow and cost attributes.
//
//go:generate ../../build/tools/mdatagen metadata.yaml
package last9genaiprocessor
