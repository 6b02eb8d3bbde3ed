"""The differencing attacker on the published tables: finds nothing, and can fail."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fixtures_harmonized import generate, make_harmonized, units_frame

from assets.indicators.cells import build_publication
from quality.attacker import attack, closure, memberships
from quality.disclosure import default_config
from quality.secondary import DisclosureError

OFF = default_config().replace(secondary_protection=False)


@pytest.fixture(scope="module")
def harmonized() -> pd.DataFrame:
    return make_harmonized()


@pytest.fixture(scope="module")
def editions() -> dict:
    """2023: a preliminary edition without Trondheim (5001, 65 respondents), a final one after
    it arrived, and, unprotected, one where Bergen's correction drops two rows."""
    h = make_harmonized(waves=(2023,))
    prelim = h[h["unit_id"] != "5001"]
    pre = build_publication(prelim, "preliminary")
    kw = dict(previous_editions=pre.cells, previous_units=pre.units)
    corrected = prelim.drop(prelim.index[prelim["unit_id"] == "4601"][:2])
    return {
        "pre": pre,
        "corrected": corrected,
        "final": build_publication(h, "final", **kw),
        "final_off": build_publication(corrected, "final", config=OFF, **kw),
    }


def test_nothing_derivable_from_the_protected_publication(harmonized) -> None:
    pub = build_publication(harmonized)
    assert attack(pub.cells, pub.units) == []


def test_the_attacker_finds_leaks_without_secondary_protection(harmonized) -> None:
    pub = build_publication(harmonized, config=OFF)
    leaks = attack(pub.cells, pub.units)
    assert {leak.kind for leak in leaks} == {"subtraction"}
    by_units = {(leak.wave, leak.units) for leak in leaks if leak.indicator_id is None}
    assert (2017, ("0136",)) in by_units  # Østfold 2017 minus Moss = Rygge (7 respondents)
    assert any(leak.indicator_id is not None for leak in leaks)


def test_nothing_derivable_across_editions(editions) -> None:
    pre, final = editions["pre"], editions["final"]
    assert attack(pre.cells, pre.units) == []
    assert attack(final.cells, final.units, pre.cells, pre.units) == []
    u = final.units.set_index(["unit_type", "unit_id"])
    assert u.loc[("national", "NO"), "published"]  # never a complement within an edition


def test_the_attacker_finds_edition_leaks_without_protection(editions) -> None:
    pre, off = editions["pre"], editions["final_off"]
    leaks = attack(off.cells, off.units, pre.cells, pre.units)
    changes = [leak for leak in leaks if leak.kind == "edition_change"]
    assert changes and all(leak.how == "preliminary" for leak in changes)
    assert any(leak.units == ("4601",) for leak in changes)  # Bergen's two removed rows


def test_direct_checks_catch_a_tampered_table(harmonized) -> None:
    pub = build_publication(harmonized)
    units = pub.units.copy()
    pooled = units["pool_id"].notna() & units["unit_type"].isin(["kommune", "bydel"])
    units.loc[pooled.idxmax(), "n_respondents"] = 4
    leaks = attack(pub.cells, units)
    assert any(leak.kind == "pooled_unit_count" for leak in leaks)
    cells = pub.cells.copy()
    band = cells.index[cells["suppression_reason"] == "band"][0]
    cells.loc[band, "n_positive"] = 0
    assert any(leak.kind == "band" for leak in attack(cells, pub.units))


def test_closure_finds_chained_subtractions() -> None:
    # Oslo = b1 + b2 + b3 (b3 published); pool = b1 + b2 + k: Oslo - b3 = {b1, b2}; pool - that = k
    figures = {
        ("kommune", "0301"): (frozenset({"b1", "b2", "b3"}), (30.0,)),
        ("bydel", "b3"): (frozenset({"b3"}), (18.0,)),
        ("pool", "p"): (frozenset({"b1", "b2", "k"}), (16.0,)),
    }
    known = closure(figures, {"b3": (18.0,)})
    assert known[frozenset({"k"})] == (4.0,)


def test_memberships_come_from_the_units_table(harmonized) -> None:
    pub = build_publication(harmonized)
    m = memberships(pub.units, 2021)
    assert m[("kommune", "0301")] == frozenset({"030101", "030102", "030103", "030104"})
    assert "0301" not in m[("national", "NO")]
    pools = pub.units[(pub.units["wave"] == 2021) & (pub.units["unit_type"] == "pool")]
    for r in pools.itertuples():
        assert m[("pool", r.unit_id)] == frozenset(r.member_units.split(","))


@pytest.mark.parametrize("seed", [3, 8, 15, 24])
def test_random_unit_sizes_and_revisions_leak_nothing(seed: int) -> None:
    rng = np.random.default_rng(seed)
    units = units_frame()
    units = units[units["wave"] == (2021 if seed % 2 else 2023)].reset_index(drop=True)
    units["n"] = rng.choice([2, 3, 4, 6, 8, 9, 11, 12, 15, 25, 40], size=len(units))
    h = generate(units, seed)
    corrected = rng.choice(units["unit_id"])
    final_h = h.drop(h.index[h["unit_id"] == corrected][: int(rng.integers(1, 4))])
    try:
        pre = build_publication(h[h["unit_id"] != rng.choice(units["unit_id"])], "preliminary")
        final = build_publication(
            final_h, "final", previous_editions=pre.cells, previous_units=pre.units
        )
    except DisclosureError as exc:  # loud: only the national figure could have protected it
        assert "national" in str(exc)
        return
    assert attack(pre.cells, pre.units) == []
    assert attack(final.cells, final.units, pre.cells, pre.units) == []


def test_a_group_the_earlier_edition_already_gave_away_is_not_a_new_finding() -> None:
    """A county of one unit with 9 answers, published before a late unit joined it: the late
    edition minus its own new figures restates that county's old value, which discloses nothing
    new, so protection must neither hide everything nor stop (it used to need the nation)."""
    from quality.disclosure import cell_rules
    from quality.secondary import Figure, Previous, Rules, audit, protect

    atoms = {"A": (9.0, 7.0), "B": (30.0, 20.0), "D": (14.0, 9.0)}

    def figures() -> list[Figure]:
        def fig(kind, key, members, shown=True):
            value = tuple(sum(atoms[a][i] for a in members) for i in range(2))
            return Figure((kind, key), frozenset(members), value, shown, kind, value[0])

        return [
            fig("national", "NO", "ABD"), fig("county", "K", "AD"), fig("county", "L", "B"),
            fig("kommune", "D", "D"), fig("kommune", "B", "B"), fig("kommune", "A", "A", False),
        ]  # fmt: skip

    old = {("national", "NO"): (39.0, 27.0), ("county", "K"): (9.0, 7.0)}
    old |= {("county", "L"): (30.0, 20.0), ("kommune", "B"): (30.0, 20.0)}
    previous = [Previous("preliminary", old, {"D"})]
    rules = Rules(*cell_rules(default_config()))
    assert audit(figures(), atoms, previous, rules) == []
    assert protect(figures(), atoms, previous, rules) == []
    # …while the same group is a finding when the earlier edition had not published it
    fresh = [Previous("preliminary", {("national", "NO"): (39.0, 27.0)}, {"D"})]
    assert any(f.atoms == frozenset("A") for f in audit(figures(), atoms, fresh, rules))
