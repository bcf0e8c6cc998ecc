"""Open Referral HSDS 3.0 export: the files validate with ``frictionless validate`` against the
official package of openreferral/specification (vendored, unchanged) as well as against the
descriptor written beside them, every public resource is in it, and only the public view leaves
(synthetic resources)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from geo_clsm.cli import main
from geo_clsm.exports.hsds import hsds_files, write_hsds
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Audience, Resource
from geo_clsm.model.resource_types import ResourceType

FRICTIONLESS = Path(sys.executable).parent / "frictionless"
OFFICIAL = Path(__file__).resolve().parents[2] / "geo_clsm" / "exports" / "hsds_spec" / "datapackage.json"


def frictionless_validate(folder: Path, descriptor: str = "datapackage.json") -> None:
    proc = subprocess.run(
        [str(FRICTIONLESS), "validate", descriptor],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "INVALID" not in proc.stdout


def official_validate(folder: Path) -> None:
    """The files against the official descriptor itself (copied beside them), and the written
    descriptor's tables equal to the official ones."""
    shutil.copy(OFFICIAL, folder / "official-datapackage.json")
    try:
        frictionless_validate(folder, "official-datapackage.json")
    finally:
        (folder / "official-datapackage.json").unlink()
    official = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    written = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert written["resources"] == official["resources"]
    assert (written["profile"], written["version"]) == ("tabular-data-package", "3.0.0")


def read_tables(folder: Path) -> dict[str, list[dict[str, str]]]:
    """Each table by its official resource name, its columns in the official order (checked)."""
    official = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    out = {}
    for res in official["resources"]:
        with (folder / res["path"]).open(encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            assert reader.fieldnames == [f["name"] for f in res["schema"]["fields"]], res["path"]
        out[res["name"]] = rows
    return out


def _synthetic() -> list[Resource]:
    common = {"territory": "synthetic", "source": "synthetic test fixture", "last_verified": date(2026, 11, 1)}
    return [
        Resource(
            id="synthetic-cmp",
            type=ResourceType.CMP_ADULTE,
            name="CMP synthétique",
            street="1 rue du Test",
            postcode="57000",
            commune="Metz",
            insee_com="57463",
            phone="03 00 00 00 00",
            email="cmp@example.org",
            website="https://example.org/cmp",
            audience=Audience(age_min=18, groups=("adultes",)),
            opening_hours="Mo-Fr 09:00-12:00,14:00-17:00; Sa 10:00-12:00",
            languages=("fr", "de"),
            wheelchair=True,
            appointment_required=True,
            free_of_charge=True,
            position=Position(lon=6.17594, lat=49.11022, precision=PositionPrecision.ADDRESS, source="synthetic"),
            **common,
        ),
        Resource(
            id="synthetic-secret",
            type=ResourceType.GEM,
            name="GEM synthétique discret",
            street="3 rue Secrète",
            postcode="57000",
            commune="Metz",
            insee_com="57463",
            confidential_address=True,
            position=Position(lon=6.2011, lat=49.1234, precision=PositionPrecision.ADDRESS, source="synthetic"),
            commune_position=Position(
                lon=6.1759, lat=49.1102, precision=PositionPrecision.COMMUNE, source="synthetic mairie"
            ),
            **common,
        ),
        Resource(id="synthetic-nowhere", type=ResourceType.AUTRE, name="Ressource sans lieu", **common),
    ]


def test_synthetic_export_validates_and_keeps_only_the_public_view(tmp_path: Path) -> None:
    files = hsds_files(_synthetic(), territory="synthetic", title="synthetic")
    write_hsds(files, tmp_path)
    official_validate(tmp_path)
    frictionless_validate(tmp_path)
    assert {"organizations.csv", "services.csv", "locations.csv", "addresses.csv", "metadata.csv"} <= set(files)
    everything = b"".join(files.values()).decode("utf-8")
    assert "Secrète" not in everything and "6.2011" not in everything and "49.1234" not in everything
    t = read_tables(tmp_path)
    assert len(t["organization"]) == len(t["service"]) == len(t["location"]) == len(t["service_at_location"]) == 3
    ident = {row["identifier"]: row["organization_id"] for row in t["organization_identifier"]}
    assert {row["identifier_scheme"] for row in t["organization_identifier"]} == {"geo_clsm"}
    # FINESS ET identifies a location, never an organization; no identifier without a scheme
    assert all(row["identifier_scheme"] for row in t["organization_identifier"])
    assert not any(row["identifier_type"] == "FINESS ET" for row in t["organization_identifier"])
    service_of = {row["organization_id"]: row for row in t["service"]}
    location_of = {row["organization_id"]: row for row in t["location"]}
    secret = location_of[ident["synthetic-secret"]]
    assert (float(secret["latitude"]), float(secret["longitude"])) == (49.1102, 6.1759)
    assert "confidentielle" in secret["description"]
    nowhere = location_of[ident["synthetic-nowhere"]]
    assert nowhere["latitude"] == nowhere["longitude"] == ""
    # the only address is the CMP's
    cmp_loc = location_of[ident["synthetic-cmp"]]["id"]
    assert [
        (a["location_id"], a["address_1"], a["postal_code"], a["country"], a["state_province"]) for a in t["address"]
    ] == [(cmp_loc, "1 rue du Test", "57000", "FR", "Grand Est")]  # the region, not the département code
    cmp_svc = service_of[ident["synthetic-cmp"]]
    assert cmp_svc["minimum_age"] == "18" and cmp_svc["maximum_age"] == ""
    assert cmp_svc["status"] == "active" and cmp_svc["assured_date"] == ""  # nobody confirmed it
    assert "synthetic test fixture" in cmp_svc["description"]
    # schedules: one weekly rule per opening span (independent reading of the OSM text)
    rules = sorted((s["byday"], s["opens_at"], s["closes_at"], s["freq"]) for s in t["schedule"])
    assert rules == [
        ("MO,TU,WE,TH,FR", "09:00:00", "12:00:00", "WEEKLY"),
        ("MO,TU,WE,TH,FR", "14:00:00", "17:00:00", "WEEKLY"),
        ("SA", "10:00:00", "12:00:00", "WEEKLY"),
    ]
    assert {s["service_id"] for s in t["schedule"]} == {cmp_svc["id"]}
    assert sorted((lang["code"], lang["name"]) for lang in t["language"]) == [("de", "allemand"), ("fr", "français")]
    assert [(a["location_id"], a["description"]) for a in t["accessibility"]] == [
        (cmp_loc, "accessible en fauteuil roulant")
    ]
    assert [p["number"] for p in t["phone"]] == ["03 00 00 00 00"]
    # one metadata row per service: its verification; the service's type is a taxonomy term
    assert sorted((m["resource_id"], m["replacement_value"]) for m in t["metadata"]) == sorted(
        (row["id"], "2026-11-01") for row in t["service"]
    )
    terms = {row["id"]: row["code"] for row in t["taxonomy_term"]}
    kinds = {a["link_id"]: terms[a["taxonomy_term_id"]] for a in t["attribute"]}
    assert kinds[cmp_svc["id"]] == "CMP_ADULTE"


def test_finess_et_is_the_location_identifier(tmp_path: Path) -> None:
    finess = _synthetic()[0].model_copy(update={"finess_et": "570000000"})
    write_hsds(hsds_files([finess], territory="synthetic", title="synthetic"), tmp_path)
    official_validate(tmp_path)
    t = read_tables(tmp_path)
    assert [(loc["external_identifier"], loc["external_identifier_type"]) for loc in t["location"]] == [
        ("570000000", "FINESS ET")
    ]
    assert "570000000" not in str(t["organization_identifier"]) + str(t["organization"])


def test_a_broken_package_fails_validation(tmp_path: Path) -> None:
    """The validation can fail: a service pointing to no organization is refused."""
    write_hsds(hsds_files(_synthetic(), territory="synthetic", title="synthetic"), tmp_path)
    path = tmp_path / "services.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[1][1] = "00000000-0000-4000-8000-000000000000"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    proc = subprocess.run([str(FRICTIONLESS), "validate", "datapackage.json"], cwd=tmp_path, capture_output=True)
    assert proc.returncode != 0


def test_cli_export_hsds(tmp_path: Path) -> None:
    out = tmp_path / "hsds"
    assert main(["export", "hsds", "--territory", "angouleme", "--out", str(out)]) == 0
    official_validate(out)
    frictionless_validate(out)
    assert len(read_tables(out)["service"]) == 15
    assert main(["export", "hsds", "--territory", "lyon", "--out", str(out)]) == 2
