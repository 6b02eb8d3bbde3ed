"""An independent count of the data rows in an archived delivery, for the ledger gate.

The count uses a different reader path than the parser in readers.py, so a parser that loses
rows (or an archive copy that changed) shows up as a ledger that does not reconcile:
- CSV: Python's csv module on the raw bytes, decoded with the codebook's encoding (the parser
  uses pyarrow);
- xlsx: the sheet's XML read straight from the ZIP container (the parser uses openpyxl);
- SPSS: the row count in the file header (pyreadstat metadataonly; the parser reads the data).

What counts as a data row is the codebook's: CSV records after the header (empty lines are no
records); xlsx rows from `first_data_row` up to the last row with a non-blank cell under a
non-blank header; SPSS cases.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

from schemas.codebook import Codebook

UTF8_BOM = b"\xef\xbb\xbf"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")


class RowCountError(Exception):
    """The independent reader cannot count the rows (the sentence never quotes content)."""


def count_data_rows(path: Path, codebook: Codebook) -> int:
    counters = {"csv": _count_csv, "xlsx": _count_xlsx, "spss": _count_spss}
    try:
        return counters[codebook.format](path, codebook)
    except RowCountError:
        raise
    except Exception as exc:
        raise RowCountError(type(exc).__name__) from exc


def _count_csv(path: Path, codebook: Codebook) -> int:
    data = path.read_bytes()
    if data.startswith(UTF8_BOM):
        text = data.decode("utf-8-sig")
    else:
        text = data.decode(str(codebook.reader.get("encoding", "utf-8")))
    separator = str(codebook.reader.get("separator", ","))
    records = (r for r in csv.reader(io.StringIO(text, newline=""), delimiter=separator) if r)
    if next(records, None) is None:
        return 0  # no header: no data rows
    return sum(1 for _ in records)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _text(element: ET.Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{MAIN}t"))


def _sheet_part(book: zipfile.ZipFile, sheet_name: str) -> str:
    workbook = ET.fromstring(book.read("xl/workbook.xml"))
    rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{PKG_REL}Relationship")}
    for sheet in workbook.iter(f"{MAIN}sheet"):
        if sheet.get("name") == sheet_name:
            target = targets[sheet.get(f"{REL}id")]
            return (
                target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl", target))
            )
    raise RowCountError(f"no sheet {sheet_name!r}")


def _cells(book: zipfile.ZipFile, part: str, shared: list[str]):
    """(row number, column number, is the cell non-blank) for every cell of a sheet."""
    row_number = 0
    with book.open(part) as handle:
        for _, element in ET.iterparse(handle):
            if element.tag != f"{MAIN}row":
                continue
            row_number = int(element.get("r") or row_number + 1)
            column = 0
            for cell in element.iter(f"{MAIN}c"):
                ref = CELL_REF.fullmatch(cell.get("r") or "")
                column = _column_number(ref.group(1)) if ref else column + 1
                kind, value = cell.get("t"), cell.find(f"{MAIN}v")
                if kind == "inlineStr":
                    text = _text(cell)
                elif value is None or value.text is None:
                    text = ""
                elif kind == "s":
                    text = shared[int(value.text)]
                else:
                    text = value.text
                yield row_number, column, bool(text.strip())
            element.clear()


def _count_xlsx(path: Path, codebook: Codebook) -> int:
    header_row = int(codebook.reader.get("header_row", 1))
    first_data_row = int(codebook.reader.get("first_data_row", header_row + 1))
    with zipfile.ZipFile(path) as book:
        names = set(book.namelist())
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = ET.fromstring(book.read("xl/sharedStrings.xml"))
            shared = [_text(si) for si in root.iter(f"{MAIN}si")]
        part = _sheet_part(book, str(codebook.reader.get("sheet", "Data")))
        headers, last = set(), 0
        for row, column, filled in _cells(book, part, shared):
            if row == header_row and filled:
                headers.add(column)
            elif row >= first_data_row and filled:
                last = max(last, row) if column <= max(headers, default=0) else last
    return max(0, last - first_data_row + 1)


def _count_spss(path: Path, codebook: Codebook) -> int:
    import pyreadstat

    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    if meta.number_rows is None or meta.number_rows < 0:
        raise RowCountError("the file header does not record the number of cases")
    return int(meta.number_rows)
