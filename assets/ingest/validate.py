"""Validate one delivery file: file-level checks, Pandera row checks, duplicates and conflicts.

Every data row ends in exactly one of three places: accepted, quarantined (with reasons) or
logged as an exact duplicate. A whole-file failure quarantines all its rows as
`file_rejected:<reason>`. Pure function of the file's bytes, its codebook and the reference data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors as pe

from assets.ingest import errors
from assets.ingest.readers import SOURCE_ROW, RawTable, read_delivery
from assets.ingest.tokens import tokenize
from assets.ingest.units import normalize_unit_code
from reference import geography
from schemas.categorical import as_categorical, concat_categoricals
from schemas.codebook import Codebook
from schemas.raw import failing_cells, raw_schema

QUARANTINE_COLUMNS = ["source_row", "status", "reason", "column", "value", "detail"]
PANDERA_NULL = "not_nullable"
PANDERA_REASONS = {PANDERA_NULL: errors.MISSING_RESPONDENT_ID}


@dataclass
class FileValidation:
    status: str  # accepted | rejected
    reason: str | None
    detail: str | None
    rows_in: int
    accepted: pd.DataFrame  # token frame of accepted rows (with source_row)
    quarantine: pd.DataFrame  # one row per finding: QUARANTINE_COLUMNS
    raw: pd.DataFrame | None  # raw text cells of every row (restricted zone)
    unit_in_content: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rows_duplicate(self) -> int:
        dup = self.quarantine[self.quarantine["status"] == "duplicate"]
        return int(dup["source_row"].nunique())

    @property
    def rows_quarantined(self) -> int:
        q = self.quarantine[self.quarantine["status"] == "quarantined"]
        return int(q["source_row"].nunique())

    @property
    def rows_accepted(self) -> int:
        return len(self.accepted)


def _findings(rows: pd.Series, status: str, reason: str, column, value, detail) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_row": rows.astype("int32").to_numpy(),
            "status": status,
            "reason": reason,
            "column": column,
            "value": value,
            "detail": detail,
        }
    )


def _empty_findings() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="int32" if c == "source_row" else object) for c in QUARANTINE_COLUMNS}
    )


def _rejected(reason: str, detail: str, table: RawTable | None) -> FileValidation:
    raw = table.frame if table is not None else None
    rows = raw[SOURCE_ROW] if raw is not None else pd.Series([], dtype="int32")
    findings = _findings(
        rows, "quarantined", errors.FILE_REJECTED_PREFIX + reason, None, None, detail
    )
    empty = pd.DataFrame(columns=[SOURCE_ROW])
    return FileValidation("rejected", reason, detail, len(rows), empty, findings, raw)


def _shown_code(delivered: str, code: str | None) -> str:
    """A delivered unit value for a message: numbers as written, anything else not quoted."""
    if code is None:
        return "a value that is not a unit number"
    return f"{delivered} ({code})" if delivered != code else delivered


def _shown_name(delivered: str, year: int) -> str:
    """A delivered unit name for a message: quoted only when it is a name in the code list."""
    codes = geography.code_list(year)["code"].tolist() + geography.bydeler()["code"].tolist()
    if any(geography.names_match(delivered, c, year) for c in codes):
        return repr(delivered)
    return "a name not in the code list"


def check_unit(
    tokens: pd.DataFrame, unit_id: str, codebook: Codebook
) -> tuple[str | None, str | None]:
    """(unit found in content, mismatch sentence or None).

    The sentence names both units but never quotes a delivered value that is not a unit number
    or a code-list name (the column may hold anything).
    """
    year = codebook.code_list_year
    if codebook.unit_column:
        delivered = sorted(set(tokens[codebook.unit_column].dropna().map(str)))
        normalized = [normalize_unit_code(v) for v in delivered]
        codes = sorted({c or v for v, c in zip(delivered, normalized, strict=True)})
        if codes != [unit_id]:
            shown = ", ".join(_shown_code(d, c) for d, c in zip(delivered, normalized, strict=True))
            return ",".join(
                c for c in normalized if c
            ) or None, f"file name says unit {unit_id}, content says {shown or 'nothing'}"
        return unit_id, None
    names = sorted(set(tokens[codebook.unit_name_column].dropna().map(str)))
    bad = [n for n in names if not geography.names_match(n, unit_id, year)]
    if bad or not names:
        expected = (
            geography.unit_name(unit_id, year) if geography.is_valid_unit(unit_id, year) else "?"
        )
        return None, (
            f"file name says unit {unit_id} ({expected}), content names "
            f"{', '.join(_shown_name(b, year) for b in bad) or 'no unit'}"
        )
    return unit_id, None


def _pandera_findings(
    tokens: pd.DataFrame, raw: pd.DataFrame, codebook: Codebook
) -> tuple[pd.DataFrame, str | None]:
    """Row findings from the raw schema, and a file-level failure sentence if any."""
    return _findings_from_cases(_schema_cases(tokens, codebook), tokens, raw, codebook)


def _schema_cases(tokens: pd.DataFrame, codebook: Codebook) -> pd.DataFrame | None:
    """Pandera's failure cases of the raw schema on a token frame (None: it passes)."""
    try:
        raw_schema(codebook).validate(tokens, lazy=True)
        return None
    except pe.SchemaErrors as exc:
        return exc.failure_cases


def _findings_from_cases(
    cases: pd.DataFrame | None, tokens: pd.DataFrame, raw: pd.DataFrame, codebook: Codebook
) -> tuple[pd.DataFrame, str | None]:
    if cases is None or cases.empty:
        return _empty_findings(), None
    file_level = cases[cases["index"].isna()]
    if len(file_level):
        first = file_level.iloc[0]
        missing = file_level[file_level["check"].astype(str).str.contains("column_in_dataframe")]
        if len(missing):
            cols = ", ".join(sorted(map(str, missing["failure_case"])))
            return _empty_findings(), f"{errors.MISSING_COLUMN}|columns missing: {cols}"
        return (  # the failure case is a value from the file: not quoted
            _empty_findings(),
            f"{errors.SCHEMA_ERROR}|{first['check']} fails on column {first['column']}",
        )
    cases = _cell_cases(cases, tokens, codebook)
    parts = []
    for (column, check), group in cases.groupby(["column", "check"], sort=False):
        index = group["index"].astype(int)
        reason = PANDERA_REASONS.get(str(check), str(check))
        target = codebook.variables[column].to if column in codebook.variables else column
        values = raw.loc[index, column].to_numpy()
        details = [_detail(reason, target, column)] * len(values)
        parts.append(
            _findings(raw.loc[index, SOURCE_ROW], "quarantined", reason, column, values, details)
        )
    return pd.concat(parts, ignore_index=True), None


def _cell_cases(cases: pd.DataFrame, tokens: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One case per failing (row, column): row checks report rows, `failing_cells` the columns."""
    by_column = cases[cases["check"].isin([PANDERA_NULL])]
    parts = [by_column[["index", "column", "check"]]]
    for reason, group in cases[~cases.index.isin(by_column.index)].groupby("check"):
        rows = tokens.loc[group["index"].astype(int).unique()]
        parts.append(failing_cells(rows, codebook, str(reason)).assign(check=reason))
    return pd.concat(parts, ignore_index=True)


def _detail(reason: str, target: str, column: str) -> str:
    """A finding in words: column and reason, never the value (it is in the `value` column of
    the restricted quarantine, where the data engineer can look it up by row)."""
    if reason == errors.OUT_OF_RANGE:
        return f"{target}: the value in column {column} is not a code of the scale"
    if reason == errors.AGE_OUT_OF_RANGE:
        return f"{target}: column {column} gives an age outside the valid range"
    if reason == errors.MISSING_RESPONDENT_ID:
        return f"no respondent id in column {column}"
    return f"{target}: {reason} in column {column}"


def _duplicates_and_conflicts(
    raw: pd.DataFrame, tokens: pd.DataFrame, codebook: Codebook
) -> pd.DataFrame:
    content = raw.drop(columns=[SOURCE_ROW])
    duplicate = content.duplicated(keep="first")
    idcol = codebook.respondent_id
    ids = tokens[idcol]
    candidates = ~duplicate & ids.notna()
    repeated = ids[candidates].duplicated(keep=False)
    conflict_index = repeated[repeated].index
    found = [
        _findings(
            raw.loc[duplicate, SOURCE_ROW],
            "duplicate",
            errors.EXACT_DUPLICATE,
            None,
            None,
            "identical to an earlier row of the same file; the first occurrence is kept",
        ),
    ]
    if len(conflict_index):
        conflicting = ids[conflict_index].astype(object)
        counts = conflicting.map(conflicting.value_counts())
        details = [
            f"the id in column {idcol} occurs {n} times in the file with different answers"
            for n in counts
        ]
        found.append(
            _findings(
                raw.loc[conflict_index, SOURCE_ROW],
                "quarantined",
                errors.CONFLICTING_RESPONDENT_ID,
                idcol,
                ids[conflict_index].to_numpy(),
                details,
            )
        )
    return pd.concat(found, ignore_index=True)


def rejected_unread(reason: str, detail: str) -> FileValidation:
    """The outcome for a file that could not be read at all."""
    return _rejected(reason, detail, None)


def validate_delivery(path: Path, unit_id: str, codebook: Codebook) -> FileValidation:
    """Read and validate a delivery for `unit_id` (the number in its file name)."""
    try:
        table = read_delivery(path, codebook)
    except errors.FileRejected as exc:
        return _rejected(exc.reason, exc.detail, None)
    return validate_table(table, path.name, unit_id, codebook)


def validate_table(
    table: RawTable, file_name: str, unit_id: str, codebook: Codebook
) -> FileValidation:
    """Validate a file's raw text table for `unit_id` (the number in its file name)."""
    ready = _file_checks(table, file_name, unit_id, codebook)
    if isinstance(ready, FileValidation):
        return ready
    found = _pandera_findings(ready, table.frame, codebook)
    return _row_checks(table, file_name, unit_id, codebook, ready, *found)


def validate_deliveries(
    deliveries: Sequence[tuple[Path, str]], codebook: Codebook
) -> list[FileValidation]:
    """validate_delivery for many files of one wave, (path, unit id) each, in one row-check
    pass (validate_tables); a file that cannot be read is rejected as validate_delivery does."""
    out: dict[int, FileValidation] = {}
    tables: list[tuple[int, RawTable]] = []
    for n, (path, _) in enumerate(deliveries):
        try:
            tables.append((n, read_delivery(path, codebook)))
        except errors.FileRejected as exc:
            out[n] = _rejected(exc.reason, exc.detail, None)
    batch = [(table, deliveries[n][0].name, deliveries[n][1]) for n, table in tables]
    out.update(zip((n for n, _ in tables), validate_tables(batch, codebook), strict=True))
    return [out[n] for n in range(len(deliveries))]


def validate_tables(
    deliveries: Sequence[tuple[RawTable, str, str]], codebook: Codebook
) -> list[FileValidation]:
    """validate_table for many files of one wave, (table, file name, unit id) each, with one
    Pandera pass over their concatenated token frames instead of one per file.

    The result is the same, file by file, as validate_table's: Pandera's failure cases are
    split back by file and row, and every finding still names its file's row and column. If
    the concatenated frame fails a check without a row (a column-level failure, which cannot
    be laid on one file), each file is validated on its own.
    """
    ready: dict[int, pd.DataFrame] = {}
    out: list[FileValidation | None] = []
    for n, (table, file_name, unit_id) in enumerate(deliveries):
        checked = _file_checks(table, file_name, unit_id, codebook)
        if isinstance(checked, FileValidation):
            out.append(checked)
        else:
            ready[n] = checked
            out.append(None)
    columns = list(raw_schema(codebook).columns)
    whole = [n for n, tokens in ready.items() if all(c in tokens.columns for c in columns)]
    cases_by_file = _batch_cases([ready[n][columns] for n in whole], codebook)
    if cases_by_file is None:  # a check failed without a row: per file, as validate_table
        cases_by_file = [_schema_cases(ready[n], codebook) for n in whole]
    cases_of = dict(zip(whole, cases_by_file, strict=True))
    for n, tokens in ready.items():
        table, file_name, unit_id = deliveries[n]
        cases = cases_of[n] if n in cases_of else _schema_cases(tokens, codebook)
        found = _findings_from_cases(cases, tokens, table.frame, codebook)
        out[n] = _row_checks(table, file_name, unit_id, codebook, tokens, *found)
    return [v for v in out if v is not None]


def _batch_cases(
    frames: list[pd.DataFrame], codebook: Codebook
) -> list[pd.DataFrame | None] | None:
    """The raw schema's failure cases of each frame, from one validation of them all; None
    when a case has no row (it cannot be laid on one frame)."""
    if not frames:
        return []
    lengths = np.array([len(f) for f in frames])
    starts = np.concatenate([[0], np.cumsum(lengths)])
    whole = pd.DataFrame(
        {c: concat_categoricals([as_categorical(f[c]).array for f in frames]) for c in frames[0]}
    )
    cases = _schema_cases(whole, codebook)
    if cases is None or cases.empty:
        return [None] * len(frames)
    if cases["index"].isna().any():
        return None
    index = cases["index"].astype(np.int64).to_numpy()
    file_of = np.searchsorted(starts, index, side="right") - 1
    out: list[pd.DataFrame | None] = []
    for n in range(len(frames)):
        mine = cases[file_of == n]
        if mine.empty:
            out.append(None)
            continue
        local = mine["index"].astype(np.int64) - starts[n]
        out.append(mine.assign(index=frames[n].index[local.to_numpy()]).reset_index(drop=True))
    return out


def _file_checks(
    table: RawTable, file_name: str, unit_id: str, codebook: Codebook
) -> FileValidation | pd.DataFrame:
    """The whole-file checks before the row checks: the rejection, or the file's tokens."""
    raw = table.frame
    missing = [
        c
        for c in codebook.known_columns() - set(codebook.ignored) - set(codebook.free_text)
        if c not in raw.columns
    ]
    if missing:
        return _rejected(
            errors.MISSING_COLUMN,
            f"{file_name}: columns missing: {', '.join(sorted(missing))}",
            table,
        )
    tokens = tokenize(raw, codebook)
    if not geography.is_valid_unit(unit_id, codebook.code_list_year):
        return _rejected(
            errors.UNIT_NOT_IN_CODE_LIST,
            f"unit {unit_id} is not in the {codebook.code_list_year} code list "
            f"used by wave {codebook.wave}",
            table,
        )
    content_unit, mismatch = check_unit(tokens, unit_id, codebook)
    if mismatch:
        result = _rejected(errors.UNIT_MISMATCH, mismatch, table)
        result.unit_in_content = content_unit
        return result
    return tokens


def _row_checks(
    table: RawTable,
    file_name: str,
    unit_id: str,
    codebook: Codebook,
    tokens: pd.DataFrame,
    row_findings: pd.DataFrame,
    file_failure: str | None,
) -> FileValidation:
    """The outcome of a file that passed the whole-file checks, given its schema findings."""
    raw = table.frame
    if file_failure:
        reason, detail = file_failure.split("|", 1)
        return _rejected(reason, f"{file_name}: {detail}", table)
    row_log = _duplicates_and_conflicts(raw, tokens, codebook)
    duplicates = set(row_log.loc[row_log["status"] == "duplicate", "source_row"])
    row_findings = row_findings[~row_findings["source_row"].isin(duplicates)]
    findings = pd.concat([row_log, row_findings], ignore_index=True)
    notes = extra_columns(raw, codebook)
    excluded = set(findings["source_row"])
    accepted = tokens[~tokens[SOURCE_ROW].isin(excluded)].reset_index(drop=True)
    findings = findings.sort_values(["source_row", "status", "reason"], kind="stable").reset_index(
        drop=True
    )
    detail = "; ".join(notes) or None  # accepted, with something the ledger must still say
    return FileValidation(
        "accepted", None, detail, len(raw), accepted, findings, raw, unit_id, notes
    )


VARIABLE_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def extra_columns(raw: pd.DataFrame, codebook: Codebook) -> list[str]:
    """Columns of the file the codebook does not know, as a note for the ledger and metadata.

    A header that does not look like a variable name (a data row read as header, free text) is
    named by its position only.
    """
    known = codebook.known_columns() | {SOURCE_ROW}
    shown = []
    for position, column in enumerate(raw.columns, start=1):
        if column in known:
            continue
        name = str(column)
        shown.append(
            f"{name} (column {position})"
            if VARIABLE_NAME.fullmatch(name)
            else f"column {position} (header not shown: not a variable name)"
        )
    if not shown:
        return []
    return [f"{EXTRA_COLUMNS_NOTE}: {', '.join(shown)}"]


EXTRA_COLUMNS_NOTE = "extra columns not in the codebook, not used"
