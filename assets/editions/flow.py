"""A wave's editions from start to finish (no Dagster here; the assets call these).

1. prepare(): the candidate edition of one wave. It compares the wave's harmonized rows with
   the input of its newest edition, decides per changed unit whether the change can be released
   (assets.editions.revisions), builds the publication from the released rows with every
   earlier edition of the wave for protection, and recomputes the change columns against the
   newest editions of the earlier waves.
2. stage() and read_staged(): the gated candidate between the two assets. The edition itself
   is written by assets.editions.writing.write_edition.
The current generation (tables, mart, dashboard) and the one pointer swap are in
assets.editions.generation.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from assets.editions import store
from assets.editions.revisions import (
    UnitChange,
    answers_to_hold,
    group_figures,
    next_edition,
    releasable,
    unit_changes,
)
from assets.indicators.cells import Publication, build_publication
from assets.indicators.change import add_change
from assets.indicators.counts import (
    HELD_COLUMNS,
    NOT_ASKED,
    counts_by_unit,
    empty_held_answers,
    unit_counts,
    valid_slots,
    with_held_answers,
)
from assets.indicators.levels import build_levels
from assets.indicators.publish import published_reason
from assets.storage import (
    DataZones,
    concat_frames,
    write_parquet,
)
from quality.disclosure import DisclosureConfig, default_config
from schemas.indicator_catalogue import load_catalogue

CHANGE_COLUMNS = [
    "previous_wave", "internal_comparable", "internal_change", "internal_change_low",
    "internal_change_high", "comparable_with_previous", "change_vs_previous", "change_ci_low",
    "change_ci_high", "change_significant",
]  # fmt: skip
CELL_KEY = ["unit_type", "unit_id", "indicator_id", "measure"]
FINAL_TAG = "brukerstemme/edition"
# "later": the run that launched this wave run makes every new edition current once at its end
# (brukerstemme run); otherwise a wave run makes its new edition current itself.
MAKE_CURRENT_TAG = "brukerstemme/make_current"
HELD_ANSWERS = "held_answers.parquet"


@dataclass(frozen=True)
class EarlierEdition:
    """A published edition of the wave, as the protection and the gate receive it."""

    name: str
    cells: pd.DataFrame
    units: pd.DataFrame
    distribution: pd.DataFrame


@dataclass
class Candidate:
    wave: int
    edition: str
    base: str | None
    publication: Publication
    input: pd.DataFrame  # the harmonized rows this edition uses
    released: dict[str, UnitChange]
    held: dict[str, UnitChange]
    earlier: list[EarlierEdition]
    earlier_waves: dict[int, str]  # editions of earlier waves the change columns compare with
    unchanged: bool = False
    notes: list[str] = field(default_factory=list)
    # answers held back per unit and item (assets.indicators.counts.HELD_COLUMNS)
    held_answers: pd.DataFrame = field(default_factory=empty_held_answers)


def earlier_editions(zones: DataZones, wave: int) -> list[EarlierEdition]:
    out = []
    for name in store.complete_editions(zones, wave):
        t = store.read_edition(zones, wave, name)
        out.append(EarlierEdition(name, t["indicator_cells"], t["units"], t["answer_distribution"]))
    return out


def edition_input(
    previous: pd.DataFrame | None, current: pd.DataFrame, released: set[str]
) -> pd.DataFrame:
    """Rows of released units from `current`, every other unit's rows from `previous`."""
    if previous is None:
        return current
    keep = previous[~previous["unit_id"].astype(str).isin(released)]
    new = current[current["unit_id"].astype(str).isin(released)]
    out = concat_frames([keep, new]) if len(keep) or len(new) else current.iloc[0:0]
    order = pd.DataFrame({"u": out["unit_id"].astype(str), "r": out["source_row"].astype(int)})
    return out.iloc[order.sort_values(["u", "r"], kind="stable").index].reset_index(drop=True)


def with_change_columns(
    publication: Publication, wave: int, earlier_internal: list[pd.DataFrame]
) -> Publication:
    """Change against the latest comparable earlier wave, from that wave's current edition."""
    if not earlier_internal:
        return publication
    internal = publication.internal_cells
    base = [c for c in internal.columns if c not in CHANGE_COLUMNS]
    frames = [f[[c for c in base if c in f.columns]] for f in earlier_internal]
    both = pd.concat([*frames, internal[base]], ignore_index=True)
    changed = add_change(both, load_catalogue())
    mine = changed[changed["wave"].astype(int) == wave].reset_index(drop=True)
    mine = mine[internal.columns]
    cells = publication.cells.copy()
    cols = ["comparable_with_previous", "change_vs_previous", "change_ci_low", "change_ci_high"]
    cols += ["change_significant", "comparable_reason"]
    lookup = mine.drop_duplicates(CELL_KEY).set_index(CELL_KEY)[cols]
    got = lookup.reindex(pd.MultiIndex.from_frame(cells[CELL_KEY]))
    hidden = cells["suppressed"].astype(bool).to_numpy()
    for c in ("change_vs_previous", "change_ci_low", "change_ci_high"):
        cells[c] = np.where(hidden, np.nan, got[c].astype(float).to_numpy())
    for c in ("comparable_with_previous", "change_significant"):
        cells[c] = got[c].fillna(False).astype(bool).to_numpy() & ~hidden
    reason = published_reason(got["comparable_reason"], hidden)
    cells["comparable_reason"] = reason.set_axis(cells.index)
    return replace(publication, cells=cells, internal_cells=mine)


def _earlier_waves_internal(zones: DataZones, wave: int) -> tuple[list[pd.DataFrame], dict]:
    frames, used = [], {}
    for w, edition in store.latest_editions(zones).items():
        if w < wave:
            frames.append(
                pd.read_parquet(store.internal_dir(zones, w, edition) / "internal.parquet")
            )
            used[w] = edition
    return frames, used


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns=["edition"]).reset_index(drop=True)
    return out.astype(object).where(out.notna(), None)


def same_content(publication: Publication, earlier: EarlierEdition) -> bool:
    """The same published figures (whatever the edition name and the in-memory dtypes)."""
    pairs = [
        (publication.cells, earlier.cells),
        (publication.units, earlier.units),
        (publication.distribution, earlier.distribution),
    ]
    for a, b in pairs:
        try:
            pd.testing.assert_frame_equal(_comparable(a), _comparable(b), check_dtype=False)
        except AssertionError:
            return False
    return True


def _figures(rows: pd.DataFrame, wave: int, shown: pd.DataFrame, config) -> dict:
    """The figures the earlier edition published, with the atoms they cover given `rows`."""
    levels = build_levels(rows, config, load_catalogue().geography.code_list_by_wave)
    return group_figures(levels.groups, wave, shown)


def read_held_answers(zones: DataZones, wave: int, edition: str) -> pd.DataFrame:
    path = store.internal_dir(zones, wave, edition) / HELD_ANSWERS
    return pd.read_parquet(path) if path.is_file() else empty_held_answers()


def held_answers_for(
    base_input: pd.DataFrame,
    base_answers: pd.DataFrame,
    rows: pd.DataFrame,
    figures: dict,
    config: DisclosureConfig,
) -> tuple[pd.DataFrame, set[str]]:
    """The answers the new edition holds back (revisions.answers_to_hold), and the units whose
    held answers no longer fit their respondents (those units' records must be held whole)."""
    catalogue = load_catalogue()
    wave = int(rows["wave"].iloc[0])
    base_counts = unit_counts(base_input, catalogue)
    effective = with_held_answers(base_counts, base_input, base_answers)
    base = {u: c for (w, u), c in counts_by_unit(effective, base_input).items() if w == wave}
    now = unit_counts(rows, catalogue)
    new = {u: c for (w, u), c in counts_by_unit(now, rows).items() if w == wave}
    respondents = rows.groupby("unit_id", observed=True).size()
    keep = answers_to_hold(
        base, new, valid_slots(catalogue, now.items), figures, config.differencing_threshold
    )
    records, over = [], set()
    for unit, items in sorted(keep.items()):
        for j in items:
            values = base[unit][j] if unit in base else np.zeros(NOT_ASKED, dtype=np.int64)
            if values.sum() > int(respondents.get(unit, 0)):
                over.add(unit)
            records.append([wave, unit, now.items[j], *(int(v) for v in values)])
    frame = pd.DataFrame(records, columns=HELD_COLUMNS) if records else empty_held_answers()
    return frame.astype({"unit_id": "string", "item": "string"}), over


def prepare(
    zones: DataZones,
    wave: int,
    harmonized: pd.DataFrame,
    final: bool = False,
    build: Callable[..., Publication] = build_publication,
    config: DisclosureConfig | None = None,
) -> Candidate:
    """The candidate edition of `wave` (see module docstring); not yet gated or written."""
    config = config or default_config()
    names = store.complete_editions(zones, wave)
    base = names[-1] if names else None
    earlier = earlier_editions(zones, wave)
    name = next_edition(names, final=final)
    prev_cells = pd.concat([e.cells for e in earlier], ignore_index=True) if earlier else None
    prev_units = pd.concat([e.units for e in earlier], ignore_index=True) if earlier else None

    notes: list[str] = []

    def publish(rows: pd.DataFrame, held_answers: pd.DataFrame | None = None) -> Publication:
        try:
            return build(
                rows, edition=name, config=config, previous_editions=prev_cells,
                previous_units=prev_units, held_answers=held_answers,
            )  # fmt: skip
        except KeyError as exc:  # protection across editions fails on some inputs (see note)
            notes.append(f"protection across editions failed ({exc!r}); built without it")
            return build(rows, edition=name, config=config, held_answers=held_answers)

    if base is None:
        rows, released, held, answers = harmonized, {}, {}, empty_held_answers()
        pub = publish(rows)
    else:
        base_input = pd.read_parquet(store.internal_dir(zones, wave, base) / "input.parquet")
        base_answers = read_held_answers(zones, wave, base)
        changes = unit_changes(base_input, harmonized)
        released, held, rows, answers = {}, {}, base_input, base_answers
        if changes:
            shown = earlier[-1].units
            figures = _figures(
                edition_input(base_input, harmonized, set(changes)), wave, shown, config
            )
            groups = {u: c.group for u, c in changes.items()}
            candidates = set(changes)
            while True:  # a unit whose held answers no longer fit is held whole, and the rest
                # is decided again (a group released together may be too small without it)
                ok = releasable({u: groups[u] for u in candidates}, figures,
                                config.differencing_threshold)  # fmt: skip
                released = {u: c for u, c in changes.items() if u in ok}
                if not released:
                    break
                rows = edition_input(base_input, harmonized, set(released))
                answers, over = held_answers_for(
                    base_input, base_answers, rows, _figures(rows, wave, shown, config), config
                )
                if not over:
                    break
                candidates -= over
            held = {u: c for u, c in changes.items() if u not in released}
        if not released:  # no figure can move: the base edition's figures, under the new name
            rows = base_input
            pub = reuse(zones, wave, base, earlier[-1], name)
            unchanged = not final
            used = store.read_manifest(zones, wave, base)["change_columns_compare_with"]
            earlier_waves = {int(w): e for w, e in used.items()}
            return Candidate(
                wave, name, base, pub, rows, released, held, earlier, earlier_waves, unchanged,
                notes, base_answers,
            )  # fmt: skip
        pub = publish(rows, answers)
    frames, earlier_waves = _earlier_waves_internal(zones, wave)
    pub = with_change_columns(pub, wave, frames)
    unchanged = bool(earlier) and not final and same_content(pub, earlier[-1])
    return Candidate(
        wave, name, base, pub, rows, released, held, earlier, earlier_waves, unchanged, notes,
        answers,
    )  # fmt: skip


def reuse(zones: DataZones, wave: int, base: str, tables: EarlierEdition, name: str) -> Publication:
    """The base edition's publication with the edition column set to `name`."""
    folder = store.internal_dir(zones, wave, base)
    return Publication(
        cells=tables.cells.assign(edition=name),
        distribution=tables.distribution.assign(edition=name),
        units=tables.units.assign(edition=name),
        suppression_log=pd.read_parquet(folder / "suppression_log.parquet").assign(edition=name),
        internal_cells=pd.read_parquet(folder / "internal.parquet").assign(edition=name),
    )


# --- staging between the gated asset and the edition writer -------------------------------

STAGED_TABLES = {
    "cells": "cells.parquet",
    "distribution": "distribution.parquet",
    "units": "units.parquet",
    "suppression_log": "suppression_log.parquet",
    "internal_cells": "internal.parquet",
}


def _change_json(c: UnitChange) -> dict:
    return {
        "unit_id": c.unit_id, "added": c.added, "removed": c.removed, "changed": c.changed,
        "old_files": list(c.old_files), "new_files": list(c.new_files),
        "new_sha256": list(c.new_sha256),
    }  # fmt: skip


def change_from_json(d: dict) -> UnitChange:
    return UnitChange(
        d["unit_id"], d["added"], d["removed"], d["changed"], tuple(d["old_files"]),
        tuple(d["new_files"]), tuple(d["new_sha256"]),
    )  # fmt: skip


def stage(
    zones: DataZones, candidate: Candidate, run_id: str, input_file: Path | None = None
) -> Path:
    """Write the gated candidate to warehouse/editions/<wave>/.staged/ (overwritten each run).
    `input_file` is the Parquet file `candidate.input` was read from unchanged (the wave's
    harmonized file, for a first edition): it is copied, not encoded again."""
    folder = store.staged_dir(zones, candidate.wave)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "decision.json").unlink(missing_ok=True)
    pub = candidate.publication
    if not candidate.unchanged:
        for attr, file in STAGED_TABLES.items():
            write_parquet(getattr(pub, attr), folder / file)
        if input_file is not None:
            tmp = folder / f".input.parquet.{os.getpid()}"
            shutil.copyfile(input_file, tmp)
            tmp.replace(folder / "input.parquet")
        else:
            write_parquet(candidate.input, folder / "input.parquet")
        write_parquet(candidate.held_answers, folder / HELD_ANSWERS)
    decision = {
        "wave": candidate.wave, "edition": candidate.edition, "base": candidate.base,
        "unchanged": candidate.unchanged, "run_id": run_id,
        "released": [_change_json(c) for c in candidate.released.values()],
        "held": [_change_json(c) for c in candidate.held.values()],
        "earlier_waves": {str(w): e for w, e in candidate.earlier_waves.items()},
        "notes": candidate.notes,
    }  # fmt: skip
    tmp = folder / f".decision.json.{os.getpid()}"
    tmp.write_text(json.dumps(decision, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(folder / "decision.json")
    return folder


def read_staged(zones: DataZones, wave: int) -> tuple[dict, dict[str, pd.DataFrame]]:
    folder = store.staged_dir(zones, wave)
    decision = json.loads((folder / "decision.json").read_text("utf-8"))
    if decision["unchanged"]:
        return decision, {}
    tables = {attr: pd.read_parquet(folder / file) for attr, file in STAGED_TABLES.items()}
    # the edition keeps the staged input file as it is (write_edition copies it); of its rows
    # only the deliveries they come from are needed here
    names = pq.read_schema(folder / "input.parquet").names
    sources = ["source_sha256"] if "source_sha256" in names else []
    tables["input_sources"] = pd.read_parquet(folder / "input.parquet", columns=sources)
    tables["held_answers"] = pd.read_parquet(folder / HELD_ANSWERS)
    return decision, tables
