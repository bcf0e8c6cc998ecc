"""The shipped catalog plus synthetic resources that exercise the guide's privacy rules,
and the guides rendered once per session (PDF files read back with poppler-utils)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.render import guide_document
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource

PUBLIC_URL = "https://sante-mentale.example.fr"
GENERATED_ON = date(2026, 11, 23)
SYNTHETIC_STREET = "7 rue Synthétique-Secrète"
SYNTHETIC_NOTE = "SYNTHETIC INTERNAL NOTE: do NOT publish this curation remark"


def synthetic_resources(catalog: Catalog) -> list[Resource]:
    """A confidential place with a street, and a public one with an internal note (both synthetic)."""
    town = catalog.mairies["57463"]  # Metz town hall
    commune = Position(lon=town.lon, lat=town.lat, precision=PositionPrecision.COMMUNE, source=town.source)
    common = {
        "commune": "Metz",
        "insee_com": "57463",
        "postcode": "57000",
        "territory": "metz",
        "source": "synthetic (tests)",
        "last_verified": date(2026, 11, 20),
        "commune_position": commune,
    }
    return [
        Resource(
            id="synthetic-lieu-discret",
            type="GEM",
            name="GEM SYNTHÉTIQUE lieu discret",
            street=SYNTHETIC_STREET,
            phone="03 00 00 00 01",
            confidential_address=True,
            position=Position(lon=6.1801, lat=49.1203, precision=PositionPrecision.ADDRESS, source="synthetic"),
            notes=SYNTHETIC_NOTE,
            **common,
        ),
        Resource(
            id="synthetic-cmp-note",
            type="CMP_ENFANT",
            name="CMP enfants SYNTHÉTIQUE",
            street="1 place Synthétique",
            phone="03 00 00 00 02",
            opening_hours="Mo-Fr 09:00-17:00",
            appointment_required=True,
            free_of_charge=True,
            position=Position(lon=6.1702, lat=49.1104, precision=PositionPrecision.ADDRESS, source="synthetic"),
            notes=SYNTHETIC_NOTE,
            public_info="Accueil des parents le mercredi.",
            **common,
        ),
    ]


@pytest.fixture(scope="session")
def guide_catalog(catalog: Catalog) -> Catalog:
    return replace(catalog, resources=[*catalog.resources, *synthetic_resources(catalog)])


def render(catalog: Catalog, out: Path, **kw: str) -> Path:
    territory = kw["territory"]
    body = guide_document(
        catalog, generated_on=GENERATED_ON, online_map_url=f"{PUBLIC_URL}/?territory={territory}", **kw
    )
    out.write_bytes(body)
    return out


def pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="session")
def metz_pdf(guide_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("guide") / "metz_tous_a4.pdf"
    return render(guide_catalog, out, territory="metz", audience="tous", layout="a4", doc_format="pdf")


@pytest.fixture(scope="session")
def metz_jeunes_pdf(guide_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("guide") / "metz_jeunes_a5.pdf"
    return render(guide_catalog, out, territory="metz", audience="jeunes", layout="a5", doc_format="pdf")
