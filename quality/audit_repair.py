"""Complementary suppression driven by the interval audit, cheapest complement first (pure).

After the primary rules and the exact linear protection (quality.secondary), the candidate
publication is audited with quality.interval_audit, which also models non-negativity,
integrality, bands and the answer distribution. For every finding on a cell, candidates are the
shown cells of the same wave and indicator that share a published parent with the revealed
group, the national figure never among them. They are ranked by cost and the first whose hiding
unpins the revealed value (checked by auditing that figure again) is hidden. First, though,
all candidates are hidden together once: hiding only takes equations out of the attacker's
model, so if that leaves the value pinned, no single one can unpin it, and the cheapest sibling
unit is hidden (a unit's item rather than a parent) and the search repeats. If all together
help but no single one does (the value is pinned along several paths), they are shown again
dearest first wherever the value stays unpinned: an irreducible set of cheap cells in one
step. Every step ends with a full audit of the item, so a choice is never taken on trust.
A finding that no candidate can remove raises DisclosureError naming the cell: nothing is
published then.

Costs (`COST_WEIGHT` × the cell's valid answers): counties and pools are cheap, kommune and
bydel items a little dearer, RHF, size class and Oslo's municipal figure dear, the nation never.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from quality.disclosure import HIDDEN, DisclosureConfig
from quality.interval_audit import AuditResult, Finding, audit
from quality.secondary import DisclosureError

COST_WEIGHT = {"county": 1.0, "pool": 1.0, "kommune": 2.0, "bydel": 2.0}
COST_WEIGHT |= {"rhf": 20.0, "size_class": 20.0, "oslo": 20.0}
MAX_TRIES = 15
MAX_ROUNDS = 200
STATE = ["rule", "shown", "display"]  # what hiding a cell changes


@dataclass(frozen=True)
class Tables:
    """Builds the published (cells, units, distribution) of a part of the internal cells."""

    publish: Callable[[pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]
    cache: dict = field(default_factory=dict)  # respondent audit per (wave, edition)


def cost(kind: str, n_valid: float) -> float:
    return COST_WEIGHT.get(kind, 2.0) * max(float(n_valid), 1.0)


def _item_audit(
    rows: pd.DataFrame, tables: Tables, config: DisclosureConfig, catalogue, item: str,
    focus: tuple[str, str] | None = None,
) -> list[Finding]:  # fmt: skip
    cells, units, dist = tables.publish(rows)
    result: AuditResult = audit(
        cells, units, dist, config, catalogue=catalogue, items=[item], change_columns=False,
        respondents_cache=tables.cache, focus=focus,
    )  # fmt: skip
    return [f for f in result.findings if f.quantity.startswith(f"{item}:")]


def repair(
    cells: pd.DataFrame,
    tables: Tables,
    members: dict[tuple[int, str, str], frozenset[str]],
    kinds: dict[tuple[int, str, str], str],
    config: DisclosureConfig,
    catalogue,
    findings: list[Finding],
) -> tuple[pd.DataFrame, list[dict]]:
    """Hide complements until the audit finds nothing on any item (cells: internal frame)."""
    cells = cells.copy()
    log: list[dict] = []
    todo = sorted({(f.wave, f.quantity.split(":")[0]) for f in findings if ":" in f.quantity})
    respondents = [f for f in findings if f.quantity == "respondents"]
    if respondents:
        raise DisclosureError(
            "respondent counts reveal a small group (run repair_groups first): "
            + "; ".join(f.line() for f in respondents)
        )
    for wave, item in todo:
        sel = (cells["wave"] == wave) & (cells["indicator_id"] == item)
        current = [f for f in findings if f.wave == wave and f.quantity.startswith(f"{item}:")]
        for _ in range(MAX_ROUNDS):
            if not current:
                break
            current, entries = _step(cells, sel, current, tables, members, kinds, config,
                                     catalogue, wave, item)  # fmt: skip
            log += entries
        else:
            raise DisclosureError(f"wave {wave} {item}: no complement set found")
    return cells, log


def _step(cells, sel, current, tables, members, kinds, config, catalogue, wave, item):
    f = current[0]
    measure = f.quantity.split(":")[1]
    if f.unit_type == "pooled":
        atoms = frozenset({f.unit_id})
    else:
        atoms = members.get((wave, f.unit_type, f.unit_id), frozenset())
    part = cells[sel]
    part_m = part[part["measure"] == measure] if measure in set(part["measure"]) else part
    shown = part_m[part_m["rule"].isna() & part_m["shown"]]
    rows = []
    parents = []  # shown figures over the revealed group (the national figure included)
    for idx, r in zip(shown.index, shown.itertuples(index=False), strict=True):
        key = (wave, r.unit_type, r.unit_id)
        m = members.get(key, frozenset())
        if m & atoms:
            parents.append(m)
        if r.unit_type != "national":
            rows.append((idx, r, key, m))
    near = frozenset().union(*parents) if parents else frozenset()
    cands = []
    for idx, r, key, m in rows:
        if not (m & near):
            continue  # shares no published parent with the revealed group: cannot help
        kind = kinds.get(key, r.unit_type)
        sibling = kind in ("kommune", "bydel") and not (m & atoms)
        cands.append((cost(kind, r.n_valid), 0 if sibling else 1, str(r.unit_id), idx, kind))
    cands.sort()
    if not cands:
        raise DisclosureError(
            f"wave {wave} {item}: {f.unit_type} {f.unit_id} cannot be protected without the "
            "national figure (" + f.line() + ")"
        )
    focus = (f.unit_type, f.unit_id)
    target = [g for g in current if (g.unit_type, g.unit_id) == focus]

    def helps() -> bool:
        after = _item_audit(cells[sel], tables, config, catalogue, item, focus)
        return len(after) < len(target)

    # Hiding cells only takes equations out of the attacker's model, so intervals only widen:
    # when hiding every candidate at once leaves the value pinned, no single one unpins it.
    together = len(cands) > 1 and _together_help(cells, [x[3] for x in cands], helps)
    chosen = []
    if together or len(cands) == 1:
        for c, _sibling, _, idx, kind in cands[:MAX_TRIES]:
            old = _hide(cells, [idx])
            if helps():
                chosen = [(idx, kind, c)]
                break
            _restore(cells, old)
    if not chosen and together:
        few = cands[:MAX_TRIES]  # the cheapest few, when they suffice, are searched faster
        if len(few) < len(cands) and not _together_help(cells, [x[3] for x in few], helps):
            few = cands
        chosen = _helping_set(cells, few, helps)
    if not chosen:  # not even all of them together: the cheapest sibling unit, then retry
        c, _sibling, _, idx, kind = min(cands, key=lambda x: (x[1], x[0], x[2]))
        _hide(cells, [idx])
        chosen = [(idx, kind, c)]
    current = _item_audit(cells[sel], tables, config, catalogue, item)
    return current, [_entry(cells, idx, kind, c, f) for idx, kind, c in chosen]


def _together_help(cells: pd.DataFrame, idxs: list, helps: Callable[[], bool]) -> bool:
    """Whether hiding all these cells at once unpins the value (the cells are left as found)."""
    old = _hide(cells, idxs)
    try:
        return helps()
    finally:
        _restore(cells, old)


def _helping_set(cells: pd.DataFrame, cands: list, helps: Callable[[], bool]) -> list:
    """A set of candidates that together unpin the value, for when no single one does but all
    of them together do (_together_help).

    All are hidden, then each is shown again, dearest first, unless the value is then pinned
    again (reverse greedy): an irreducible set of mostly cheap cells, in one audit per
    candidate instead of a step (up to MAX_TRIES audits) per cell."""
    shown = _hide(cells, [x[3] for x in cands])
    kept = []
    for c, _sibling, _, idx, kind in reversed(cands):
        _restore(cells, shown.loc[[idx]])
        if not helps():
            _hide(cells, [idx])
            kept.append((idx, kind, c))
    return sorted(kept, key=lambda x: (x[2], x[0]))


def _entry(cells: pd.DataFrame, idx, kind: str, c: float, f: Finding) -> dict:
    r = cells.loc[idx]
    return dict(
        wave=int(r["wave"]), unit_type=r["unit_type"], unit_id=r["unit_id"],
        indicator_id=r["indicator_id"], measure=r["measure"], rule="secondary_cell",
        detail=(
            f"Komplementær skjuling ({kind}, kostnad {c:g}) for å beskytte {f.unit_type} "
            f"{f.unit_id} ({f.kind}): intervallrevisjonen fant at verdien ellers kunne "
            "regnes ut."
        ),
    )  # fmt: skip


def _hide(cells: pd.DataFrame, idxs: list) -> pd.DataFrame:
    """Withhold these cells as complements; returns what they were (for _restore). Column by
    column: pandas sets one column's cells faster than a block of three (3.6 → 2.3 ms a hide
    and restore, hundreds per item searched)."""
    old = cells.loc[idxs, STATE].copy()
    for column, value in zip(STATE, ["secondary_cell", False, HIDDEN], strict=True):
        cells.loc[idxs, column] = value
    return old


def _restore(cells: pd.DataFrame, old: pd.DataFrame) -> None:
    for column in STATE:
        cells.loc[old.index, column] = old[column].to_numpy()


GROUP_WEIGHT = {"county": 1.0, "pool": 1.0, "kommune": 10.0, "bydel": 10.0}
GROUP_WEIGHT |= {"rhf": 20.0, "size_class": 20.0, "oslo": 40.0}


def repair_groups(
    groups: list[tuple[tuple[int, str, str], str, float, frozenset[str]]],
    shown: set[tuple[int, str, str]],
    findings: list[Finding],
    check: Callable[[set[tuple[int, str, str]]], list[Finding]],
) -> list[dict]:
    """Withhold whole groups (cheapest first) until no respondent finding is left.

    groups: (key (wave, unit_type, unit_id), kind, respondents, atoms) of every group; shown:
    keys currently published (modified in place); check(shown) audits the respondent counts
    and returns the findings left. The national figure is never withheld.
    """
    log: list[dict] = []
    current = [f for f in findings if f.quantity == "respondents"]
    by_key = {g[0]: g for g in groups}
    for _ in range(MAX_ROUNDS):
        if not current:
            return log
        f = current[0]
        key_f = (f.wave, f.unit_type, f.unit_id)
        atoms = by_key[key_f][3] if key_f in by_key else frozenset()
        cands = sorted(
            (0 if g[3] & atoms else 1, GROUP_WEIGHT.get(g[1], 10.0) * max(g[2], 1.0), g[0])
            for g in groups
            if g[0] in shown and g[0][0] == f.wave and g[1] != "national"
        )
        if not cands:
            raise DisclosureError(f"{f.line()}: only the national figure is left to withhold")
        chosen = None
        for _overlap, c, key in cands[:MAX_TRIES]:
            shown.discard(key)
            after = check(shown)
            if len(after) < len(current):
                chosen, current = (key, c), after
                break
            shown.add(key)
        if chosen is None:
            _overlap, c, key = cands[0]
            shown.discard(key)
            current, chosen = check(shown), (key, c)
        key, c = chosen
        log.append(
            dict(
                wave=int(key[0]), unit_type=key[1], unit_id=key[2], indicator_id=None,
                measure=None, rule="secondary_group",
                detail=(
                    f"Komplementær skjuling ({by_key[key][1]}, kostnad {c:g}) for å beskytte "
                    f"{f.unit_type} {f.unit_id} ({f.kind}): intervallrevisjonen fant at "
                    "antallet svar ellers kunne regnes ut."
                ),
            )
        )  # fmt: skip
    raise DisclosureError("no set of withheld groups protects the respondent counts")
