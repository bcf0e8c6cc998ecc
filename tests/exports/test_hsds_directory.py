"""HSDS ``wait_time``, ``alert`` and ``assured_date`` from the public view: the stated wait with its day,
the notice only while it runs (an export on another day has no alert), the date only when someone
confirmed the record. Synthetic records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from geo_clsm.exports.hsds import hsds_files, write_hsds
from geo_clsm.model import clock
from geo_clsm.model.resource import Resource
from tests.exports.test_hsds import frictionless_validate, read_tables

RECORD = {
    "id": "synthetic-cmp-attente",
    "type": "CMP_ADULTE",
    "name": "CMP synthétique avec délai",
    "territory": "synthetic",
    "source": "synthetic test fixture",
    "last_verified": "2026-11-20",
    "verified_by": "structure",
    "wait_days": 45,
    "wait_stated_on": "2026-11-20",
    "accepts_new": "liste_attente",
    "notice": {"text": "fermé du 22/12 au 2/1", "start": "2026-12-22", "end": "2027-01-02", "closed": True},
}


def service(tmp_path: Path, day: date) -> dict[str, str]:
    with clock.frozen_at(day):
        files = hsds_files([Resource.model_validate(RECORD)], territory="synthetic", title="synthetic")
    write_hsds(files, tmp_path)
    frictionless_validate(tmp_path)
    (row,) = read_tables(tmp_path)["service"]
    return row


def test_wait_time_alert_and_assured_date(tmp_path: Path) -> None:
    row = service(tmp_path / "during", date(2026, 12, 24))
    assert row["wait_time"] == "premier rendez-vous : environ 45 jours (délai indiqué le 20/11/2026)"
    assert row["alert"] == "fermé du 22/12 au 2/1 (du 22/12/2026 au 02/01/2027)"
    assert row["assured_date"] == "2026-11-20"
    assert "liste d'attente" in row["application_process"]
    assert "confirmé par le lieu le 20/11/2026" in row["description"]


def test_the_alert_is_gone_after_the_notice_and_an_old_wait_says_so(tmp_path: Path) -> None:
    row = service(tmp_path / "after", date(2027, 3, 1))
    assert row["alert"] == ""
    assert row["wait_time"].endswith("(délai indiqué le 20/11/2026, il y a plus de 3 mois)")
    before = service(tmp_path / "before", date(2026, 12, 1))
    assert before["alert"] == ""
