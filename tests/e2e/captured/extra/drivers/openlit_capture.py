"""openlit over the openai and anthropic clients, against the fake server.

openlit 1.45.0 pins openai<3 and anthropic<1 (a plain `pip install openlit openai anthropic` backtracked for 10+
min); installed with --no-deps plus its runtime deps (see pip_freeze in the capture). No network: the default
pricing file is fetched from GitHub, so a local pricing_json is given. The undated request model and the dated
response model get DIFFERENT prices, to show which one openlit looks up; claude has cache prices, gpt-4o none.
`python openlit_capture.py openlit_newclients` in a venv forced to openai 3.57.0 / anthropic 2.14.0 (outside
openlit's declared range; the anthropic 2.x client then adds its own span). Session/user: openlit has no session API; `openlit.using_attributes({...})` copies any keys onto its spans.
"""
import json
import os
import sys
import tempfile

from capture_common import FakeLLM, readable_span_to_json, write, freeze
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

PRICING = {  # openlit's format: USD per 1K tokens
    "chat": {
        "gpt-4o": {"promptPrice": 0.0025, "completionPrice": 0.01},
        "gpt-4o-2024-08-06": {"promptPrice": 0.005, "completionPrice": 0.02},
        "claude-sonnet-4-0": {"promptPrice": 0.003, "completionPrice": 0.015, "cacheReadPrice": 0.0003,
                              "cacheCreationPrice": 0.00375},
        "claude-sonnet-4-20250514": {"promptPrice": 0.006, "completionPrice": 0.03, "cacheReadPrice": 0.0006,
                                     "cacheCreationPrice": 0.0075},
    },
    "embeddings": {"text-embedding-3-small": 0.00002},
}
pricing_path = os.path.join(tempfile.mkdtemp(), "pricing.json")
json.dump(PRICING, open(pricing_path, "w"))

cap = InMemorySpanExporter()
tp = TracerProvider(resource=Resource.create({"service.name": "extra-openlit"}))
tp.add_span_processor(SimpleSpanProcessor(cap))
trace.set_tracer_provider(tp)

import openlit  # noqa: E402

openlit.init(application_name="extra-openlit", environment="test", disable_batch=True, disable_metrics=True, disable_events=True,
             pricing_json=pricing_path, capture_message_content=False)
import anthropic  # noqa: E402
import openai  # noqa: E402

MSG = [{"role": "user", "content": "What is the capital of France?"}]
SYSTEM = [{"type": "text", "text": "A long shared system prompt. " * 20, "cache_control": {"type": "ephemeral"}}]

with FakeLLM() as fake:
    oc = openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-fake", max_retries=0)
    ac = anthropic.Anthropic(base_url=fake.anthropic_base_url, api_key="sk-ant-fake", max_retries=0)
    tracer = trace.get_tracer("e2e.app")
    with openlit.using_attributes({"gen_ai.conversation.id": "ol-conv-1", "user.id": "ol-user-1"}):
        with tracer.start_as_current_span("app_turn"):
            fake.script({"prompt_tokens": 1500, "completion_tokens": 200, "cached_tokens": 1024,
                         "reasoning_tokens": 64})
            oc.chat.completions.create(model="gpt-4o", messages=MSG, user="end-user-42")
            fake.script({"prompt_tokens": 1800, "completion_tokens": 240, "cached_tokens": 1536,
                         "reasoning_tokens": 0})
            for _ in oc.chat.completions.create(model="gpt-4o", messages=MSG, stream=True,
                                                stream_options={"include_usage": True}):
                pass
            fake.script({"prompt_tokens": 42})
            oc.embeddings.create(model="text-embedding-3-small", input="capital of France")
    with openlit.using_attributes({"gen_ai.conversation.id": "ol-conv-2", "user.id": "ol-user-2"}):
        with tracer.start_as_current_span("app_turn"):
            fake.script({"input_tokens": 40, "output_tokens": 180, "cache_read_input_tokens": 0,
                         "cache_creation_input_tokens": 3000})
            ac.messages.create(model="claude-sonnet-4-0", max_tokens=512, system=SYSTEM, messages=MSG)
            fake.script({"input_tokens": 55, "output_tokens": 240, "cache_read_input_tokens": 3000,
                         "cache_creation_input_tokens": 0})
            ac.messages.create(model="claude-sonnet-4-0", max_tokens=512, system=SYSTEM, messages=MSG)
            fake.script({"input_tokens": 70, "output_tokens": 90, "cache_read_input_tokens": 3000,
                         "cache_creation_input_tokens": 200})
            with ac.messages.stream(model="claude-sonnet-4-0", max_tokens=512, system=SYSTEM, messages=MSG) as st:
                st.get_final_message()
    tp.force_flush()
    spans = [readable_span_to_json(s) for s in cap.get_finished_spans()]
    log = list(fake.log)

write(sys.argv[1] if len(sys.argv) > 1 else "openlit", ["openlit", "openai", "anthropic", "opentelemetry-sdk", "opentelemetry-api",
                  "opentelemetry-instrumentation"], spans, log,
      notes={"pricing_json": PRICING, "using_attributes": "gen_ai.conversation.id / user.id set by the app via "
             "openlit.using_attributes (openlit has no session API of its own)",
             "install": "pip install --no-deps openlit==1.45.0; then openai<3 anthropic<1 opentelemetry-* "
                        "pydantic requests schedule xmltodict"},
      pip_freeze=freeze())
