"""Secondary protection: hide more figures until no small group is derivable (pure).

Works on one count type at a time (respondents, or (n_valid, n_positive) of one indicator) for
one wave. `protect` repeatedly audits the shown figures with quality.linear_audit against the
true counts, takes the first finding, and hides the cheapest candidate figure (`cost`: weight
of its kind × its size; the national figure is never a candidate) whose hiding makes that
finding underivable. Every hidden figure is returned with the finding it prevents and its cost.
Deterministic: same input, same decisions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from quality.linear_audit import Finding, Row, Values, build_system, derivable_without
from quality.linear_audit import small_changes as find_changes
from quality.linear_audit import small_groups as find_groups

# Cost weights per kind (× respondents for whole groups, × valid answers for cells). Counties,
# pools and single items are cheap; RHF, size class, Oslo's municipal figure and every unit
# with its own figures (≥ 10 respondents) are dear; the national figure is never hidden.
GROUP_COST = {"county": 1.0, "pool": 1.0, "kommune": 10.0, "bydel": 10.0}
GROUP_COST |= {"rhf": 20.0, "size_class": 20.0, "oslo": 40.0}
CELL_COST = {"county": 1.0, "pool": 1.0, "kommune": 2.0, "bydel": 2.0}
CELL_COST |= {"rhf": 20.0, "size_class": 20.0, "oslo": 20.0}
NEVER = ("national",)
UNIT_KINDS = ("kommune", "bydel")
CHEAP_KINDS = ("county", "pool")
MAX_TESTS = 60


class DisclosureError(RuntimeError):
    """A small group cannot be protected without hiding the national figure."""


@dataclass
class Figure:
    """One figure of the new edition: key, member atoms, true counts, whether it is shown."""

    key: tuple[str, str]
    atoms: frozenset[str]
    value: Values
    shown: bool
    kind: str  # unit_type, or "oslo" for a kommune that aggregates bydeler
    size: float  # respondents or valid answers (hide the smallest first)


@dataclass
class Previous:
    """An earlier edition of the same wave: its shown figures and the atoms it did not have."""

    name: str
    rows: dict[tuple[str, str], Values]
    absent: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Rules:
    is_small: Callable[[Values], bool]
    bound: float
    is_small_change: Callable[[Values], bool]


@dataclass(frozen=True)
class Decision:
    key: tuple[str, str]
    revision: bool
    finding: Finding
    cost: float = 0.0


def _changed(figures: list[Figure], prev: Previous) -> set[str]:
    """Atoms whose data differ between the editions (unchanged: inside an equal figure)."""
    atoms = set().union(*(f.atoms for f in figures))
    unchanged: set[str] = set()
    changed: set[str] = set(prev.absent)
    for f in figures:
        old = prev.rows.get(f.key)
        if old is None:
            continue
        if _same(old, f.value):
            unchanged |= f.atoms
        elif len(f.atoms) == 1:
            changed |= f.atoms
    return changed | (atoms - unchanged)


def _rows(figures: list[Figure], prev: Previous | None) -> list[Row]:
    rows = [Row("new", f.key, f.atoms, f.value) for f in figures if f.shown]
    if prev is not None:
        members = {f.key: f.atoms for f in figures}
        k = len(figures[0].value)
        rows += [Row("old", key, members[key], v) for key, v in prev.rows.items() if key in members]
        rows += [Row("old", ("absent", a), frozenset({a}), (0.0,) * k) for a in sorted(prev.absent)]
    return rows


def _given_away(
    figures: list[Figure], prev: Previous, truth: dict[str, Values], rules: Rules
) -> set[frozenset[str]]:
    """Groups the earlier edition alone gave away and that still have the value it gave:
    deriving them again discloses nothing new (say a county of one unit with 5–9 answers,
    published before a second unit of the county was delivered)."""
    alone = build_system([r for r in _rows(figures, prev) if r.edition == "old"], set())
    out = set()
    for g in find_groups(alone, truth, rules.is_small, rules.bound, set()):
        then = alone.derive({alone.var_of[("new", a)]: 1.0 for a in g.atoms})
        now = tuple(sum(truth[a][i] for a in g.atoms) for i in range(len(g.value)))
        if then is not None and _same(tuple(then), now):
            out.add(g.atoms)
    return out


def _same(a: Values, b: Values) -> bool:
    return tuple(round(x, 6) for x in a) == tuple(round(x, 6) for x in b)


def audit(
    figures: list[Figure], truth: dict[str, Values], previous: list[Previous], rules: Rules
) -> list[Finding]:
    """Every small group or small change the shown figures reveal (empty: safe)."""
    shown_single = {next(iter(f.atoms)) for f in figures if f.shown and len(f.atoms) == 1}
    candidates = {a: v for a, v in truth.items() if a not in shown_single}
    published = {f.atoms for f in figures if f.shown and f.atoms <= candidates.keys()}
    findings: list[Finding] = []
    for prev in previous or [None]:
        changed = _changed(figures, prev) if prev else set()
        system = build_system(_rows(figures, prev), changed)
        restated = published | (_given_away(figures, prev, candidates, rules) if prev else set())
        for g in find_groups(system, candidates, rules.is_small, rules.bound, restated):
            if g not in findings:
                findings.append(g)
        if prev is not None:
            skip = prev.absent & shown_single
            findings += find_changes(
                system, sorted(changed), rules.is_small_change, skip, prev.name
            )
    return sorted(findings, key=lambda f: (f.kind, len(f.atoms), sorted(f.atoms), f.edition_key))


def _still_derivable(
    figures: list[Figure], previous: list[Previous], finding: Finding, tests: list[Figure]
) -> list[bool]:
    """For each shown figure in `tests`: whether the finding stays derivable when that figure
    alone is hidden (quality.linear_audit.derivable_without, one factorisation for all)."""
    prev = next((p for p in previous if p.name == finding.edition_key), None)
    changed = _changed(figures, prev) if prev else set()
    rows = _rows(figures, prev)
    index = {r.key: i for i, r in enumerate(rows) if r.edition == "new"}
    change = finding.kind == "small_change"
    return derivable_without(rows, changed, finding.atoms, change, [index[f.key] for f in tests])


def cost(f: Figure, group_level: bool) -> float:
    """What hiding the figure costs users: weight of its kind × its answers (or respondents)."""
    weights = GROUP_COST if group_level else CELL_COST
    return weights.get(f.kind, 2.0) * max(f.size, 1.0)


def _choose(
    figures: list[Figure], pool: list[Figure], previous: list[Previous], finding: Finding,
    group_level: bool,
) -> Figure:  # fmt: skip
    """The cheapest candidate whose hiding breaks the finding; else the best sibling unit.

    Candidates are tried in cost order (quality.secondary.cost); the national figure is never
    a candidate.
    """
    ranked = sorted(pool, key=lambda f: (cost(f, group_level), f.key))
    tests = ranked[:MAX_TESTS]
    for f, still in zip(tests, _still_derivable(figures, previous, finding, tests), strict=True):
        if not still:
            return f
    # No single figure suffices: withhold the cheapest county or pool over the revealed group;
    # else the sibling unit that shares the most published parents with it (it joins every
    # subtraction at once) rather than an expensive parent; a parent only where no unit is left.
    covering = [f for f in figures if f.shown and finding.atoms <= f.atoms]
    cheap = [f for f in ranked if f.kind in CHEAP_KINDS and f.atoms & finding.atoms]
    if cheap:  # a county or pool over the revealed group costs least
        return cheap[0]
    units = [f for f in ranked if f.kind in UNIT_KINDS and not f.atoms & finding.atoms]
    if units:
        return min(
            units,
            key=lambda f: (-sum(f.atoms <= c.atoms for c in covering), cost(f, group_level), f.key),
        )
    inside = [f for f in ranked if f.atoms & finding.atoms]
    return inside[0] if inside else ranked[0]


REVISION_ORDER = {"county": 0, "size_class": 1, "rhf": 2, "oslo": 3, "kommune": 4, "bydel": 4}
REVISION_ORDER |= {"pool": 5, "national": 6}


def _choose_revision(
    figures: list[Figure], pool: list[Figure], previous: list[Previous], finding: Finding,
    aggregates_first: bool,
) -> Figure:  # fmt: skip
    """For a change across editions: the first figure (aggregates first, national last) whose
    hiding breaks it; else the best sibling (the order used before cost-based complements).
    The change of the national figure itself can only be hidden by the national figure."""
    covering = [f for f in figures if f.shown and finding.atoms <= f.atoms]
    order = REVISION_ORDER
    inside = sorted(
        (f for f in pool if f.atoms & finding.atoms),
        key=lambda f: (order.get(f.kind, 4), f.size, f.key),
    )
    outside = sorted(
        (f for f in pool if not f.atoms & finding.atoms),
        key=lambda f: (
            -sum(f.atoms <= c.atoms for c in covering), order.get(f.kind, 4), f.size, f.key,
        ),
    )  # fmt: skip
    tests = [*inside, *outside][:MAX_TESTS]
    for f, still in zip(tests, _still_derivable(figures, previous, finding, tests), strict=True):
        if not still:
            return f
    if aggregates_first and inside and order.get(inside[0].kind, 4) < order["kommune"]:
        return inside[0]
    return outside[0] if outside else inside[0]


def protect(
    figures: list[Figure], truth: dict[str, Values], previous: list[Previous], rules: Rules,
    hideable: Callable[[Figure], bool] = lambda f: True, group_level: bool = False,
) -> list[Decision]:  # fmt: skip
    """Hide figures (set shown=False in place) until the audit finds nothing.

    Each finding is broken by the cheapest figure whose hiding makes it underivable (see
    `cost`; `group_level`: whole groups, weighted by respondents). The national figure is never
    a complement within an edition: DisclosureError when only it is left. Changes across
    editions keep the earlier order (aggregates first, national last: its own new − old can
    only be hidden by it), logged as revisions.
    """
    decisions: list[Decision] = []
    while True:
        findings = audit(figures, truth, previous, rules)
        if not findings:
            return decisions
        finding = findings[0]
        if finding.kind == "small_change":  # across editions: as before this change
            pool = [f for f in figures if f.shown and hideable(f)]
            if not pool:
                return decisions
            chosen = _choose_revision(figures, pool, previous, finding, group_level)
            chosen.shown = False
            decisions.append(Decision(chosen.key, True, finding, cost(chosen, group_level)))
            continue
        pool = [f for f in figures if f.shown and hideable(f) and f.kind not in NEVER]
        if not pool:
            raise DisclosureError(
                f"units {', '.join(sorted(finding.atoms))} cannot be protected without hiding "
                "the national figure"
            )
        chosen = _choose(figures, pool, previous, finding, group_level)
        chosen.shown = False
        decisions.append(Decision(chosen.key, False, finding, cost(chosen, group_level)))
