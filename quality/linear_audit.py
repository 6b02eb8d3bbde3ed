"""Exact audit of what published totals reveal by any linear combination (pure numpy).

Every published figure is a sum over *atoms* (the reporting units of a wave: kommuner and
bydeler). An attacker who knows the published sums (and which atoms each covers) can compute
exactly those sums over atom sets S whose indicator vector lies in the row space of the
published rows. This module finds every such S that reveals a small group:

- kind "small_group": S, within the new edition, whose counts meet `is_small` and that is not
  simply a published figure;
- kind "small_change": with earlier editions, the change (new - old) of a set S of atoms whose
  data changed between the editions, when that change meets `is_small_change`.

Earlier editions are modelled with one variable per atom, shared between editions where the
atom did not change, and a separate old variable where it did (`changed`). Known atoms are
peeled off first (subtraction), the rest is decided with an SVD null space.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

Values = tuple[float, ...]
TOL = 1e-6
MAX_ZERO_ITEMS = 12
MAX_CHANGED_EXACT = 12
MAX_NODES = 200_000


@dataclass(frozen=True)
class Row:
    """One published figure: its edition ('new' or 'old'), key, atom set and counts."""

    edition: str
    key: tuple[str, str]
    atoms: frozenset[str]
    value: Values


@dataclass(frozen=True)
class Finding:
    kind: str
    atoms: frozenset[str]
    value: Values
    edition_key: str = ""


@dataclass
class _System:
    var_of: dict[tuple[str, str], int]
    known: dict[int, np.ndarray]
    null: np.ndarray  # (n_unknown, nullity) orthonormal basis of the residual null space
    xhat: np.ndarray  # (n_unknown, k) min-norm solution of the residual system
    col: dict[int, int]  # unknown var -> column
    pattern: dict[int, tuple[int, ...]]  # unknown var -> residual rows it appears in
    k: int

    def w(self, var: int) -> np.ndarray:
        """Null-space coordinates of a variable (zero: derivable on its own)."""
        if var in self.known or not self.null.shape[1] or var not in self.col:
            return np.zeros(self.null.shape[1])
        return self.null[self.col[var]]

    def derive(self, t: dict[int, float]) -> np.ndarray | None:
        """The value of the combination t (var -> coefficient), or None if not derivable."""
        vec = np.zeros(len(self.col))
        value = np.zeros(self.k)
        for var, coef in t.items():
            if var in self.known:
                value = value + coef * self.known[var]
            elif var in self.col:
                vec[self.col[var]] += coef
            else:
                return None  # in no published figure
        if vec.any():
            if self.null.shape[1] and np.abs(self.null.T @ vec).max() > TOL:
                return None
            value = value + vec @ self.xhat
        return value


def _variables(atoms: Iterable[str], changed: set[str], with_old: bool) -> dict:
    var_of: dict[tuple[str, str], int] = {}
    for a in sorted(atoms):
        var_of[("new", a)] = len(var_of)
    if with_old:
        for a in sorted(atoms):
            var_of[("old", a)] = len(var_of) if a in changed else var_of[("new", a)]
    return var_of


def _peel(eqs: list[tuple[list[int], np.ndarray]], k: int) -> dict[int, np.ndarray]:
    """Repeated subtraction: a row with one unknown variable gives that variable."""
    known: dict[int, np.ndarray] = {}
    progress = True
    while progress:
        progress = False
        for vars_, val in eqs:
            unknown = [v for v in vars_ if v not in known]
            if len(unknown) == 1:
                rest = sum((known[v] for v in vars_ if v in known), np.zeros(k))
                known[unknown[0]] = val - rest
                progress = True
    return known


def build_system(rows: Sequence[Row], changed: set[str]) -> _System:
    """Peel and factorise the published rows (new and old editions)."""
    atoms = set().union(*(r.atoms for r in rows)) if rows else set()
    var_of = _variables(atoms, changed, any(r.edition == "old" for r in rows))
    k = len(rows[0].value) if rows else 1
    eqs = [
        (sorted({var_of[(r.edition, a)] for a in r.atoms}), np.asarray(r.value, float))
        for r in rows
    ]
    known = _peel(eqs, k)
    unknown_vars = sorted({v for vars_, _ in eqs for v in vars_ if v not in known})
    col = {v: i for i, v in enumerate(unknown_vars)}
    lines, vals = [], []
    pattern: dict[int, list[int]] = {v: [] for v in unknown_vars}
    for vars_, val in eqs:
        unk = [v for v in vars_ if v not in known]
        if not unk:
            continue
        line = np.zeros(len(unknown_vars))
        line[[col[v] for v in unk]] = 1.0
        for v in unk:
            pattern[v].append(len(lines))
        lines.append(line)
        vals.append(val - sum((known[v] for v in vars_ if v in known), np.zeros(k)))
    if lines:
        a, b = np.vstack(lines), np.vstack(vals)
        _, s, vt = np.linalg.svd(a, full_matrices=True)
        rank = int((s > TOL * max(1.0, float(s.max()))).sum())
        null, xhat = vt[rank:].T, np.linalg.pinv(a) @ b
    else:
        null, xhat = np.zeros((0, 0)), np.zeros((0, k))
    pats = {v: tuple(p) for v, p in pattern.items()}
    return _System(var_of, known, null, xhat, col, pats, k)


def derivable_without(
    rows: Sequence[Row], changed: set[str], atoms: Iterable[str], change: bool,
    hidden: Sequence[int],
) -> list[bool]:  # fmt: skip
    """For each row index in `hidden`: whether the sum over `atoms` (or its change) is still
    derivable when that one row is left out (what `build_system(rows without it, changed)
    .derive` of their combination would say), for all of them from one factorisation.

    With A the rows over the variables and t the combination, t is derivable from the rows
    without row i iff some y with Aᵀy = t has y_i = 0: iff the min-norm solution has y_i = 0
    or row i is a combination of the others (its leverage, ‖U_r[i]‖², is below 1)."""
    if not hidden:
        return []
    every = set().union(*(r.atoms for r in rows))
    var_of = _variables(every, changed, any(r.edition == "old" for r in rows))
    a = np.zeros((len(rows), max(var_of.values()) + 1))
    for i, r in enumerate(rows):
        a[i, sorted({var_of[(r.edition, x)] for x in r.atoms})] = 1.0
    t = np.zeros(a.shape[1])
    for x in atoms:
        new = var_of.get(("new", x))
        if new is None:
            return [False] * len(hidden)  # in no published figure
        t[new] += 1.0
        if change:
            t[var_of.get(("old", x), new)] -= 1.0
    if not np.abs(t).max() > TOL:
        return [False] * len(hidden)  # an empty combination (no change to derive)
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    rank = int((s > TOL * max(1.0, float(s.max()))).sum())
    u, s, vt = u[:, :rank], s[:rank], vt[:rank]
    y = u @ ((vt @ t) / s)
    if np.abs(a.T @ y - t).max() > TOL:
        return [False] * len(hidden)  # not derivable even from every row
    leverage = (u**2).sum(axis=1)
    return [bool(abs(y[i]) <= TOL or leverage[i] < 1.0 - TOL) for i in hidden]


def _zero_sums(ws: list[np.ndarray]) -> dict[tuple, list[int]]:
    sums: dict[tuple, list[int]] = {}
    for r in range(len(ws) + 1):
        for combo in combinations(range(len(ws)), r):
            vec = sum((ws[i] for i in combo), np.zeros(len(ws[0]) if ws else 0))
            sums.setdefault(tuple(np.round(vec, 6)), list(combo))
    return sums


def small_groups(
    system: _System,
    candidates: dict[str, Values],
    is_small: Callable[[Values], bool],
    bound: float,
    published_sets: set[frozenset[str]],
) -> list[Finding]:
    """Atom sets over `candidates` (atom -> true new counts) that are derivable and small."""
    if not candidates:
        return []
    nullity = system.null.shape[1]
    groups: dict[tuple, list[str]] = {}
    for a in sorted(candidates):
        var = system.var_of.get(("new", a))
        if var is None or (var not in system.known and var not in system.col):
            continue  # in no published figure: never derivable
        w = system.w(var)
        if var in system.known or not np.abs(w).max(initial=0.0) > TOL:
            groups[("alone", a)] = [a]  # derivable on its own
        else:  # same residual pattern: only derivable together
            groups.setdefault(("pattern", system.pattern[var]), []).append(a)
    items = []
    for members in groups.values():
        val = np.sum([candidates[m] for m in members], axis=0)
        w = np.sum([system.w(system.var_of[("new", m)]) for m in members], axis=0)
        items.append((frozenset(members), val, w))
    positive = sorted((x for x in items if x[1][0] > 0), key=lambda x: (-x[1][0], sorted(x[0])))
    zeros = [x for x in items if x[1][0] <= 0]
    exact = len(zeros) <= MAX_ZERO_ITEMS
    sums = _zero_sums([z[2] for z in zeros]) if exact and nullity else None
    found: list[Finding] = []
    nodes = 0

    def zero_fix(w: np.ndarray) -> list[int] | None:
        if not nullity or not abs(w).max() > TOL:
            return []
        if sums is not None:
            return sums.get(tuple((-w).round(6)))
        if not zeros:
            return None
        z = np.vstack([x[2] for x in zeros]).T
        coef, *_ = np.linalg.lstsq(z, -w, rcond=None)
        return list(range(len(zeros))) if np.abs(z @ coef + w).max() < TOL else None

    def visit(start: int, chosen: list[int], total: np.ndarray, wsum: np.ndarray) -> None:
        nonlocal nodes
        for i in range(start, len(positive)):
            nodes += 1
            if nodes > MAX_NODES:
                return
            _, val_i, w_i = positive[i]
            new_total = total + val_i
            if new_total[0] >= bound:
                continue
            new_w = wsum + w_i if nullity else wsum
            picked = [*chosen, i]
            fix = zero_fix(new_w) if is_small(tuple(new_total)) else None
            if fix is not None:
                s = frozenset().union(*(positive[j][0] for j in picked))
                s_full = s.union(*(zeros[j][0] for j in fix))
                if s_full not in published_sets and s not in published_sets:
                    found.append(Finding("small_group", s_full, tuple(float(x) for x in new_total)))
            visit(i + 1, picked, new_total, new_w)

    k = len(next(iter(candidates.values())))
    visit(0, [], np.zeros(k), np.zeros(nullity))
    if nodes > MAX_NODES:  # too many combinations to prove safety: report conservatively
        found.append(Finding("small_group", frozenset(candidates), (float("nan"),) * k))
    return found


def small_changes(
    system: _System,
    changed: Sequence[str],
    is_small_change: Callable[[Values], bool],
    skip: set[str],
    edition_key: str,
) -> list[Finding]:
    """Sets of changed atoms whose change new - old is derivable and small."""
    atoms = [a for a in sorted(changed) if ("new", a) in system.var_of]
    if len(atoms) <= MAX_CHANGED_EXACT:
        subsets: Iterable[tuple[str, ...]] = (
            c for r in range(1, len(atoms) + 1) for c in combinations(atoms, r)
        )
    else:  # singles, pairs and triples, plus all of them
        subsets = [*(c for r in (1, 2, 3) for c in combinations(atoms, r)), tuple(atoms)]
    found = []
    for subset in subsets:
        if all(a in skip for a in subset):
            continue
        t: dict[int, float] = {}
        for a in subset:
            t[system.var_of[("new", a)]] = t.get(system.var_of[("new", a)], 0.0) + 1.0
            t[system.var_of[("old", a)]] = t.get(system.var_of[("old", a)], 0.0) - 1.0
        t = {v: c for v, c in t.items() if c}
        if not t:
            continue
        value = system.derive(t)
        if value is not None and is_small_change(tuple(float(x) for x in np.round(value, 6))):
            found.append(
                Finding("small_change", frozenset(subset), tuple(map(float, value)), edition_key)
            )
    return found
