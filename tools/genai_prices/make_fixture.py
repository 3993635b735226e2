"""Builds tests/fixtures/genai_prices_subset.json and tests/fixtures/genai_prices_cases.json.

The subset is some providers of pydantic's genai-prices data file (MIT, github.com/pydantic/genai-prices,
prices/new_data/v2/data.json); the cases are calls priced by the genai-prices Python package itself from that
subset, so the Rust test compares our cost with theirs on the same data. Run (from the repository root):

    python3 -m venv /tmp/gpvenv && /tmp/gpvenv/bin/pip install genai-prices
    /tmp/gpvenv/bin/python tools/genai_prices/make_fixture.py path/to/data.json
"""

import json
import re
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from genai_prices import Usage, calc_price, data_snapshot
from genai_prices.types import _providers_from_raw

PROVIDERS = ["anthropic", "aws", "azure", "deepseek", "google", "mistral", "openai", "x-ai", "groq"]
# How spans name each provider (gen_ai.provider.name and the older gen_ai.system spellings).
SPAN_PROVIDER = {
    "anthropic": ["anthropic"],
    "aws": ["aws.bedrock"],
    "azure": ["azure.ai.openai", "az.ai.openai"],
    "deepseek": ["deepseek"],
    "google": ["gcp.vertex_ai", "gcp.gemini"],
    "mistral": ["mistral_ai"],
    "openai": ["openai"],
    "x-ai": ["xai", "x_ai"],
    "groq": ["groq"],
}
USAGES = [
    dict(input=1_000, output=500, cache_read=0, cache_write=0),
    dict(input=10_000, output=200, cache_read=8_000, cache_write=0),
    dict(input=5_000, output=300, cache_read=0, cache_write=4_000),
    dict(input=250_000, output=1_000, cache_read=50_000, cache_write=10_000),
    dict(input=300_000, output=2_000, cache_read=0, cache_write=0),
]
NOON = datetime(2026, 11, 16, 12, 0, tzinfo=timezone.utc)


def names(clause):
    """Model names that a clause matches, one per branch: equals as is, prefixes extended by a date."""
    if "or" in clause:
        return [n for c in clause["or"] for n in names(c)]
    if "equals" in clause:
        return [clause["equals"]]
    if "starts_with" in clause:
        return [clause["starts_with"] + "-20260101"]
    return []


def unix_nanos(t):
    return int(t.timestamp()) * 1_000_000_000


def times(model):
    prices = model["prices"]
    if not isinstance(prices, list):
        return [NOON]
    out = [NOON]
    for cp in prices:
        c = cp.get("constraint") or {}
        if "start_date" in c:
            day = datetime.fromisoformat(c["start_date"]).replace(tzinfo=timezone.utc)
            out += [day, day - timedelta(days=1)]
        if "start_time" in c:
            out += [NOON.replace(hour=10), NOON.replace(hour=20)]
    return out


def main(path):
    data = json.load(open(path))
    subset = [p for p in data if p["id"] in PROVIDERS]
    data_snapshot.set_custom_snapshot(data_snapshot.DataSnapshot(_providers_from_raw(subset), from_auto_update=False))
    cases = []
    for p in subset:
        for m in p["models"]:
            prices = m["prices"] if isinstance(m["prices"], list) else [{"prices": m["prices"]}]
            # Per-request fees and models with only audio or image prices are not priced by the collector (counted as
            # skipped entries): no case to compare.
            if any("requests_kcount" in cp["prices"] for cp in prices):
                continue
            if not any({"input_mtok", "output_mtok"} & set(cp["prices"]) or not cp["prices"] for cp in prices):
                continue
            for ref in names(m["match"])[:2]:
                for span_provider in SPAN_PROVIDER[p["id"]]:
                    for t in times(m):
                        for u in USAGES:
                            usage = Usage(
                                input_tokens=u["input"],
                                output_tokens=u["output"],
                                cache_read_tokens=u["cache_read"],
                                cache_write_tokens=u["cache_write"],
                            )
                            try:
                                calc = calc_price(usage, ref, provider_id=p["id"], genai_request_timestamp=t)
                            except LookupError:
                                continue
                            cases.append(
                                [span_provider, ref, unix_nanos(t), u["input"], u["output"], u["cache_read"],
                                 u["cache_write"], float(Decimal(calc.total_price))]
                            )
    json.dump(subset, open("tests/fixtures/genai_prices_subset.json", "w"), separators=(",", ":"))
    with open("tests/fixtures/genai_prices_cases.json", "w") as f:
        f.write('[["provider","model","unix_nanos","input","output","cache_read","cache_write","cost_usd"],\n')
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
        f.write("]\n")
    print(f"{len(subset)} providers, {sum(len(p['models']) for p in subset)} models, {len(cases)} cases")


if __name__ == "__main__":
    main(sys.argv[1])
