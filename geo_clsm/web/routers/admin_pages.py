"""Editor screens at /admin (server-rendered French pages, Jinja2 templates in geo_clsm/web/templates/):
sign in, search, a form per resource, history with restore, review queue, public reports. Authorised
by territory (:mod:`geo_clsm.web.rights`): lists show the account's territories' records only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.importers.resource_schema import COLUMNS
from geo_clsm.data.importers.resource_write import resource_to_row
from geo_clsm.engine.core import Engine
from geo_clsm.i18n import N_
from geo_clsm.model.errors import NotFoundError
from geo_clsm.model.hours import OpeningHoursError
from geo_clsm.model.resource_types import TYPE_LABELS_FR
from geo_clsm.settings import Settings
from geo_clsm.store import repo
from geo_clsm.store.corrections import list_corrections
from geo_clsm.store.disagreements import DECISIONS, list_disagreements, resolve
from geo_clsm.store.disagreements import LABELS as FIELD_LABELS
from geo_clsm.store.login_throttle import LoginThrottledError
from geo_clsm.store.records import FieldError
from geo_clsm.store.reports import get_report, list_reports, set_status
from geo_clsm.store.review import review_queue
from geo_clsm.store.schema import MAX_ID
from geo_clsm.store.users import AccountDisabledError, Session, authenticate, close_session, open_session
from geo_clsm.web.admin_form import editor_translator, field_label, form_context, posted_fields
from geo_clsm.web.admin_history import action_label, readable_changes
from geo_clsm.web.deps import get_engine, get_settings
from geo_clsm.web.forms import (
    Csrf,
    back,
    checked,
    double_submit_ok,
    form_token,
    page,
    signed_in,
    to_login,
    with_form_cookie,
)
from geo_clsm.web.live import refresh, refresh_in_thread
from geo_clsm.web.middleware.rate_limit import LOGIN_PER_MINUTE, client_address, retry_after_s, too_many_message
from geo_clsm.web.rights import AUTHORISE, rights_of
from geo_clsm.web.sessions import COOKIE, clear_session_cookie, get_db, set_session_cookie

router = APIRouter(include_in_schema=False, dependencies=[AUTHORISE])

# --- sign in / out -----------------------------------------------------------------------


@router.get("/admin/login")
def login_form(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    token = form_token(request)
    return with_form_cookie(page(request, "admin/login.html", form_csrf=token), token, settings)


@router.post("/admin/login")
def login(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Csrf,
) -> Response:
    token = form_token(request)
    error: str | None = None
    status, wait = 401, 0
    retry = retry_after_s(request, "login", per_minute=LOGIN_PER_MINUTE)
    if retry is not None:
        resp = page(request, "admin/login.html", status_code=429, form_csrf=token, error=too_many_message(retry))
        resp.headers["Retry-After"] = str(retry)
        return with_form_cookie(resp, token, settings)
    if not double_submit_ok(request, csrf_token):
        error = N_("formulaire expiré : recharger la page et recommencer")
    else:
        try:
            user = authenticate(get_db(request), email, password, client=client_address(request))
            if user is None:
                error = N_("adresse e-mail ou mot de passe incorrect")
        except LoginThrottledError as exc:
            error, status, wait = exc.message, 429, exc.retry_after_s
        except AccountDisabledError as exc:
            error, status = exc.message, 403
    if error:
        resp = page(request, "admin/login.html", status_code=status, form_csrf=token, error=error, email=email)
        if wait:
            resp.headers["Retry-After"] = str(wait)
        return with_form_cookie(resp, token, settings)
    assert user is not None
    session_token, _ = open_session(get_db(request), user)
    done = back("/admin/resources")
    set_session_cookie(done, session_token, settings)
    return done


@router.post("/admin/logout")
def logout(request: Request, settings: Annotated[Settings, Depends(get_settings)], csrf_token: Csrf) -> Response:
    if checked(request, csrf_token):
        close_session(get_db(request), request.cookies.get(COOKIE))
    resp = to_login()
    clear_session_cookie(resp, settings)
    return resp


# --- list, search, edit ------------------------------------------------------------------


@router.get("/admin")
def home() -> Response:
    return back("/admin/resources")


def first_territories(engine: Engine, session: Session) -> tuple[str, ...]:
    """The territories an editor's lists (resources, review queue, reports) start with: a scoped
    account's own, else the deployment's local territories (pilot and local ones, not the national layer)."""
    if not session.user.deployment_wide:
        return tuple(t for t, _ in session.user.territories)
    return tuple(code for code, terr in engine.catalog.territories.items() if terr.kind != "national")


@router.get("/admin/resources")
def list_page(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    q: str | None = None,
    offset: Annotated[int, Query(ge=-MAX_ID, le=MAX_ID)] = 0,
) -> Response:
    session = signed_in(request)
    q = (q or "")[:200]
    first = first_territories(engine, session)
    scope = rights_of(request, session.user).scope
    with get_db(request).connect() as conn:
        items, total = repo.search(
            conn, text=q or None, limit=50, offset=max(0, offset), first_territories=first, scope=scope
        )
        open_reports = len(list_reports(get_db(request), scope=scope))
    return page(
        request,
        "admin/list.html",
        session=session,
        items=items,
        total=total,
        q=q,
        offset=max(0, offset),
        open_reports=open_reports,
        labels=TYPE_LABELS_FR,
    )


def _form_context(row: dict[str, Any], engine: Engine, request: Request) -> dict[str, Any]:
    t = editor_translator(request)
    return {"t": t, "field_label": lambda f, reason="": field_label(f, t, reason), **form_context(row, engine, t)}


@router.get("/admin/resources/new")
def new_form(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Response:
    session = signed_in(request)
    return page(request, "admin/edit.html", session=session, new=True, status="", **_form_context({}, engine, request))


@router.get("/admin/resources/{resource_id}")
def edit_form(
    resource_id: str,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    report: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> Response:
    session = signed_in(request)
    with get_db(request).connect() as conn:
        r, status = repo.get(conn, resource_id)
    shown = get_report(get_db(request), report) if report else None
    if shown is not None and shown["resource_id"] != r.id:  # only a report on this record
        shown = None
    return page(
        request,
        "admin/edit.html",
        session=session,
        new=False,
        rid=r.id,
        status=status,
        report=shown,
        **_form_context(resource_to_row(r), engine, request),
    )


async def _posted_fields(request: Request, before: dict[str, str]) -> tuple[dict[str, str], str, FieldError | None]:
    """The posted fields (pickers joined, hours from the grid), the CSRF token, and a grid error."""
    form = await request.form()
    try:
        fields, error = posted_fields(form, before), None
    except OpeningHoursError as exc:
        fields = {k: str(v) for k, v in form.items() if k in COLUMNS}
        error = FieldError("opening_hours", str(exc))
    return fields, str(form.get("csrf_token") or ""), error


@router.post("/admin/resources/new")
async def create(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Response:
    fields, csrf, grid_error = await _posted_fields(request, {})
    session = signed_in(request, csrf)
    data = {k: v for k, v in fields.items() if v.strip()}
    try:
        if grid_error:
            raise grid_error
        db, author, check = get_db(request), session.user.email, rights_of(request, session.user).check
        change = repo.create(db, data, author=author, communes=engine.catalog.mairies, check=check)
    except FieldError as exc:
        return page(
            request,
            "admin/edit.html",
            422,
            session=session,
            new=True,
            status="",
            error=exc,
            **_form_context(fields, engine, request),
        )
    await refresh_in_thread(request)
    return back(f"/admin/resources/{change.resource.id}?saved=1{_lang_query(request)}")


def _corrected(db: SqlEngine, report_id: int, resource_id: str, history_id: int, *, by: str) -> None:
    """The report on this record that the saved correction answers is handled."""
    rep = get_report(db, report_id)
    if rep["resource_id"] == resource_id and rep["status"] == "open":
        set_status(db, report_id, "corrected", by=by, history_id=history_id)


def _lang_query(request: Request) -> str:
    lang = editor_translator(request).lang
    return "" if lang == "fr" else f"&lang={lang}"


@router.post("/admin/resources/{resource_id}")
async def save(resource_id: str, request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Response:
    db = get_db(request)
    with db.connect() as conn:
        current, status = repo.get(conn, resource_id)
    before = {k: "" if v is None else str(v) for k, v in resource_to_row(current).items()}
    fields, csrf, grid_error = await _posted_fields(request, before)
    session = signed_in(request, csrf)
    changes = {k: v for k, v in fields.items() if k != "id" and v.strip() != before.get(k, "").strip()}
    report = request.query_params.get("report")
    if changes or grid_error:
        try:
            if grid_error:
                raise grid_error
            author, check = session.user.email, rights_of(request, session.user).check
            change = repo.update(db, resource_id, changes, author=author, communes=engine.catalog.mairies, check=check)
            if report and report.isdigit():
                _corrected(db, int(report), resource_id, change.history_id, by=session.user.email)
        except FieldError as exc:
            return page(
                request,
                "admin/edit.html",
                422,
                session=session,
                new=False,
                rid=resource_id,
                status=status,
                error=exc,
                report=get_report(db, int(report)) if report and report.isdigit() else None,
                **_form_context({**before, **fields}, engine, request),
            )
        await refresh_in_thread(request)
    kept = f"&report={report}" if report and report.isdigit() else ""
    return back(f"/admin/resources/{resource_id}?saved=1{kept}{_lang_query(request)}")


@router.post("/admin/resources/{resource_id}/{action}")
def act(
    resource_id: str,
    action: str,
    request: Request,
    csrf_token: Csrf,
    entry_id: Annotated[int, Form(ge=0, le=MAX_ID)] = 0,
) -> Response:
    session = signed_in(request, csrf_token)
    db, author, check = get_db(request), session.user.email, rights_of(request, session.user).check
    if action == "verified":
        repo.mark_verified(db, resource_id, author=author, check=check)
    elif action == "withdraw":
        repo.withdraw(db, resource_id, author=author, check=check)
    elif action == "restore":
        repo.restore(db, resource_id, entry_id=entry_id, author=author, check=check)
    else:
        raise NotFoundError(f"action inconnue « {action} »")
    refresh(request)
    return back(f"/admin/resources/{resource_id}/history" if action == "restore" else f"/admin/resources/{resource_id}")


@router.get("/admin/resources/{resource_id}/history")
def history_page(resource_id: str, request: Request) -> Response:
    session = signed_in(request)
    with get_db(request).connect() as conn:
        r, status = repo.get(conn, resource_id)
        entries = repo.entries(conn, resource_id)
    t = editor_translator(request)
    for e in entries:
        e["action_label"] = action_label(e["action"], t=t)
        e["diff"] = readable_changes(e["before"], e["after"], t=t)
    return page(request, "admin/history.html", session=session, r=r, status=status, entries=list(reversed(entries)))


# --- review queue, reports -----------------------------------------------------------------


@router.get("/admin/review")
def review_page(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Response:
    session = signed_in(request)
    scope = rights_of(request, session.user).scope
    with get_db(request).connect() as conn:
        queue = review_queue(conn, first_territories=first_territories(engine, session), scope=scope)
    items = list_disagreements(get_db(request), scope=scope)
    proposed = list_corrections(get_db(request), first_territories=first_territories(engine, session), scope=scope)
    done = request.query_params.get("done")
    return page(
        request,
        "admin/review.html",
        session=session,
        queue=queue,
        disagreements=items,
        corrections=proposed,
        field_labels=FIELD_LABELS,
        done=done,
    )


@router.post("/admin/review/disagreements/{item_id}/{decision}")
def decide_disagreement(
    item_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    decision: str,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    csrf_token: Csrf,
) -> Response:
    """Accept the official values (written as a change, in the history) or keep the curated record."""
    session = signed_in(request, csrf_token)
    if decision not in DECISIONS:
        raise NotFoundError(f"décision inconnue « {decision} »")
    db, check, author = get_db(request), rights_of(request, session.user).check, session.user.email
    out = resolve(db, item_id, decision=decision, author=author, communes=engine.catalog.mairies, check=check)
    if decision == "accept":
        refresh(request)
    return back(f"/admin/review?done={out['status']}#desaccords")


@router.get("/admin/reports")
def reports_page(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    statut: Annotated[str, Query(pattern="^(ouverts|traites)$")] = "ouverts",
) -> Response:
    """Open reports (to handle), or handled ones (« traités »: corrected or dismissed, and how)."""
    session = signed_in(request)
    first = first_territories(engine, session)
    status, scope = "handled" if statut == "traites" else "open", rights_of(request, session.user).scope
    shown = list_reports(get_db(request), status=status, first_territories=first, scope=scope)
    return page(
        request,
        "admin/reports.html",
        session=session,
        reports=shown,
        statut=statut,
        done=request.query_params.get("done"),
    )


@router.post("/admin/reports/{report_id}/dismiss")
def dismiss(
    report_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    csrf_token: Csrf,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Dismiss a report, with the reason (required): it is handled, and stays findable."""
    session = signed_in(request, csrf_token)
    set_status(get_db(request), report_id, "dismissed", by=session.user.email, reason=reason)
    return back("/admin/reports?done=dismissed")
