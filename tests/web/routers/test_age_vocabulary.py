"""One age vocabulary on every route (geo_clsm.model.ages.parse_age): years 0-120 or a named group
(enfant, ado, jeune, adulte, senior), and one French 422 message for anything else; the same in
the API, the /recherche page, the batch and ``geo-clsm nearest``."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.cli import main
from geo_clsm.i18n.orientation import rules
from geo_clsm.model.ages import AGE_BANDS, AGE_ERROR, AgeError, parse_age

BORNY = {"lat": 49.11296, "lon": 6.22361}
BAD = ["ados", "121", "-1", "1.5", "quinze", "0x10"]


def test_parse_age() -> None:
    assert parse_age(None) is None and parse_age("") is None
    assert parse_age("15") == 15 and parse_age(0) == 0 and parse_age("120") == 120
    assert parse_age("ado") == parse_age("ADO") == 15
    for bad in [*BAD, True, 121]:
        with pytest.raises(AgeError, match="âge invalide"):
            parse_age(bad)


def test_the_page_groups_are_the_vocabulary() -> None:
    """The « Que faire ? » age choices (orientation.toml) are the named groups, with the same ages."""
    assert {c.id: c.age for c in rules().ages} == AGE_BANDS


@pytest.mark.parametrize(("band", "years"), list(AGE_BANDS.items()))
def test_a_group_and_its_years_give_the_same_answers(client: TestClient, band: str, years: int) -> None:
    for path in ("/api/nearest", "/api/resources"):
        params = {**BORNY, "k": 8} if path == "/api/nearest" else {"territory": "metz", "limit": 200}
        a = client.get(path, params={**params, "age": band})
        b = client.get(path, params={**params, "age": years})
        assert a.status_code == b.status_code == 200, a.text
        assert [f["id"] for f in a.json()["features"]] == [f["id"] for f in b.json()["features"]]
    pts = {"points": [{"id": "borny", **BORNY}]}
    a = client.post("/api/nearest/batch", params={"age": band}, json=pts)
    b = client.post("/api/nearest/batch", params={"age": years}, json=pts)
    assert a.status_code == 200 and a.json() == b.json()


def test_the_page_takes_years_and_groups(client: TestClient) -> None:
    a = client.get("/recherche", params={"q": "Borny", "age": "15"})
    b = client.get("/recherche", params={"q": "Borny", "age": "ado"})
    assert a.status_code == b.status_code == 200
    assert "âge invalide" not in a.text


@pytest.mark.parametrize("bad", BAD)
def test_a_bad_age_is_the_same_french_422_everywhere(client: TestClient, bad: str) -> None:
    message = AGE_ERROR.format(value=bad)
    for r in (
        client.get("/api/nearest", params={**BORNY, "age": bad}),
        client.get("/api/resources", params={"age": bad}),
        client.post("/api/nearest/batch", params={"age": bad}, json={"points": [BORNY]}),
    ):
        assert r.status_code == 422
        assert r.json()["errors"] == [{"parameter": "age", "message": message}]
    page = client.get("/recherche", params={"q": "Borny", "age": bad})
    assert page.status_code == 422
    assert message.replace("'", "&#39;") in page.text or message in page.text


def test_the_cli_refuses_a_bad_age_with_the_same_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "points.csv"
    src.write_text("id,lat,lon\nborny,49.11296,6.22361\n", encoding="utf-8")
    assert main(["nearest", "--in", str(src), "--out", str(tmp_path / "out.csv"), "--age", "ados"]) == 2
    assert AGE_ERROR.format(value="ados") in capsys.readouterr().err
