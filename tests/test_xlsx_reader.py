"""The xlsx reader (python-calamine) reproduces every Excel habit of DELIVERY.md §3.2 and §3.4.

Hand-built workbooks pin each habit to an exact result; a generated 2021 wave with every planted
xlsx anomaly is read both with the reader and with an openpyxl reference (the reader before
calamine), and the tables must be identical.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import PatternFill

from assets.ingest.errors import EMPTY_FILE, UNREADABLE_FILE, FileRejected
from assets.ingest.readers import SOURCE_ROW, _cell_text, _finish, read_delivery
from generator import generate
from generator.writers import truncate
from schemas.codebook import codebook_for

FILL = PatternFill("solid", fgColor="FFFF00")


@pytest.fixture(scope="module")
def book():
    return codebook_for(2021)


def _workbook(path: Path, rows: list[list], *, intro: bool = False, fill_empty: bool = False):
    wb = openpyxl.Workbook()
    first = wb.active
    if intro:
        first.title = "Om undersøkelsen"
        first.append(["Brukerundersøkelse 2021"])
        first.append(["Kontakt: Ola Nordmann, 99 99 99 99"])
        ws = wb.create_sheet("Data")
    else:
        first.title = "Data"
        ws = first
    for row in rows:
        ws.append(row)
    if fill_empty:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    cell.fill = FILL
    wb.save(path)
    return path


def _header() -> tuple[list[str], list[str]]:
    names = ["kommunenr", "T1", "Dato"]
    return [f"Spørsmål om {n}" for n in names], names


def test_sheet_before_data_dates_and_codes(tmp_path: Path, book) -> None:
    questions, names = _header()
    rows = [
        questions,
        names,
        ["1818", 4, dt.datetime(2021, 3, 15)],
        ["1818", 5.0, "15.03.2021"],
        ["1818", None, dt.datetime(2021, 3, 16, 14, 30)],
    ]
    table = read_delivery(_workbook(tmp_path / "a.xlsx", rows, intro=True), book)
    frame = table.frame
    assert list(frame.columns) == [*names, SOURCE_ROW]
    assert frame["T1"].tolist()[:2] == ["4", "5"] and pd.isna(frame["T1"].iloc[2])
    assert frame["Dato"].tolist() == ["2021-03-15", "15.03.2021", "2021-03-16T14:30:00"]
    assert frame[SOURCE_ROW].tolist() == [1, 2, 3]


def test_formatted_empty_cells_and_trailing_formatted_rows(tmp_path: Path, book) -> None:
    questions, names = _header()
    rows = [questions, names, ["1818", None, "x"], ["1818", "  ", None]]
    rows += [[None, None, None]] * 4  # formatted rows after the data (filled below)
    path = _workbook(tmp_path / "b.xlsx", rows, fill_empty=True)
    frame = read_delivery(path, book).frame
    assert len(frame) == 2
    assert frame["T1"].isna().all() and frame["Dato"].isna().tolist() == [False, True]


def test_short_rows_and_blank_header_columns(tmp_path: Path, book) -> None:
    questions, names = _header()
    rows = [questions, [*names, None, None], ["1818"], ["1818", 3, None, None, "stray"]]
    frame = read_delivery(_workbook(tmp_path / "c.xlsx", rows), book).frame
    assert list(frame.columns) == [*names, SOURCE_ROW]
    assert frame["T1"].tolist()[1] == "3" and frame["Dato"].isna().all()


def test_unreadable_and_empty_workbooks_are_rejected(tmp_path: Path, book) -> None:
    questions, names = _header()
    path = _workbook(tmp_path / "d.xlsx", [questions, names, *[["1818", 1, None]] * 50])
    truncate(path)
    with pytest.raises(FileRejected) as caught:
        read_delivery(path, book)
    assert caught.value.reason == UNREADABLE_FILE and "ZipError: invalid Zip" in caught.value.detail
    with pytest.raises(FileRejected) as caught:
        read_delivery(_workbook(tmp_path / "e.xlsx", [questions, names]), book)
    assert caught.value.reason == EMPTY_FILE
    wb = openpyxl.Workbook()
    wb.active.title = "Ark1"
    wb.save(tmp_path / "f.xlsx")
    with pytest.raises(FileRejected) as caught:
        read_delivery(tmp_path / "f.xlsx", book)
    assert caught.value.reason == UNREADABLE_FILE and "no sheet 'Data'" in caught.value.detail


def _openpyxl_reference(path: Path, book) -> pd.DataFrame:
    """The reader as it was with openpyxl (read-only, cached values)."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    header_row = int(book.reader.get("header_row", 1))
    first_data_row = int(book.reader.get("first_data_row", header_row + 1))
    rows = list(workbook[str(book.reader.get("sheet", "Data"))].iter_rows(
        min_row=header_row, values_only=True
    ))  # fmt: skip
    workbook.close()
    header = [str(h).strip() if h is not None else None for h in rows[0]]
    width = max((i + 1 for i, h in enumerate(header) if h), default=0)
    data = [
        [_cell_text(v) for v in row[:width]] + [None] * (width - len(row))
        for row in rows[first_data_row - header_row :]
    ]
    while data and all(v is None for v in data[-1]):
        data.pop()
    frame = pd.DataFrame(data, columns=header[:width], dtype=object)
    return _finish(frame.loc[:, frame.columns.notna()])


def test_generated_wave_with_every_xlsx_anomaly_reads_as_openpyxl_does(tmp_path: Path, book):
    result = generate(tmp_path, waves=[2021], anomalies=True)
    quirks = {q for rec in result.files for q in rec.quirks}
    planted = {"extra_sheet_before_data", "trailing_empty_rows", "formatted_empty_cells"}
    assert planted <= quirks and any("date" in q for q in quirks), quirks
    compared = 0
    for rec in result.files:
        path = tmp_path / rec.path
        try:
            frame = read_delivery(path, book).frame
        except FileRejected as exc:
            assert exc.reason in {EMPTY_FILE, UNREADABLE_FILE}, (rec.path, exc.reason)
            continue
        pd.testing.assert_frame_equal(frame, _openpyxl_reference(path, book), obj=rec.path)
        compared += 1
    assert compared >= len(result.files) - 3
