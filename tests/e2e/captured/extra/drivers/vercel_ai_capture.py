"""Vercel AI SDK: starts the fake server, scripts the usage, runs vercel_ai_driver.mjs inside an npm project dir
(argv[1], holding ai, @ai-sdk/openai, @ai-sdk/anthropic, @opentelemetry/sdk-trace-node, -base, -api, zod, and for
ai 7 @ai-sdk/otel) and writes captured/extra/<argv[2]>.json.
    python vercel_ai_capture.py /tmp/vercel6 vercel_ai_v6
    python vercel_ai_capture.py /tmp/vercel  vercel_ai_v7
"""
import json
import os
import shutil
import subprocess
import sys

from capture_common import ToolFakeLLM, write

proj, name = sys.argv[1], sys.argv[2]
shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "vercel_ai_driver.mjs"), proj)
with ToolFakeLLM() as fake:
    fake.script({"prompt_tokens": 1200, "completion_tokens": 30, "cached_tokens": 1024, "reasoning_tokens": 0},
                content='TOOL:get_weather:{"city": "Paris"}')
    fake.script({"prompt_tokens": 1300, "completion_tokens": 80, "cached_tokens": 1152, "reasoning_tokens": 16})
    fake.script({"prompt_tokens": 1800, "completion_tokens": 240, "cached_tokens": 1536, "reasoning_tokens": 0})
    fake.script({"input_tokens": 40, "output_tokens": 90, "cache_read_input_tokens": 2000,
                 "cache_creation_input_tokens": 300})
    fake.script({"prompt_tokens": 42})
    if json.load(open(os.path.join(proj, "node_modules", "ai", "package.json")))["version"].startswith("7"):
        fake.script({"prompt_tokens": 700, "completion_tokens": 60, "cached_tokens": 512, "reasoning_tokens": 8})
    out = subprocess.run(["node", "vercel_ai_driver.mjs", fake.openai_base_url, fake.anthropic_base_url + "/v1"],
                         cwd=proj, capture_output=True, text=True, timeout=120)
    if out.returncode:
        sys.exit(out.stderr)
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    log = list(fake.log)
    leftover = fake.pending()
vers = {**doc["versions"], "node": doc["node"]}
if leftover:
    sys.exit(f"{leftover} scripted responses never requested")
write(name, [], doc["spans"], log, extra_versions=vers)
os.remove(os.path.join(proj, "vercel_ai_driver.mjs"))
