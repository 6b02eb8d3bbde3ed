"""What an edition records about itself: the change log and the manifest's hashes (pure-ish).

- cell_changes: one row per published cell that moved, was newly withheld or released, appeared
  or disappeared between two editions of a wave, with the deliveries that caused it; plus one
  row per held delivery.
- endringslogg: the same in bokmål Markdown for readers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from assets.consumers.labels import edition_label
from assets.editions.revisions import UnitChange

KEY = ["unit_type", "unit_id", "indicator_id", "measure"]
CHANGE_COLUMNS = [
    "wave", "edition", "previous_edition", "change", "unit_type", "unit_id", "unit_name",
    "indicator_id", "measure", "old_display", "new_display", "old_share", "new_share",
    "old_n_respondents", "new_n_respondents", "old_n_valid", "new_n_valid",
    "old_suppression_reason", "new_suppression_reason", "caused_by", "note",
]  # fmt: skip
CHANGE_LABELS = {
    "changed": "endret",
    "newly_withheld": "nå skjult",
    "released": "nå publisert",
    "new_cell": "nytt tall",
    "removed_cell": "tallet utgår",
    "delivery_held": "leveranse holdt tilbake",
    "answers_held": "svar holdt tilbake",
}


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    na, nb = a.isna().to_numpy(), b.isna().to_numpy()
    a = a.astype(object).where(~na, None)
    b = b.astype(object).where(~nb, None)
    equal = np.array(
        [x is not None and y is not None and x == y for x, y in zip(a, b, strict=True)]
    )
    return (na & nb) | equal.astype(bool)


def _numbers(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.astype(object).where(s.notna(), None), errors="coerce").astype(float)


def _kind(row) -> str | None:
    if row.side == "right_only":
        return "new_cell"
    if row.side == "left_only":
        return "removed_cell"
    if not row.old_suppressed and row.new_suppressed:
        return "newly_withheld"
    if row.old_suppressed and not row.new_suppressed:
        return "released"
    return "changed" if not row.same else None


def cell_changes(
    old: pd.DataFrame | None,
    new: pd.DataFrame,
    edition: str,
    previous: str | None,
    causes: Mapping[tuple[str, str], list[str]] | None = None,
    held: Mapping[str, UnitChange] | None = None,
    threshold: int = 10,
    held_answers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The change log of `new` against the previous edition `old` of the same wave: moved
    cells, held deliveries, and per unit and item the answers held back (never their count)."""
    causes = causes or {}
    wave = int(new["wave"].iloc[0]) if len(new) else None
    rows: list[dict] = []
    if old is not None:
        cols = [*KEY, "unit_name", "display", "share", "n_respondents", "n_valid", "n_positive"]
        cols += ["suppressed", "suppression_reason"]
        o = old[cols].rename(columns={c: f"old_{c}" for c in cols if c not in KEY})
        n = new[cols].rename(columns={c: f"new_{c}" for c in cols if c not in KEY})
        m = o.merge(n, on=KEY, how="outer", indicator="side", sort=True)
        m["same"] = np.ones(len(m), dtype=bool)
        for c in ("display", "share", "n_respondents", "n_valid", "n_positive"):
            m["same"] &= _same(m[f"old_{c}"], m[f"new_{c}"])
        m["old_suppressed"] = m["old_suppressed"].fillna(False).astype(bool)
        m["new_suppressed"] = m["new_suppressed"].fillna(False).astype(bool)
        for r in m.itertuples(index=False):
            kind = _kind(r)
            if kind is None:
                continue
            rows.append(
                dict(
                    change=kind, unit_type=r.unit_type, unit_id=str(r.unit_id),
                    unit_name=r.new_unit_name if pd.notna(r.new_unit_name) else r.old_unit_name,
                    indicator_id=r.indicator_id, measure=r.measure,
                    old_display=r.old_display, new_display=r.new_display,
                    old_share=r.old_share, new_share=r.new_share,
                    old_n_respondents=r.old_n_respondents, new_n_respondents=r.new_n_respondents,
                    old_n_valid=r.old_n_valid, new_n_valid=r.new_n_valid,
                    old_suppression_reason=r.old_suppression_reason,
                    new_suppression_reason=r.new_suppression_reason,
                    caused_by=", ".join(causes.get((r.unit_type, str(r.unit_id)), [])) or None,
                    note=None,
                )
            )  # fmt: skip
    for unit, c in sorted((held or {}).items()):
        rows.append(
            dict(
                change="delivery_held", unit_type=None, unit_id=unit, indicator_id=None,
                measure=None, caused_by=", ".join(c.new_files) or None,
                note=held_reason(c, threshold),
            )
        )  # fmt: skip
    if held_answers is not None:
        for r in held_answers.sort_values(["unit_id", "item"]).itertuples(index=False):
            rows.append(
                dict(
                    change="answers_held", unit_type=None, unit_id=str(r.unit_id),
                    indicator_id=str(r.item), measure=None, note=held_answers_reason(threshold),
                )
            )  # fmt: skip
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    out["wave"], out["edition"], out["previous_edition"] = wave, edition, previous
    for c in ("old_share", "new_share"):
        out[c] = _numbers(out[c])
    for c in ("old_n_respondents", "new_n_respondents", "old_n_valid", "new_n_valid"):
        out[c] = _numbers(out[c]).round().astype("Int64")
    out["wave"] = out["wave"].astype("Int64")
    for c in set(CHANGE_COLUMNS) - {"wave", "old_share", "new_share"} - {
        "old_n_respondents", "new_n_respondents", "old_n_valid", "new_n_valid"
    }:  # fmt: skip
        out[c] = out[c].astype(object).where(out[c].notna(), None).astype("string")
    return out[CHANGE_COLUMNS]


def held_reason(c: UnitChange, threshold: int) -> str:
    what = "første leveranse" if c.first_delivery else "retting"
    return (
        f"{what.capitalize()} med {c.group} endrede svar ({c.added} nye, {c.removed} fjernet, "
        f"{c.changed} endret). Sammen med andre tilbakeholdte endringer i de samme tallene er "
        f"det færre enn {threshold}, så forskjellen mellom utgavene kunne avsløre svarene. "
        f"Leveransen er arkivert og kontrollert, og tas med når endringene til sammen når "
        f"{threshold}."
    )


def held_answers_reason(threshold: int) -> str:
    return (
        "Nye eller endrede svar fra enheten på dette spørsmålet er holdt tilbake: sammen med "
        f"andre endringer i de samme tallene er det færre enn {threshold} svar, så forskjellen "
        "mellom utgavene kunne avsløre dem. Tallene for spørsmålet bygger på svarene fra forrige "
        f"utgave til endringene til sammen når {threshold}."
    )


def _md_cell(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).replace("|", "/")


def endringslogg(
    changes: pd.DataFrame,
    wave: int,
    edition: str,
    previous: str | None,
    released: Mapping[str, UnitChange],
    max_rows: int = 300,
    threshold: int = 10,
) -> str:
    """The change log in bokmål Markdown."""
    lines = [f"# Endringslogg: måling {wave}, {edition_label(edition)}", ""]
    if previous is None:
        lines += ["Første utgave av målingen. Ingen tidligere tall å sammenligne med.", ""]
    else:
        lines += [f"Sammenlignet med forrige utgave: {edition_label(previous)} ({previous}).", ""]
    lines += ["## Leveranser tatt med i denne utgaven", ""]
    if released:
        for unit, c in sorted(released.items()):
            files = ", ".join(c.new_files) or "ingen gjeldende fil"
            lines.append(
                f"- enhet {unit}: {files} ({c.added} nye, {c.removed} fjernet, "
                f"{c.changed} endrede svar)"
            )
    else:
        lines.append("- ingen nye eller rettede leveranser")
    held = changes[changes["change"] == "delivery_held"]
    lines += ["", "## Leveranser holdt tilbake", ""]
    if held.empty:
        lines.append("- ingen")
    for r in held.itertuples(index=False):
        lines.append(f"- enhet {r.unit_id}: {r.caused_by or ''}. {r.note}")
    answers = changes[changes["change"] == "answers_held"]
    lines += ["", "## Svar holdt tilbake", ""]
    if answers.empty:
        lines.append("- ingen")
    for unit, part in answers.groupby("unit_id", sort=True):
        lines.append(f"- enhet {unit}: " + ", ".join(sorted(part["indicator_id"].astype(str))))
    if not answers.empty:
        lines += ["", held_answers_reason(int(threshold))]
    moved = changes[~changes["change"].isin(["delivery_held", "answers_held"])]
    lines += ["", f"## Tall som er endret ({len(moved)})", ""]
    if moved.empty:
        lines.append("Ingen publiserte tall er endret.")
    else:
        lines.append("| Endring | Enhet | Indikator | Mål | Før | Nå | Årsak |")
        lines.append("|---|---|---|---|---|---|---|")
        for r in moved.head(max_rows).itertuples(index=False):
            unit = f"{r.unit_name or ''} ({r.unit_type} {r.unit_id})"
            values = [CHANGE_LABELS[r.change], unit, r.indicator_id, r.measure]
            values += [r.old_display, r.new_display, r.caused_by]
            lines.append("| " + " | ".join(_md_cell(v) for v in values) + " |")
        if len(moved) > max_rows:
            lines.append(f"\n… og {len(moved) - max_rows} til; alle står i changes.parquet.")
    lines += [
        "",
        "Rapporter der verken tallene, sammenligningene eller puljen er endret, er de samme "
        "filene som i forrige utgave og viser utgaven de ble laget i.",
        "",
    ]
    return "\n".join(lines)
