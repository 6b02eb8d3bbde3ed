"""What one PDF report shows, built from the published tables only (cells + units).

A report is one (wave, unit). Its model is a plain JSON-able dict that the Typst template lays out:
facts about the unit, the indicator table per topic with the unit beside its comparison units
(Oslo for a bydel, the unit's size class, the nation), the trend over this and earlier waves, and
the numbers the charts need. Suppressed cells carry only their `display` text: share, count
positive, intervals and change of a suppressed row never enter the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from assets.consumers import texts
from assets.consumers.labels import (
    ALT_TEXTS,
    COMPARABILITY_TEXTS,
    OVERALL,
    RHF_NAMES,
    UNIT_TYPE_LABELS,
    UNIT_TYPE_ORDER,
    edition_label,
    fmt_change,
    fmt_ci,
    fmt_int,
    fmt_pct_number,
    indicator,
    series_label,
)
from assets.consumers.published_index import Key, PublishedIndex, Row

REPORT_UNIT_TYPES = ("national", "rhf", "size_class", "pool", "kommune", "bydel")
DEFAULT_RULES = texts.rules_from_config()  # from quality/disclosure.yaml, never hard-coded


@dataclass(frozen=True, order=True)
class ReportTarget:
    wave: int
    unit_type: str
    unit_id: str

    @property
    def relpath(self) -> str:
        return f"{self.wave}/{self.unit_type}_{self.unit_id}.pdf"


def _type_rank(unit_type: str) -> int:
    return UNIT_TYPE_ORDER.index(unit_type) if unit_type in UNIT_TYPE_ORDER else 99


def report_targets(
    units: pd.DataFrame, unit_types: tuple[str, ...] = REPORT_UNIT_TYPES
) -> list[ReportTarget]:
    """One report per published unit of the given types and wave, in a stable order."""
    pub = units[units["published"].fillna(False).astype(bool)]
    pub = pub[pub["unit_type"].isin(unit_types)]
    found = {
        ReportTarget(int(w), str(t), str(u))
        for w, t, u in pub[["wave", "unit_type", "unit_id"]].itertuples(index=False)
    }
    return sorted(found, key=lambda r: (r.wave, _type_rank(r.unit_type), r.unit_id))


def cell_view(row: Row | None) -> dict[str, Any]:
    """The text shown for one cell; numbers only when the cell is not suppressed."""
    if row is None:
        return {"text": "–", "ci": "", "n": "", "suppressed": False, "missing": True}
    if row["suppressed"]:
        return {"text": str(row["display"]), "ci": "", "n": "", "suppressed": True}
    return {
        "text": str(row["display"]),
        "ci": fmt_ci(row["ci_low"], row["ci_high"]),
        "n": fmt_int(int(row["n_valid"])),
        "suppressed": False,
    }


def comparability_text(reason: str) -> str:
    """Why a figure cannot be compared with the previous wave, in words (cell reason codes of
    assets.indicators.change); the withheld-figure text comes from quality/disclosure.yaml."""
    if reason == "previous_suppressed":
        return DEFAULT_RULES["previous_suppressed_text"]
    return COMPARABILITY_TEXTS.get(reason, "spørsmålet, skalaen eller geografien er endret")


def change_view(row: Row | None, has_previous: bool) -> dict[str, str]:
    """Change against the previous wave; an arrow only where significant and comparable."""
    empty = {"text": "", "arrow": "", "tone": "", "ci": ""}
    if row is None or row["suppressed"]:
        return empty
    if not row["comparable_with_previous"]:
        if row.get("comparable_reason") == "previous_suppressed":
            return {**empty, "text": DEFAULT_RULES["previous_suppressed_text"]}
        return {**empty, "text": "ikke sml." if has_previous else ""}
    change = row["change_vs_previous"]
    if change is None:
        return {**empty, "text": "–"}
    arrow = tone = ""
    if row["change_significant"]:
        arrow = "↑" if change > 0 else "↓"
        better = (change > 0) == (row["measure"] != "share_negative")
        tone = "good" if better else "bad"
    ci = ""
    if row["change_ci_low"] is not None and row["change_ci_high"] is not None:
        ci = f"{fmt_change(row['change_ci_low'])} til {fmt_change(row['change_ci_high'])}"
    return {"text": fmt_change(change), "arrow": arrow, "tone": tone, "ci": ci}


def _chart_point(row: Row | None, series: str, **extra: Any) -> dict[str, Any] | None:
    if row is None or row["suppressed"] or row["share"] is None:
        return None
    return {
        "series": series,
        "share": row["share"],
        "lo": row["ci_low"],
        "hi": row["ci_high"],
        **extra,
    }


def _series_label(index: PublishedIndex, key: Key) -> str:
    return series_label(key[1], key[2], index.name(key))


def _bar(row: Row | None) -> list[float] | None:
    """Share and interval for the Typst interval bar; None for a suppressed or missing cell."""
    if row is None or row["suppressed"] or row["share"] is None:
        return None
    return [row["share"], row["ci_low"], row["ci_high"]]


def _column_label(index: PublishedIndex, key: Key) -> str:
    return "Samme størrelse" if key[1] == "size_class" else index.name(key)


def _topics(index: PublishedIndex, key: Key, comps: list[Key]) -> list[dict[str, Any]]:
    own = index.cells.get(key, {})
    prev_wave = max((w for w in index.waves if w < key[0]), default=None)
    prev = index.cells.get((prev_wave, key[1], key[2]), {}) if prev_wave else {}
    topics: dict[str, dict[str, Any]] = {}
    for im in sorted(own, key=lambda im: indicator(*im).order):
        ind, row = indicator(*im), own[im]
        topic = topics.setdefault(ind.topic, {"title": ind.topic_title, "rows": []})
        comp_rows = [index.cells[c].get(im) for c in comps]
        topic["rows"].append(
            {
                "indicator_id": ind.indicator_id,
                "measure": ind.measure,
                "label": ind.label,
                "note": ind.note,
                "unit": cell_view(row),
                "change": change_view(row, im in prev),
                "comps": [cell_view(r) for r in comp_rows],
                "bars": [_bar(r) for r in [row, *comp_rows]],
            }
        )
    return list(topics.values())


def _trend(index: PublishedIndex, key: Key, comps: list[Key]) -> tuple[dict, list]:
    wave, unit_type, unit_id = key
    waves = [w for w in index.waves if w <= wave and (w, unit_type, unit_id) in index.cells]
    own = index.cells[key]
    rows = []
    reasons: set[str] = set()
    for im in sorted(own, key=lambda im: indicator(*im).order):
        cells = []
        for w in waves:
            row = index.cells[(w, unit_type, unit_id)].get(im)
            view = cell_view(row)
            sig = bool(
                row
                and not row["suppressed"]
                and row["comparable_with_previous"]
                and row["change_significant"]
                and row["change_vs_previous"] is not None
            )
            arrow = ("↑" if row["change_vs_previous"] > 0 else "↓") if sig and row else ""
            prev_w = max((x for x in index.waves if x < w), default=None)
            had_prev = im in index.cells.get((prev_w or 0, unit_type, unit_id), {})
            brk = bool(row and not row["comparable_with_previous"] and had_prev)
            if brk:
                reasons.add(str(row.get("comparable_reason") or ""))
            cells.append({"text": view["text"], "arrow": arrow, "break": brk})
        rows.append({"label": indicator(*im).short, "cells": cells})
    chart = []
    for k in [key, *comps]:
        for w in index.waves:
            if w > wave:
                continue
            point = _chart_point(
                index.cells.get((w, k[1], k[2]), {}).get(OVERALL),
                _series_label(index, k),
                wave=str(w),
            )
            if point:
                chart.append(point)
    notes = [comparability_text(r) for r in sorted(reasons)]
    return {"waves": [str(w) for w in waves], "rows": rows, "break_notes": notes}, chart


def trend_alt_text(points: list[dict[str, Any]]) -> str:
    """The trend figure in words (its alternative text): every series' share with its interval
    per wave, as the chart draws them."""
    if not points:
        return ""
    by_series: dict[str, list[str]] = {}
    for p in points:
        value = f"{fmt_pct_number(p['share'])} %"
        point = ALT_TEXTS["point"].format(value=value, ci=fmt_ci(p["lo"], p["hi"]))
        by_series.setdefault(str(p["series"]), []).append(
            ALT_TEXTS["wave_point"].format(wave=p["wave"], point=point)
        )
    parts = [
        ALT_TEXTS["series"].format(name=name, points=", ".join(values))
        for name, values in by_series.items()
    ]
    subject = "andelen som alt i alt er fornøyd med tjenestene"
    return ALT_TEXTS["trend"].format(subject=subject, series="; ".join(parts))


def build_report_model(
    index: PublishedIndex,
    target: ReportTarget,
    manifest_id: str,
    rules: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Everything one report shows, as plain data for the template."""
    rules = {**DEFAULT_RULES, **(rules or {})}
    key = (target.wave, target.unit_type, target.unit_id)
    if key not in index.cells:
        raise KeyError(f"no published cells for {target}")
    unit = index.unit(key)
    comps = index.comparisons(key)
    topics = _topics(index, key, comps)
    trend, trend_chart = _trend(index, key, comps)
    first = next(iter(index.cells[key].values()))
    edition = str(first["edition"])
    n_resp = unit.get("n_respondents") or first.get("n_respondents")
    overall = cell_view(index.cells[key].get(OVERALL)) if OVERALL in index.cells[key] else None
    return {
        "meta": {
            "wave": str(target.wave),
            "edition": edition,
            "edition_label": edition_label(edition),
            "manifest_id": manifest_id,
            "unit_type": target.unit_type,
            "type_label": UNIT_TYPE_LABELS.get(target.unit_type, target.unit_type),
            "unit_id": target.unit_id,
            "unit_name": index.name(key),
            "n_respondents": fmt_int(int(n_resp)) if n_resp is not None else "–",
            "rhf": RHF_NAMES.get(str(unit.get("rhf_id")), ""),
        },
        "facts": texts.facts(index, key, unit, overall),
        "about": texts.about(target.wave, rules),
        "pool": texts.pool_section(index, key, unit, rules),
        "columns": [_column_label(index, c) for c in comps],
        "series": [_series_label(index, k) for k in [key, *comps]],
        "topics": topics,
        "trend": trend,
        "charts": {"trend": trend_chart, "trend_alt": trend_alt_text(trend_chart)},
    }


def iter_report_models(
    cells: pd.DataFrame,
    units: pd.DataFrame,
    manifest_id: str,
    targets: list[ReportTarget] | None = None,
    rules: dict[str, int] | None = None,
) -> Iterator[tuple[ReportTarget, dict[str, Any]]]:
    """(target, model) per report target, built one at a time (the renderer starts on the
    first ones while later ones are built)."""
    index = PublishedIndex(cells, units)
    for t in report_targets(units) if targets is None else targets:
        yield t, build_report_model(index, t, manifest_id, rules)
