"""Same-site duplicates: one place listed once.

FINESS files several "établissements" for one site: the CMP and the judicial CMP of the same
building, the adolescents' CMP and the adolescents' unit of one hospital. The rule, written
down in ``layers/README.md``: two records are **the same site** when

- both have a position, less than ``SAME_SITE_M`` (25 m) apart, measured in metres in the
  zone's projected CRS, and
- both have the same phone number (records without a phone are never grouped).

The first record (pilot registry rows come before the national layer) is kept; the others
are folded into it: their types become services of the kept record (so a type filter still
finds it) and their ids are named in its notes. The (folded id, kept id) pairs are returned
for the catalog's ``replaced`` list: nothing disappears without a trace.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from geo_clsm.geo.crs import to_projected, zone_of
from geo_clsm.model.resource import Resource

SAME_SITE_M = 25.0


def _key(r: Resource) -> str | None:
    digits = re.sub(r"\D", "", r.phone or "")
    return digits if len(digits) >= 9 and r.position is not None else None


def _xy(r: Resource) -> tuple[float, float, str] | None:
    pos = r.position
    if pos is None:
        return None
    zone = zone_of(pos.lon, pos.lat)
    if zone is None:
        return None
    x, y = to_projected(pos.lon, pos.lat, zone[1])
    return float(x), float(y), zone[1]


def group_same_site(resources: Sequence[Resource]) -> tuple[list[Resource], list[tuple[str, str]]]:
    """Fold same-site duplicates into the first record; returns the kept list and (folded, kept) id pairs."""
    by_phone: dict[str, list[int]] = {}
    for i, r in enumerate(resources):
        k = _key(r)
        if k:
            by_phone.setdefault(k, []).append(i)
    folded_into: dict[int, int] = {}
    for idx in by_phone.values():
        if len(idx) < 2:
            continue
        pts = {i: _xy(resources[i]) for i in idx}
        for a_pos, a in enumerate(idx):
            if a in folded_into or pts[a] is None:
                continue
            pa = pts[a]
            for b in idx[a_pos + 1 :]:
                pb = pts[b]
                if b in folded_into or pb is None or pa is None or pb[2] != pa[2]:
                    continue
                if math.hypot(pa[0] - pb[0], pa[1] - pb[1]) < SAME_SITE_M:
                    folded_into[b] = a
    if not folded_into:
        return list(resources), []
    extra: dict[int, list[Resource]] = {}
    for b, a in folded_into.items():
        extra.setdefault(a, []).append(resources[b])
    out: list[Resource] = []
    pairs: list[tuple[str, str]] = []
    for i, r in enumerate(resources):
        if i in folded_into:
            continue
        if i in extra:
            others = extra[i]
            services = list(r.services)
            for o in others:
                for t in (o.type.value, *o.services):
                    if t != r.type.value and t not in services:
                        services.append(t)
            names = "; ".join(f"{o.display_name or o.name} ({o.id})" for o in others)
            note = f"même site que : {names}"
            r = r.model_copy(update={"services": tuple(services), "notes": f"{r.notes} | {note}" if r.notes else note})
            pairs += [(o.id, r.id) for o in others]
        out.append(r)
    return out, pairs
