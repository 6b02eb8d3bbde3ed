"""Editions at the pure level: names, change groups, the hold rule, change log, write-once."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from assets.editions import records, store
from assets.editions.revisions import (
    answers_to_hold,
    edition_rank,
    next_edition,
    releasable,
    unit_change,
    unit_changes,
)
from assets.storage import DataZones


def test_edition_names_follow_their_order() -> None:
    names: list[str] = []
    for final in (False, False, False, True, False, False):
        names.append(next_edition(names, final=final))
    assert names == ["preliminary", "preliminary-2", "preliminary-3", "final", "rev1", "rev2"]
    assert sorted(reversed(names), key=edition_rank) == names
    with pytest.raises(ValueError, match="already final"):
        next_edition(names, final=True)
    with pytest.raises(ValueError):
        edition_rank("draft")


def _rows(unit: str, keys: list[str], answers: list[str], file: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": unit,
            "respondent_key": keys,
            "overall_satisfied": answers,
            "source_file": file,
            "source_sha256": file * 4,
            "source_row": range(1, len(keys) + 1),
        }
    )


def test_change_groups_count_added_removed_and_changed_records() -> None:
    old = _rows("4601", ["a", "b", "c", "d"], ["1", "2", "3", "4"], "f1")
    new = _rows("4601", ["b", "c", "d", "e", "f"], ["2", "5", "4", "1", "1"], "f2")
    change = unit_change("4601", old, new)
    assert (change.added, change.removed, change.changed, change.group) == (2, 1, 1, 4)
    assert change.new_files == ("f2",) and not change.first_delivery
    # same rows under a new file name: a delivery changed, no record did
    same = _rows("4601", ["a", "b", "c", "d"], ["1", "2", "3", "4"], "f3")
    assert unit_changes(old, same) == {}
    first = unit_changes(old, pd.concat([old, _rows("1515", ["x"], ["1"], "g")]))
    assert list(first) == ["1515"] and first["1515"].first_delivery


def test_a_small_change_in_a_published_unit_is_held() -> None:
    figures = {
        ("national", "NO"): frozenset({"4601", "1515", "030101"}),
        ("kommune", "4601"): frozenset({"4601"}),
        ("pool", "p"): frozenset({"1515", "030101"}),
    }
    assert releasable({"4601": 5}, figures, 10) == set()
    assert releasable({"4601": 12}, figures, 10) == {"4601"}
    # two small units whose changes only show together in the pool and nationally: released
    assert releasable({"1515": 4, "030101": 7}, figures, 10) == {"1515", "030101"}
    # …but one of them alone is not, and a held one may not ride on a released one
    assert releasable({"1515": 4}, figures, 10) == set()
    assert releasable({"4601": 12, "1515": 4}, figures, 10) == {"4601"}


def _answers(*per_item: list[int]) -> np.ndarray:
    """Answer counts (items, 8 categories) with the given first categories per item."""
    out = np.zeros((len(per_item), 8), dtype=np.int64)
    for j, values in enumerate(per_item):
        out[j, : len(values)] = values
    return out


def test_a_released_delivery_holds_the_answers_of_an_item_with_few_of_them() -> None:
    """12 new records, of which only 3 answered the second item: the national figure of that
    item would move by 3 valid answers, so those answers are held, the first item's are not."""
    figures = {("national", "NO"): frozenset({"4601", "1515"})}
    valid = [np.array([True] * 5 + [False] * 3)] * 2
    base = {"4601": _answers([10, 10], [5, 5])}
    new = {"4601": _answers([10, 10], [5, 5]), "1515": _answers([6, 6], [1, 2, 0, 0, 0, 9])}
    assert answers_to_hold(base, new, valid, figures, 10) == {"1515": [1]}
    # a change that moves no valid answer but shows in the answer categories is held too
    moved = {"4601": _answers([10, 10], [5, 4, 0, 0, 0, 1])}
    assert answers_to_hold(base, moved, valid, figures, 10) == {"4601": [1]}
    # held answers are released once the changes of the item add up to the threshold
    more = dict(new, **{"4601": _answers([10, 10], [5, 12])})
    assert answers_to_hold(base, more, valid, figures, 10) == {}
    # …but not through a published figure that shows the small part alone; without it the
    # other unit's 7 are too few on their own
    own = figures | {("kommune", "1515"): frozenset({"1515"})}
    assert answers_to_hold(base, more, valid, own, 10) == {"1515": [1], "4601": [1]}


def test_held_answers_replace_a_units_counts_and_keep_its_respondents() -> None:
    from assets.indicators.counts import HELD_COLUMNS, unit_counts, with_held_answers
    from schemas.indicator_catalogue import load_catalogue

    catalogue = load_catalogue()
    item = catalogue.items()[0]
    rows = pd.DataFrame({"wave": 2023, "unit_id": ["4601"] * 4 + ["1515"] * 2})
    for it in catalogue.items():
        degree = catalogue.by_item(it)[0].denominator != "ja_nei"
        rows[it] = [4.0] * 6 if degree else ["ja"] * 6
        if degree:
            from schemas.questionnaire import missing_column

            rows[missing_column(it)] = None
    counts = unit_counts(rows, catalogue)
    held = pd.DataFrame([[2023, "4601", item, 1, 0, 0, 0, 0, 0, 0, 0]], columns=HELD_COLUMNS)
    out = with_held_answers(counts, rows, held)
    j, i = out.item_index(item), 1  # units in (wave, unit_id) order: 1515, 4601
    assert out.counts[i, j].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 3]
    assert out.respondents.tolist() == counts.respondents.tolist() == [2, 4]
    assert (out.counts[0] == counts.counts[0]).all()
    too_many = held.assign(slot_0=5)
    with pytest.raises(ValueError, match="exceed its respondents"):
        with_held_answers(counts, rows, too_many)


def _cells(edition: str, share: float | None, suppressed: bool) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "wave": [2023, 2023],
            "edition": edition,
            "unit_type": ["kommune", "national"],
            "unit_id": ["4601", "NO"],
            "unit_name": ["Bergen", "Norge"],
            "indicator_id": "overall_satisfied",
            "measure": "share_positive",
            "display": ["for få svar" if suppressed else f"{share:.0%}", "50 %"],
            "share": [None if suppressed else share, 0.5],
            "n_respondents": [20, 100],
            "n_valid": [20, 100],
            "n_positive": [None if suppressed else round(20 * (share or 0)), 50],
            "suppressed": [suppressed, False],
            "suppression_reason": ["secondary_cell" if suppressed else None, None],
        }
    )


def test_change_log_says_what_moved_and_why() -> None:
    old, new = _cells("final", 0.5, False), _cells("rev1", 0.6, False)
    causes = {("kommune", "4601"): ["kommune_4601_korr2.csv"]}
    log = records.cell_changes(old, new, "rev1", "final", causes)
    assert log[
        ["change", "unit_id", "old_display", "new_display", "caused_by"]
    ].values.tolist() == [["changed", "4601", "50%", "60%", "kommune_4601_korr2.csv"]]
    hidden = records.cell_changes(old, _cells("rev1", None, True), "rev1", "final")
    assert hidden["change"].tolist() == ["newly_withheld"]
    back = records.cell_changes(_cells("rev1", None, True), old, "rev2", "rev1")
    assert back["change"].tolist() == ["released"]
    text = records.endringslogg(log, 2023, "rev1", "final", {})
    assert "revisjon 1" in text and "kommune_4601_korr2.csv" in text


def test_an_edition_folder_is_written_once(tmp_path) -> None:
    target = tmp_path / "editions" / "2023" / "final"
    with store.write_once(target) as folder:
        (folder / "indicators.parquet").write_bytes(b"figures")
    assert target.is_dir() and not list(target.parent.glob(".tmp-*"))
    with pytest.raises(FileExistsError), store.write_once(target) as folder:
        (folder / "indicators.parquet").write_bytes(b"other figures")
    assert (target / "indicators.parquet").read_bytes() == b"figures"
    assert (target / "indicators.parquet").stat().st_mode & 0o222 == 0


def test_interrupted_runs_leave_nothing_half_written(tmp_path) -> None:
    zones = DataZones(tmp_path)
    dead = 2**22 + 12345  # above the default pid_max: no such process
    half = zones.published / "editions" / "2023" / f".tmp-rev1-{dead}"
    half.mkdir(parents=True)
    (half / "indicators.parquet").write_bytes(b"half")
    orphan = store.internal_dir(zones, 2023, "rev1")  # its published folder never landed
    orphan.mkdir(parents=True)
    mine = zones.published / "editions" / "2023" / f".tmp-rev2-{os.getpid()}"  # still running
    mine.mkdir()
    in_progress = store.internal_dir(zones, 2023, "rev2")  # written inside a live run
    in_progress.mkdir(parents=True)
    removed = store.remove_leftovers(zones)
    assert set(removed) == {half, orphan}
    assert mine.exists() and in_progress.exists()
    assert not half.exists() and not orphan.exists()
