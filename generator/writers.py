"""Writers per vendor format (codebook `reader.format`), byte-for-byte deterministic.

- spss: pyreadstat with value labels and user-missing codes; the header timestamp is fixed.
- csv: the codebook's encoding and separator (optionally a UTF-8 byte-order mark), `"` quoting.
- xlsx: openpyxl write-only; question texts in row 1, variable codes in the header row, data
  below; document properties and zip entry times fixed.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import PatternFill
from openpyxl.writer.excel import ExcelWriter

from generator.encode import WaveEncoder

# SAV header: creation date (9 bytes, "dd Mon yy") at byte 92, time (8 bytes) at 101.
_SAV_DATE_OFFSET = 92
_EMPTY_FILL = PatternFill("solid", fgColor="FFF2CC")
XLSX_DATE_FORMAT = "DD.MM.YYYY"


@dataclass
class XlsxQuirks:
    """Vendor habits planted in a workbook (anomalies option)."""

    sheet_before_data: str | None = None  # title of a sheet written before the data sheet
    trailing_empty_rows: int = 0  # formatted rows without values after the data
    formatted_empty_cells: bool = False  # empty data cells carry a fill
    intro_lines: list[str] = field(default_factory=list)


def write(
    enc: WaveEncoder,
    frame: pd.DataFrame,
    path: Path,
    stamp: datetime,
    *,
    bom: bool = False,
    xlsx: XlsxQuirks | None = None,
    unit_names: dict[str, str] | None = None,
) -> None:
    """Write one delivery; `unit_names` labels the SPSS unit codes (raw code text → name)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if enc.fmt == "spss":
        write_spss(enc, frame, path, stamp, unit_names or {})
    elif enc.fmt == "csv":
        write_csv(enc, frame, path, bom=bom)
    else:
        write_xlsx(enc, frame, path, stamp, xlsx or XlsxQuirks())


def write_spss(
    enc: WaveEncoder, frame: pd.DataFrame, path: Path, stamp: datetime, unit_names: dict[str, str]
) -> None:
    frame = frame.copy()
    labels, missing, formats = {}, {}, {}
    for col in enc.columns:
        values = frame[col.name]
        if col.kind == "unit" and unit_names:
            labels[col.name] = {float(int(c)): name for c, name in unit_names.items()}
        elif col.value_labels:
            labels[col.name] = col.value_labels
            if col.missing:
                missing[col.name] = col.missing
        if col.kind in ("code_list", "free_text", "other", "unit_name"):
            frame[col.name] = values.fillna("").astype(str)
        else:
            numbers = pd.to_numeric(values, errors="coerce").astype(float)
            frame[col.name] = numbers
            top = float(np.nanmax(np.abs(numbers.to_numpy()))) if numbers.notna().any() else 1.0
            formats[col.name] = f"F{max(1, len(str(int(top))))}.0"
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=enc.book.title[:64],
        column_labels={c.name: c.question for c in enc.columns},
        variable_value_labels=labels,
        missing_ranges=missing,
        variable_format=formats,
    )
    with path.open("r+b") as fh:
        fh.seek(_SAV_DATE_OFFSET)
        fh.write(stamp.strftime("%d %b %y").encode("ascii") + stamp.strftime("%H:%M:%S").encode())


def write_csv(enc: WaveEncoder, frame: pd.DataFrame, path: Path, *, bom: bool = False) -> None:
    reader = enc.book.reader
    encoding = str(reader.get("encoding", "utf-8"))
    if bom:
        encoding = str(reader.get("bom_encoding", "utf-8-sig"))
    newline = enc.book.delivery.get("line_terminator")
    if newline is None:
        newline = "\n" if encoding.replace("_", "-").lower().startswith("utf") else "\r\n"
    text = frame.to_csv(
        sep=str(reader.get("separator", ",")),
        index=False,
        lineterminator=newline,
        decimal=str(reader.get("decimal", ".")),
    )
    path.write_bytes(text.encode(encoding))


def write_xlsx(
    enc: WaveEncoder, frame: pd.DataFrame, path: Path, stamp: datetime, quirks: XlsxQuirks
) -> None:
    reader = enc.book.reader
    header_row = int(reader.get("header_row", 1))
    first_data = int(reader.get("first_data_row", header_row + 1))
    wb = Workbook(write_only=True)
    wb.properties.creator = "Survey vendor"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    if quirks.sheet_before_data:
        intro = wb.create_sheet(quirks.sheet_before_data)
        for line in quirks.intro_lines:
            intro.append([line])
    ws = wb.create_sheet(str(reader.get("sheet", "Data")))
    names = list(frame.columns)
    questions = [enc.by_name[c].question if c in enc.by_name else c for c in names]
    top_rows = {header_row: names}
    if header_row > 1:
        top_rows[header_row - 1] = questions
    for r in range(1, header_row + 1):
        ws.append(top_rows.get(r, []))
    for _ in range(header_row + 1, first_data):
        ws.append([])
    ncol = len(names)

    def cell(value):
        if isinstance(value, datetime):
            c = WriteOnlyCell(ws, value=value)
            c.number_format = XLSX_DATE_FORMAT
            return c
        if value is None and quirks.formatted_empty_cells:
            c = WriteOnlyCell(ws, value=None)
            c.fill = _EMPTY_FILL
            return c
        return value

    plain = not quirks.formatted_empty_cells
    for row in frame.itertuples(index=False, name=None):
        if plain and not any(isinstance(v, datetime) for v in row):
            ws.append([None if _isnan(v) else v for v in row])
        else:
            ws.append([cell(None if _isnan(v) else v) for v in row])
    for _ in range(quirks.trailing_empty_rows):
        empty = []
        for _ in range(ncol):
            c = WriteOnlyCell(ws, value=None)
            c.fill = _EMPTY_FILL
            empty.append(c)
        ws.append(empty)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    path.write_bytes(_fixed_zip(buffer.getvalue(), stamp))


def _isnan(value) -> bool:
    return isinstance(value, float) and value != value


def _fixed_zip(data: bytes, stamp: datetime) -> bytes:
    """The same zip with every entry's time set to `stamp` (zip times are local wall time)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def truncate(path: Path, keep: float = 0.45) -> None:
    """Cut a written file short (an interrupted upload): readers must fail on it."""
    data = path.read_bytes()
    path.write_bytes(data[: max(64, int(len(data) * keep))])
