"""The interval audit (disclosure_attack gate): one planted attack per class, and brute force.

Every table here is built from true counts by `publish` below, the way the published tables
look (cells, units, answer distribution), so each test corrupts an input (what is shown) and
sees the gate fail; the control tables pass.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from quality.disclosure import default_config
from quality.gates import disclosure_gate
from quality.interval_audit import AuditIncomplete, audit
from quality.interval_model import IntervalModel, hull_count

CFG = default_config()
ITEM = "overall_satisfied"  # degree item: answers 1–5 valid, 4–5 positive
LOW, HIGH = CFG.band_texts


def answers(pos: int, neg: int, other: int = 0) -> dict[str, int]:
    """A degree-item distribution with `pos` positive (5), `neg` other valid (1), `other` blank."""
    return {"5": pos, "1": neg, "ubesvart": other}


@dataclass
class Atom:
    unit_id: str
    county: str
    counts: dict[str, int]
    respondents: int
    pool: str | None = None


def publish(
    atoms: list[Atom], modes: dict[str, str], wave: int = 2023, edition: str = "final",
    item: str = ITEM, positive=("4", "5"), valid=("1", "2", "3", "4", "5"),
    all_answers=("1", "2", "3", "4", "5", "vet_ikke", "ikke_aktuelt", "ubesvart"),
    respondents_hidden: set[str] = frozenset(), threshold: int = CFG.unit_threshold,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Published tables of national, counties, pools and atoms; modes[unit_id]: how the cell is
    shown ("exact", "low"/"high" band, "few" = for få svar, "hidden"); default exact."""
    groups: dict[tuple[str, str], list[Atom]] = {("national", "NO"): atoms}
    for a in atoms:
        groups.setdefault(("county", a.county), []).append(a)
        if a.pool:
            groups.setdefault(("pool", a.pool), []).append(a)
        else:
            groups[("kommune", a.unit_id)] = [a]
    cells, units, dist = [], [], []
    for (utype, uid), members in groups.items():
        r = sum(m.respondents for m in members)
        total = {k: sum(m.counts.get(k, 0) for m in members) for k in all_answers}
        nv = sum(total[k] for k in valid)
        npos = sum(total[k] for k in positive)
        mode = modes.get(uid, "exact")
        share = npos / nv if nv else None
        if (mode == "low" and not (share is not None and share < CFG.band_low)) or (
            mode == "high" and not (share is not None and share > CFG.band_high)
        ):
            mode = "hidden"  # a band is only ever shown where it is true
        hide_r = uid in respondents_hidden
        units.append(
            dict(wave=wave, edition=edition, unit_type=utype, unit_id=uid, kommune_id=None,
                 county_id=members[0].county if utype != "national" else None, rhf_id="HV",
                 size_class="s1", n_respondents=None if hide_r else r,
                 n_respondents_display="skjult" if hide_r else str(r), pool_id=None,
                 member_units=",".join(m.unit_id for m in members) if utype == "pool" else None)
        )  # fmt: skip
        shown = mode == "exact"
        display = {"low": LOW, "high": HIGH, "few": "for få svar", "hidden": "skjult"}.get(mode)
        cells.append(
            dict(wave=wave, edition=edition, unit_type=utype, unit_id=uid, indicator_id=item,
                 measure="share_positive", n_respondents=None if hide_r else r,
                 n_valid=None if hide_r else nv, n_positive=npos if shown else None,
                 share=npos / nv if shown and nv else None, display=display,
                 suppression_reason=None if shown else mode, change_vs_previous=None)
        )  # fmt: skip
        for k in all_answers:
            dist.append(
                dict(wave=wave, edition=edition, unit_type=utype, unit_id=uid, indicator_id=item,
                     answer=k, n=total[k] if shown else None, suppressed=not shown)
            )  # fmt: skip
    for a in atoms:  # pooled units: a units row with "under 10", no cells
        if a.pool:
            units.append(
                dict(wave=wave, edition=edition, unit_type="kommune", unit_id=a.unit_id,
                     kommune_id=None, county_id=a.county, rhf_id="HV", size_class="s1",
                     n_respondents=None, n_respondents_display=f"under {threshold}",
                     pool_id=a.pool, member_units=None)
            )  # fmt: skip
    c = pd.DataFrame(cells)
    c["n_respondents"] = c["n_respondents"].astype("Int64")
    c["n_valid"] = c["n_valid"].astype("Int64")
    c["n_positive"] = c["n_positive"].astype("Int64")
    c["share"] = c["share"].astype(float)
    c["change_vs_previous"] = c["change_vs_previous"].astype(float)
    u = pd.DataFrame(units)
    u["n_respondents"] = u["n_respondents"].astype("Int64")
    d = pd.DataFrame(dist)
    d["n"] = d["n"].astype("Int64")
    return c, u, d


def three_units(b_pos: int = 0, b_neg: int = 10) -> list[Atom]:
    return [
        Atom("4601", "46", answers(10, 15), 30),
        Atom("4602", "46", answers(b_pos, b_neg), 12),
        Atom("4603", "46", answers(1, 10), 12),
        Atom("5001", "50", answers(12, 14), 30),
    ]


def test_a_safe_table_passes() -> None:
    # 4602 "under 10 %" at n 10+1: admits 0 or 1 positive; nothing pins it
    atoms = three_units(b_pos=0, b_neg=11)
    cells, units, dist = publish(atoms, {"4602": "low", "4603": "hidden"})
    gate = disclosure_gate(cells, units, distribution=dist)
    assert gate.passed, gate.details


def test_a_band_at_small_n_pins_the_value() -> None:
    atoms = three_units(b_pos=0, b_neg=10)  # "under 10 %" at n = 10 can only be 0
    cells, units, dist = publish(atoms, {"4602": "low", "4603": "hidden"})
    gate = disclosure_gate(cells, units, distribution=dist)
    assert not gate.passed and any("sensitive_cell_pinned" in d for d in gate.details)


def test_subtraction_with_non_negativity_pins_banded_members() -> None:
    # county − 4601 leaves 1 positive over 4602 and 4603... make it 0: both are forced to 0
    atoms = three_units(b_pos=0, b_neg=11)
    atoms[2] = Atom("4603", "46", answers(0, 11), 12)
    cells, units, dist = publish(atoms, {"4602": "low", "4603": "low"})
    gate = disclosure_gate(cells, units, distribution=dist)
    assert not gate.passed
    assert any("4602" in d and "sensitive_cell_pinned" in d for d in gate.details)
    # the same bands with the positives spread (1 between them) leave each 0 or 1: safe
    atoms[2] = Atom("4603", "46", answers(1, 10), 12)
    cells, units, dist = publish(atoms, {"4602": "low", "4603": "low"})
    assert disclosure_gate(cells, units, distribution=dist).passed


def test_a_pool_band_forces_its_hidden_members() -> None:
    atoms = [
        Atom("4601", "46", answers(10, 15), 30),
        Atom("4611", "46", answers(0, 5), 5, pool="pool-2023-s1-HV"),
        Atom("4612", "46", answers(0, 5), 6, pool="pool-2023-s1-HV"),
        Atom("5001", "50", answers(12, 14), 30),
    ]
    # pool "under 10 %" at n = 10: 0 positives, so every member is 0 %
    cells, units, dist = publish(atoms, {"pool-2023-s1-HV": "low", "46": "hidden"})
    gate = disclosure_gate(cells, units, distribution=dist)
    assert not gate.passed and any("small_group_answer" in d for d in gate.details)


def test_a_too_few_answers_cell_derived_by_subtraction() -> None:
    atoms = three_units()
    atoms[1] = Atom("4602", "46", answers(2, 1), 12)  # 3 valid answers: "for få svar"
    cells, units, dist = publish(atoms, {"4602": "few"})
    gate = disclosure_gate(cells, units, distribution=dist)
    assert not gate.passed and any("4602" in d for d in gate.details)
    # hiding a sibling protects it (4602 ∈ 0..3 with 4603 hidden)
    cells, units, dist = publish(atoms, {"4602": "few", "4603": "hidden"})
    assert disclosure_gate(cells, units, distribution=dist).passed


def test_an_edition_difference_reveals_a_small_change() -> None:
    atoms = three_units(b_pos=3, b_neg=9)
    old = publish(atoms, {}, edition="preliminary")
    atoms[0] = Atom("4601", "46", answers(11, 16), 32)  # a correction adds two respondents
    new = publish(atoms, {}, edition="final")

    @dataclass
    class Edition:
        cells: pd.DataFrame
        units: pd.DataFrame
        distribution: pd.DataFrame

    gate = disclosure_gate(new[0], new[1], distribution=new[2], earlier_editions=[Edition(*old)])
    assert not gate.passed and any("edition_change" in d for d in gate.details)
    assert disclosure_gate(new[0], new[1], distribution=new[2]).passed
    # the older keyword form gives the same verdict
    legacy = disclosure_gate(new[0], new[1], distribution=new[2], previous_editions=old[0],
                             previous_units=old[1])  # fmt: skip
    assert not legacy.passed


def test_a_late_unit_excuses_an_edition_change_only_where_its_own_figure_is_shown() -> None:
    """A late unit of 12 respondents of whom only 3 answered: new national minus old national is
    its answer. Excused where the unit's own figure shows it anyway, a leak where that figure
    says "for få svar" (5001 and county 50 are withheld, so only the editions give it away)."""
    atoms = three_units(b_pos=3, b_neg=9)
    hidden = {"5001": "hidden", "50": "hidden"}
    old = publish(atoms, {}, edition="preliminary")
    atoms.append(Atom("5002", "50", answers(2, 1, 9), 12))

    @dataclass
    class Edition:
        cells: pd.DataFrame
        units: pd.DataFrame
        distribution: pd.DataFrame

    shown = publish(atoms, hidden, edition="final")
    gate = disclosure_gate(shown[0], shown[1], distribution=shown[2],
                           earlier_editions=[Edition(*old)])  # fmt: skip
    assert not any("edition_change" in d for d in gate.details), gate.details
    few = publish(atoms, hidden | {"5002": "few"}, edition="final")
    assert not any(
        "edition_change" in d for d in disclosure_gate(few[0], few[1], distribution=few[2]).details
    )
    gate = disclosure_gate(few[0], few[1], distribution=few[2], earlier_editions=[Edition(*old)])
    assert not gate.passed and any("edition_change" in d and "NO" in d for d in gate.details)


def test_a_change_column_against_a_withheld_figure() -> None:
    atoms = three_units(b_pos=3, b_neg=9)
    c1, u1, d1 = publish(atoms, {"4603": "hidden", "4602": "hidden"}, wave=2021)
    c2, u2, d2 = publish(atoms, {}, wave=2023)
    cells = pd.concat([c1, c2], ignore_index=True)
    units, dist = pd.concat([u1, u2]), pd.concat([d1, d2])
    assert disclosure_gate(cells, units, distribution=dist).passed
    cells.loc[(cells["wave"] == 2023) & (cells["unit_id"] == "4602"), "change_vs_previous"] = 0.05
    gate = disclosure_gate(cells, units, distribution=dist)
    assert not gate.passed and any("change_vs_withheld" in d for d in gate.details)


def test_an_inconsistent_table_fails_loudly() -> None:
    cells, units, dist = publish(three_units(), {})
    cells.loc[cells["unit_id"] == "4601", "n_valid"] = 999  # parent ≠ sum of children
    gate = disclosure_gate(cells, units, distribution=dist)
    assert not gate.passed and "could not finish" in gate.summary
    with pytest.raises(AuditIncomplete):
        audit(cells, units, dist)


def test_interval_model_is_integer_sound() -> None:
    # 2x = 1 has no integer solution close to ... use x + y = 1, x, y ≥ 0, 2x ≤ 1: x ∈ {0} only
    m = IntervalModel(2, np.zeros(2), np.full(2, 5.0), 10)
    m.add_eq({0: 1.0, 1: 1.0}, 1)
    m.add_le({0: 2.0}, 1)
    lo, hi = m.exact({0: 1.0}, 0.0)
    assert (lo, hi) == (0, 0) and hull_count(lo, hi) == 1  # the LP says [0, 0.5]


# ------------------------------------------------------------------ brute force


class _Ind:
    def __init__(self) -> None:
        self.answers = ("ja", "nei")
        self.valid_codes = ("ja", "nei")
        self.positive_codes = ("ja",)
        self.measure = "share_positive"


class _Catalogue:
    def by_item(self, item: str):
        return (_Ind(),)


SMALL = CFG.replace(unit_threshold=4, differencing_threshold=4, pool_min_respondents=4)


def _feasible_values(atoms, cells, units) -> dict[tuple[str, str], set[int]]:
    """Every integer table consistent with what is shown: the positives of each figure."""
    c = cells.set_index(["unit_type", "unit_id"])
    u = units.set_index(["unit_type", "unit_id"])
    ids = [a.unit_id for a in atoms]
    members: dict[tuple[str, str], list[str]] = {("national", "NO"): ids}
    for a in atoms:
        members.setdefault(("county", a.county), []).append(a.unit_id)
        members.setdefault(("pool", a.pool) if a.pool else ("kommune", a.unit_id), []).append(
            a.unit_id
        )
    options = []
    for a in atoms:
        rs = range(1, SMALL.unit_threshold) if a.pool else [a.respondents]
        options.append([(j, n, r) for r in rs for j in range(r + 1) for n in range(r + 1 - j)])
    values: dict[tuple[str, str], set[int]] = {k: set() for k in members}
    values |= {("atom", a): set() for a in ids}
    for combo in itertools.product(*options):
        x = dict(zip(ids, combo, strict=True))
        ok = True
        for key, ms in members.items():
            r = sum(x[m][2] for m in ms)
            j = sum(x[m][0] for m in ms)
            nv = j + sum(x[m][1] for m in ms)
            row, urow = c.loc[key], u.loc[key]
            ok = (
                (pd.isna(urow["n_respondents"]) or r == urow["n_respondents"])
                and (pd.isna(row["n_valid"]) or nv == row["n_valid"])
                and (pd.isna(row["n_positive"]) or j == row["n_positive"])
                and (row["display"] != LOW or 10 * j < nv)
                and (row["display"] != HIGH or 10 * j > 9 * nv)
            )
            if not ok:
                break
        if ok:
            for key, ms in members.items():
                values[key].add(sum(x[m][0] for m in ms))
            for a in ids:
                values[("atom", a)].add(x[a][0])
    return values


@pytest.mark.parametrize("seed", range(12))
def test_what_the_audit_calls_safe_has_two_feasible_values(seed: int) -> None:
    rng = np.random.default_rng(seed)
    atoms = []
    for i in range(3):
        pooled = i > 0 and rng.random() < 0.6
        r = int(rng.integers(1, SMALL.unit_threshold)) if pooled else int(rng.integers(4, 7))
        j = int(rng.integers(0, r + 1))
        n = int(rng.integers(0, r - j + 1))
        atoms.append(Atom(f"46{i:02d}", "46" if i < 2 else "50", {"ja": j, "nei": n}, r,
                          pool="pool-x" if pooled else None))  # fmt: skip
    pooled = [a for a in atoms if a.pool]
    if len(pooled) == 1:
        pooled[0].pool = None
    keys = ["NO", "46", "50", "pool-x", *(a.unit_id for a in atoms)]
    modes = {k: str(rng.choice(["exact", "exact", "low", "high", "hidden", "few"])) for k in keys}
    modes["NO"] = "exact"
    if not any(a.pool for a in atoms):
        modes["46"] = "few"
    cells, units, dist = publish(
        atoms, modes, item="x", positive=("ja",), valid=("ja", "nei"), all_answers=("ja", "nei"),
        threshold=SMALL.unit_threshold,
    )  # fmt: skip
    feasible = _feasible_values(atoms, cells, units)
    if not all(feasible.values()):
        pytest.fail(f"seed {seed}: the planted table is inconsistent")  # generator bug
    found = audit(cells, units, dist, SMALL, catalogue=_Catalogue(), change_columns=False)
    flagged = {(f.unit_type, f.unit_id) for f in found.findings}
    checked = 0
    for r in cells.itertuples():
        if r.display in (LOW, HIGH, "for få svar") and (r.unit_type, r.unit_id) not in flagged:
            assert len(feasible[(r.unit_type, r.unit_id)]) >= 2, (seed, r.unit_id)
            checked += 1
    for a in atoms:
        if a.pool and ("pooled", a.unit_id) not in flagged:
            assert len(feasible[("atom", a.unit_id)]) >= 2, (seed, a.unit_id)
            checked += 1
    assert checked + len(found.findings) > 0  # every table has a sensitive quantity


def test_the_protected_publication_passes_and_unprotected_fails() -> None:
    from fixtures_harmonized import make_harmonized

    from assets.indicators.cells import build_publication

    h = make_harmonized()
    pub = build_publication(h)
    gate = disclosure_gate(pub.cells, pub.units, distribution=pub.distribution)
    assert gate.passed, gate.details[:5]
    assert (
        not pub.cells.loc[pub.cells["unit_type"] == "national", "suppression_reason"]
        .fillna("")
        .str.startswith("secondary")
        .any()
    )  # the national figure is never a complement
    off = build_publication(h, config=CFG.replace(secondary_protection=False))
    assert not disclosure_gate(off.cells, off.units, distribution=off.distribution).passed
