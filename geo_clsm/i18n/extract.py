"""Collect every msgid of the resident pages and update the catalogues (Babel's API).

``python -m geo_clsm.i18n.extract`` rewrites ``messages.pot`` and merges it into each
``locales/<lang>/LC_MESSAGES/messages.po`` (new strings appear untranslated, removed ones
are marked obsolete). Sources: ``t("…")`` calls in the Python page modules, the pages' Jinja
templates and the page scripts, plus the data the pages show (type labels, age groups, orientation rules).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from geo_clsm.i18n import LOCALES_DIR
from geo_clsm.i18n.js import JS_MSGIDS
from geo_clsm.i18n.orientation import rules
from geo_clsm.model.fields import FIELD_LABELS
from geo_clsm.model.hours_grid import WORDS_MSGIDS
from geo_clsm.model.position import PRECISION_LABELS_FR
from geo_clsm.model.resource_types import TYPE_LABELS_FR

ROOT = Path(__file__).resolve().parent.parent.parent
ADMIN_TEMPLATES = (
    "base", "edit", "forbidden", "history", "hours_editor", "import", "list", "login", "reports", "review",
    "territories", "territory_remove", "users", "sectors", "sector_edit",
)  # fmt: skip
PYTHON_SOURCES = [
    "geo_clsm/access/candidates.py",
    "geo_clsm/documents/templates/suggestions.html.j2",
    "geo_clsm/web/routers/suggestion_files.py",
    "geo_clsm/web/templates/pages/suggest_panel.html",
    "geo_clsm/web/pages/search.py",
    "geo_clsm/web/pages/dated_words.py",
    "geo_clsm/web/routers/search_page.py",
    "geo_clsm/web/templates/pages/parts.html",
    "geo_clsm/web/templates/pages/resident.html",
    "geo_clsm/web/templates/pages/search.html",
    "geo_clsm/web/templates/pages/offline.html",
    "geo_clsm/web/admin_form.py",
    "geo_clsm/web/admin_history.py",
    "geo_clsm/web/routers/admin_pages.py",
    "geo_clsm/web/routers/admin_import.py",
    "geo_clsm/web/routers/admin_territory_pages.py",
    "geo_clsm/web/routers/admin_user_pages.py",
    "geo_clsm/web/routers/admin_sector_pages.py",
    "geo_clsm/web/sector_form.py",
    *(f"geo_clsm/web/templates/admin/{name}.html" for name in ADMIN_TEMPLATES),
    "geo_clsm/web/templates/report.html",
    "geo_clsm/web/templates/maj.html",
    "geo_clsm/web/routers/campaign_form.py",
    "geo_clsm/web/templates/pages/national_missing.html",
    "geo_clsm/web/templates/pages/clsm_header.html",
    "geo_clsm/web/templates/pages/clsm_contact.html",
    "geo_clsm/web/routers/clsm.py",
]
POT = Path(__file__).parent / "messages.pot"


# ``t("…")`` calls, also inside f-strings (which Babel's Python extractor does not enter).
_CALL_RE = re.compile(r"""\b(?:t|N_)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _python_messages() -> Iterator[tuple[str, str]]:
    for rel in PYTHON_SOURCES:
        for m in _CALL_RE.finditer((ROOT / rel).read_text(encoding="utf-8")):
            yield m.group(1) if m.group(1) is not None else m.group(2), rel


def data_messages() -> Iterator[tuple[str, str]]:
    from geo_clsm.model.ages import AGE_ERROR, AGE_GROUPS

    for text in TYPE_LABELS_FR.values():
        yield text, "geo_clsm/model/resource.py:TYPE_LABELS_FR"
    for text in PRECISION_LABELS_FR.values():
        yield text, "geo_clsm/model/resource.py:PRECISION_LABELS_FR"
    for _, text, _ in AGE_GROUPS:
        yield text, "geo_clsm/model/ages.py:AGE_GROUPS"
    yield AGE_ERROR, "geo_clsm/model/ages.py:AGE_ERROR"
    from geo_clsm.model.hours_words import MSGIDS as HOURS_MSGIDS

    for text in HOURS_MSGIDS:
        yield text, "geo_clsm/model/hours_words.py:MSGIDS"
    for text in FIELD_LABELS.values():
        yield text, "geo_clsm/model/fields.py:FIELD_LABELS"
    from geo_clsm.model.freshness import ACCEPTS_NEW_FR

    for text in ACCEPTS_NEW_FR.values():
        yield text, "geo_clsm/model/freshness.py:ACCEPTS_NEW_FR"
    for text in WORDS_MSGIDS:
        yield text, "geo_clsm/model/hours_grid.py:WORDS_MSGIDS"
    from geo_clsm.engine.sector_roles import ROLE_LABELS_FR, SECTOR_NOTES_FR

    for text in [*ROLE_LABELS_FR.values(), *(n for n in SECTOR_NOTES_FR.values() if n)]:
        yield text, "geo_clsm/engine/sector_roles.py"
    r = rules()
    for label in [c.label for c in (*r.who, *r.ages)] + [s.label for s in r.situations]:
        yield label, "geo_clsm/i18n/orientation.toml"
    for text in r.explanations.values():
        yield text, "geo_clsm/i18n/orientation.toml:explanations"


def all_messages() -> dict[str, list[str]]:
    """msgid -> where it is used."""
    out: dict[str, list[str]] = {}
    for text, where in [*_python_messages(), *((m, "geo_clsm/web/static/app") for m in JS_MSGIDS), *data_messages()]:
        out.setdefault(text, []).append(where)
    return out


def template() -> Catalog:
    cat = Catalog(project="geo_clsm", charset="utf-8")
    for text, places in all_messages().items():
        cat.add(text, locations=[(p.rsplit(":", 1)[0], 0) for p in places])
    return cat


def main() -> None:
    pot = template()
    with POT.open("wb") as f:
        write_po(f, pot, omit_header=False, sort_output=True, include_lineno=False)
    for po_path in sorted(LOCALES_DIR.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as f:
            cat = read_po(f, locale=po_path.parent.parent.name)
        cat.update(pot, no_fuzzy_matching=True)
        with po_path.open("wb") as f:
            write_po(f, cat, sort_output=True, include_lineno=False, ignore_obsolete=True)
        print(f"{po_path}: {sum(1 for m in cat if m.id and not m.string)} untranslated")


if __name__ == "__main__":
    main()
