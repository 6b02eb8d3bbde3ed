"""Answer drift between waves: the check that catches a codebook with swapped codes.

Pure functions; the `answer_drift` gate (quality.gates) runs the resulting table through the
Great Expectations suite quality/gx_suites/answer_drift.yaml. Rules in quality/drift.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from schemas.codebook import Codebook
from schemas.questionnaire import DEGREE_CODES, missing_column, questionnaire

CONFIG_FILE = Path(__file__).with_name("drift.yaml")
KINDS = ("degree", "vet_ikke", "ikke_aktuelt", "ubesvart")
NOT_ASKED = "ikke_spurt"


@dataclass(frozen=True)
class DriftConfig:
    max_shift: float = 0.15
    min_z: float = 4.0
    min_asked: int = 30

    @classmethod
    def load(cls, path: Path = CONFIG_FILE) -> DriftConfig:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(float(raw["max_shift"]), float(raw["min_z"]), int(raw["min_asked"]))


def answer_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Per degree item asked in `frame` (one wave's harmonized rows): counts of each answer
    kind among the asked rows, and of each degree value among the degree answers.
    Columns: item, dimension (`kind` or `value`), category, count, base."""
    rows = []
    for item in questionnaire().degree_items:
        if item not in frame or missing_column(item) not in frame:
            continue
        kind_of, answered, asked = _missing_kinds(frame[missing_column(item)])
        if not asked.any():
            continue
        values = pd.to_numeric(frame[item], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )[asked]
        base = int(asked.sum())
        for kind in KINDS:
            count = kind_of.get(kind, 0) + (int(answered.sum()) if kind == "degree" else 0)
            rows.append((item, "kind", kind, count, base))
        n_degree = int((~np.isnan(values)).sum())
        for code in DEGREE_CODES:
            rows.append((item, "value", str(code), int((values == code).sum()), n_degree))
    return pd.DataFrame(rows, columns=["item", "dimension", "category", "count", "base"])


def _missing_kinds(missing: pd.Series) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """(count per missing-kind, rows with none (a degree answer), rows asked) of an item's
    missing-kind column; by category code when it is categorical (a wave has a million rows)."""
    if isinstance(missing.dtype, pd.CategoricalDtype):
        codes = missing.cat.codes.to_numpy()
        categories = [str(c) for c in missing.cat.categories]
        counts = np.bincount(codes[codes >= 0], minlength=len(categories))
        kind_of = {c: int(n) for c, n in zip(categories, counts, strict=True)}
        not_asked = categories.index(NOT_ASKED) if NOT_ASKED in categories else -2
        return kind_of, codes < 0, codes != not_asked
    values = missing.to_numpy(dtype=object)
    answered = missing.isna().to_numpy()
    kind_of = {str(k): int(n) for k, n in pd.Series(values[~answered]).value_counts().items()}
    asked = answered.copy()
    asked[~answered] = values[~answered] != NOT_ASKED
    return kind_of, answered, asked


def drift_table(
    wave: int,
    current: pd.DataFrame,
    earlier: Mapping[int, pd.DataFrame],
    books: Mapping[int, Codebook],
    config: DriftConfig,
) -> pd.DataFrame:
    """One row per (item, dimension, category): the share in `wave` and in the previous wave
    that asked the item, their difference, its z value and whether it drifts.
    `current` and the values of `earlier` are answer_counts() of whole waves."""
    out = []
    breaks = books[wave].series_breaks if wave in books else {}
    for item, now in current.groupby("item", sort=False):
        if item in breaks:
            continue
        prev_wave = max((w for w, c in earlier.items() if w < wave and item in set(c["item"])),
                        default=None)  # fmt: skip
        if prev_wave is None:
            continue
        before = earlier[prev_wave]
        merged = now.merge(
            before[before["item"] == item],
            on=["item", "dimension", "category"],
            suffixes=("", "_prev"),
        )
        merged.insert(0, "previous_wave", prev_wave)
        merged.insert(0, "wave", wave)
        out.append(merged)
    columns = ["wave", "previous_wave", "item", "dimension", "category", "count", "base"]
    columns += ["count_prev", "base_prev"]
    table = pd.concat(out, ignore_index=True)[columns] if out else pd.DataFrame(columns=columns)
    base, base_prev = table["base"].astype(float), table["base_prev"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(base > 0, table["count"] / base, np.nan)
        share_prev = np.where(base_prev > 0, table["count_prev"] / base_prev, np.nan)
        pooled = (table["count"] + table["count_prev"]) / (base + base_prev)
        se = np.sqrt(pooled * (1 - pooled) * (1 / base + 1 / base_prev))
        shift = share - share_prev
        z = np.where(se > 0, np.abs(shift) / se, 0.0)
    table["share"], table["share_prev"], table["shift"] = share, share_prev, shift
    table["z"] = np.nan_to_num(z)
    compared = (base >= config.min_asked) & (base_prev >= config.min_asked)
    table["compared"] = compared.to_numpy(bool)
    table["drift"] = (
        table["compared"] & (np.abs(np.nan_to_num(shift)) > config.max_shift)
        & (table["z"] > config.min_z)
    )  # fmt: skip
    return table


def drift_findings(table: pd.DataFrame) -> list[str]:
    """Bokmål lines naming each drifting item, kind and the move."""
    lines = []
    for r in table[table["drift"]].itertuples():
        what = "svartype" if r.dimension == "kind" else "svarverdi"
        lines.append(
            f"{r.item}: {what} {r.category} {r.share_prev:.0%} i {r.previous_wave} → "
            f"{r.share:.0%} i {r.wave} (z = {r.z:.1f}); sjekk kodene i kodeboken"
        )
    return lines


def drift_gate(
    wave: int,
    counts_by_wave: Mapping[int, pd.DataFrame],
    books: Mapping[int, Codebook],
    docs: Path | None = None,
    config: DriftConfig | None = None,
):
    """The blocking `answer_drift` gate of one wave: GX on drift_table(), failures named."""
    from quality.gates import GateResult, _from_suite
    from quality.gx_runner import run_suite

    config = config or DriftConfig.load()
    earlier = {w: c for w, c in counts_by_wave.items() if w < wave}
    table = drift_table(wave, counts_by_wave[wave], earlier, books, config)
    result: GateResult = _from_suite("answer_drift", run_suite("answer_drift", table), docs)
    findings = drift_findings(table)
    skipped = sorted(set(table.loc[~table["compared"], "item"]))
    result.details = findings + result.details
    compared = table["compared"].any()
    result.summary += (
        f"; {len(findings)} drifting shares" + ("" if compared else " (no earlier wave compared)")
        + (f"; not compared (too few asked): {', '.join(skipped)}" if skipped else "")
    )  # fmt: skip
    return result
