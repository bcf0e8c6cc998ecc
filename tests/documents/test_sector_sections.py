"""The documents' psychiatric sectors (issue 29, items 3 and 4) on the FICTITIOUS Metz sectors:
the guide's « Votre secteur » (a commune wholly in a sector, a commune split between sectors, a
commune in none) and the referents marked in its lists; the report's « Sectorisation » section with
the same figures as the access engine; and both saying « sectorisation non renseignée » without
sector data."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from geo_clsm.access.present import format_fr, present
from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.guide import build_guide
from geo_clsm.documents.render import guide_html
from geo_clsm.documents.report.figures import report_figures
from geo_clsm.documents.report.render import report_html
from geo_clsm.engine.core import Engine
from tests.sector_fixtures import NO_SECTOR_COMMUNE, SPLIT_COMMUNE, WHOLE_COMMUNE, catalog_with_sectors

ON = date(2026, 12, 7)


@pytest.fixture(scope="module")
def sectorised(catalog: Catalog) -> Catalog:
    return catalog_with_sectors(catalog)


def _text(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()  # \u202f kept


def _section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


def test_guide_your_sector_by_commune(sectorised: Catalog) -> None:
    g = build_guide(sectorised, territory="metz", generated_on=ON)
    ys = g.your_sector
    assert ys is not None and ys.informed
    rows = {r.insee_com: dict(r.by_public) for r in ys.rows}
    woippy = rows[WHOLE_COMMUNE]
    assert [(c.id, c.part) for c in woippy["adultes"]] == [("FICTIF-57G01", False)]
    assert [(c.id, c.part) for c in woippy["enfants"]] == [("FICTIF-57I01", False)]
    number = {e.id: e.number for e in g.entries}
    assert [(r.number, r.type_label) for r in woippy["adultes"][0].referents] == [
        (number["metz-cmp-cattp-adultes-metz-nord"], "CMP adultes")
    ]
    metz = rows[SPLIT_COMMUNE]
    assert sorted(c.id for c in metz["adultes"]) == ["FICTIF-57G01", "FICTIF-57G02", "FICTIF-57G03"]
    assert all(c.part for c in metz["adultes"])  # each covers a part: the address decides
    assert next(c for c in metz["adultes"] if c.id == "FICTIF-57G03").where == "quartier Borny"
    assert [c.id for c in metz["enfants"]] == ["FICTIF-57I01"] and not metz["enfants"][0].part
    assert rows[NO_SECTOR_COMMUNE] == {"adultes": (), "enfants": ()}
    referent = next(e for e in g.entries if e.id == "metz-cmp-cattp-adultes-montigny")
    assert referent.referent_of == (
        "Référent du secteur adultes « Secteur fictif Metz-Sud et Montigny » (FICTIF-57G02)",
    )
    gambetta = next(e for e in g.entries if e.id == "metz-cmp-cattp-adultes-gambetta")
    assert gambetta.referent_of == ()  # a CMP of no fictitious sector is not marked


def test_guide_html_prints_the_section_and_the_marks(sectorised: Catalog, catalog: Catalog) -> None:
    page = guide_html(sectorised, territory="metz", generated_on=ON)
    section = _text(_section(page, "secteur"))
    assert "Votre secteur" in section
    assert "Woippy Secteur fictif Metz-Nord et Woippy (FICTIF-57G01)" in section
    assert "Une partie de la commune (quartier Borny) : Secteur fictif Est messin (FICTIF-57G03)" in section
    assert "Gravelotte Sectorisation non renseignée Sectorisation non renseignée" in section
    entry = _text(
        re.search(
            r'<article class="entry" id="lieu-\d+">\s*<h4>[^<]*<span[^>]*>\d+</span> CMP/CATTP adultes Metz-Jury.*?</article>',
            page,
            re.S,
        ).group(0)
    )  # type: ignore[union-attr]
    assert "Référent du secteur adultes « Secteur fictif Metz-Sud et Montigny » (FICTIF-57G02)" in entry
    plain = guide_html(catalog, territory="metz", generated_on=ON)
    said = _text(_section(plain, "secteur"))
    assert "Sectorisation non renseignée pour ce territoire" in said
    assert "Référent du secteur" not in plain


def test_report_sectorisation_shows_the_engine_figures(sectorised: Catalog) -> None:
    access = Engine(sectorised).access["metz"]
    fig = report_figures(sectorised, territory="metz", access=access, generated_on=ON)
    assert fig.sectors and fig.to_json()["sectors"] == fig.sectors
    section = _text(_section(report_html(sectorised, fig, with_charts=False), "sectorisation"))
    assert "4. Sectorisation" in section
    rows = access.sectors[access.sectors["resource_type"] == "CMP_ADULTE"].set_index("code_qp")
    shown = present(rows.reset_index()).set_index("code_qp")
    falogne = shown.loc["QN05725N"]
    expected = (
        f"Quartier Falogne (QN05725N) FICTIF-57G02 {format_fr('sector_referent_mean_m', falogne['sector_referent_mean_m'])} "
        f"{format_fr('sector_referent_p90_m', falogne['sector_referent_p90_m'])} "
        f"{format_fr('sector_nearest_mean_m', falogne['sector_nearest_mean_m'])} "
        f"{format_fr('sector_nearest_p90_m', falogne['sector_nearest_p90_m'])} "
        f"{format_fr('sector_nearest_other_share', falogne['sector_nearest_other_share'])}"
    )
    assert "CMP adultes — secteur adultes" in section and expected in section
    assert falogne["sector_referent_mean_m"] > falogne["sector_nearest_mean_m"]  # its referent is not its nearest


def test_report_without_sector_data_says_not_informed(catalog: Catalog, engine: Engine) -> None:
    fig = report_figures(catalog, territory="metz", access=engine.access["metz"], generated_on=ON)
    assert fig.sectors and {r["sectorisation"] for r in fig.sectors} == {"sectorisation non renseignée"}
    assert all(r["sector_referent_mean_m"] is None for r in fig.sectors)  # never 0
    section = _text(_section(report_html(catalog, fig, with_charts=False), "sectorisation"))
    assert "Sectorisation non renseignée pour ce territoire" in section
    assert " 0 m" not in section
