"""``X-Data-Version`` tells apart every set of access indicators an engine served, even when Python
gives a freed set's address to the next one (``id()`` did not)."""

from __future__ import annotations

import copy
import gc
from typing import Any

from geo_clsm.engine.build import data_version
from geo_clsm.engine.core import Engine


def _published(engine: Engine, access: dict[str, Any]) -> Engine:
    """As store/live.py publishes recomputed indicators: a new engine with a new set."""
    return engine.with_access(access)


def test_each_set_of_indicators_has_its_own_version(engine: Engine) -> None:
    base = engine.with_access({})
    seen: dict[str, int] = {}
    addresses: set[int] = set()
    for i in range(50):
        access: dict[str, Any] = {"round": i}  # a small dict: freed ones' addresses come back
        addresses.add(id(access))
        eng = _published(base, access)
        version = data_version(eng)
        assert data_version(eng) == version  # stable for the engine serving it
        assert version not in seen, f"round {i} got round {seen.get(version)}'s version"
        seen[version] = i
        del eng, access
        gc.collect()
    assert len(addresses) < 50  # the test met the case it is about: an address given again


def test_a_copy_serving_the_same_set_keeps_its_number(engine: Engine) -> None:
    served = _published(engine, {"a": 1})
    version = data_version(served)
    catalog_part, _, number = version.rpartition("-")
    same_set = copy.copy(served)  # e.g. a copy that serves the same indicators
    assert data_version(same_set) == version
    newer_part, _, newer = data_version(_published(served, {"a": 1})).rpartition("-")
    assert newer_part == catalog_part and int(newer, 16) > int(number, 16)  # an equal set, published again
