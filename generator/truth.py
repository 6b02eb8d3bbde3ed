"""What a correct pipeline must make of every generated file: <out>/truth/ (never read by it).

files.csv: one row per file (the key is `path`, relative to <out>); canaries.txt: every fake name
and phone number written into free text; manifest.json: generation settings and sha256 of every
delivered file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

FILES_COLUMNS = (
    "path",
    "wave",
    "unit",
    "expected_status",
    "expected_reason",
    "n_rows",
    "expected_rows_accepted",
    "expected_rows_quarantined",
    "expected_rows_duplicate",
    "supersedes",
    "name",
    "unit_in_content",
    "expected_detail",
    "is_late",
    "supersedes_path",
    "superseded_by_path",
    "quirks",
    "encoding",
    "sha256",
)


@dataclass
class FileRecord:
    path: str  # relative to the output folder, e.g. landing/2019/bte_2019_1504.csv
    wave: int
    unit: str  # the number in the file name (4 or 6 digits)
    unit_in_content: str
    n_rows: int | None  # data rows in the file; None when it cannot be read
    expected_status: str = "accepted"
    expected_reason: str = ""
    expected_detail: str = ""
    expected_rows_quarantined: int = 0
    expected_rows_duplicate: int = 0
    supersedes: str = ""
    supersedes_path: str = ""
    superseded_by_path: str = ""
    is_late: bool = False
    quirks: list[str] = field(default_factory=list)
    encoding: str = ""
    sha256: str = ""

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def expected_rows_accepted(self) -> int:
        if self.n_rows is None:
            return 0
        return self.n_rows - self.expected_rows_quarantined - self.expected_rows_duplicate

    def quarantine(self, rows: int, quirk: str) -> None:
        self.expected_rows_quarantined += rows
        self.quirks.append(quirk)

    def reject(self, reason: str, detail: str) -> None:
        self.expected_status, self.expected_reason, self.expected_detail = (
            "rejected",
            reason,
            detail,
        )
        self.expected_rows_quarantined = self.n_rows or 0
        self.expected_rows_duplicate = 0
        self.quirks.append(reason)

    def row(self) -> dict:
        data = asdict(self)
        data["name"] = self.name
        data["expected_rows_accepted"] = self.expected_rows_accepted
        data["quirks"] = ",".join(dict.fromkeys(self.quirks))
        data["n_rows"] = "" if self.n_rows is None else self.n_rows
        return {c: data[c] for c in FILES_COLUMNS}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_truth(out: Path, records: list[FileRecord], canaries: list[str], settings: dict) -> Path:
    folder = out / "truth"
    folder.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame([r.row() for r in records], columns=list(FILES_COLUMNS))
    table.to_csv(folder / "files.csv", index=False, lineterminator="\n")
    (folder / "canaries.txt").write_text("".join(f"{c}\n" for c in canaries), encoding="utf-8")
    manifest = {"settings": settings, "files": {r.path: r.sha256 for r in records}}
    (folder / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return folder


def read_files_table(out: Path) -> pd.DataFrame:
    """truth/files.csv as text (unit codes keep their leading zeros)."""
    return pd.read_csv(Path(out) / "truth" / "files.csv", dtype=str, keep_default_na=False)
