// Vercel AI SDK driver; run by vercel_ai_capture.py (which copies it into the npm project dir and starts the
// fake server). argv: <openai base url> <anthropic base url (…/v1)>. Prints {versions, spans} JSON on stdout.
// ai 6.x: built-in OTel (experimental_telemetry + metadata). ai 7.x: OTel moved to @ai-sdk/otel
// (registerTelemetry(new OpenTelemetry())), telemetry.metadata is gone: ids go through runtimeContext.
import { readFileSync } from 'node:fs';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import * as ai from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { z } from 'zod';

const [openaiBase, anthropicBase] = process.argv.slice(2);
const ver = (p) => JSON.parse(readFileSync(`node_modules/${p}/package.json`, 'utf8')).version;
const pkgs = ['ai', '@ai-sdk/openai', '@ai-sdk/anthropic', '@opentelemetry/sdk-trace-node', '@opentelemetry/api'];
const V7 = ver('ai').startsWith('7');
if (V7) pkgs.push('@ai-sdk/otel');
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
let extraIntegration;
if (V7) {
  const { OpenTelemetry } = await import('@ai-sdk/otel');
  ai.registerTelemetry(new OpenTelemetry());                                        // what the README shows
  extraIntegration = new OpenTelemetry({ usage: true, runtimeContext: true, providerMetadata: true });
}
const openai = createOpenAI({ baseURL: openaiBase, apiKey: 'sk-fake' });
const anthropic = createAnthropic({ baseURL: anthropicBase, apiKey: 'sk-ant-fake' });
const ids = { sessionId: 'vai-sess-1', userId: 'vai-user-1' };
const tel = (functionId, extra = {}) => (V7
  ? { isEnabled: true, functionId, includeRuntimeContext: { sessionId: true, userId: true }, ...extra }
  : { isEnabled: true, functionId, metadata: ids });
const ctx = V7 ? { runtimeContext: ids } : {};
const weather = ai.tool({ description: 'Weather for a city', inputSchema: z.object({ city: z.string() }),
                          execute: async ({ city }) => `sunny in ${city}` });

// 1. generateText with a tool: 2 model calls (cached tokens; reasoning on the second)
await ai.generateText({ model: openai.chat('gpt-4o'), prompt: 'Weather in Paris?', tools: { get_weather: weather },
  stopWhen: ai.stepCountIs(3), experimental_telemetry: tel('weather-fn'), ...ctx });
// 2. streamText, openai (cached)
const s = ai.streamText({ model: openai.chat('gpt-4o'), prompt: 'Stream please',
  experimental_telemetry: tel('stream-fn'), ...ctx });
for await (const _ of s.textStream) { /* drain */ }
// 3. anthropic generateText, cache read + write
await ai.generateText({ model: anthropic('claude-sonnet-4-0'), prompt: 'Hi Claude',
  experimental_telemetry: tel('claude-fn'), ...ctx });
// 4. embed
await ai.embed({ model: openai.embedding('text-embedding-3-small'), value: 'capital of France',
  experimental_telemetry: tel('embed-fn'), ...ctx });
// 5. (v7 only) same as 3 for openai, with the optional usage/runtimeContext/providerMetadata attributes on
if (V7) await ai.generateText({ model: openai.chat('gpt-4o'), prompt: 'All options on',
  experimental_telemetry: tel('options-fn', { integrations: [extraIntegration] }), ...ctx });
await provider.forceFlush();

const typed = (v) => {
  if (typeof v === 'boolean') return { type: 'bool', value: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'double', value: v };
  if (Array.isArray(v)) {
    const items = v.map(typed); const ts = [...new Set(items.map((i) => i.type))];
    return { type: `array<${ts.length === 1 ? ts[0] : ts.length ? 'mixed' : 'empty'}>`, value: items.map((i) => i.value) };
  }
  return { type: 'string', value: String(v) };
};
const ns = (t) => BigInt(t[0]) * 1000000000n + BigInt(t[1]);
const KIND = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const spans = exporter.getFinishedSpans().map((s) => ({
  name: s.name, trace_id: s.spanContext().traceId, span_id: s.spanContext().spanId,
  parent_span_id: (s.parentSpanContext ?? s.parentSpanId ?? {}).spanId ?? s.parentSpanId ?? '',
  kind: KIND[s.kind], scope: { name: s.instrumentationScope.name, version: s.instrumentationScope.version ?? '' },
  start_time_unix_nano: Number(ns(s.startTime)), end_time_unix_nano: Number(ns(s.endTime)),
  status: ['UNSET', 'OK', 'ERROR'][s.status.code],
  attributes: Object.fromEntries(Object.entries(s.attributes).map(([k, v]) => [k, typed(v)])),
  events: s.events.map((e) => e.name),
  resource: Object.fromEntries(Object.entries(s.resource.attributes).map(([k, v]) => [k, typed(v)])),
}));
console.log(JSON.stringify({ versions: Object.fromEntries(pkgs.map((p) => [p, ver(p)])), node: process.version, spans }));
