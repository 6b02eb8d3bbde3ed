"""Every output the pipeline writes outside the restricted zone, as searchable text.

Used by the free-text canary tests: a canary (a name or phone number planted in free text) must
not appear in any file under warehouse/ or published/, whatever its format. A file type this
module cannot read fails the scan, so a new kind of output is never skipped unread.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
from pypdf import PdfReader

TEXT_SUFFIXES = {".html", ".js", ".json", ".css", ".csv", ".md", ".txt", ".svg", ".typ", ".yaml"}


def _duckdb_text(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("select table_name from information_schema.tables").fetchall()
        names = [r[0] for r in tables]
        return "\n".join(
            con.execute(f'select * from "{n}"').df().astype(str).to_csv() for n in names
        )
    finally:
        con.close()


def file_text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path).astype(str).to_csv()
    if suffix == ".duckdb":
        return _duckdb_text(path)
    if suffix == ".pdf":
        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    if suffix in TEXT_SUFFIXES or not suffix:
        return path.read_bytes().decode("utf-8", errors="replace")
    raise AssertionError(f"{path}: the leak scan cannot read {suffix} files; teach it")


def output_texts(
    root: Path, zones: tuple[str, ...] = ("warehouse", "published")
) -> Iterator[tuple[Path, str]]:
    """(path, text) for every file under the given zones of a data dir; at least one file."""
    found = 0
    for zone in zones:
        for path in sorted((root / zone).rglob("*")):
            if path.is_file() and not path.name.endswith((".wal", ".lock")):
                found += 1
                yield path, file_text(path)
    assert found, f"no outputs under {root} {zones}"


def canaries_found(root: Path, canaries: list[str]) -> list[tuple[Path, str]]:
    assert canaries, "no canaries to search for"
    return [(p, c) for p, text in output_texts(root) for c in canaries if c in text]
