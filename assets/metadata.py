"""Small helpers to attach readable metadata to Dagster materializations."""

from __future__ import annotations

import pandas as pd


def markdown_table(frame: pd.DataFrame, max_rows: int = 50) -> str:
    """A Markdown table of the first rows of a frame (no extra dependency)."""
    if frame.empty:
        return "_none_"
    shown = frame.head(max_rows).astype(object).where(frame.head(max_rows).notna(), "")
    lines = ["| " + " | ".join(map(str, shown.columns)) + " |", "|" + "---|" * len(shown.columns)]
    lines += [
        "| " + " | ".join(str(v).replace("|", "/") for v in row) + " |"
        for row in shown.itertuples(index=False)
    ]
    if len(frame) > max_rows:
        lines.append(f"\n… {len(frame) - max_rows} more rows")
    return "\n".join(lines)
