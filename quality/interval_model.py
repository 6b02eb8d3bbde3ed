"""The attacker's integer feasibility region of one item (or of the respondent counts) as one
HiGHS model, for quality.interval_audit: LP minimum and maximum per quantity, warm-started
re-solves, MIP where an LP optimum is fractional, and a pool of the feasible integer tables
found on the way (each a proof that a quantity can vary)."""

from __future__ import annotations

import math

import highspy
import numpy as np

EPS = 1e-6
SEEDS = 8  # random-objective LPs per item model (feasible tables that prove variation)


class AuditIncomplete(RuntimeError):
    """The audit could not finish (solver limit, infeasible model): the gate must fail."""


class IntervalModel:
    """Integer feasibility region {x : A_eq x = b_eq, A_le x ≤ b_le, lb ≤ x ≤ ub, x integer}."""

    def __init__(self, n: int, lb: np.ndarray, ub: np.ndarray, time_limit: float) -> None:
        self.n, self.lb, self.ub = n, np.asarray(lb, float), np.asarray(ub, float)
        self.eq: list[tuple[dict[int, float], float]] = []
        self.le: list[tuple[dict[int, float], float]] = []
        self.time_limit = time_limit
        self.pool: list[np.ndarray] = []  # feasible integer solutions (proofs of variation)
        self.solves = 0
        self._built = False

    def add_eq(self, coefs: dict[int, float], rhs: float) -> None:
        self.eq.append((coefs, float(rhs)))

    def add_le(self, coefs: dict[int, float], rhs: float) -> None:
        self.le.append((coefs, float(rhs)))

    def build(self) -> None:
        """One HiGHS model for every objective of this region (warm-started re-solves)."""
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(self.time_limit))
        # Serial: these models are small, and HiGHS's worker-thread scheduler has deadlocked in
        # long-lived processes (ERGO-Code/HiGHS#1886, #1670); with one thread it has no workers.
        h.setOptionValue("threads", 1)
        inf = h.getInfinity()
        if self.n:
            h.addVars(self.n, self.lb, np.minimum(self.ub, inf))
        rows = [(c, r, r) for c, r in self.eq] + [(c, -inf, r) for c, r in self.le]
        rows = [x for x in rows if x[0]]
        if rows:
            starts, index, value = [], [], []
            for coefs, _, _ in rows:
                starts.append(len(index))
                index.extend(coefs)
                value.extend(coefs.values())
            h.addRows(
                len(rows),
                np.array([lo for _, lo, _ in rows], float),
                np.array([hi for _, _, hi in rows], float),
                len(index),
                np.array(starts, np.int32),
                np.array(index, np.int32),
                np.array(value, float),
            )
        self.h = h
        self._cols = np.arange(self.n, dtype=np.int32)
        self._built = True

    def _solve(self, c: np.ndarray, integer: bool) -> np.ndarray:
        self.solves += 1
        h = self.h
        h.changeColsCost(self.n, self._cols, np.asarray(c, float))
        kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
        if integer:
            h.changeColsIntegrality(self.n, self._cols, np.full(self.n, kind))
        h.run()
        status = h.getModelStatus()
        x = np.array(h.getSolution().col_value, float)
        if integer:
            cont = highspy.HighsVarType.kContinuous
            h.changeColsIntegrality(self.n, self._cols, np.full(self.n, cont))
        if status == highspy.HighsModelStatus.kInfeasible:
            raise AuditIncomplete("the published tables are inconsistent (infeasible model)")
        if status != highspy.HighsModelStatus.kOptimal:
            what = "MIP" if integer else "LP"
            raise AuditIncomplete(
                f"{what} not solved to optimality: {h.modelStatusToString(status)}"
            )
        return np.round(x) if integer else x

    def _lp(self, c: np.ndarray) -> np.ndarray:
        return self._solve(c, False)

    def _mip(self, c: np.ndarray) -> np.ndarray:
        return self._solve(c, True)

    def seed(self, rng: np.random.Generator, k: int = SEEDS) -> None:
        """Feasible integer tables from random objectives, to prove variation cheaply."""
        if not self._built:
            self.build()
        if self.n == 0:
            return
        for _ in range(k):
            self._keep(self._lp(rng.normal(size=self.n)))

    def _keep(self, x: np.ndarray) -> bool:
        if np.abs(x - np.round(x)).max(initial=0.0) < EPS:
            self.pool.append(np.round(x))
            return True
        return False

    def lp_max(self, coefs: dict[int, float], const: float) -> float:
        """A sound upper bound (LP maximum, rounded down) of const + coefs·x."""
        if not self._built:
            self.build()
        if not coefs:
            return const
        c = np.zeros(self.n)
        for j, w in coefs.items():
            c[j] = -w
        x = self._lp(c)
        self._keep(x)
        return const + math.floor(float(-(c @ x)) + EPS)

    def exact(self, coefs: dict[int, float], const: float) -> tuple[float, float]:
        """The integer hull [lo, hi] of const + coefs·x."""
        return self.interval(coefs, const, 10**9)

    def interval(self, coefs: dict[int, float], const: float, need: int) -> tuple[float, float]:
        """Integer hull [lo, hi] of const + coefs·x, or a range proven wide enough (≥ need)."""
        if not self._built:
            self.build()
        if not coefs:
            return const, const
        idx = np.fromiter(coefs, dtype=np.int64)
        w = np.fromiter(coefs.values(), dtype=float)
        if self.pool:
            values = {round(float(p[idx] @ w)) for p in self.pool}
            if len(values) >= need:
                return const + min(values), const + max(values)
        c = np.zeros(self.n)
        c[idx] = w
        bounds = []
        for sign in (1.0, -1.0):
            x = self._lp(sign * c)
            value = float(x[idx] @ w)
            if not self._keep(x):
                x = self._mip(sign * c)
                self.pool.append(x)
                value = float(x[idx] @ w)
            bounds.append(round(value))
        return const + bounds[0], const + bounds[1]


def hull_count(lo: float, hi: float) -> int:
    return int(math.floor(hi + EPS) - math.ceil(lo - EPS) + 1)
