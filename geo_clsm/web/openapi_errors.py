"""The OpenAPI document says what the API really answers: errors and alternate formats.

FastAPI documents a 422 as ``HTTPValidationError`` (a list of pydantic errors) and a 200 as JSON.
This API answers every 4xx with a French ``detail`` (``geo_clsm/web/errors.py``, ``geo_clsm/web/middleware/security.py``),
``/ogc`` answers a bad parameter with 400, ``format=csv`` gives CSV, ``f=html`` HTML and OGC
items GeoJSON. :func:`document_errors` patches the generated document once so that clients (and
schemathesis, tests/web/test_fuzz.py) can trust it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Erreur",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "Ce qui ne va pas et quoi corriger (en français)"},
        "errors": {
            "type": "array",
            "description": "Paramètres invalides, un par erreur",
            "items": {
                "type": "object",
                "properties": {"parameter": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "candidates": {"type": "array", "description": "409 : les lieux de ce nom, à choisir"},
        "suggestions": {"type": "array", "description": "404 : noms proches (fautes de frappe)"},
        "territories": {"type": "array", "description": "404 : territoires chargés"},
    },
}
_REF = {"$ref": "#/components/schemas/Erreur"}
_CLIENT_ERROR = {
    "description": "Requête refusée : `detail` dit en français quoi corriger (paramètre invalide, objet "
    "introuvable, lieu ambigu, requête trop longue ou trop fréquente).",
    "content": {"application/json": {"schema": _REF}},
}
_UNAVAILABLE = {
    "description": "Service momentanément indisponible (données ou géocodeur) : réessayer plus tard.",
    "content": {"application/json": {"schema": _REF}},
}


def document_errors(app: FastAPI) -> None:
    """Patch ``app.openapi`` (once, cached by FastAPI) with the real error bodies and formats."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = patch_spec(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_SIGNED_IN = ("/api/admin", "/api/auth/me")  # routes that need an editor's session
_UNAUTHORIZED = {
    "description": "Non connecté (ou session expirée) : se connecter avec POST /api/auth/login.",
    "content": {"application/json": {"schema": _REF}},
}
_FORBIDDEN = {
    "description": "Refusé : rôle insuffisant (administrateurs seulement), ou jeton `X-CSRF-Token` absent ou faux.",
    "content": {"application/json": {"schema": _REF}},
}
# OpenAPI links between operations (schemathesis follows them in its stateful phase): an id read
# in one answer is the path parameter of the next request.
LINKS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("/api/resources", "get"): {
        "UneRessource": {
            "operationId": "get_resource_api_resources__resource_id__get",
            "parameters": {"resource_id": "$response.body#/features/0/id"},
        },
        "SignalerUneErreur": {
            "operationId": "report_error_api_resources__resource_id__reports_post",
            "parameters": {"resource_id": "$response.body#/features/0/id"},
        },
    },
    ("/api/qpv", "get"): {
        "UnQpv": {
            "operationId": "get_qpv_api_qpv__code_qp__get",
            "parameters": {"code_qp": "$response.body#/features/0/id"},
        }
    },
    ("/api/territories", "get"): {
        "ExportHsds": {
            "operationId": "export_hsds_api_export_hsds__territory__get",
            "parameters": {"territory": "$response.body#/0/id"},
        },
        "Guide": {"operationId": "guide_guide__territory__get", "parameters": {"territory": "$response.body#/0/id"}},
    },
}


def patch_spec(spec: dict[str, Any]) -> dict[str, Any]:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Erreur"] = ERROR_SCHEMA
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path, ops in spec.get("paths", {}).items():
        for op in ops.values():
            responses = op.setdefault("responses", {})
            for code, resp in list(responses.items()):
                if code.startswith("4") or code.startswith("5"):
                    resp["content"] = {"application/json": {"schema": _REF}}
            if path.startswith(_SIGNED_IN):
                responses.setdefault("401", _UNAUTHORIZED)
                responses.setdefault("403", _FORBIDDEN)
            responses.setdefault("4XX", _CLIENT_ERROR)
            responses.setdefault("503", _UNAVAILABLE)
            ok = responses.get("200")
            if ok is not None:
                _alternate_formats(path, op, ok)
                if set(ok.get("content", {})) == {"text/html"}:  # a page: its errors are pages too
                    for code, resp in responses.items():
                        if code.startswith("4") and "content" in resp:
                            resp["content"] = {**resp["content"], "text/html": {"schema": {"type": "string"}}}
    for (path, method), links in LINKS.items():
        op = spec.get("paths", {}).get(path, {}).get(method)
        ids = {o.get("operationId") for ops in spec.get("paths", {}).values() for o in ops.values()}
        if op is not None and "200" in op.get("responses", {}):
            op["responses"]["200"]["links"] = {k: v for k, v in links.items() if v["operationId"] in ids}
    return spec


def _alternate_formats(path: str, op: dict[str, Any], ok: dict[str, Any]) -> None:
    content = ok.setdefault("content", {})
    for param in op.get("parameters", []):
        values = param.get("schema", {}).get("enum") or [
            v for s in param.get("schema", {}).get("anyOf", []) for v in s.get("enum", [])
        ]
        if param.get("name") == "format" and "csv" in values:
            content.setdefault("text/csv", {"schema": {"type": "string"}})
        if param.get("name") == "f" and "html" in values:
            content.setdefault("text/html", {"schema": {"type": "string"}})
    if path.startswith("/ogc/collections/") and "/items" in path:
        content.setdefault("application/geo+json", content.get("application/json", {"schema": {"type": "object"}}))
