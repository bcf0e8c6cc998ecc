"""The route class of the OGC API – Features and HSDS routers: French 400s for a bad parameter value
(OGC Part 1 /req/core/query-param-invalid) and for a query parameter the operation does not
declare (/req/core/query-param-unknown)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.validate import french_reason


def _query_names(dependant: Dependant) -> frozenset[str]:
    """The query parameters an operation declares, its dependencies' included."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)


class OgcRoute(APIRoute):
    """OGC API – Features answers an invalid parameter value with 400 (Part 1, /req/core/query-param-invalid),
    and a query parameter the API definition does not declare with 400 too (/req/core/query-param-unknown)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        declared = _query_names(self.dependant)

        async def route(request: Request) -> Response:
            unknown = sorted({k for k in request.query_params if k not in declared})
            if unknown:
                allowed = ", ".join(sorted(declared)) or "aucun"
                return JSONResponse(
                    {"detail": f"paramètre inconnu : {', '.join(unknown)} (paramètres admis : {allowed})"},
                    status_code=400,
                )
            try:
                return await handler(request)
            except RequestValidationError as exc:
                parts = []
                for err in exc.errors():
                    name = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path"))
                    parts.append(f"{name} : {french_reason(dict(err))}")
                return JSONResponse({"detail": f"paramètre invalide — {' ; '.join(parts)}"}, status_code=400)
            except InvalidInputError as exc:
                return JSONResponse({"detail": exc.message}, status_code=400)

        return route
