"""openinference-instrumentation-langchain over langchain-openai ChatOpenAI, against the fake server.

Part A (trace 1-2): LangChain instrumentation ONLY, under using_session/using_user: an LCEL chain
  prompt | ChatOpenAI | StrOutputParser (cached + reasoning tokens), then a streamed chain (stream_usage=True),
  then OpenAIEmbeddings.
Part B (trace 3): the openai OpenInference instrumentation added too: the nested duplicate (LangChain LLM span
  with the openai ChatCompletion span under it, same usage).
"""
from capture_common import FakeLLM, readable_span_to_json, write, freeze
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

cap = InMemorySpanExporter()
tp = TracerProvider(resource=Resource.create({"service.name": "extra-langchain"}))
tp.add_span_processor(SimpleSpanProcessor(cap))
trace.set_tracer_provider(tp)

from openinference.instrumentation import using_session, using_user  # noqa: E402
from openinference.instrumentation.langchain import LangChainInstrumentor  # noqa: E402
from openinference.instrumentation.openai import OpenAIInstrumentor  # noqa: E402

LangChainInstrumentor().instrument(tracer_provider=tp)
from langchain_core.output_parsers import StrOutputParser  # noqa: E402
from langchain_core.prompts import ChatPromptTemplate  # noqa: E402
from langchain_openai import ChatOpenAI, OpenAIEmbeddings  # noqa: E402

with FakeLLM() as fake:
    llm = ChatOpenAI(model="gpt-4o", base_url=fake.openai_base_url, api_key="sk-fake", max_retries=0)
    sllm = ChatOpenAI(model="gpt-4o", base_url=fake.openai_base_url, api_key="sk-fake", max_retries=0,
                      streaming=True, stream_usage=True)
    emb = OpenAIEmbeddings(model="text-embedding-3-small", base_url=fake.openai_base_url, api_key="sk-fake",
                           check_embedding_ctx_length=False, max_retries=0)
    prompt = ChatPromptTemplate.from_messages([("system", "Be terse."), ("user", "{q}")])
    with using_session("lc-sess-1"), using_user("lc-user-1"):
        fake.script({"prompt_tokens": 1500, "completion_tokens": 200, "cached_tokens": 1024,
                     "reasoning_tokens": 64})
        (prompt | llm | StrOutputParser()).invoke({"q": "What is the capital of France?"})
        fake.script({"prompt_tokens": 1800, "completion_tokens": 240, "cached_tokens": 1536,
                     "reasoning_tokens": 0})
        for _ in (prompt | sllm | StrOutputParser()).stream({"q": "And of Italy?"}):
            pass
        fake.script({"prompt_tokens": 42})
        emb.embed_query("capital of France")
    OpenAIInstrumentor().instrument(tracer_provider=tp)
    with using_session("lc-sess-1"), using_user("lc-user-1"):
        fake.script({"prompt_tokens": 900, "completion_tokens": 45, "cached_tokens": 512, "reasoning_tokens": 0})
        (prompt | llm | StrOutputParser()).invoke({"q": "Both instrumentations now"})
    tp.force_flush()
    spans = [readable_span_to_json(s) for s in cap.get_finished_spans()]
    log = list(fake.log)

write("langchain_openinference", ["openinference-instrumentation-langchain", "openinference-instrumentation-openai",
                                  "openinference-instrumentation", "openinference-semantic-conventions",
                                  "langchain-core", "langchain-openai", "openai", "opentelemetry-sdk"],
      spans, log, notes={"session_id": "lc-sess-1", "user_id": "lc-user-1",
                         "part_b": "last trace: LangChain + openai OpenInference instrumentations together"},
      pip_freeze=freeze())
