"""Batches of unit partitions: neighbours in the partitions' order, never spanning a unit that
is not wanted (it would show as materialized), bounded in size, spread over the workers."""

from __future__ import annotations

import random

import pytest

from assets.defs import batch_tags, new_units_in_order, unit_batches


def test_a_batch_never_spans_a_unit_that_is_not_wanted() -> None:
    order = ["0301", "1101", "1201", "1501", "4601", "5001"]
    wanted = {"0301", "1101", "1501", "4601"}
    assert unit_batches(order, wanted) == [["0301", "1101"], ["1501", "4601"]]


def test_batches_are_bounded_and_spread_over_the_workers() -> None:
    order = [f"{i:04d}" for i in range(10)]
    assert unit_batches(order, set(order), max_units=4) == [order[0:3], order[3:7], order[7:10]]
    assert unit_batches(order, set(order), parts=2) == [order[0:5], order[5:10]]
    assert unit_batches(order, {"0003"}, parts=2) == [["0003"]]
    many = [f"{i:04d}" for i in range(370)]
    sizes = [len(b) for b in unit_batches(many, set(many), max_units=100, parts=2)]
    assert sizes == [92, 93, 92, 93]  # the two workers get equal shares
    batches = unit_batches(order, set(order), max_units=100, parts=3)
    assert [u for b in batches for u in b] == order and len(batches) >= 3


def test_batches_share_the_units_weights_evenly() -> None:
    order = [f"{i:04d}" for i in range(10)]
    heavy = {u: 1.0 for u in order} | {"0000": 9.0}  # one unit as heavy as the nine others
    assert unit_batches(order, set(order), parts=2, weights=heavy) == [order[:1], order[1:]]
    weights = {u: float(i + 1) for i, u in enumerate(order)}  # 55 in all: 28 and 27
    first, second = unit_batches(order, set(order), parts=2, weights=weights)
    assert first == order[:7] and second == order[7:]  # 28 and 27
    # a block boundary still cuts, and max_units still bounds a batch
    assert unit_batches(order, set(order) - {"0005"}, parts=1, weights=weights) == [
        order[:5],
        order[6:],
    ]
    assert max(len(b) for b in unit_batches(order, set(order), 3, 1, heavy)) == 3


def test_a_unit_without_a_partition_is_an_error() -> None:
    with pytest.raises(ValueError, match="9999"):
        unit_batches(["0301"], {"0301", "9999"})


def test_batch_tags_name_the_first_and_last_partition() -> None:
    tags = batch_tags(2023, ["0301", "1101", "1201"])
    assert tags == {
        "dagster/asset_partition_range_start": "0301|2023",
        "dagster/asset_partition_range_end": "1201|2023",
    }


def _ranges(order: list[str], units: list[str]) -> int:
    """How many runs of neighbours `units` are in `order` (a batch run per range at least)."""
    wanted, count, inside = set(units), 0, False
    for unit in order:
        count += unit in wanted and not inside
        inside = unit in wanted
    return count


def test_new_units_are_added_grouped_by_their_waves() -> None:
    """Waves whose units mostly differ (the samples'): each wave's units are at most 2^(k-1)
    ranges for the k-th wave (grouped by the waves a unit is in), where plain id order makes
    one range of nearly every unit; units already partitions keep their place."""
    pick = random.Random(7)
    everyone = [f"{i:04d}" for i in range(400)]
    waves = {w: sorted(pick.sample(everyone, 60)) for w in (2017, 2019, 2021, 2023)}
    known = ["0001", "0002"]
    new = new_units_in_order(known, waves)
    assert sorted(new) == sorted(set().union(*waves.values()) - set(known))
    order = [*known, *new]
    for k, (wave, units) in enumerate(sorted(waves.items())):
        assert _ranges(new, units) <= 2**k, wave
    in_id_order = sorted(set().union(*waves.values()))
    assert sum(_ranges(in_id_order, u) for u in waves.values()) > 150
    assert sum(_ranges(order, u) for u in waves.values()) <= 1 + 2 + 4 + 8 + 4  # + known
    assert new_units_in_order(order, waves) == []
    assert new_units_in_order([], {2025: ["5001", "0301"]}) == ["0301", "5001"]
