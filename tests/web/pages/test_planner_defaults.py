"""The planner's first screen (issue 27): /planning opens on the first pilot territory of the
manifest and adult CMPs, and the places' legend sits in the panel, never over the map."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_planning_opens_on_first_pilot_and_adult_cmps(client: TestClient) -> None:
    r = client.get("/planning")
    assert r.status_code == 200
    html = r.text
    assert re.search(r'<option value="metz" selected>Eurométropole de Metz</option>', html)
    assert '<option value="CMP_ADULTE" selected>CMP adultes</option>' in html
    assert "Distance moyenne à la ressource la plus proche (m) — CMP adultes" in html


def test_planning_legend_is_in_the_panel(client: TestClient) -> None:
    html = client.get("/planning").text
    main = html[html.index('<main class="gc-panel gc-planner"') : html.index("</main>")]
    assert 'class="gc-legend"' in main
    assert html.count('class="gc-legend"') == 1


def test_planning_has_a_what_if_screen(client: TestClient) -> None:
    html = client.get("/planning").text
    assert 'id="gc-whatif"' in html and 'data-type="CMP_ADULTE"' in html
    for tool in ("Ajouter un lieu", "Déplacer un lieu", "Retirer un lieu", "Calculer avant / après"):
        assert tool in html
    assert re.search(r"/static/app/whatif\.[0-9a-f]+\.js", html)  # fingerprinted (geo_clsm.web.assets)
