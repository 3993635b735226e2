"""langfuse Python SDK (v5, OTel-based): langfuse.openai integration + @observe + propagate_attributes
(v5 has no update_current_trace; session/user/trace name go through `propagate_attributes`), plus one manual
generation with usage_details/cost_details. Spans are captured twice: in-process on the TracerProvider handed to
Langfuse(tracer_provider=...) ("spans"), and as Langfuse's own exporter sent them over OTLP/HTTP protobuf to a
local 127.0.0.1 receiver at LANGFUSE host /api/public/otel/v1/traces ("exported_spans").
"""
import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from capture_common import FakeLLM, readable_span_to_json, write, freeze
from spanjson import otlp_request_to_json
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

received, paths = [], []


class Recv(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        paths.append(self.path)
        if self.path.endswith("/v1/traces"):
            req = ExportTraceServiceRequest()
            req.ParseFromString(body)
            received.extend(otlp_request_to_json(req))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    do_GET = do_POST


recv = ThreadingHTTPServer(("127.0.0.1", 0), Recv)
threading.Thread(target=recv.serve_forever, daemon=True).start()
host = f"http://127.0.0.1:{recv.server_address[1]}"

cap = InMemorySpanExporter()
tp = TracerProvider(resource=Resource.create({"service.name": "extra-langfuse"}))
tp.add_span_processor(SimpleSpanProcessor(cap))
trace.set_tracer_provider(tp)

from langfuse import Langfuse, observe, propagate_attributes  # noqa: E402

lf = Langfuse(public_key="pk-lf-fake", secret_key="sk-lf-fake", host=host, tracer_provider=tp,
              flush_at=1, flush_interval=0.1)
from langfuse.openai import openai  # noqa: E402

MSG = [{"role": "user", "content": "What is the capital of France?"}]

with FakeLLM() as fake:
    oc = openai.OpenAI(base_url=fake.openai_base_url, api_key="sk-fake", max_retries=0)

    @observe(name="handle_question")
    def handle(q: str):
        with propagate_attributes(session_id="lf-sess-1", user_id="lf-user-1", trace_name="qa_pipeline"):
            fake.script({"prompt_tokens": 42})
            oc.embeddings.create(model="text-embedding-3-small", input=q)
            fake.script({"prompt_tokens": 1500, "completion_tokens": 200, "cached_tokens": 1024,
                         "reasoning_tokens": 64})
            oc.chat.completions.create(model="gpt-4o", messages=MSG, name="answer_llm")
            fake.script({"prompt_tokens": 1800, "completion_tokens": 240, "cached_tokens": 1536,
                         "reasoning_tokens": 0})
            for _ in oc.chat.completions.create(model="gpt-4o", messages=MSG, stream=True,
                                                stream_options={"include_usage": True}):
                pass
        return "ok"

    handle("capital of France")
    # a plain openai call outside any @observe: its own trace
    fake.script({"prompt_tokens": 300, "completion_tokens": 50, "cached_tokens": 0, "reasoning_tokens": 0})
    oc.chat.completions.create(model="gpt-4o-mini", messages=MSG)
    # a manual generation with the app's own usage and cost
    with propagate_attributes(session_id="lf-sess-1", user_id="lf-user-1"):
        with lf.start_as_current_observation(as_type="generation", name="self_hosted_llm", model="acme-priced",
                                             input="hi") as g:
            g.update(output="hello", usage_details={"input": 5000, "output": 1000, "cache_read_input_tokens": 100},
                     cost_details={"input": 0.005, "output": 0.002, "total": 0.007})
    lf.flush()
    tp.force_flush()
    lf.shutdown()
    spans = [readable_span_to_json(s) for s in cap.get_finished_spans()]
    log = list(fake.log)
recv.shutdown()
recv.server_close()

path = write("langfuse", ["langfuse", "openai", "opentelemetry-sdk", "opentelemetry-api",
                          "opentelemetry-exporter-otlp-proto-http"], spans, log,
             notes={"exported_paths": sorted(set(paths)),
                    "exported_spans": "what Langfuse's own LangfuseSpanProcessor/exporter sent"},
             pip_freeze=freeze())
import json  # noqa: E402
doc = json.load(open(path))
doc["exported_spans"] = received
json.dump(doc, open(path, "w"), indent=1)
print(f"exported: {len(received)} spans to {sorted(set(paths))}")
