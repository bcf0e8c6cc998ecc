"""Exact p-median with existing places kept: Benders cuts over a small master, solved by HiGHS.

The problem: choose ``k`` candidate sites so that the weighted sum over demand cells of
``min(d0_i, min_{j chosen} c_ij)`` is least (``d0_i``: distance to the nearest existing place).
Written as savings, ``f(S) = sum_i w_i (d0_i - min(d0_i, min_{j in S} c_ij))``, to be maximised.

For any levels ``D_i <= d0_i`` (Cornuéjols, Nemhauser & Wolsey's cut for facility location)::

    saving_i(S) <= w_i (d0_i - D_i) + sum_j w_i max(0, D_i - c_ij) y_j

with equality at the choice whose cost for cell i is ``D_i``. The master keeps one variable
``eta_g`` per group of cells (spatial blocks) bounded by these cuts summed over the group, and
``sum_j y_j = k``; each round adds, at the master's answer, the cuts that it violates. Levels
for a fractional ``y`` are read where the cumulated opening of the cell's nearer candidates
reaches 1 (the LP's own cost for that cell), so a first phase on the LP relaxation gathers cuts
cheaply; the second phase solves the master as a MIP (HiGHS, through :func:`scipy.optimize.milp`,
no relative gap allowed) until the master's bound meets the best choice found: the answer is
the optimum of the full model on every 200 m cell, not of a coarsened one.

The master has ``n_candidates + n_groups`` variables, whatever the number of cells: the
assignment variables of the full model (one per cell and nearer candidate, about 800 000 for
Metz with 500 candidates) are never built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

Progress = Callable[[str, float], None]
"""(French step, fraction done in [0, 1]) — for a background job's progress."""


@dataclass
class _Cuts:
    """The master's cut rows: ``eta_g - b . y <= a`` for the group ``g``."""

    groups: list[int] = field(default_factory=list)
    a: list[float] = field(default_factory=list)
    b: list[np.ndarray] = field(default_factory=list)

    def add(self, g: int, a: float, b: np.ndarray) -> None:
        self.groups.append(g)
        self.a.append(a)
        self.b.append(b)

    def __len__(self) -> int:
        return len(self.a)


class PMedianCuts:
    """The savings model of one problem: capped costs, weights, groups, and its cuts."""

    def __init__(self, cost: np.ndarray, d0: np.ndarray, w: np.ndarray, group: np.ndarray) -> None:
        self.c = np.minimum(cost, d0[:, None])
        self.d0 = d0
        self.w = w
        self.n, self.m = self.c.shape
        _, self.group = np.unique(group, return_inverse=True)
        self.group = self.group.ravel()
        self.n_groups = int(self.group.max()) + 1 if self.n else 0
        self.order = np.argsort(self.c, axis=1)  # each cell's candidates, nearest first
        self.sorted_c = np.take_along_axis(self.c, self.order, axis=1)
        self.sum_by_group = sparse.csr_matrix(
            (np.ones(self.n), (self.group, np.arange(self.n))), shape=(self.n_groups, self.n)
        )
        self.cuts = _Cuts()
        best_saving = w * (d0 - self.c.min(axis=1)) if self.m else np.zeros(self.n)
        self.eta_max = np.bincount(self.group, weights=best_saving, minlength=self.n_groups)

    def savings(self, chosen: list[int]) -> np.ndarray:
        """Each group's saving for a choice of candidates."""
        if not chosen:
            return np.zeros(self.n_groups)
        cost = self.c[:, chosen].min(axis=1)
        return np.bincount(self.group, weights=self.w * (self.d0 - cost), minlength=self.n_groups)

    def levels(self, y: np.ndarray) -> np.ndarray:
        """Each cell's level for an opening ``y`` (fractional or not): the distance at which the
        cumulated opening of its nearest candidates reaches 1, else ``d0``."""
        cum = np.cumsum(y[self.order], axis=1)
        reached = cum >= 1.0 - 1e-9
        first = reached.argmax(axis=1)
        d = self.sorted_c[np.arange(self.n), first]
        return np.where(reached.any(axis=1), d, self.d0)

    def cut_at(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The group cuts at ``y``: constants (n_groups,) and coefficients (n_groups, m)."""
        level = self.levels(y)
        a = np.bincount(self.group, weights=self.w * (self.d0 - level), minlength=self.n_groups)
        gain = np.maximum(0.0, level[:, None] - self.c) * self.w[:, None]
        return a, np.asarray(self.sum_by_group @ gain)

    def add_cuts(self, y: np.ndarray, eta: np.ndarray | None) -> int:
        """Adds the cuts at ``y`` the master's ``eta`` violates (all of them without ``eta``)."""
        a, b = self.cut_at(y)
        value = a + b @ y
        added = 0
        for g in range(self.n_groups):
            if eta is None or eta[g] > value[g] + 1e-9 * max(1.0, abs(value[g])):
                self.cuts.add(g, float(a[g]), b[g])
                added += 1
        return added

    def master(self, k: int, *, integral: bool) -> tuple[np.ndarray, np.ndarray, float]:
        """The master's answer: opening ``y``, group savings ``eta``, and its bound."""
        m, ng = self.m, self.n_groups
        cost = np.concatenate([np.zeros(m), -np.ones(ng)])
        rows = [LinearConstraint(np.concatenate([np.ones(m), np.zeros(ng)])[None, :], k, k)]
        if len(self.cuts):
            nc = len(self.cuts)
            b = np.vstack(self.cuts.b)
            eta_part = sparse.csr_matrix((np.ones(nc), (np.arange(nc), self.cuts.groups)), shape=(nc, ng))
            matrix = sparse.hstack([sparse.csr_matrix(-b), eta_part]).tocsr()
            rows.append(LinearConstraint(matrix, -np.inf, np.array(self.cuts.a)))
        integrality = np.concatenate([np.ones(m) if integral else np.zeros(m), np.zeros(ng)])
        bounds = Bounds(np.zeros(m + ng), np.concatenate([np.ones(m), self.eta_max]))
        res = milp(cost, integrality=integrality, bounds=bounds, constraints=rows, options={"mip_rel_gap": 0.0})
        if res.x is None:  # pragma: no cover - the master is always feasible and bounded
            raise RuntimeError(f"HiGHS: {res.message}")
        x = res.x
        return x[:m], x[m:], float(-res.fun)


def greedy(model: PMedianCuts, k: int) -> list[int]:
    """The classic greedy choice followed by single swaps while they improve (a good first bound)."""
    cur = model.d0.copy()
    chosen: list[int] = []
    for _ in range(k):
        gains = (np.maximum(0.0, cur[:, None] - model.c) * model.w[:, None]).sum(axis=0)
        gains[chosen] = -1.0
        j = int(np.argmax(gains))
        chosen.append(j)
        cur = np.minimum(cur, model.c[:, j])
    return chosen


def solve_pmedian(
    cost: np.ndarray,
    d0: np.ndarray,
    w: np.ndarray,
    *,
    k: int,
    group: np.ndarray,
    progress: Progress | None = None,
    max_rounds: int = 500,
) -> list[int]:
    """The optimal ``k`` candidates (indices into ``cost``'s columns), existing places kept."""
    model = PMedianCuts(cost, d0, w, group)
    if model.m <= k:
        return list(range(model.m))
    say = progress or (lambda _s, _f: None)
    best = greedy(model, k)
    best_value = float(model.savings(best).sum())
    y = np.zeros(model.m)
    model.add_cuts(y, None)  # at the existing places alone: each candidate's saving on its own
    for j in range(1, k + 1):  # and at the greedy choice's first steps
        y = np.zeros(model.m)
        y[best[:j]] = 1.0
        model.add_cuts(y, None)
    say("relaxation linéaire", 0.1)
    for _ in range(max_rounds):  # phase 1: the LP relaxation, cheap rounds
        y, eta, bound = model.master(k, integral=False)
        if not model.add_cuts(y, eta) or bound <= best_value * (1 + 1e-9) + 1e-6:
            break
    for n in range(max_rounds):  # phase 2: the master as a MIP until its bound meets the best choice
        y, eta, bound = model.master(k, integral=True)
        chosen = sorted(int(j) for j in np.flatnonzero(y > 0.5))
        value = float(model.savings(chosen).sum())
        if value > best_value:
            best, best_value = chosen, value
        gap = bound - best_value
        say(f"recherche exacte, écart {max(gap, 0):.0f}", min(0.95, 0.2 + 0.05 * n))
        if gap <= 1e-9 * max(1.0, abs(best_value)) + 1e-6:
            break
        y_int = np.zeros(model.m)
        y_int[chosen] = 1.0
        if not model.add_cuts(y_int, eta):
            break
    else:  # pragma: no cover - never seen: the cuts converge in a few dozen rounds
        raise RuntimeError("p-médiane : pas de convergence")
    return sorted(best)
