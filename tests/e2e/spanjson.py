"""One JSON shape for a span, whether it comes from the SDK (ReadableSpan, before export) or from OTLP protobuf
(what the collector sent on). Attributes keep their OTLP type: {"key": {"type": "int", "value": 5}}.

Types: string, int, double, bool, bytes, array<T> (T the element type, or "mixed"/"empty"), kvlist.
"""

from __future__ import annotations

import base64
from typing import Any

KIND_NAMES = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}


def _py_typed(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"type": "bool", "value": v}
    if isinstance(v, int):
        return {"type": "int", "value": v}
    if isinstance(v, float):
        return {"type": "double", "value": v}
    if isinstance(v, str):
        return {"type": "string", "value": v}
    if isinstance(v, bytes):
        return {"type": "bytes", "value": base64.b64encode(v).decode()}
    if isinstance(v, (list, tuple)):
        items = [_py_typed(x) for x in v]
        types = {i["type"] for i in items}
        t = types.pop() if len(types) == 1 else ("empty" if not types else "mixed")
        return {"type": f"array<{t}>", "value": [i["value"] for i in items]}
    return {"type": "string", "value": str(v)}


def readable_span_to_json(s: Any) -> dict[str, Any]:
    """opentelemetry.sdk.trace.ReadableSpan -> dict."""
    ctx = s.context
    parent = s.parent
    kind = s.kind.value if hasattr(s.kind, "value") else int(s.kind)
    # SpanKind enum values in the Python API are 0-based (INTERNAL=0); OTLP's are INTERNAL=1.
    otlp_kind = kind + 1
    scope = s.instrumentation_scope
    return {
        "name": s.name,
        "trace_id": format(ctx.trace_id, "032x"),
        "span_id": format(ctx.span_id, "016x"),
        "parent_span_id": format(parent.span_id, "016x") if parent is not None else "",
        "kind": KIND_NAMES.get(otlp_kind, str(otlp_kind)),
        "scope": {"name": scope.name if scope else "", "version": (scope.version or "") if scope else ""},
        "start_time_unix_nano": s.start_time,
        "end_time_unix_nano": s.end_time,
        "status": s.status.status_code.name,
        "attributes": {k: _py_typed(v) for k, v in (s.attributes or {}).items()},
        "events": [e.name for e in s.events],
        "resource": {k: _py_typed(v) for k, v in (s.resource.attributes or {}).items()},
    }


def _any_typed(av: Any) -> dict[str, Any]:
    which = av.WhichOneof("value")
    if which == "string_value":
        return {"type": "string", "value": av.string_value}
    if which == "int_value":
        return {"type": "int", "value": av.int_value}
    if which == "double_value":
        return {"type": "double", "value": av.double_value}
    if which == "bool_value":
        return {"type": "bool", "value": av.bool_value}
    if which == "bytes_value":
        return {"type": "bytes", "value": base64.b64encode(av.bytes_value).decode()}
    if which == "array_value":
        items = [_any_typed(x) for x in av.array_value.values]
        types = {i["type"] for i in items}
        t = types.pop() if len(types) == 1 else ("empty" if not types else "mixed")
        return {"type": f"array<{t}>", "value": [i["value"] for i in items]}
    if which == "kvlist_value":
        return {"type": "kvlist", "value": {kv.key: _any_typed(kv.value) for kv in av.kvlist_value.values}}
    return {"type": "empty", "value": None}


def otlp_request_to_json(req: Any) -> list[dict[str, Any]]:
    """ExportTraceServiceRequest -> [span dict]."""
    out = []
    for rs in req.resource_spans:
        resource = {kv.key: _any_typed(kv.value) for kv in rs.resource.attributes}
        for ss in rs.scope_spans:
            for sp in ss.spans:
                attrs: dict[str, Any] = {}
                dup_keys = []
                for kv in sp.attributes:
                    if kv.key in attrs:
                        dup_keys.append(kv.key)
                    attrs[kv.key] = _any_typed(kv.value)
                out.append({
                    "name": sp.name,
                    "trace_id": sp.trace_id.hex(),
                    "span_id": sp.span_id.hex(),
                    "parent_span_id": sp.parent_span_id.hex(),
                    "kind": KIND_NAMES.get(sp.kind, str(sp.kind)),
                    "scope": {"name": ss.scope.name, "version": ss.scope.version},
                    "start_time_unix_nano": sp.start_time_unix_nano,
                    "end_time_unix_nano": sp.end_time_unix_nano,
                    "status": {0: "UNSET", 1: "OK", 2: "ERROR"}.get(sp.status.code, str(sp.status.code)),
                    "attributes": attrs,
                    "duplicate_keys": dup_keys,
                    "events": [e.name for e in sp.events],
                    "resource": resource,
                })
    return out
