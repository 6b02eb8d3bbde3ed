"""Read one raw delivery file into a table of text cells, as its wave's codebook describes.

Every reader returns the same shape: a DataFrame with one column per raw variable holding text
(None for an empty cell) and `source_row`, the 1-based data row in the file. Codes become plain
text ("4", not 4.0); SPSS codes carry the file's own value labels where the value set matches on
labels. Nothing is interpreted here: validation and harmonization work on this table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from assets.ingest.errors import EMPTY_FILE, UNREADABLE_FILE, FileRejected
from schemas.codebook import Codebook, normalize_code

SOURCE_ROW = "source_row"
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class RawTable:
    frame: pd.DataFrame
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.frame)


def read_delivery(path: Path, codebook: Codebook, name: str | None = None) -> RawTable:
    """Read a delivery; raise FileRejected when it cannot be read or holds no data rows.

    `name` is the delivered file name used in messages (the path may be an archive copy).
    """
    name = name or path.name
    readers = {"spss": _read_spss, "csv": _read_csv, "xlsx": _read_xlsx}
    try:
        table = readers[codebook.format](path, codebook)
    except FileRejected as exc:
        raise FileRejected(exc.reason, f"{name}: {exc.detail}") from exc
    except Exception as exc:  # any parser failure means the file as a whole is unusable
        raise FileRejected(UNREADABLE_FILE, f"{name} cannot be read: {exc}") from exc
    if table.n_rows == 0:
        raise FileRejected(EMPTY_FILE, f"{name} has no data rows")
    return table


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return normalize_code(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def _finish(frame: pd.DataFrame, first_row: int = 1) -> pd.DataFrame:
    """Text cells as categorical columns (see schemas/categorical.py) plus `source_row`."""
    frame = frame.reset_index(drop=True)
    for column in frame.columns:
        if not isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object).astype("category")
    frame[SOURCE_ROW] = pd.array(range(first_row, first_row + len(frame)), dtype="int32")
    return frame


def _read_spss(path: Path, codebook: Codebook) -> RawTable:
    import pyreadstat

    df, meta = pyreadstat.read_sav(str(path), user_missing=True)
    use_labels = bool(codebook.reader.get("value_labels_from_file", True))
    label_columns = {
        name
        for name, var in codebook.variables.items()
        if var.type == "values" and codebook.value_sets[var.values].match == "labels"
    }
    out: dict[str, list[str | None]] = {}
    for column in df.columns:
        texts = [_cell_text(v) for v in df[column].tolist()]
        labels = meta.variable_value_labels.get(column, {})
        if use_labels and column in label_columns and labels:
            by_code = {normalize_code(code): str(label) for code, label in labels.items()}
            texts = [by_code.get(t, t) if t is not None else None for t in texts]
        out[column] = texts
    frame = pd.DataFrame(out, dtype=object)
    return RawTable(_finish(frame), encoding=meta.file_encoding)


def _utf8(data: bytes, codebook: Codebook) -> tuple[bytes, str]:
    """The file's bytes as UTF-8 (what the CSV parser reads) and the encoding it had.

    A UTF-8 byte-order mark wins over the declared encoding (Excel re-saves); UTF-8 needs no
    transcoding, so large modern deliveries are parsed straight from disk bytes.
    """
    declared = str(codebook.reader.get("encoding", "utf-8"))
    if data.startswith(UTF8_BOM):
        return data[len(UTF8_BOM) :], str(codebook.reader.get("bom_encoding", "utf-8-sig"))
    if declared.replace("-", "").lower() == "utf8":
        data.decode("utf-8")  # raises on bytes that are not UTF-8: the file is unreadable
        return data, declared
    return data.decode(declared).encode("utf-8"), declared


def _read_csv(path: Path, codebook: Codebook) -> RawTable:
    data, encoding = _utf8(path.read_bytes(), codebook)
    if not data.strip():
        raise FileRejected(EMPTY_FILE, "the file is empty")
    separator = str(codebook.reader.get("separator", ","))
    first_line = data[: data.find(b"\n") if b"\n" in data[:65536] else 65536].decode("utf-8")
    header = next(csv.reader(io.StringIO(first_line.rstrip("\r")), delimiter=separator))
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=separator, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=True,
            null_values=[""],
            auto_dict_encode=False,
            check_utf8=True,
        ),
    )
    columns = []
    for column in table.columns:
        text = column.cast(pa.string())
        blank = pc.equal(pc.utf8_trim_whitespace(text), "")
        columns.append(pc.if_else(blank, pa.scalar(None, pa.string()), text).dictionary_encode())
    frame = pa.table(columns, names=table.column_names).to_pandas()
    return RawTable(_finish(frame), encoding=encoding)


def _read_xlsx(path: Path, codebook: Codebook) -> RawTable:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet_name = str(codebook.reader.get("sheet", "Data"))
    if sheet_name not in workbook.sheetnames:
        raise FileRejected(
            UNREADABLE_FILE, f"no sheet {sheet_name!r} (sheets: {workbook.sheetnames})"
        )
    header_row = int(codebook.reader.get("header_row", 1))
    first_data_row = int(codebook.reader.get("first_data_row", header_row + 1))
    rows = list(workbook[sheet_name].iter_rows(min_row=header_row, values_only=True))
    workbook.close()
    if not rows:
        raise FileRejected(EMPTY_FILE, f"sheet {sheet_name!r} is empty")
    header = [str(h).strip() if h is not None else None for h in rows[0]]
    width = max((i + 1 for i, h in enumerate(header) if h), default=0)
    header = header[:width]
    data = [
        [_cell_text(v) for v in row[:width]] + [None] * (width - len(row))  # short rows: empty tail
        for row in rows[first_data_row - header_row :]
    ]
    while data and all(v is None for v in data[-1]):
        data.pop()  # trailing formatted-but-empty rows are not data
    frame = pd.DataFrame(data, columns=header, dtype=object)
    if len(frame.columns) and frame.columns.isna().any():
        frame = frame.loc[:, frame.columns.notna()]
    return RawTable(_finish(frame), encoding=None)
