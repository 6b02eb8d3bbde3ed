"""Static dashboard: one self-contained index.html (data as JSON, vanilla JS, CSS inlined).

It works from file:// and any web server: no CDN, no fetch, no external font. Only the published
tables go in, and a suppressed row's share, count positive, interval and change are dropped here
again whatever the input holds, so the page can never show more than the rules allow. All texts
shown for a figure (share, interval, change) are formatted here, with the same rules as the PDFs;
the charts' text alternatives use the PDFs' templates (labels.ALT_TEXTS). The change log of each
wave's current edition (the published `changes` table) goes in as display texts only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from assets.consumers.labels import (
    ALT_TEXTS,
    ANSWER_LABELS,
    RHF_NAMES,
    SIZE_CLASS_SHORT,
    SURVEY_NAME,
    SURVEY_SUBTITLE,
    UNIT_TYPE_LABELS,
    UNIT_TYPE_ORDER,
    UNIT_TYPE_PLURALS,
    edition_label,
    fmt_change,
    fmt_ci,
    fmt_int,
    half_up,
    indicator,
    series_label,
)
from assets.consumers.published_index import SECRET_COLUMNS, records
from assets.consumers.report_model import DEFAULT_RULES
from assets.editions.records import CHANGE_LABELS, held_answers_reason
from quality.disclosure import default_config

TEMPLATES = Path(__file__).with_name("templates")
MAX_CHANGE_ROWS = 300  # as many moved figures per edition as the published endringslogg lists
HELD = ("delivery_held", "answers_held")
CELL_COLUMNS = [
    "u",
    "w",
    "i",
    "nValid",
    "display",
    "suppressed",
    "reason",
    "ci",
    "share",
    "lo",
    "hi",
    "comparable",
    "change",
    "changeCi",
    "significant",
    "direction",
]
UNIT_COLUMNS = [
    "u",
    "w",
    "n",
    "published",
    "pool",
    "poolReason",
    "members",
    "size",
    "rhf",
    "county",
    "kommune",
]


def _key(unit_type: Any, unit_id: Any) -> str:
    return f"{unit_type}:{unit_id}"


def _r4(x: float | None) -> float | None:
    """Chart positions only: 4 decimals are plenty to draw and keep the file small."""
    return None if x is None else round(float(x), 4)


def _units(cells: list[dict], units: list[dict]) -> tuple[list[dict], dict[str, int]]:
    names: dict[str, tuple[int, str, str, str]] = {}
    for r in [*cells, *units]:
        key = _key(r["unit_type"], r["unit_id"])
        wave, name = int(r["wave"]), str(r.get("unit_name") or r["unit_id"])
        if key not in names or wave >= names[key][0]:
            names[key] = (wave, name, str(r["unit_type"]), str(r["unit_id"]))
    rank = {t: i for i, t in enumerate(UNIT_TYPE_ORDER)}
    ordered = sorted(names.items(), key=lambda kv: (rank.get(kv[1][2], 99), kv[1][1], kv[0]))
    out = [{"key": k, "type": t, "id": i, "name": n} for k, (_, n, t, i) in ordered]
    for u in out:
        series = series_label(u["type"], u["id"], u["name"])
        if series != u["name"]:
            u["series"] = series
    return out, {u["key"]: pos for pos, u in enumerate(out)}


def _unit_rows(units: list[dict], index: dict[str, int]) -> list[list[Any]]:
    def ref(unit_type: str, value: Any) -> int | None:
        return None if value is None else index.get(_key(unit_type, value))

    rows = []
    for r in units:
        members = [m.strip() for m in str(r.get("member_units") or "").split(",") if m.strip()]
        member_refs = [index.get(_key("kommune", m), index.get(_key("bydel", m))) for m in members]
        n = r.get("n_respondents")
        rows.append(
            [
                index[_key(r["unit_type"], r["unit_id"])],
                int(r["wave"]),
                # a withheld count shows its display text ("under 10", "minst 10", "skjult")
                r.get("n_respondents_display") if n is None else fmt_int(int(n)),
                bool(r.get("published")),
                ref("pool", r.get("pool_id")),
                r.get("pool_reason"),
                [m for m in member_refs if m is not None],
                ref("size_class", r.get("size_class")),
                ref("rhf", r.get("rhf_id")),
                ref("county", r.get("county_id")),
                ref("kommune", r.get("kommune_id")) if r["unit_type"] == "bydel" else None,
            ]
        )
    return rows


def _cell_row(r: dict, u: int, i: int) -> list[Any]:
    if r["suppressed"]:
        r = {**r, **dict.fromkeys(SECRET_COLUMNS)}
    change, lo, hi = r["change_vs_previous"], r["change_ci_low"], r["change_ci_high"]
    shown = not r["suppressed"] and r["share"] is not None
    return [
        u,
        int(r["wave"]),
        i,
        fmt_int(int(r["n_valid"])) if shown else None,
        str(r["display"]),
        bool(r["suppressed"]),
        r.get("suppression_reason") if r["suppressed"] else None,
        fmt_ci(r["ci_low"], r["ci_high"]) if shown else None,
        _r4(r["share"]),
        _r4(r["ci_low"]),
        _r4(r["ci_high"]),
        bool(r["comparable_with_previous"]),
        fmt_change(change) if change is not None else None,
        f"{fmt_change(lo)} til {fmt_change(hi)}" if lo is not None and hi is not None else None,
        bool(r["change_significant"])
        and change is not None
        and bool(r["comparable_with_previous"]),
        (1 if change > 0 else -1) if change else 0,
    ]


def _distribution(dist: pd.DataFrame, index: dict[str, int]) -> tuple[list[str], list[list]]:
    if dist is None or dist.empty:
        return [], []
    grouped: dict[tuple[int, int, str], list] = defaultdict(list)
    answers: dict[str, int] = {}
    for r in records(dist):
        u = index.get(_key(r["unit_type"], r["unit_id"]))
        if u is None:
            continue
        a = answers.setdefault(str(r["answer"]), len(answers))
        sup = bool(r["suppressed"]) or r["n"] is None or r["share"] is None
        n = None if sup else fmt_int(int(r["n"]))
        pct = None if sup else half_up(r["share"] * 100)  # whole percent, as the PDFs round
        grouped[(u, int(r["wave"]), str(r["indicator_id"]))].append([a, n, sup, pct])
    rows = [[u, w, ind, parts] for (u, w, ind), parts in grouped.items()]
    return list(answers), rows


def _unit_names(units: list[dict]) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    for u in units:
        names[(u["type"], u["id"])] = u["name"]
        names.setdefault(("", u["id"]), u["name"])  # a held delivery names only its unit id
    return names


def _change_log(
    changes: pd.DataFrame | None, wave: int, edition: str, names: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """The change log of one wave's current edition, as the endringslogg states it: display
    texts, unit names and question labels only (never a share or a count of the table)."""
    empty: dict[str, Any] = {"previous": None, "moved": [], "more": 0, "held": [], "answers": []}
    if changes is None:
        return {**empty, "known": False}
    if changes.empty or "edition" not in changes:
        part = changes.iloc[0:0]
    else:
        part = changes[(changes["wave"] == wave) & (changes["edition"].astype(str) == edition)]
    out: dict[str, Any] = {**empty, "known": True, "first": part.empty and edition == "preliminary"}
    recs = records(part)
    previous = next((r["previous_edition"] for r in recs if r.get("previous_edition")), None)
    if previous:
        out["previous"] = {"id": str(previous), "label": edition_label(str(previous))}
    moved = [r for r in recs if r["change"] not in HELD]
    moved.sort(
        key=lambda r: (str(r["unit_name"] or ""), indicator(r["indicator_id"], r["measure"]).order)
    )
    for r in moved[:MAX_CHANGE_ROWS]:
        name = r["unit_name"] or names.get((str(r["unit_type"]), str(r["unit_id"]))) or r["unit_id"]
        out["moved"].append(
            [
                CHANGE_LABELS.get(str(r["change"]), str(r["change"])),
                str(name),
                indicator(str(r["indicator_id"]), str(r["measure"])).short,
                r["old_display"] or "–",
                r["new_display"] or "–",
            ]
        )
    out["more"] = max(0, len(moved) - MAX_CHANGE_ROWS)
    for r in recs:
        if r["change"] == "delivery_held":
            out["held"].append([names.get(("", str(r["unit_id"])), str(r["unit_id"])), r["note"]])
    answers: dict[str, list[str]] = defaultdict(list)
    for r in recs:
        if r["change"] == "answers_held":
            unit = names.get(("", str(r["unit_id"])), str(r["unit_id"]))
            answers[unit].append(indicator(str(r["indicator_id"]), "share_positive").short)
    out["answers"] = [[u, sorted(q)] for u, q in sorted(answers.items())]
    if answers:
        out["answersNote"] = held_answers_reason(default_config().differencing_threshold)
    return out


def dashboard_data(
    cells: pd.DataFrame,
    units: pd.DataFrame,
    dist: pd.DataFrame,
    changes: pd.DataFrame | None = None,
) -> dict:
    """Everything the page needs, compact: string tables plus row arrays."""
    cell_recs, unit_recs = records(cells), records(units)
    unit_list, index = _units(cell_recs, unit_recs)
    im_keys = sorted(
        {(r["indicator_id"], r["measure"]) for r in cell_recs}, key=lambda im: indicator(*im).order
    )
    im_index = {im: pos for pos, im in enumerate(im_keys)}
    rows = [
        _cell_row(
            r,
            index[_key(r["unit_type"], r["unit_id"])],
            im_index[(r["indicator_id"], r["measure"])],
        )
        for r in cell_recs
    ]
    rows.sort(key=lambda row: (row[1], row[0], row[2]))
    answers, dist_rows = _distribution(dist, index)
    editions = {int(r["wave"]): str(r["edition"]) for r in cell_recs}
    inds = [indicator(*im) for im in im_keys]
    names = _unit_names(unit_list)
    return {
        "survey": {"name": SURVEY_NAME, "subtitle": SURVEY_SUBTITLE},
        "waves": sorted({int(r["wave"]) for r in cell_recs}),
        "editions": {
            str(w): {"id": e, "label": edition_label(e), "log": _change_log(changes, w, e, names)}
            for w, e in sorted(editions.items())
        },
        "rules": DEFAULT_RULES,
        "alt": ALT_TEXTS,
        "labels": {
            "unitTypes": UNIT_TYPE_LABELS,
            "unitTypePlurals": UNIT_TYPE_PLURALS,
            "unitTypeOrder": list(UNIT_TYPE_ORDER),
            "answers": ANSWER_LABELS,
            "sizeShort": SIZE_CLASS_SHORT,
            "rhf": RHF_NAMES,
        },
        "indicators": [
            {
                "id": x.indicator_id,
                "measure": x.measure,
                "label": x.label,
                "short": x.short,
                "topic": x.topic,
                "topicTitle": x.topic_title,
                "note": x.note,
            }
            for x in inds
        ],
        "units": unit_list,
        "unitWaves": {"columns": UNIT_COLUMNS, "rows": _unit_rows(unit_recs, index)},
        "cells": {"columns": CELL_COLUMNS, "rows": rows},
        "answers": answers,
        "distribution": dist_rows,
    }


def render_html(data: dict) -> str:
    """The page: template with CSS, JS and the JSON data inlined."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    payload = payload.replace("<", "\\u003c")  # no `</script>` can end the data block early
    html = (TEMPLATES / "dashboard.html").read_text(encoding="utf-8")
    css = (TEMPLATES / "dashboard.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "dashboard.js").read_text(encoding="utf-8")
    return html.replace("/*__CSS__*/", css).replace("/*__JS__*/", js).replace("__DATA__", payload)


def build_dashboard(
    cells: pd.DataFrame,
    units: pd.DataFrame,
    distribution: pd.DataFrame,
    out_dir: Path | str,
    changes: pd.DataFrame | None = None,
) -> Path:
    """Write `out_dir/index.html` atomically and return its path. `changes` is the published
    change log (every edition; the current edition of each wave is shown)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html = render_html(dashboard_data(cells, units, distribution, changes))
    target = out / "index.html"
    tmp = out / ".index.html.tmp"
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(target)
    return target
