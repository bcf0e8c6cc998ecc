"""Sector screens for editors (/admin/sectors): the list of sectors by territory, a form to create or
change one (referents picked from the directory, communes and QPV by code, a drawn polygon as
WKT), withdrawal; admins also see the overlaps (a place in two sectors of one public) and the holes
(communes of a territory in no sector). The same checks as ``geo-clsm sectors import``
(:func:`geo_clsm.data.importers.sectors.sector_problems`); each change is kept in history and
served at once (:func:`geo_clsm.web.live.refresh`).

Rights (issue 31): the router carries the one authorisation dependency
(:data:`geo_clsm.web.rights.AUTHORISE`: ``sector_id`` is checked on the stored sector's territory);
the list shows the sectors of the account's territories (its :class:`~geo_clsm.store.scope.Scope`),
and a sector is saved only into a territory the account may edit.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from geo_clsm.data.importers.sectors import SectorContext, sector_problems
from geo_clsm.engine.core import Engine
from geo_clsm.model import clock
from geo_clsm.model.errors import GeoClsmError
from geo_clsm.model.resource_types import CMP_FAMILY, ResourceType
from geo_clsm.model.sector import PUBLIC_LABELS_FR, Extent, Sector
from geo_clsm.model.validate import french_errors
from geo_clsm.store.repo import ACTIVE, WITHDRAWN
from geo_clsm.store.rights import EDIT
from geo_clsm.store.sectors import all_sectors, get_sector, save_sector, set_sector_status
from geo_clsm.store.users import Session, User
from geo_clsm.web.deps import get_engine
from geo_clsm.web.forms import Csrf, back, checked, page, to_login
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.live import refresh
from geo_clsm.web.rights import AUTHORISE, rights_of
from geo_clsm.web.sessions import optional_session

router = APIRouter(include_in_schema=False, dependencies=[AUTHORISE])
_SPLIT = re.compile(r"[\s,;]+")
REFERENT_TYPES = frozenset({*CMP_FAMILY, ResourceType.CATTP, ResourceType.HDJ, ResourceType.CMPP, ResourceType.EMPP})
"""Types offered first in the referents' picker (any resource id is accepted)."""
FIELD_LABELS = {
    "id": "Identifiant",
    "name": "Nom",
    "public": "Public",
    "establishment": "Établissement",
    "referents": "Ressources référentes",
    "insee_com": "Communes",
    "code_qp": "QPV",
    "polygon_wkt": "Polygone",
    "extent": "Étendue",
}


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in _SPLIT.split(text.strip()) if c)


def _directory(engine: Engine) -> list[dict[str, str]]:
    """The resources offered in the referents' picker: CMP-like places and teams, by territory and name."""
    out = [
        {"id": r.id, "label": f"{r.display_name or r.name} ({r.commune or r.territory or ''})"}
        for r in engine.catalog.resources
        if r.territory != "france" and (r.type in REFERENT_TYPES or set(r.service_types) & REFERENT_TYPES)
    ]
    return sorted(out, key=lambda d: d["label"])


def _list_context(request: Request, engine: Engine, session: Session) -> dict[str, Any]:
    admin = session.user.is_admin
    with service_state(request).live.db.connect() as conn:
        stored = all_sectors(conn, scope=rights_of(request, session.user).scope)
    names = {r.id: r.display_name or r.name for r in engine.catalog.resources}
    territories = sorted({s.territory or "" for s, _ in stored})
    checks = {}
    if admin:
        for t in territories:
            if t:
                checks[t] = {"overlaps": engine.sectors.overlaps(t), "holes": engine.sectors.holes(t)}
    return {
        "sectors": stored,
        "names": names,
        "publics": PUBLIC_LABELS_FR,
        "checks": checks,
        "admin": admin,
        "withdrawn": WITHDRAWN,
    }


@router.get("/admin/sectors")
def sectors_page(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Response:
    session = optional_session(request)
    if session is None:
        return to_login()
    context = _list_context(request, engine, session)
    return page(request, "admin/sectors.html", session=session, saved=request.query_params.get("saved"), **context)


def _form_page(
    request: Request, engine: Engine, session: Any, form: dict[str, str], *, new: bool, errors: list[tuple[str, str]]
) -> Response:
    return page(
        request,
        "admin/sector_edit.html",
        422 if errors else 200,
        session=session,
        form=form,
        new=new,
        errors=[(FIELD_LABELS.get(f.split(".")[-1], f), reason) for f, reason in errors],
        directory=_directory(engine),
        publics=PUBLIC_LABELS_FR,
        territories=_territories(request, engine, session),
    )


def _territories(request: Request, engine: Engine, session: Session) -> list[tuple[str, str]]:
    """The local territories offered in the form: the account's own (every one when deployment-wide)."""
    scope = rights_of(request, session.user).scope
    local = [t for t in engine.catalog.territories.values() if t.kind != "national"]
    return [(t.id, t.name) for t in local if scope is None or t.id in scope.territories]


def _form_of(s: Sector) -> dict[str, str]:
    return {
        "id": s.id,
        "name": s.name,
        "public": s.public,
        "establishment": s.establishment,
        "referents": "\n".join(s.referents),
        "communes": " ".join(s.extent.communes),
        "qpv": " ".join(s.extent.qpv),
        "polygon_wkt": s.extent.polygon_wkt or "",
        "territory": s.territory or "",
    }


@router.get("/admin/sectors/new")
def new_sector_page(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Response:
    session = optional_session(request)
    if session is None:
        return to_login()
    return _form_page(request, engine, session, {"public": "adultes"}, new=True, errors=[])


@router.get("/admin/sectors/{sector_id}")
def sector_page(sector_id: str, request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Response:
    session = optional_session(request)
    if session is None:
        return to_login()
    try:
        with service_state(request).live.db.connect() as conn:
            sector, _ = get_sector(conn, sector_id)
    except GeoClsmError as exc:
        return page(request, "admin/forbidden.html", 404, session=session, message=exc.message, title="Secteur inconnu")
    return _form_page(request, engine, session, _form_of(sector), new=False, errors=[])


def _save(request: Request, engine: Engine, form: dict[str, str], *, new: bool, user: User) -> list[tuple[str, str]]:
    """Save the posted sector (the list of French errors, empty when saved). The territory it is saved
    into must be one the account may edit (:class:`~geo_clsm.model.errors.ForbiddenError`: 403); the
    one it leaves was checked by AUTHORISE."""
    rights_of(request, user).territory(form["territory"], EDIT)
    author = user.email
    try:
        sector = Sector(
            id=form["id"].strip(),
            name=form["name"].strip(),
            public=form["public"],  # type: ignore[arg-type]  # checked by the model
            establishment=form["establishment"].strip(),
            referents=_codes(form["referents"]),
            extent=Extent(
                communes=_codes(form["communes"]), qpv=_codes(form["qpv"]), polygon_wkt=form["polygon_wkt"] or None
            ),
            territory=form["territory"] or None,
            source=f"saisi à l'écran par {author}",
            last_verified=clock.today(),
        )
    except ValidationError as exc:
        return french_errors(exc)
    problems = sector_problems(sector, SectorContext.of(engine.catalog))
    if problems:
        return problems
    try:
        save_sector(service_state(request).live.db, sector, author=author, create=new)
    except GeoClsmError as exc:
        return [("id", exc.message)]
    return []


def _posted(
    sector_id: str, name: str, public: str, establishment: str, referents: str, communes: str, qpv: str,
    polygon_wkt: str, territory: str,
) -> dict[str, str]:  # fmt: skip
    return {
        "id": sector_id,
        "name": name,
        "public": public,
        "establishment": establishment,
        "referents": referents,
        "communes": communes,
        "qpv": qpv,
        "polygon_wkt": polygon_wkt,
        "territory": territory,
    }


Text = Annotated[str, Form(max_length=200)]
LongText = Annotated[str, Form(max_length=200_000)]


@router.post("/admin/sectors")
def create(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    csrf_token: Csrf,
    sector_id: Annotated[str, Form(max_length=40)] = "",
    name: Text = "",
    public: Annotated[str, Form(max_length=16)] = "adultes",
    establishment: Text = "",
    referents: LongText = "",
    communes: LongText = "",
    qpv: LongText = "",
    polygon_wkt: LongText = "",
    territory: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    session = checked(request, csrf_token)
    if session is None:
        return to_login()
    form = _posted(sector_id, name, public, establishment, referents, communes, qpv, polygon_wkt, territory)
    errors = _save(request, engine, form, new=True, user=session.user)
    if errors:
        return _form_page(request, engine, session, form, new=True, errors=errors)
    refresh(request)
    return back(f"/admin/sectors?saved={form['id'].strip()}")


@router.post("/admin/sectors/{sector_id}")
def update(
    sector_id: str,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    csrf_token: Csrf,
    name: Text = "",
    public: Annotated[str, Form(max_length=16)] = "adultes",
    establishment: Text = "",
    referents: LongText = "",
    communes: LongText = "",
    qpv: LongText = "",
    polygon_wkt: LongText = "",
    territory: Annotated[str, Form(max_length=64)] = "",
    action: Annotated[str, Form(max_length=16)] = "save",
) -> Response:
    session = checked(request, csrf_token)
    if session is None:
        return to_login()
    if action in ("withdraw", "restore"):
        try:
            status = WITHDRAWN if action == "withdraw" else ACTIVE
            set_sector_status(service_state(request).live.db, sector_id, status, author=session.user.email)
        except GeoClsmError as exc:
            return page(request, "admin/forbidden.html", 404, session=session, message=exc.message, title="Secteur")
        refresh(request)
        return back(f"/admin/sectors?saved={sector_id}")
    form = _posted(sector_id, name, public, establishment, referents, communes, qpv, polygon_wkt, territory)
    errors = _save(request, engine, form, new=False, user=session.user)
    if errors:
        return _form_page(request, engine, session, form, new=False, errors=errors)
    refresh(request)
    return back(f"/admin/sectors?saved={sector_id}")
