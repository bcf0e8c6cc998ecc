"""An OpenAPI 3.0 document for a part of the app (FastAPI writes 3.1).

OGC API – Features Part 1 (conformance class ``oas30``) asks for OpenAPI 3.0, the version
GDAL and QGIS read. The app's 3.1 schema is rewritten: ``anyOf [X, null]`` becomes ``X``
with ``nullable``, ``examples`` lists become one ``example``, ``const`` becomes ``enum``.
"""

from __future__ import annotations

import json
from typing import Any


def _schema30(node: Any) -> Any:
    if isinstance(node, list):
        return [_schema30(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _schema30(v) for k, v in node.items()}
    for key in ("anyOf", "oneOf"):
        options = out.get(key)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            del out[key]
            if len(rest) == 1:
                out.update(rest[0])
            else:
                out[key] = rest
            out["nullable"] = True
    if isinstance(out.get("examples"), list):
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    out.pop("contentMediaType", None)
    return out


def _parameter30(param: dict[str, Any]) -> dict[str, Any]:
    param = dict(param)
    if isinstance(param.get("examples"), list):
        examples = param.pop("examples")
        if examples:
            param["example"] = examples[0]
    if "schema" in param:
        param["schema"] = _schema30(param["schema"])
    return param


def _refs(node: Any) -> set[str]:
    text = json.dumps(node)
    prefix = '"#/components/schemas/'
    found = set()
    start = text.find(prefix)
    while start != -1:
        end = text.find('"', start + len(prefix))
        found.add(text[start + len(prefix) : end])
        start = text.find(prefix, end)
    return found


def openapi30(spec: dict[str, Any], *, prefix: str, server_url: str) -> dict[str, Any]:
    """The operations of ``spec`` (OpenAPI 3.1) under ``prefix``, as an OpenAPI 3.0.3 document."""
    paths: dict[str, Any] = {}
    for path, ops in spec.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        new_ops = {}
        for method, op in ops.items():
            op = dict(op)
            op["parameters"] = [_parameter30(p) for p in op.get("parameters", [])]
            op["responses"] = _schema30(op.get("responses", {}))
            new_ops[method] = op
        paths[path] = new_ops
    all_schemas = spec.get("components", {}).get("schemas", {})
    wanted, todo = set(), _refs(paths)
    while todo:
        name = todo.pop()
        if name in wanted or name not in all_schemas:
            continue
        wanted.add(name)
        todo |= _refs(all_schemas[name])
    return {
        "openapi": "3.0.3",
        "info": dict(spec.get("info", {})),
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": {n: _schema30(all_schemas[n]) for n in sorted(wanted)}},
    }
