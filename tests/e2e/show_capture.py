"""Print a captured scenario compactly: the span tree with each attribute as key=value:type."""
import json, sys

def show(path, skip_content=True):
    d = json.load(open(path))
    spans = d["spans"]
    by_id = {s["span_id"]: s for s in spans}
    kids = {}
    for s in spans:
        kids.setdefault(s["parent_span_id"] if s["parent_span_id"] in by_id else "", []).append(s)
    print(f"# {d['scenario']}  fake_log: " + "; ".join(f"{e['response_id']} {e['response_model']} {e['usage']}" for e in d["fake_log"]))
    def rec(pid, depth):
        for s in sorted(kids.get(pid, []), key=lambda x: x["start_time_unix_nano"]):
            print("  " * depth + f"- {s['name']!r} kind={s['kind']} scope={s['scope']['name']} span={s['span_id']} parent={s['parent_span_id'] or '-'} trace={s['trace_id'][:8]}")
            for k, v in s["attributes"].items():
                val = v["value"]
                if isinstance(val, str) and len(val) > 90:
                    val = val[:90] + "..."
                print("  " * depth + f"    {k} = {val!r} :{v['type']}")
            rec(s["span_id"], depth + 1)
    rec("", 0)

for p in sys.argv[1:]:
    show(p)
