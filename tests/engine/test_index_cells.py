"""The k-d tree's candidate cells answer exactly as the tree itself (same neighbours, same distances bit for bit)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from geo_clsm.engine import index as index_module
from geo_clsm.engine.index import _Tree


def _reference(
    pts: np.ndarray, gids: list[int], qx: float, qy: float, kq: int, limit: float
) -> list[tuple[float, int]]:
    # Independent: every point from a fresh tree (its own distances), ordered by distance then index.
    tree = cKDTree(pts)
    n = len(pts)
    d, i = tree.query((qx, qy), k=n, distance_upper_bound=limit * (1 + 1e-9) + 1e-6)
    d, i = np.atleast_1d(d), np.atleast_1d(i)
    got = sorted((float(dd), gids[int(ii)]) for dd, ii in zip(d, i, strict=True) if ii < n)
    return got[: min(kq, n)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_answers_as_the_tree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    x = np.concatenate([rng.uniform(900_000, 930_000, n), [910_000.0] * 5])  # five at one spot: ties
    y = np.concatenate([rng.uniform(6_880_000, 6_900_000, n), [6_890_000.0] * 5])
    ids = np.flatnonzero(rng.random(len(x)) < 0.7)  # a subset, as a type filter gives
    tree = _Tree(ids, x, y)
    pts = np.column_stack([x[ids], y[ids]])
    gids = ids.tolist()
    qs = [
        (float(a), float(b))
        for a, b in zip(rng.uniform(880_000, 950_000, 300), rng.uniform(6_870_000, 6_910_000, 300), strict=True)
    ]
    qs += [(910_000.0, 6_890_000.0), (910_000.0 + 250.0, 6_890_000.0 + 250.0), (910_500.0, 6_890_500.0)]  # cell corners
    for qx, qy in qs:
        for kq in (1, 5, 13, 52, 10_000):
            for limit in (2_000_000.0, 3_000.0, 450.0):
                for _ in range(2):  # the cell is filled, then read
                    assert tree.query(qx, qy, kq, limit) == _reference(pts, gids, qx, qy, kq, limit)


def test_cells_are_forgotten_beyond_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "_MAX_CELLS", 3)
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 10_000, 50), rng.uniform(0, 10_000, 50)
    ids = np.arange(50)
    tree = _Tree(ids, x, y)
    pts = np.column_stack([x, y])
    for qx in np.linspace(0, 10_000, 25).tolist():
        assert tree.query(qx, 5_000.0, 5, 1e9) == _reference(pts, ids.tolist(), qx, 5_000.0, 5, 1e9)
        assert len(tree._cells) <= 3


def test_a_point_not_finite_asks_the_tree() -> None:
    tree = _Tree(np.arange(3), np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.0, 0.0]))
    with pytest.raises(ValueError, match="finite"):  # the tree's own refusal, as before the cells
        tree.query(float("nan"), 0.0, 2, 1e9)
    assert _Tree(np.arange(0), np.zeros(0), np.zeros(0)).query(0.0, 0.0, 5, 1e9) == []
