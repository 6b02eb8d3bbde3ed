"""Report charts: Vega-Lite specs rendered to SVG strings by vl-convert (no network, no browser).

The Vega-Lite specs are compiled to Vega once per process; each chart then only swaps its data
values in and renders. Text is what costs in vl-convert (about 2 ms per label), so charts keep
labels few: the legend is drawn by the Typst template in the report's own font, and the per-row
interval bars of the indicator tables are drawn by Typst directly.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any

import vl_convert as vlc

FONT = "Libertinus Serif"
NB_FORMAT = {
    "decimal": ",",
    "thousands": "\u00a0",
    "grouping": [3],
    "currency": ["", "\u00a0kr"],
    "percent": "\u00a0%",
}
PALETTE = ["#1b4f72", "#48a9a6", "#e4a03a", "#7f7f7f"]
CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 10, "titleFontSize": 10, "gridColor": "#e3e3e3"},
    "legend": {"labelFontSize": 10, "orient": "bottom", "title": None, "symbolSize": 70},
}
Points = list[dict[str, Any]]


def _share(field: str = "share") -> dict[str, Any]:
    """The 0–100 % axis. Few labels and no axis title: vl-convert spends ~1.5 ms per text."""
    return {
        "field": field,
        "type": "quantitative",
        "title": None,
        "scale": {"domain": [0, 1]},
        "axis": {
            "format": ".0%",
            "values": [0, 0.25, 0.5, 0.75, 1],
            "labelExpr": "datum.value * 4 % 2 == 0 ? datum.label : ''",
        },
    }


def _color(n_series: int) -> dict[str, Any]:
    keys = [str(i) for i in range(n_series)]
    return {
        "field": "k",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": keys, "range": PALETTE[:n_series]},
    }


def trend_spec(n_series: int) -> dict[str, Any]:
    """Overall satisfaction per wave for the unit and its comparison units, with intervals."""
    x = {
        "field": "wave",
        "type": "ordinal",
        "title": None,
        "sort": "ascending",
        "axis": {"labelAngle": 0},
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 330,
        "height": 170,
        "data": {"name": "points", "values": []},
        "encoding": {
            "x": x,
            "xOffset": {"field": "k", "type": "nominal"},
            "color": _color(n_series),
        },
        "layer": [
            {
                "mark": {"type": "rule", "strokeWidth": 1.4},
                "encoding": {"y": _share("lo"), "y2": {"field": "hi"}},
            },
            {
                "mark": {"type": "point", "filled": True, "size": 40, "opacity": 1},
                "encoding": {"y": _share()},
            },
        ],
    }


@lru_cache(maxsize=256)
def _compiled(spec_json: str) -> str:
    """A Vega-Lite spec (without data) compiled to Vega, as JSON text."""
    return json.dumps(vlc.vegalite_to_vega(json.loads(spec_json), config=CONFIG))


def _with_data(vega_json: str, values: Points) -> dict[str, Any]:
    vega = json.loads(vega_json)
    for data in vega.get("data", []):
        if data.get("name") == "points":
            data["values"] = copy.deepcopy(values)
    return vega


def render_svg(spec: dict[str, Any], values: Points) -> str:
    """Render a spec built here with `values` as its data, to an SVG string."""
    vega = _with_data(_compiled(json.dumps(spec, sort_keys=True)), values)
    return vlc.vega_to_svg(vega, format_locale=NB_FORMAT)


def _keyed(points: Points, series: list[str]) -> Points:
    """Points with `k`, the series' position in the legend (colour and offset), and `order`."""
    out, labels = [], {}
    for p in points:
        labels.setdefault(p.get("label"), len(labels))
        out.append({**p, "k": str(series.index(p["series"])), "order": labels[p.get("label")]})
    return out


def trend_chart(points: Points, series: list[str]) -> str | None:
    """SVG of the overall-satisfaction trend; None when there is nothing to draw."""
    if not points:
        return None
    return render_svg(trend_spec(len(series)), _keyed(points, series))


def warm_up() -> None:
    """Start vl-convert's JavaScript engine (first call in a process costs ~0.3 s)."""
    point = {"series": "a", "label": "b", "wave": "2017", "share": 0.5, "lo": 0.4, "hi": 0.6}
    for n in range(1, len(PALETTE) + 1):
        trend_chart([point], ["a"] * n)
