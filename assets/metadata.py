"""Small helpers to attach readable metadata to Dagster materializations."""

from __future__ import annotations

import pandas as pd


def markdown_table(frame: pd.DataFrame, max_rows: int = 50) -> str:
    """A Markdown table of the first rows of a frame (no extra dependency)."""
    if frame.empty:
        return "_none_"
    shown = frame.head(max_rows)
    lines = ["| " + " | ".join(map(str, shown.columns)) + " |", "|" + "---|" * len(shown.columns)]
    lines += [
        "| " + " | ".join(_cell(v) for v in row) + " |"
        for row in shown.itertuples(index=False, name=None)
    ]
    if len(frame) > max_rows:
        lines.append(f"\n… {len(frame) - max_rows} more rows")
    return "\n".join(lines)


def _cell(value: object) -> str:
    """A table cell's text: empty for a missing scalar, `|` written as `/`."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return ""
    return str(value).replace("|", "/")


def provenance_metadata() -> dict[str, str]:
    """The code version and rule, codebook and reference hashes every materialization records
    (see assets.provenance)."""
    from assets.provenance import run_provenance

    return dict(run_provenance())


def row_counts(ledger: pd.DataFrame) -> dict[str, int]:
    """rows in = accepted + quarantined + duplicate, over the ledger rows of current
    (accepted) deliveries."""
    current = ledger[ledger["status"] == "accepted"] if len(ledger) else ledger
    return {
        f"rows_{k}": int(current[f"rows_{k}"].sum()) if len(current) else 0
        for k in ("in", "accepted", "quarantined", "duplicate")
    }
