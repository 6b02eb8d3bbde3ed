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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from assets.ingest.errors import EMPTY_FILE, NOT_TEXT, UNREADABLE_FILE, FileRejected
from schemas.categorical import CACHED_CATEGORIES, text_categorical_dtype
from schemas.codebook import Codebook, normalize_code

SOURCE_ROW = "source_row"
UTF8_BOM = b"\xef\xbb\xbf"
SNIFF = 1 << 16
# Leading bytes of formats that are sometimes delivered under a .csv name (checked in order).
MAGIC = [
    ((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"), "ZIP-arkiv (for eksempel en Excel-fil)"),
    ((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"), "UTF-32-tekst"),
    ((b"\xff\xfe", b"\xfe\xff"), "UTF-16-tekst"),
    ((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), "eldre Office-fil (OLE2, for eksempel .xls)"),
    ((b"%PDF",), "PDF-dokument"),
    ((b"\x1f\x8b",), "gzip-arkiv"),
    ((b"$FL2", b"$FL3"), "SPSS-datafil"),
]
# Library errors whose messages are fixed texts of the library, never the file's content.
CONSTANT_MESSAGES = (
    "ReadstatError",
    "PyreadstatError",
    "BadZipFile",
    "InvalidFileException",
    "ZipError",  # calamine: the zip crate's fixed texts ("invalid Zip archive: …")
)


@dataclass
class RawTable:
    frame: pd.DataFrame
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    # the same cells as an Arrow table, when the reader made one (CSV): written as they are,
    # without converting the frame back
    arrow: pa.Table | None = None

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
        raise FileRejected(UNREADABLE_FILE, f"{name}: cannot be read: {safe_error(exc)}") from exc
    if table.n_rows == 0:
        raise FileRejected(EMPTY_FILE, f"{name} has no data rows")
    return table


def safe_error(exc: BaseException) -> str:
    """What went wrong, without the exception's message where it may quote the file's content.

    Parser messages often carry a piece of the offending line (pyarrow's CSV errors do);
    free text holds names and phone numbers, so only messages known to be constant are kept.
    """
    kind = type(exc).__name__
    if isinstance(exc, UnicodeDecodeError):
        return f"byte {exc.start} is not valid {exc.encoding}"
    if kind in CONSTANT_MESSAGES:
        return f"{kind}: {str(exc).splitlines()[0][:120]}" if str(exc) else kind
    return f"{kind} (message not shown: it may quote the file's content)"


def sniff_not_text(head: bytes) -> str | None:
    """What a file that should be text is instead (ZIP, UTF-16, binary…); None for plain text."""
    for magics, what in MAGIC:
        if head.startswith(magics):
            return what
    nul = head.count(b"\x00")
    if not nul:
        return None
    even, odd = head[0::2].count(b"\x00"), head[1::2].count(b"\x00")
    if nul * 4 >= len(head) and min(even, odd) * 10 <= max(even, odd):
        return "UTF-16-tekst uten byte-rekkefølgemerke"
    return "binærfil (inneholder NUL-byte)"


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


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
    out: dict[str, np.ndarray] = {}
    for column in df.columns:
        # once per distinct value, then through the codes (a million rows, a few dozen values)
        codes, uniques = pd.factorize(df[column], use_na_sentinel=True)
        texts = [_cell_text(v) for v in uniques.tolist()]
        labels = meta.variable_value_labels.get(column, {})
        if use_labels and column in label_columns and labels:
            by_code = {normalize_code(code): str(label) for code, label in labels.items()}
            texts = [by_code.get(t, t) if t is not None else None for t in texts]
        out[column] = np.array([*texts, None], dtype=object)[codes]  # code -1: empty cell
    frame = pd.DataFrame(out, dtype=object)
    return RawTable(_finish(frame), encoding=meta.file_encoding)


def _utf8(data: bytes, codebook: Codebook) -> tuple[bytes, str]:
    """The file's bytes as UTF-8 (what the CSV parser reads) and the encoding it had.

    A UTF-8 byte-order mark wins over the declared encoding (Excel re-saves); UTF-8 needs no
    transcoding, so large modern deliveries are parsed straight from disk bytes.
    """
    declared = str(codebook.reader.get("encoding", "utf-8"))
    what = sniff_not_text(data[:SNIFF])
    if what:
        raise FileRejected(NOT_TEXT, f"{what}, ikke en CSV-tekstfil")
    try:
        if data.startswith(UTF8_BOM):
            data[len(UTF8_BOM) :].decode("utf-8")
            return data[len(UTF8_BOM) :], str(codebook.reader.get("bom_encoding", "utf-8-sig"))
        if declared.replace("-", "").lower() == "utf8":
            data.decode("utf-8")  # raises on bytes that are not UTF-8: the file is unreadable
            return data, declared
        return data.decode(declared).encode("utf-8"), declared
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        raise FileRejected(
            UNREADABLE_FILE,
            f"cannot be read: line {line}, byte {exc.start} is not valid {exc.encoding} text",
        ) from exc


def _csv_problem(data: bytes, separator: str, width: int) -> str:
    """Where a CSV file stops being a table: the first record with the wrong number of fields."""
    reader = csv.reader(io.StringIO(data.decode("utf-8", errors="replace")), delimiter=separator)
    try:
        next(reader, None)
        for number, record in enumerate(reader, start=1):
            if record and len(record) != width:
                return (
                    f"data row {number} (line {reader.line_num}) has {len(record)} fields, "
                    f"the header {width}"
                )
    except csv.Error as exc:
        return f"line {reader.line_num}: {type(exc).__name__}"
    return "the CSV parser failed (message not shown: it may quote the file's content)"


def _read_csv(path: Path, codebook: Codebook) -> RawTable:
    data, encoding = _utf8(path.read_bytes(), codebook)
    if not data.strip():
        raise FileRejected(EMPTY_FILE, "the file is empty")
    separator = str(codebook.reader.get("separator", ","))
    first_line = data[: data.find(b"\n") if b"\n" in data[:65536] else 65536].decode("utf-8")
    header = next(csv.reader(io.StringIO(first_line.rstrip("\r")), delimiter=separator))
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=separator, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: TEXT_CELLS for name in header},
                strings_can_be_null=True,
                null_values=[""],
                auto_dict_encode=False,
                check_utf8=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        problem = _csv_problem(data, separator, len(header))
        raise FileRejected(UNREADABLE_FILE, f"cannot be read: {problem}") from exc
    cells = pa.table(_blank_as_empty(table), names=table.column_names)
    frame = _finish(text_frame(cells))
    if SOURCE_ROW in cells.column_names:  # a column of that name: written from the frame
        return RawTable(frame, encoding=encoding)
    rows = pa.array(frame[SOURCE_ROW].to_numpy(), pa.int32())
    return RawTable(frame, encoding=encoding, arrow=cells.append_column(SOURCE_ROW, rows))


# CSV cells are parsed straight into dictionary-encoded text (values in order of first
# appearance): a delivery's columns have few distinct values.
TEXT_CELLS = pa.dictionary(pa.int32(), pa.string())


def _blank_as_empty(table: pa.Table) -> list[pa.DictionaryArray]:
    """The table's columns as one dictionary array each (text; values in order of first
    appearance), a cell of only whitespace empty: blanks are looked for among the distinct
    values of all columns at once, not row by row."""
    columns = []
    for column in table.columns:
        if column.type != TEXT_CELLS:  # a column the header did not name as pyarrow read it
            column = column.cast(pa.string()).dictionary_encode()
        columns.append(column.chunk(0) if column.num_chunks == 1 else column.combine_chunks())
    if not columns:
        return []
    values = pa.concat_arrays([c.dictionary for c in columns])
    blank = pc.equal(pc.utf8_trim_whitespace(values), "").to_numpy(zero_copy_only=False)
    starts = np.cumsum([0, *(len(c.dictionary) for c in columns)])
    out = []
    for n, column in enumerate(columns):
        mine = blank[starts[n] : starts[n + 1]]
        if mine.any():
            slots = pa.array(np.cumsum(~mine) - 1, pa.int32(), mask=mine)  # blank: empty
            column = pa.DictionaryArray.from_arrays(
                slots.take(column.indices), column.dictionary.filter(pa.array(~mine))
            )
        out.append(column)
    return out


def text_frame(cells: pa.Table) -> pd.DataFrame:
    """A table of dictionary-encoded text columns as pandas: what `cells.to_pandas()` gives
    (categoricals of str categories), each short category list's dtype made once per process
    (building a dtype checks its categories: most of a small file's conversion)."""
    arrays = []
    for column in cells.columns:
        if (
            pa.types.is_dictionary(column.type)
            and pa.types.is_string(column.type.value_type)
            and column.num_chunks == 1
            and len(column.chunk(0).dictionary) <= CACHED_CATEGORIES
        ):
            chunk = column.chunk(0)
            codes = chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            dtype = text_categorical_dtype(tuple(chunk.dictionary.to_pylist()))
            arrays.append(pd.Categorical.from_codes(codes, dtype=dtype, validate=False))
        else:
            arrays.append(column.to_pandas())
    frame = pd.DataFrame(dict(enumerate(arrays)), index=pd.RangeIndex(cells.num_rows))
    frame.columns = pd.Index(cells.column_names)
    return frame


def _header_text(value: object) -> str | None:
    """A header cell as the variable name: None when empty, whole numbers without '.0'."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(path: Path, codebook: Codebook) -> RawTable:
    """The codebook's sheet (by name: a vendor's sheet before it is skipped) read with calamine.

    Cells come as calamine gives them: "" for an empty cell (formatted or not), floats for
    numbers, datetime for date-formatted cells (`Dato` as a real Excel date); _cell_text makes
    them text as for every format. Rows are read from A1 (skip_empty_area=False) so that
    header_row and first_data_row count sheet rows; trailing rows without a value are dropped.
    """
    from python_calamine import CalamineWorkbook

    sheet_name = str(codebook.reader.get("sheet", "Data"))
    with CalamineWorkbook.from_path(str(path)) as workbook:
        if sheet_name not in workbook.sheet_names:
            found = len(workbook.sheet_names)  # sheet names are the vendor's text: not quoted
            raise FileRejected(UNREADABLE_FILE, f"no sheet {sheet_name!r} ({found} other sheets)")
        cells = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    header_row = int(codebook.reader.get("header_row", 1))
    first_data_row = int(codebook.reader.get("first_data_row", header_row + 1))
    rows = cells[header_row - 1 :]
    if not rows:
        raise FileRejected(EMPTY_FILE, f"sheet {sheet_name!r} is empty")
    header = [_header_text(h) for h in rows[0]]
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
