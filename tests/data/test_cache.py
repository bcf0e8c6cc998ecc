"""Start-up cache: a restart with unchanged data reads parsed layers and indicators back;
a change of any layer file gives a new data version and a rebuild."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

import geo_clsm.data.cache as cache
from geo_clsm.engine.core import Engine

LAYERS = Path(__file__).resolve().parents[2] / "layers"


@pytest.fixture()
def layers(tmp_path: Path) -> Path:
    """A copy of the shipped manifest and pilot layers (the national layer is not needed for metz)."""
    out = tmp_path / "layers"
    shutil.copytree(LAYERS / "pilots", out / "pilots")
    (out / "france").mkdir()
    for f in (LAYERS / "france").iterdir():
        (out / "france" / f.name).symlink_to(f)
    shutil.copy(LAYERS / "manifest.toml", out / "manifest.toml")
    return out


def _no_parsing(*_: object, **__: object) -> None:
    raise AssertionError("the layers were parsed again")


def test_restart_with_unchanged_data_reuses_the_cache(
    layers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "cache"
    first = cache.load_catalog_cached(layers, territories=["metz"], cache_dir=store)
    eng = Engine(first, access=cache.access_for(first, cache_dir=store))
    assert len(list(store.glob("catalog-*.pickle"))) == 1 and len(list(store.glob("access-*.pickle"))) == 1

    monkeypatch.setattr(cache, "load_catalog", _no_parsing)
    monkeypatch.setattr("geo_clsm.engine.core.territory_indicators", _no_parsing)
    again = cache.load_catalog_cached(layers, territories=["metz"], cache_dir=store)
    assert [r.model_dump() for r in again.resources] == [r.model_dump() for r in first.resources]
    assert cache.catalog_version(again) == cache.catalog_version(first)
    eng2 = Engine(again, access=cache.access_for(again, cache_dir=store))
    pd.testing.assert_frame_equal(
        pd.DataFrame(eng2.access["metz"].qpv.drop(columns="geometry")),
        pd.DataFrame(eng.access["metz"].qpv.drop(columns="geometry")),
    )


def test_a_changed_layer_file_is_parsed_again(layers: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    before = cache.load_catalog_cached(layers, territories=["metz"], cache_dir=store)
    csv = layers / "pilots" / "resources_metz_angouleme.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    metz_rows = [i for i, line in enumerate(lines) if ",57" in line and i > 0]
    del lines[metz_rows[0]]
    csv.write_text("".join(lines), encoding="utf-8")
    after = cache.load_catalog_cached(layers, territories=["metz"], cache_dir=store)
    assert cache.catalog_version(after) != cache.catalog_version(before)
    assert len(list(store.glob("catalog-*.pickle"))) == 2
    assert len(after.resources) < len(before.resources)


def test_an_unreadable_cache_file_is_rebuilt(layers: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    cache.load_catalog_cached(layers, territories=["metz"], cache_dir=store)
    (path,) = store.glob("catalog-*.pickle")
    path.write_bytes(b"truncated")
    again = cache.load_catalog_cached(layers, territories=["metz"], cache_dir=store)
    assert again.resources and path.stat().st_size > 100
