"""The public "Signaler une erreur" form at /signaler/{id} (no script needed), linked from the map."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from geo_clsm.engine.core import Engine
from geo_clsm.i18n import Translator, choose_lang, translator
from geo_clsm.model.errors import GeoClsmError, NotFoundError
from geo_clsm.settings import Settings
from geo_clsm.store.reports import add_report
from geo_clsm.web.deps import get_engine, get_settings
from geo_clsm.web.forms import Csrf, double_submit_ok, form_token, page, with_form_cookie
from geo_clsm.web.middleware.rate_limit import REPORTS_BURST, REPORTS_PER_MINUTE, retry_after_s, too_many_message
from geo_clsm.web.sessions import get_db

router = APIRouter(include_in_schema=False)


def _words(request: Request) -> dict[str, Any]:
    """The form's language (``?lang=``, else the browser's): its translator and the query that keeps it."""
    t: Translator = translator(choose_lang(request.query_params.get("lang"), request.headers.get("accept-language")))
    return {"t": t, "lang_query": "" if t.lang == "fr" else f"?lang={t.lang}"}


@router.get("/signaler/{resource_id}")
def report_form(
    resource_id: str,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    r = engine.catalog.resources_by_id.get(resource_id)
    if r is None:
        raise NotFoundError(f"ressource inconnue « {resource_id} »")
    token = form_token(request)
    resp = page(request, "report.html", r=r.public_properties(), form_csrf=token, **_words(request))
    return with_form_cookie(resp, token, settings)


@router.post("/signaler/{resource_id}")
def report_post(
    resource_id: str,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    settings: Annotated[Settings, Depends(get_settings)],
    message: Annotated[str, Form(max_length=2000)],
    csrf_token: Csrf,
    contact: Annotated[str, Form(max_length=200)] = "",
    website: Annotated[str, Form()] = "",
) -> Response:
    r = engine.catalog.resources_by_id.get(resource_id)
    if r is None:
        raise NotFoundError(f"ressource inconnue « {resource_id} »")
    token = form_token(request)
    ctx: dict[str, Any] = {
        "r": r.public_properties(),
        "form_csrf": token,
        "message": message,
        "contact": contact,
        **_words(request),
    }
    if not double_submit_ok(request, csrf_token):
        return with_form_cookie(
            page(request, "report.html", 403, error="formulaire expiré : recommencer", **ctx), token, settings
        )
    retry = retry_after_s(request, "reports", per_minute=REPORTS_PER_MINUTE, burst=REPORTS_BURST)
    if retry is not None:
        resp = page(request, "report.html", 429, error=too_many_message(retry), **ctx)
        resp.headers["Retry-After"] = str(retry)
        return resp
    if not website:
        try:
            add_report(get_db(request), resource_id, message=message, contact=contact)
        except GeoClsmError as exc:
            return with_form_cookie(page(request, "report.html", 422, error=exc.message, **ctx), token, settings)
    return page(request, "report.html", 201, r=r.public_properties(), sent=True, **_words(request))
