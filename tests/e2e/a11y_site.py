"""The pages of the accessibility checks (issue 28) and the one app they are served from.

Every page of :data:`PAGES` is checked in each language of :data:`LANGS` by axe-core
(tests/e2e/test_accessibility_pages.py) and by pa11y (tests/e2e/test_pa11y.py), against one
uvicorn server started once for the session (:func:`serve_site`): the shipped layers (Metz and
Angoulême), a national ``gaps --all`` run on the reduced synthetic France for /planning/france,
and a database with an admin, a public report and a FINESS disagreement so that the editor
screens show their tables and actions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

from geo_clsm.campaigns.service import start_campaign
from geo_clsm.engine.core import Engine
from geo_clsm.model.presence import check_presence
from geo_clsm.settings import Settings
from geo_clsm.store import repo
from geo_clsm.store.campaigns import new_link
from geo_clsm.store.corrections import propose
from geo_clsm.store.db import connect
from geo_clsm.store.disagreements import file_disagreements
from geo_clsm.store.presence import save_presence
from geo_clsm.store.reports import add_report
from geo_clsm.store.schema import campaign_recipients
from geo_clsm.store.sectors import replace_sectors
from geo_clsm.store.users import add_user
from geo_clsm.web.sessions import COOKIE
from tests.e2e.serving import national_run, serve
from tests.sector_fixtures import fictitious_sectors

LAYERS = Path(__file__).resolve().parents[2] / "layers"
LANGS = ("fr", "en", "ar")
ADMIN = ("admin-a11y@clsm-test.fr", "mot-de-passe-admin-a11y")
RID = "metz-cmp-cattp-adultes-gambetta"
SECTOR = "FICTIF-57G01"  # a fictitious sector of tests/fixtures/sectors
# map.js sets data-markers-shown once the markers are on the map ("0" while none are shown yet).
MAP_READY = 'body[data-markers-shown]:not([data-markers-shown="0"])'


@dataclass(frozen=True)
class A11yPage:
    """A page to check: its path, whether an editor must be signed in, what shows it is ready, and
    its HTTP status."""

    path: str
    editor: bool = False
    ready: str | None = None
    status: int = 200

    def url(self, base: str, lang: str, *, token: str = "") -> str:
        """The page's address in ``lang``; ``token``: the correction link's (``/maj/{token}``)."""
        path = self.path.replace("{token}", token)
        return f"{base}{path}{'&' if '?' in path else '?'}lang={lang}"


PAGES = [
    A11yPage("/", ready=MAP_READY),
    A11yPage("/recherche"),
    A11yPage("/recherche?q=Borny"),  # ten results with their phone links
    A11yPage("/recherche?q=zzqx", status=404),  # no place found: the page says so
    A11yPage("/planning", ready=MAP_READY),
    A11yPage("/planning/france", ready="#gc-area-table tbody tr"),
    A11yPage("/hors-ligne"),
    A11yPage("/guide/metz"),
    A11yPage("/admin/login"),
    A11yPage("/admin/resources", editor=True),
    A11yPage("/admin/resources?q=metz", editor=True),
    A11yPage("/admin/resources/new", editor=True),
    A11yPage(f"/admin/resources/{RID}", editor=True),
    A11yPage(f"/admin/resources/{RID}/history", editor=True),
    A11yPage("/admin/review", editor=True),
    A11yPage("/admin/reports", editor=True),
    A11yPage("/admin/import", editor=True),
    A11yPage("/admin/users", editor=True),
    A11yPage("/admin/territories", editor=True),
    A11yPage("/admin/campagnes", editor=True),
    A11yPage("/admin/campagnes/1", editor=True),
    A11yPage("/t/metz", ready=MAP_READY),  # a CLSM's home with its presence (seeded below)
    A11yPage("/embed/metz?mode=liste", ready=MAP_READY),
    A11yPage("/admin/territories/metz/presence", editor=True),
    A11yPage("/admin/territories/metz/integrer", editor=True),
    A11yPage("/embed/metz", ready=MAP_READY),  # the map first (the default of an embed)
    A11yPage("/admin/sectors", editor=True),  # the fictitious sectors of tests/fixtures/sectors (seeded below)
    A11yPage("/admin/sectors/new", editor=True),
    A11yPage(f"/admin/sectors/{SECTOR}", editor=True),
    A11yPage("/maj/{token}"),  # the public correction page of a campaign's link (no account)
]


@dataclass(frozen=True)
class A11ySite:
    """The served app: its base URL, an admin's session cookie (name, value) and a campaign link's token."""

    base: str
    cookie: tuple[str, str]
    token: str = ""

    def url(self, page: A11yPage, lang: str) -> str:
        return page.url(self.base, lang, token=self.token)

    def cookies(self, page: A11yPage) -> list[dict[str, str]]:
        """The cookies to open ``page`` with: the admin's session on the editor screens."""
        return [{"name": self.cookie[0], "value": self.cookie[1], "url": self.base}] if page.editor else []


def seed_editor_data(database_url: str) -> str:
    """An admin, a public report, a (synthetic) FINESS disagreement on :data:`RID`, a campaign with a
    correction waiting, a CLSM's presence and the fictitious sectors; returns a campaign link's token."""
    db = connect(database_url)
    add_user(db, *ADMIN, role="admin")
    add_report(db, RID, message="Le numéro de téléphone a changé.", contact="habitant@example.org")
    with db.connect() as conn:
        r, _ = repo.get(conn, RID)
    official = r.model_copy(update={"phone": "03 87 00 00 01", "street": "1 rue de l'Essai (synthétique)"})
    file_disagreements(db, [official], source="finess", version="synthetic-v1", curated_territories=["metz"])
    # A confirmation campaign (issue 30) to the record, with a correction waiting in the review queue.
    repo.update(db, RID, {"email": "cmp-gambetta@structure-synthetique.invalid"}, author="tests", communes={})
    start_campaign(db, territory="metz", created_by=ADMIN[0], link_days=30, remind_after_days=14, ids=[RID])
    with db.connect() as conn:
        recipient = dict(conn.execute(sa.select(campaign_recipients)).mappings().one())
    propose(db, recipient, {"phone": "03 87 00 00 02"}, communes={})
    with db.begin() as conn:  # a link as the sender makes it (the token is in the message only)
        token = new_link(conn, recipient["id"])
    replace_sectors(db, fictitious_sectors(), author="tests (secteurs fictifs)")
    presence = {
        "display_name": "CLSM de Metz (test)",
        "contact_email": "clsm@metz.example",
        "contact_phone": "03 87 00 00 98",
        "colour": "#1d4e89",
        "local_numbers": [{"number": "03 87 00 00 99", "label": "Écoute locale (fictive)"}],
        "public_url": "https://clsm-metz.example",
    }
    save_presence(db, "metz", check_presence(presence))
    return token


@contextmanager
def serve_site(engine: Engine, tmp: Path) -> Iterator[A11ySite]:
    """The app in uvicorn on a free port of 127.0.0.1 (tiles "none"), seeded, an admin signed in."""
    url = f"sqlite:///{tmp / 'db.sqlite'}"
    settings = Settings(
        tiles_url="none",
        data_dir=LAYERS,
        database_url=url,
        local_territories_file=tmp / "territories.toml",
        versions_dir=tmp / "versions",
        territories=["metz", "angouleme"],
        national_gaps_dir=national_run(tmp),
    )
    with serve(settings, engine) as base:
        token = seed_editor_data(url)
        r = httpx.post(f"{base}/api/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]}, timeout=60)
        r.raise_for_status()
        yield A11ySite(base=base, cookie=(COOKIE, r.cookies[COOKIE]), token=token)
