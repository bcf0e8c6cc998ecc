"""Domain errors -> HTTP, in one place. Request validation errors get French messages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from geo_clsm.documents.pdf import PdfUnavailableError
from geo_clsm.engine.gazetteer import AmbiguousPlaceError, PlaceNotFoundError
from geo_clsm.engine.geocode import GeocoderUnavailableError
from geo_clsm.model.errors import (
    ForbiddenError,
    GeoClsmError,
    InvalidInputError,
    LayerError,
    NotFoundError,
    OutsideTerritoryError,
    StaleResultError,
)
from geo_clsm.model.validate import french_reason
from geo_clsm.web.sessions import SignInRequired, optional_session

STATUS: dict[type[GeoClsmError], int] = {
    AmbiguousPlaceError: 409,  # several places answer: the body lists ``candidates`` to choose from
    ForbiddenError: 403,
    InvalidInputError: 422,
    NotFoundError: 404,
    StaleResultError: 409,  # e.g. a national run from another version: `detail` says to run it again
    OutsideTerritoryError: 404,
    LayerError: 503,
    GeocoderUnavailableError: 503,
    PdfUnavailableError: 503,
}


def status_of(exc: GeoClsmError) -> int:
    """The HTTP status of a domain error (:data:`STATUS`; 400 for any other)."""
    return next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)


PLACE_RESPONSES: dict[int | str, dict[str, object]] = {
    404: {
        "description": "Lieu introuvable : `detail` dit quoi corriger, `suggestions` liste les noms proches (fautes de frappe)."
    },
    409: {
        "description": "Plusieurs lieux portent ce nom : `candidates` les liste (nom, département, population), "
        "territoires pilotes d'abord ; renvoyer le champ `query` du lieu choisi."
    },
}


def install(app: FastAPI) -> None:
    """Install the exception handlers on ``app``."""

    @app.exception_handler(GeoClsmError)
    async def _domain(request: Request, exc: GeoClsmError) -> Response:
        status = status_of(exc)
        if isinstance(exc, ForbiddenError) and request.url.path.startswith("/admin/"):
            return forbidden_page(request, exc.message)
        body: dict[str, object] = {"detail": exc.message}
        if isinstance(exc, OutsideTerritoryError):
            body["territories"] = exc.territories
        if isinstance(exc, AmbiguousPlaceError):
            body["candidates"] = exc.candidates
        if isinstance(exc, PlaceNotFoundError):
            body["suggestions"] = exc.suggestions
        if isinstance(getattr(exc, "field", None), str):  # an edited record's field (store.records.FieldError)
            body["field"] = exc.field  # type: ignore[attr-defined]
        return JSONResponse(status_code=status, content=body)

    @app.exception_handler(SignInRequired)
    async def _sign_in(_: Request, __: SignInRequired) -> Response:
        return RedirectResponse("/admin/login", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body")]
            errors.append({"parameter": ".".join(loc), "message": french_reason(dict(err))})
        detail = " ; ".join(f"{e['parameter']} : {e['message']}" for e in errors)
        return JSONResponse(status_code=422, content={"detail": f"paramètre invalide — {detail}", "errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            # Starlette names only the first route of the path in Allow; FastAPI makes one route per
            # method: list every method the path answers (HEAD wherever GET, see geo_clsm.web.middleware.security).
            allowed = ", ".join(allowed_methods(request))
            exc = StarletteHTTPException(
                405,
                detail=f"méthode HTTP non acceptée à cette adresse : utiliser {allowed}",
                headers={"Allow": allowed},
            )
        if exc.status_code == 404 and exc.detail == "Not Found":
            exc = StarletteHTTPException(404, detail="adresse inconnue : la liste des adresses est sur /docs")
        return await http_exception_handler(request, exc)


def forbidden_page(request: Request, message: str) -> Response:
    """The editor screens' 403 page (a record or territory outside the account's roles)."""
    from geo_clsm.web.forms import page  # the templates need the app's state: imported when used

    return page(request, "admin/forbidden.html", 403, session=optional_session(request), message=message)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method the request's path answers: each is tried against the app's routes (included
    routers too), as the router itself would match it."""
    routes = request.app.router.routes
    methods = {m for m in _METHODS if any(r.matches({**request.scope, "method": m})[0] == Match.FULL for r in routes)}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)
