"""The place's own page at /maj/{token} (issue 30): its record as the public sees it, « Tout est
exact », and corrections field by field. No account: the link is the key, for that record only.
No script needed; French, English and Arabic (``?lang=``, else the browser's)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from geo_clsm.campaigns.service import confirm, opened
from geo_clsm.data.importers.resource_write import resource_to_row
from geo_clsm.engine.core import Engine
from geo_clsm.i18n import Translator, choose_lang, translator
from geo_clsm.model.errors import GeoClsmError
from geo_clsm.model.freshness import ACCEPTS_NEW_FR
from geo_clsm.settings import Settings
from geo_clsm.store import repo
from geo_clsm.store.campaigns import LinkError, aware, open_link
from geo_clsm.store.corrections import CORRECTABLE, NOTICE_COLUMNS, propose
from geo_clsm.store.records import FieldError
from geo_clsm.web.deps import get_engine, get_settings
from geo_clsm.web.forms import Csrf, double_submit_ok, form_token, page, with_form_cookie
from geo_clsm.web.live import refresh_in_thread
from geo_clsm.web.sessions import get_db

router = APIRouter(include_in_schema=False)

TEMPLATE = "maj.html"
FORM_FIELDS = frozenset(CORRECTABLE) - {"notice"} | set(NOTICE_COLUMNS)


def _words(request: Request) -> dict[str, Any]:
    t: Translator = translator(choose_lang(request.query_params.get("lang"), request.headers.get("accept-language")))
    return {"t": t, "lang_query": "" if t.lang == "fr" else f"?lang={t.lang}"}


def _link_error(request: Request, exc: LinkError) -> Response:
    """A link that opens nothing: a page saying why, in the page's language, 404 or 410."""
    words = _words(request)
    t = words["t"]
    if exc.kind == "unknown":
        why = t("Ce lien est inconnu : vérifiez qu'il a été copié en entier depuis le message reçu.")
    elif exc.kind == "expired":
        why = t("Ce lien a expiré. Écrivez à l'équipe du CLSM pour en recevoir un autre.")
    else:
        why = t("Ce lien a été désactivé par l'équipe du CLSM. Écrivez-lui pour en recevoir un autre.")
    return page(request, TEMPLATE, exc.status, link_error=why, detail=exc.message, **words)


def _context(request: Request, recipient: dict[str, Any], **extra: Any) -> dict[str, Any]:
    with get_db(request).connect() as conn:
        r, _ = repo.get(conn, str(recipient["resource_id"]))
    row = {k: "" if v is None else str(v) for k, v in resource_to_row(r).items()}
    words = _words(request)
    return {
        "accepts_words": {code: words["t"](text) for code, text in ACCEPTS_NEW_FR.items()},
        "r": r.public_properties(),
        "values": {**{f: row.get(f, "") for f in FORM_FIELDS}, **extra.pop("values", {})},
        "fields": CORRECTABLE,
        "confirmed": recipient.get("confirmed_at") is not None,
        "expires": aware(recipient["expires_at"]).strftime("%d/%m/%Y"),
        **words,
        **extra,
    }


@router.get("/maj/{token}")
def update_form(token: str, request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    db = get_db(request)
    try:
        with db.connect() as conn:
            recipient = open_link(conn, token)
    except LinkError as exc:
        return _link_error(request, exc)
    opened(db, recipient)
    form = form_token(request)
    resp = page(request, TEMPLATE, form_csrf=form, token=token, **_context(request, recipient))
    resp.headers["Referrer-Policy"] = "no-referrer"
    return with_form_cookie(resp, form, settings)


@router.post("/maj/{token}")
async def update_post(
    token: str,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    settings: Annotated[Settings, Depends(get_settings)],
    csrf_token: Csrf,
    action: Annotated[str, Form(pattern="^(confirmer|corriger)$")],
) -> Response:
    db = get_db(request)
    try:
        with db.connect() as conn:
            recipient = open_link(conn, token, at=datetime.now(UTC))
    except LinkError as exc:
        return _link_error(request, exc)
    form = form_token(request)
    posted = {k: str(v) for k, v in (await request.form()).items() if k in FORM_FIELDS}
    base = {"form_csrf": form, "token": token}
    if not double_submit_ok(request, csrf_token):
        t = _words(request)["t"]
        ctx = _context(request, recipient, values=posted, error=t("Formulaire expiré : recommencez."), **base)
        return with_form_cookie(page(request, TEMPLATE, 403, **ctx), form, settings)
    communes = engine.catalog.mairies
    if action == "confirmer":
        confirm(db, recipient, communes=communes)
        await refresh_in_thread(request)
        recipient["confirmed_at"] = datetime.now(UTC)
        return page(request, TEMPLATE, 200, done="confirmed", **_context(request, recipient, **base))
    try:
        outcome = propose(db, recipient, posted, communes=communes)
    except (FieldError, GeoClsmError) as exc:
        field = getattr(exc, "field", None)
        ctx = _context(request, recipient, values=posted, error=exc.message, error_field=field, **base)
        return with_form_cookie(page(request, TEMPLATE, 422, **ctx), form, settings)
    if outcome["applied"]:
        await refresh_in_thread(request)
    done = "corrected" if outcome["queued"] or outcome["applied"] else "nothing"
    return page(request, TEMPLATE, 200, done=done, outcome=outcome, **_context(request, recipient, **base))
