"""Interval audit of everything published: what an attacker can pin down (pure; scipy HiGHS).

Works on the published tables only (cells, answer distribution, units; optionally earlier
editions of the same wave) and on public documentation (the catalogue's answer categories and
quality/disclosure.yaml's rules). Per wave and edition it models:

- respondents: one integer variable R(a) ≥ 1 per atom (kommune or bydel as delivered; Oslo is
  the sum of its bydeler) with every published respondent count as an equation (national, RHF,
  county, size class, pool, kommune, bydel: parent = sum of children, pool = sum of members) and
  every display text as a bound ("under 10" → ≤ 9, "minst 10" → ≥ 10);
- per item: one integer variable x(a, k) ≥ 0 per atom and answer category, with every shown
  n_valid (sum of the valid answers), n_positive (sum of the measure's positive answers) and
  answer-distribution count as equations, every band as an interval constraint ("under 10 %":
  q·positive ≤ p·valid − 1 for band_low = p/q; "over 90 %" likewise) and, per group, the answers
  of those asked at most the group's respondents (R's upper bound where R is not shown). Atoms
  whose whole distribution is published are constants.

Sensitive quantities, each of which must keep at least `audit_min_values` feasible integer
values (DisclosureConfig): the respondents of a group shown as "under N" (a pooled unit or a
group below the threshold), the positives of every banded or "for få svar" cell, the positives
of every pooled unit for every measure (a pin that only restates a published 0 % or 100 %
above it, itself shown under the rules with `band_max_valid` or more answers, is accepted:
the rules allow that figure). A hidden figure (withheld group, complementary cell)
or a residual group (a figure minus its exactly known members) whose value is pinned is a leak
when the pinned value is itself sensitive: 1–9 respondents, 1–4 valid answers, or 0 %/100 % with
fewer than `band_max_valid` valid answers. Across editions, every change new − old of a figure
published exactly in both editions and concerns 1–9 respondents (or 1–9
valid answers) is a leak unless it is made of late units whose own figure of that quantity is
published exactly. A change
column published against a withheld previous figure is a leak.

Intervals: LP (HiGHS via highspy, one warm-started model per region) minimum and maximum per
quantity. The LP relaxation contains every integer table, so an LP interval with fewer than
`audit_min_values` integers is a sound leak. A
quantity is proven safe only by integer tables: every integral LP optimum found is kept, and a
quantity that takes enough distinct values over these feasible integer tables is safe; where
the LP optima are fractional the integer bound is computed by MIP (HiGHS). A solver that does
not reach optimality, or an infeasible model (inconsistent tables), raises AuditIncomplete:
the gate fails loudly, it never caps silently.

Not modelled: the coupling of two items through the respondents beyond the published group
counts (each item is audited with the respondent bounds), and combinations across waves other
than published change columns (different respondents).
"""

from __future__ import annotations

import time
from collections import namedtuple
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from quality.disclosure import TOO_FEW, DisclosureConfig, default_config
from quality.interval_model import EPS, SEEDS, AuditIncomplete, IntervalModel, hull_count

ATOM_TYPES = ("kommune", "bydel")


@dataclass(frozen=True)
class Finding:
    wave: int
    edition: str
    quantity: str  # "respondents", or "<item>:<measure>" / "<item>:n_valid"
    unit_type: str
    unit_id: str
    kind: str
    interval: tuple[float, float]
    how: str

    def line(self) -> str:
        lo, hi = self.interval
        return (
            f"wave {self.wave} {self.edition} {self.quantity} {self.unit_type} {self.unit_id}: "
            f"{self.kind} [{lo:g}, {hi:g}] ({self.how})"
        )


@dataclass
class AuditResult:
    findings: list[Finding] = field(default_factory=list)
    quantities: int = 0
    solves: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.findings


# ---------------------------------------------------------------- reading the published tables


def memberships(units: pd.DataFrame) -> tuple[list[str], dict[tuple[str, str], frozenset[str]]]:
    """Atoms of a wave and which atoms every published group covers (from the units table)."""
    byd = units[units["unit_type"] == "bydel"]
    aggregated = set(byd["kommune_id"].dropna().astype(str))
    is_atom = (units["unit_type"] == "bydel") | (
        (units["unit_type"] == "kommune") & ~units["unit_id"].astype(str).isin(aggregated)
    )
    atoms = units[is_atom]
    ids = sorted(atoms["unit_id"].astype(str))
    out: dict[tuple[str, str], frozenset[str]] = {("national", "NO"): frozenset(ids)}
    for col, kind in (("rhf_id", "rhf"), ("county_id", "county"), ("size_class", "size_class")):
        for value, m in atoms.groupby(col):
            out[(kind, str(value))] = frozenset(m["unit_id"].astype(str))
    for utype, a in zip(
        atoms["unit_type"].tolist(), atoms["unit_id"].astype(str).tolist(), strict=True
    ):
        out[(str(utype), a)] = frozenset({a})
    for kid, m in byd.groupby("kommune_id"):
        out[("kommune", str(kid))] = frozenset(m["unit_id"].astype(str))
    for r in records(units[units["unit_type"] == "pool"]):
        out[("pool", str(r.unit_id))] = frozenset(str(r.member_units).split(","))
    return ids, out


def _display_bound(text: object) -> tuple[str, int] | None:
    """("eq"|"le"|"ge", value) from a respondent display text."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    s = str(text).strip()
    if s.isdigit():
        return "eq", int(s)
    parts = s.split()
    if len(parts) == 2 and parts[1].isdigit():
        if parts[0] == "under":
            return "le", int(parts[1]) - 1
        if parts[0] == "minst":
            return "ge", int(parts[1])
    return None


def records(frame: pd.DataFrame) -> list:
    """frame.itertuples(index=False) as a list, without boxing every Arrow-backed value one by
    one on the way (Series.tolist converts a column at once; the values are the same)."""
    row = namedtuple("Row", frame.columns, rename=True)  # type: ignore[misc]
    return list(map(row._make, zip(*(frame[c].tolist() for c in frame.columns), strict=True)))


def _fraction(x: float) -> Fraction:
    return Fraction(x).limit_denominator(1000)


@dataclass
class _Wave:
    wave: int
    edition: str
    atoms: list[str]
    members: dict[tuple[str, str], frozenset[str]]
    units: pd.DataFrame
    cells: pd.DataFrame
    dist: pd.DataFrame | None
    unit_bounds: list = field(default_factory=list)
    cells_by_item: dict = field(default_factory=dict)
    dist_by_item: dict = field(default_factory=dict)
    unit_rows: list = field(default_factory=list)

    def index(self) -> _Wave:
        """Split cells and shown distribution counts by item once (the units' rows come made,
        see _waves)."""
        for r in records(self.cells):
            self.cells_by_item.setdefault(r.indicator_id, []).append(r)
        if self.dist is not None and len(self.dist):
            d = self.dist[~self.dist["suppressed"].astype(bool)]
            for item, utype, uid, ans, n in zip(
                d["indicator_id"].tolist(), d["unit_type"].tolist(),
                d["unit_id"].astype(str).tolist(), d["answer"].astype(str).tolist(),
                d["n"].tolist(), strict=True,
            ):  # fmt: skip
                self.dist_by_item.setdefault(item, {}).setdefault((utype, uid), {})[ans] = n
        return self


class _Audit:
    def __init__(self, config: DisclosureConfig, catalogue: Any, seed: int = 8) -> None:
        self.cfg = config
        self.cat = catalogue
        self.need = config.audit_min_values
        self.rng = np.random.default_rng(seed)
        self.result = AuditResult()
        self.low_text, self.high_text = config.band_texts
        self.focus: tuple[str, str] | None = None

    def add(self, w: _Wave, quantity: str, key: tuple[str, str], kind: str, iv, how: str):
        self.result.findings.append(
            Finding(
                w.wave, w.edition, quantity, key[0], key[1], kind, (float(iv[0]), float(iv[1])), how
            )
        )

    # ------------------------------------------------------------ respondents
    def respondents(self, w: _Wave) -> dict[str, tuple[float, float]]:
        """Audit respondent counts; return every atom's integer interval (for the items)."""
        t = self.cfg.differencing_threshold
        known: dict[str, float] = {}
        rows: list = []  # (key, atoms, bound)
        w.unit_bounds = rows
        for r in w.unit_rows:
            key = (str(r.unit_type), str(r.unit_id))
            if key not in w.members:
                continue
            atoms = w.members[key]
            bound = None
            if pd.notna(r.n_respondents):
                bound = ("eq", int(r.n_respondents))
            else:
                bound = _display_bound(r.n_respondents_display)
            if bound is None and key[0] in ATOM_TYPES and len(atoms) == 1 and pd.isna(r.pool_id):
                bound = ("ge", t)  # a unit in no pool has its own figures: t or more
            rows.append((key, atoms, bound))
            if bound and bound[0] == "eq" and len(atoms) == 1:
                known[next(iter(atoms))] = float(bound[1])
        unknown = [a for a in w.atoms if a not in known]
        col = {a: i for i, a in enumerate(unknown)}
        total = max((b[1] for _, _, b in rows if b and b[0] == "eq"), default=10**7)
        model = IntervalModel(len(unknown), np.ones(len(unknown)), np.full(len(unknown), total),
                              self.cfg.audit_time_limit_seconds)  # fmt: skip
        for _, atoms, bound in rows:
            if bound is None:
                continue
            coefs = {col[a]: 1.0 for a in atoms if a in col}
            rhs = bound[1] - sum(known[a] for a in atoms if a in known)
            if not coefs:
                if bound[0] == "eq" and abs(rhs) > EPS:
                    raise AuditIncomplete(f"wave {w.wave}: respondent counts do not add up")
                continue
            if bound[0] == "eq":
                model.add_eq(coefs, rhs)
            elif bound[0] == "le":
                model.add_le(coefs, rhs)
            else:
                model.add_le({j: -c for j, c in coefs.items()}, -rhs)
        model.seed(self.rng)
        intervals = {a: (v, v) for a, v in known.items()}
        for a in unknown:
            iv = model.interval({col[a]: 1.0}, 0.0, 2)
            intervals[a] = (iv[0], iv[1]) if hull_count(*iv) == 1 else (1.0, 0.0)
        upper = {a: v for a, v in known.items()}
        for a in unknown:
            upper[a] = model.lp_max({col[a]: 1.0}, 0.0)
            if hull_count(*intervals[a]) != 1:
                intervals[a] = (1.0, upper[a])  # not pinned; a sound outer range
        for key, atoms, bound in rows:
            coefs = {col[a]: 1.0 for a in atoms if a in col}
            const = sum(known[a] for a in atoms if a in known)
            self.result.quantities += 1
            if bound is not None and bound[0] == "eq":
                self._residual_respondents(w, key, atoms, bound[1], intervals, rows)
            elif bound is not None and bound[0] == "le":
                iv = model.interval(coefs, const, self.need)
                if hull_count(*iv) < self.need:
                    self.add(w, "respondents", key, "small_group_pinned", iv, "interval")
            else:  # hidden ("skjult", "minst N"): pinned to a small count is a leak
                iv = model.interval(coefs, const, 2)
                if hull_count(*iv) == 1 and 1 <= iv[0] < t:
                    self.add(w, "respondents", key, "hidden_group_pinned", iv, "subtraction")
        self.result.solves += model.solves
        return upper

    def _residual_respondents(self, w, key, atoms, value, intervals, rows) -> None:
        t = self.cfg.differencing_threshold
        pinned = {a for a in atoms if hull_count(*intervals[a]) == 1}
        rest = frozenset(atoms - pinned)
        if len(rest) < 2 or any(rest == r[1] for r in rows if r[2] and r[2][0] == "eq"):
            return
        v = value - sum(intervals[a][0] for a in pinned)
        if 1 <= v < t:
            self.add(w, "respondents", key, "residual_group", (v, v),
                     "figure minus its known members: " + ",".join(sorted(rest)))  # fmt: skip

    # ------------------------------------------------------------ items
    def item(self, w: _Wave, item: str, r_iv: dict[str, tuple[float, float]]) -> None:
        inds = [i for i in self.cat.by_item(item)]
        answers = list(inds[0].answers)
        valid = {str(c) for c in inds[0].valid_codes}
        positive = {i.measure: {str(c) for c in i.positive_codes} for i in inds}
        cells = w.cells_by_item.get(item, [])
        measures = [m for m in positive if m in {r.measure for r in cells}]
        dist = w.dist_by_item.get(item, {})
        known: dict[str, np.ndarray] = {}
        for (utype, uid), n in dist.items():
            if utype in ATOM_TYPES and uid in r_iv:
                known[uid] = np.array([float(n.get(k, 0) or 0) for k in answers])
        unknown = [a for a in w.atoms if a not in known]
        col = {(a, k): i * len(answers) + j for i, a in enumerate(unknown)
               for j, k in enumerate(answers)}  # fmt: skip
        n = len(col)
        ub = np.repeat([r_iv[a] for a in unknown], len(answers)) if unknown else np.zeros(0)
        model = IntervalModel(n, np.zeros(n), ub, self.cfg.audit_time_limit_seconds)

        # per answer selection: its answer positions and each known atom's count in it (made
        # once: a national figure's expression runs over every atom, for every selection)
        selections: dict[frozenset[str] | None, tuple[list[int], dict[str, float]]] = {}

        def expr(atoms: Iterable[str], cats: set[str] | None) -> tuple[dict[int, float], float]:
            chosen = None if cats is None else frozenset(cats)
            if chosen not in selections:
                sel = [j for j, k in enumerate(answers) if chosen is None or k in chosen]
                selections[chosen] = sel, {a: float(v[sel].sum()) for a, v in known.items()}
            sel, known_sums = selections[chosen]
            coefs: dict[int, float] = {}
            const = 0.0
            for a in atoms:
                if a in known_sums:
                    const += known_sums[a]
                elif a in r_iv:
                    for j in sel:
                        coefs[col[(a, answers[j])]] = 1.0
            return coefs, const

        def eq(coefs, const, value, what):
            if coefs:
                model.add_eq(coefs, value - const)
            elif abs(value - const) > EPS:
                raise AuditIncomplete(f"wave {w.wave} {item}: {what} does not add up")

        lo_b, hi_b = _fraction(self.cfg.band_low), _fraction(self.cfg.band_high)
        by_key: dict[tuple[str, str], dict] = {}
        for r in cells:
            key = (str(r.unit_type), str(r.unit_id))
            if key not in w.members:
                continue
            atoms = w.members[key]
            by_key.setdefault(key, {})[r.measure] = r
            v_c, v_k = expr(atoms, valid)
            if pd.notna(r.n_valid):
                eq(v_c, v_k, float(r.n_valid), "n_valid")
            p_c, p_k = expr(atoms, positive[r.measure])
            if pd.notna(r.n_positive):
                eq(p_c, p_k, float(r.n_positive), "n_positive")
            elif r.display in (self.low_text, self.high_text):
                frac, sign = (lo_b, 1.0) if r.display == self.low_text else (hi_b, -1.0)
                q, p = frac.denominator, frac.numerator
                coefs = {j: sign * q * c for j, c in p_c.items()}
                for j, c in v_c.items():
                    coefs[j] = coefs.get(j, 0.0) - sign * p * c
                rhs = -1.0 - sign * (q * p_k - p * v_k)
                model.add_le(coefs, rhs)
        # answers of those asked ≤ respondents, per published group and per atom
        for _key, atoms, b in w.unit_bounds:
            if b and b[0] in ("eq", "le"):
                coefs, const = expr(atoms, None)
                if coefs:
                    model.add_le(coefs, b[1] - const)
        for key, n in sorted(dist.items()):
            if key not in w.members or (key[0] in ATOM_TYPES and len(w.members[key]) == 1):
                continue
            for ans, value in n.items():
                c, k = expr(w.members[key], {ans})
                eq(c, k, float(value), f"distribution {ans}")
        # A focused audit (the repair loop's "does this complement help?") checks a handful of
        # quantities: its LPs are cheaper than eight seeding ones. Seeds only prove variation
        # early; every narrow interval is computed exactly either way, so findings do not change.
        model.seed(self.rng, 0 if self.focus is not None else SEEDS)
        self._item_checks(w, item, model, expr, by_key, measures, positive, valid, known, r_iv)
        self.result.solves += model.solves

    def _item_checks(self, w, item, model, expr, by_key, measures, positive, valid, known, r_iv):
        cfg, need = self.cfg, self.need
        pooled = {
            str(r.unit_id)
            for r in w.unit_rows
            if r.unit_type in ATOM_TYPES and _display_bound(r.n_respondents_display)
            and _display_bound(r.n_respondents_display)[0] == "le"
        }  # fmt: skip
        focus = self.focus

        def extreme_parent(atoms: frozenset, m: str, iv, nv) -> bool:
            """The pin only restates a rule-compliant published 0 % or 100 % above it."""
            if hull_count(*iv) != 1:
                return False
            for key, rows in by_key.items():
                r = rows.get(m)
                if r is None or pd.isna(r.n_positive) or not atoms <= w.members[key]:
                    continue
                if r.n_valid >= cfg.band_max_valid and (
                    (r.n_positive == 0 and iv[0] == 0)
                    or (r.n_positive == r.n_valid and nv is not None and iv[0] == nv)
                ):
                    return True
            return False

        for a in sorted(pooled):
            if focus is not None and focus != ("pooled", a):
                continue
            if a in known:
                self.add(w, f"{item}:distribution", ("unit", a), "pooled_unit_shown", (0, 0),
                         "direct")  # fmt: skip
                continue
            for m in measures:
                iv = model.interval(*expr([a], positive[m]), need)
                self.result.quantities += 1
                if hull_count(*iv) < need and not extreme_parent(frozenset({a}), m, iv, None):
                    if model.exact(*expr([a], valid))[1] < 1:
                        continue  # no valid answer at all: nothing to reveal
                    self.add(w, f"{item}:{m}", ("pooled", a), "small_group_answer", iv, "interval")
        exact_single = {
            m: {
                next(iter(w.members[k])): rows[m]
                for k, rows in by_key.items()
                if len(w.members[k]) == 1 and m in rows and pd.notna(rows[m].n_positive)
            }
            for m in measures
        }
        shown_sets = {
            m: {w.members[k] for k, rows in by_key.items()
                if m in rows and pd.notna(rows[m].n_positive)}
            for m in measures
        }  # fmt: skip
        for key, rows in sorted(by_key.items()):
            if focus is not None and focus != key:
                continue
            atoms = w.members[key]
            for m, r in sorted(rows.items()):
                q = f"{item}:{m}"
                if pd.notna(r.n_positive):
                    self._residual_cell(w, q, key, r, atoms, exact_single[m], shown_sets[m])
                    continue
                self.result.quantities += 1
                pos_e = expr(atoms, positive[m])
                sensitive = r.display in (self.low_text, self.high_text, TOO_FEW) or (
                    pd.notna(r.n_valid) and r.n_valid < cfg.item_threshold
                )
                if sensitive:
                    iv = model.interval(*pos_e, need)
                    nv = float(r.n_valid) if pd.notna(r.n_valid) else None
                    if nv == 0:
                        continue  # no valid answers: nothing to reveal
                    if hull_count(*iv) < need and not extreme_parent(atoms, m, iv, nv):
                        self.add(w, q, key, "sensitive_cell_pinned", iv, str(r.display))
                    continue
                restated = lambda iv, a=atoms, m=m: extreme_parent(a, m, iv, None)  # noqa: E731
                self._hidden_cell(w, q, key, model, pos_e, expr(atoms, valid), restated)

    def _hidden_cell(self, w, q, key, model, pos_e, val_e, restated) -> None:
        """A hidden figure: leak if its positives (or negatives) are pinned in a small group."""
        cfg = self.cfg
        neg_c = dict(val_e[0])
        for j, c in pos_e[0].items():
            neg_c[j] = neg_c.get(j, 0.0) - c
        neg_e = ({j: c for j, c in neg_c.items() if c}, val_e[1] - pos_e[1])
        for what, e in (("positive", pos_e), ("other", neg_e)):
            iv = model.interval(*e, 2)
            if hull_count(*iv) > 1:
                continue
            nv = model.exact(*val_e)
            small = nv[0] >= 1 and nv[1] < cfg.item_threshold
            extreme = iv[0] == 0 and 1 <= nv[0] < cfg.band_max_valid
            if what == "positive" and restated(iv):
                small = extreme = False
            if small or extreme:
                self.add(w, q, key, "hidden_cell_pinned", iv, f"{what} pinned, n_valid in {nv}")
                return

    def _residual_cell(self, w, q, key, r, atoms, exact_single, shown_sets) -> None:
        """A shown figure minus its exactly shown members: the rest is a derived group."""
        cfg = self.cfg
        rest = frozenset(a for a in atoms if a not in exact_single)
        if len(rest) < 2 or rest in shown_sets:
            return
        done = [a for a in atoms if a in exact_single]
        nv = float(r.n_valid) - sum(float(exact_single[a].n_valid) for a in done)
        npos = float(r.n_positive) - sum(float(exact_single[a].n_positive) for a in done)
        restates = r.n_valid >= cfg.band_max_valid and r.n_positive in (0, r.n_valid)
        if restates:
            return  # every member of a published 0 %/100 % figure is 0 %/100 %: the rules allow it
        if nv >= 1 and (nv < cfg.item_threshold or (nv < cfg.band_max_valid and npos in (0, nv))):
            self.add(w, q, key, "residual_cell", (npos, npos),
                     f"n_valid {nv:g} of " + ",".join(sorted(rest)))  # fmt: skip

    # ------------------------------------------------------------ editions and change columns
    def editions(self, new: _Wave, old: _Wave) -> None:
        t = self.cfg.differencing_threshold
        late = set(new.atoms) - set(old.atoms)
        new_single = self._exact_units(new)

        def figures(w: _Wave) -> dict[tuple, tuple[frozenset, tuple[float, ...]]]:
            out: dict[tuple, tuple[frozenset, tuple[float, ...]]] = {}
            for r in w.unit_rows:
                key = (str(r.unit_type), str(r.unit_id))
                if key in w.members and pd.notna(r.n_respondents):
                    out[("respondents", *key)] = (w.members[key], (float(r.n_respondents),))
            shown = w.cells[w.cells["n_positive"].notna() & w.cells["n_valid"].notna()]
            for r in records(shown):
                key = (str(r.unit_type), str(r.unit_id))
                if key in w.members:
                    out[(f"{r.indicator_id}:{r.measure}", *key)] = (
                        w.members[key], (float(r.n_valid), float(r.n_positive)))  # fmt: skip
            return out

        fn, fo = figures(new), figures(old)
        for fkey in sorted(fn.keys() & fo.keys()):
            (an, vn), (ao, vo) = fn[fkey], fo[fkey]
            d = tuple(x - y for x, y in zip(vn, vo, strict=True))
            if not any(abs(x) > EPS for x in d) or abs(d[0]) >= t:
                continue
            added = an - ao
            own = all(
                fkey[0] == "respondents" or any((fkey[0], t_, a) in fn for t_ in ATOM_TYPES)
                for a in added
            )
            if added and added <= late and added <= new_single and own and not (ao - an):
                continue  # the change is late units whose own figures are published anyway
            if len(an) == 1 and next(iter(an)) in late:
                continue
            self.add(new, fkey[0], (fkey[1], fkey[2]), "edition_change", (d[0], d[0]),
                     f"against {old.edition}: change {d}")  # fmt: skip

    def _exact_units(self, w: _Wave) -> set[str]:
        u = w.units[w.units["unit_type"].isin(ATOM_TYPES) & w.units["n_respondents"].notna()]
        return set(u["unit_id"].astype(str))

    def change_columns(self, cells: pd.DataFrame) -> None:
        """A published change against a previous figure that is withheld reveals it."""
        keys = ["unit_type", "unit_id", "indicator_id", "measure"]
        c = cells.sort_values([*keys, "wave"], kind="stable")
        prev_hidden = c.groupby(keys, sort=False)["share"].shift(1).isna()
        prev_wave = c.groupby(keys, sort=False)["wave"].shift(1)
        bad = c[c["change_vs_previous"].notna() & prev_hidden & prev_wave.notna()]
        for r, pw in zip(bad.itertuples(index=False), prev_wave[bad.index], strict=True):
            self.result.findings.append(
                Finding(int(r.wave), str(r.edition), f"{r.indicator_id}:{r.measure}",
                        str(r.unit_type), str(r.unit_id), "change_vs_withheld", (0.0, 0.0),
                        f"share minus change gives the withheld {int(pw)} figure")
            )  # fmt: skip


def _waves(cells, units, dist, cache: dict | None = None) -> list[_Wave]:
    out = []
    for (wave, edition), c in cells.groupby(["wave", "edition"], sort=True):
        mk = ("units", int(wave), str(edition))  # the wave's units: rows and memberships
        if cache is not None and mk in cache:
            u, unit_rows, atoms, members = cache[mk]
        else:
            u = units[units["wave"].astype(int) == int(wave)]
            if "edition" in u.columns:
                u = u[u["edition"].astype(str) == str(edition)]
            unit_rows = records(u)
            atoms, members = memberships(u)
            if cache is not None:
                cache[mk] = (u, unit_rows, atoms, members)
        d = None
        if dist is not None:
            d = dist[dist["wave"].astype(int) == int(wave)]
            if "edition" in d.columns:
                d = d[d["edition"].astype(str) == str(edition)]
        wave_tables = _Wave(int(wave), str(edition), atoms, members, u, c, d, unit_rows=unit_rows)
        out.append(wave_tables.index())
    return out


def audit(
    cells: pd.DataFrame,
    units: pd.DataFrame,
    distribution: pd.DataFrame | None = None,
    config: DisclosureConfig | None = None,
    *,
    earlier: Sequence[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]] = (),
    catalogue: Any = None,
    items: Iterable[str] | None = None,
    change_columns: bool = True,
    respondents_cache: dict | None = None,
    focus: tuple[str, str] | None = None,
) -> AuditResult:
    """Audit published tables (and earlier editions: (cells, units, distribution) triples).

    respondents_cache: a dict kept between calls on the same units table (the protection's
    repair loop); the respondent audit then runs once per wave and edition. focus: check only
    the figure (unit_type, unit_id) of the items (("pooled", unit) for a pooled unit).
    """
    start = time.perf_counter()
    cfg = config or default_config()
    if catalogue is None:
        from schemas.indicator_catalogue import load_catalogue

        catalogue = load_catalogue()
    a = _Audit(cfg, catalogue)
    a.focus = focus
    only = set(items) if items is not None else None
    for w in _waves(cells, units, distribution, respondents_cache):
        ck = (w.wave, w.edition)
        if respondents_cache is not None and ck in respondents_cache:
            r_iv, w.unit_bounds = respondents_cache[ck]
        else:
            r_iv = a.respondents(w)
            if respondents_cache is not None:
                respondents_cache[ck] = (r_iv, w.unit_bounds)
        for item in sorted(set(w.cells["indicator_id"])):
            if only is None or item in only:
                a.item(w, item, r_iv)
        for old_cells, old_units, old_dist in earlier:
            for old in _waves(old_cells[old_cells["wave"].astype(int) == w.wave], old_units,
                              old_dist):  # fmt: skip
                if old.edition != w.edition:
                    a.editions(w, old)
    if change_columns:
        a.change_columns(cells)
    a.result.seconds = time.perf_counter() - start
    return a.result
