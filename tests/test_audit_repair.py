"""The complement search's set steps (quality.audit_repair), on a stand-in audit."""

from __future__ import annotations

import pandas as pd

from quality.audit_repair import _helping_set, _together_help
from quality.disclosure import HIDDEN


def _cells(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"rule": [None] * n, "shown": [True] * n, "display": [f"{i} %" for i in range(n)]},
        index=range(100, 100 + n),
    )


def _tries(cells: pd.DataFrame) -> list[tuple]:
    # (cost, sibling flag, unit id, index, kind), cheapest first as _step sorts them
    return [(float(i + 1), 0, f"u{i}", idx, "kommune") for i, idx in enumerate(cells.index)]


def _hidden(cells: pd.DataFrame) -> set:
    return set(cells.index[~cells["shown"]])


def test_two_paths_need_one_cell_from_each_and_the_cheapest_are_kept() -> None:
    cells = _cells(6)
    a, b = {100, 103, 105}, {101, 104}  # the value is pinned along two paths

    def helps() -> bool:
        return bool(_hidden(cells) & a) and bool(_hidden(cells) & b)

    chosen = _helping_set(cells, _tries(cells), helps)
    assert {idx for idx, _, _ in chosen} == {100, 101} == _hidden(cells)
    assert list(cells.loc[[100, 101], "display"]) == [HIDDEN, HIDDEN]
    assert list(cells.loc[[100, 101], "rule"]) == ["secondary_cell"] * 2
    shown = cells.drop(index=[100, 101])
    assert shown["rule"].isna().all() and list(shown["display"]) == ["2 %", "3 %", "4 %", "5 %"]


def test_all_together_are_tried_and_every_cell_left_as_found() -> None:
    cells = _cells(4)
    before = cells.copy()
    seen = []

    def helps() -> bool:
        seen.append(_hidden(cells))
        return len(_hidden(cells)) == 4

    assert _together_help(cells, list(cells.index), helps)
    assert seen == [set(cells.index)]
    pd.testing.assert_frame_equal(cells, before)
    assert not _together_help(cells, list(cells.index[:2]), helps)
    pd.testing.assert_frame_equal(cells, before)


def test_the_set_is_irreducible() -> None:
    cells = _cells(5)

    def helps() -> bool:
        return len(_hidden(cells) & {101, 102, 103}) >= 2

    chosen = {idx for idx, _, _ in _helping_set(cells, _tries(cells), helps)}
    assert chosen == {101, 102}
    for idx in chosen:  # showing any one of them again pins the value
        cells.loc[idx, "shown"] = True
        assert not helps()
        cells.loc[idx, "shown"] = False
