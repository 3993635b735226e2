"""pydantic-ai (built-in OTel instrumentation) against the fake OpenAI server.

Agent.instrument_all() (2.68 dropped Agent(instrument=True)). Run with a venv holding pydantic-ai-slim[openai,anthropic] + opentelemetry-sdk:
    python pydantic_ai_capture.py
Turn 1: agent run with a tool call (2 model requests, cached tokens + reasoning), conversation_id given.
Turn 2: same conversation, message_history continued, 1 request.
Turn 3: a second agent with use_aggregated_usage_attribute_names=False (old gen_ai.usage.* on the run span).
Turn 4: AnthropicModel with cache read + write (the anthropic client's own span appears too, if it traces).
"""
import os

from capture_common import ToolFakeLLM, readable_span_to_json, write, freeze
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

cap = InMemorySpanExporter()
tp = TracerProvider(resource=Resource.create({"service.name": "extra-pydantic-ai"}))
tp.add_span_processor(SimpleSpanProcessor(cap))
trace.set_tracer_provider(tp)

from pydantic_ai import Agent  # noqa: E402
from pydantic_ai.capabilities.instrumentation import Instrumentation  # noqa: E402
from pydantic_ai.models.instrumented import InstrumentationSettings  # noqa: E402
from pydantic_ai.models.openai import OpenAIChatModel  # noqa: E402
from pydantic_ai.providers.openai import OpenAIProvider  # noqa: E402

with ToolFakeLLM() as fake:
    model = OpenAIChatModel("gpt-4o", provider=OpenAIProvider(base_url=fake.openai_base_url, api_key="sk-fake"))
    Agent.instrument_all()  # 2.68 has no Agent(instrument=...) any more
    agent = Agent(model, name="weather_agent", instructions="Be terse.")

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Weather for a city."""
        return f"sunny in {city}"

    fake.script({"prompt_tokens": 1200, "completion_tokens": 30, "cached_tokens": 1024, "reasoning_tokens": 0},
                content='TOOL:get_weather:{"city": "Paris"}')
    fake.script({"prompt_tokens": 1300, "completion_tokens": 80, "cached_tokens": 1152, "reasoning_tokens": 16})
    r1 = agent.run_sync("Weather in Paris?", conversation_id="pai-conv-1")
    fake.script({"prompt_tokens": 1500, "completion_tokens": 40, "cached_tokens": 1280, "reasoning_tokens": 0})
    agent.run_sync("And tomorrow?", message_history=r1.all_messages(), conversation_id="pai-conv-1")

    agent2 = Agent(model, name="plain_usage_agent",
                   capabilities=[Instrumentation(settings=InstrumentationSettings(
                       use_aggregated_usage_attribute_names=False))])
    fake.script({"prompt_tokens": 600, "completion_tokens": 50, "cached_tokens": 512, "reasoning_tokens": 0})
    agent2.run_sync("Hello")

    try:
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider
        am = AnthropicModel("claude-sonnet-4-0", provider=AnthropicProvider(base_url=fake.anthropic_base_url,
                                                                            api_key="sk-ant-fake"))
        agent3 = Agent(am, name="claude_agent")
        fake.script({"input_tokens": 40, "output_tokens": 90, "cache_read_input_tokens": 2000,
                     "cache_creation_input_tokens": 300})
        agent3.run_sync("Hi Claude", conversation_id="pai-conv-2")
    except ImportError as e:
        print("no anthropic:", e)

    tp.force_flush()
    spans = [readable_span_to_json(s) for s in cap.get_finished_spans()]
    log = list(fake.log)

write("pydantic_ai", ["pydantic-ai-slim", "pydantic-ai", "genai-prices", "openai", "anthropic", "opentelemetry-sdk",
                      "opentelemetry-api"], spans, log,
      notes={"conversation_ids": ["pai-conv-1", "pai-conv-2"], "instrument": "Agent.instrument_all(); agent2 with capabilities=[Instrumentation(settings=InstrumentationSettings(use_aggregated_usage_attribute_names=False))]"},
      pip_freeze=freeze())
