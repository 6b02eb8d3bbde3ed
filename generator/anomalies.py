"""Row- and format-level problems of real deliveries (DELIVERY.md §2–3), planted deterministically.

Which problems a wave gets follows from its codebook: label-text value sets get case and spacing
variants, a birth-year variable gets 1899, an integer age gets 121, code value sets get a code
outside the set, a code list gets spaces after its separators, xlsx gets vendor sheet habits,
cp1252 CSV gets files with a UTF-8 BOM. Every wave gets an exact duplicate row, a conflicting
respondent id, a filtered item answered anyway and (with free text) canary names and numbers.
File-level problems (rejected and late files) are in generator.extras.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from generator.encode import WaveEncoder
from generator.model import Respondents
from generator.texts import canary
from generator.truth import FileRecord
from generator.units import Unit
from generator.writers import XlsxQuirks
from schemas.questionnaire import questionnaire

OUT_OF_RANGE_CODE = {2021: "8", 2023: "7"}  # as in the spec's samples; else highest code + 1
LABEL_VARIATION_SHARE = 0.05
CODE_LIST_SPACING_SHARE = 0.15
BOM_SHARE = 0.15
CANARY_FILES, CANARIES_PER_FILE = 3, 3
TRAILING_EMPTY_ROWS = 14
INTRO_SHEET = "Om undersøkelsen"


@dataclass
class Plan:
    rows: dict[int, list[str]] = field(default_factory=dict)  # unit index → row anomalies
    canary_files: set[int] = field(default_factory=set)
    bom: set[int] = field(default_factory=set)
    xlsx: dict[int, XlsxQuirks] = field(default_factory=dict)
    excel_date: set[int] = field(default_factory=set)
    korr: int | None = None  # the unit that sends a late correction
    rng: np.random.Generator | None = None


def _degree_code_columns(enc: WaveEncoder) -> list[str]:
    degree = questionnaire().degree_items
    return [
        c.name
        for c in enc.columns
        if c.kind == "values"
        and c.var.to in degree
        and enc.book.value_sets[c.var.values].match == "codes"
    ]


def _skip_pairs(enc: WaveEncoder) -> list[tuple[str, str, str]]:
    """(filter column, item column, closed value) for each skip rule the wave can show."""
    raw_of = {c.var.to: c.name for c in enc.columns if c.kind == "values"}
    return [
        (raw_of[r.filter], raw_of[item], r.closed_value)
        for r in enc.book.skip_logic
        for item in r.items
        if r.filter in raw_of and item in raw_of
    ]


def row_kinds(enc: WaveEncoder) -> list[str]:
    kinds = []
    if enc.fmt != "spss" and _degree_code_columns(enc):
        kinds.append("out_of_range")
    if any(c.kind in ("birth_year", "integer") for c in enc.columns):
        kinds.append("age_out_of_range")
    kinds.append("conflicting_respondent_id")
    if _skip_pairs(enc):
        kinds.append("skip_answered_anyway")
    kinds.append("exact_duplicate")
    return kinds


def plan(enc: WaveEncoder, units: list[Unit], resp: Respondents, rng) -> Plan:
    p = Plan(rng=rng)
    order = sorted(range(len(units)), key=lambda i: (-units[i].n, units[i].code))
    eligible = [i for i in order if units[i].n >= 10] or [i for i in order if units[i].n >= 4]
    if not eligible:
        return p
    p.korr = eligible[len(eligible) // 2] if len(eligible) > 1 else None
    pool = [i for i in eligible if i != p.korr]
    for j, kind in enumerate(row_kinds(enc)):
        p.rows.setdefault(pool[j % len(pool)], []).append(kind)
    if enc.book.free_text:
        p.canary_files = {pool[-1 - j % len(pool)] for j in range(CANARY_FILES)}
    encoding = str(enc.book.reader.get("encoding", "utf-8")).lower()
    if enc.fmt == "csv" and not encoding.startswith("utf") and enc.book.reader.get("bom_encoding"):
        chosen = rng.random(len(units)) < BOM_SHARE
        chosen[order[-1]] = True  # always at least one (the smallest unit)
        p.bom = {int(i) for i in np.flatnonzero(chosen) if i != p.korr}
    if enc.fmt == "xlsx":
        p.xlsx[pool[0]] = XlsxQuirks(
            trailing_empty_rows=TRAILING_EMPTY_ROWS, formatted_empty_cells=True
        )
        second = pool[1 % len(pool)]
        if second != pool[0]:
            title = enc.book.title
            p.xlsx[second] = XlsxQuirks(sheet_before_data=INTRO_SHEET, intro_lines=[title])
            if any(c.kind == "date" for c in enc.columns):
                p.excel_date.add(second)
    return p


def apply(
    p: Plan,
    i: int,
    frame: pd.DataFrame,
    enc: WaveEncoder,
    resp: Respondents,
    rows: slice,
    record: FileRecord,
    options: dict,
    canaries: list[str],
) -> pd.DataFrame:
    """Plant the plan's problems for unit i in its raw frame; record what a pipeline must do."""
    rng = p.rng
    habits(frame, enc, rng, record)
    if i in p.bom:
        options["bom"] = True
        record.quirks.append("utf8_bom")
    if i in p.xlsx:
        options["xlsx"] = p.xlsx[i]
        q = p.xlsx[i]
        if q.trailing_empty_rows:
            record.quirks += ["trailing_empty_rows", "formatted_empty_cells"]
        if q.sheet_before_data:
            record.quirks.append("extra_sheet_before_data")
    if i in p.excel_date:
        date_col = next(c for c in enc.columns if c.kind == "date")
        fmt = date_col.var.formats[0]
        parsed = pd.to_datetime(frame[date_col.name], format=fmt)
        frame[date_col.name] = pd.Series(parsed.dt.to_pydatetime(), dtype=object)
        record.quirks.append("dato_as_excel_date")
    free = list(rng.permutation(len(frame)))
    kinds = p.rows.get(i, [])
    for kind in kinds:
        if kind != "exact_duplicate":
            _ROW[kind](frame, enc, resp, rows, free, rng, record)
    if i in p.canary_files:
        _canaries(frame, enc, free, rng, record, canaries)
    if "exact_duplicate" in kinds and free:
        r = int(free.pop())
        frame = pd.concat([frame.iloc[: r + 1], frame.iloc[[r]], frame.iloc[r + 1 :]])
        frame = frame.reset_index(drop=True)
        record.n_rows = len(frame)
        record.expected_rows_duplicate += 1
        record.quirks.append("exact_duplicate")
    return frame


def habits(frame: pd.DataFrame, enc: WaveEncoder, rng, record: FileRecord) -> None:
    """Label text in varied case and spacing; code lists with spaces after the separator."""
    varied = spaced = False
    for col in enc.columns:
        if col.kind == "values" and enc.fmt == "csv":
            if enc.book.value_sets[col.var.values].match != "labels":
                continue
            values = frame[col.name].to_numpy(dtype=object, copy=True)
            hit = np.flatnonzero((values != "") & (rng.random(len(values)) < LABEL_VARIATION_SHARE))
            for r in hit:
                values[r] = _vary(str(values[r]), int(rng.integers(0, 4)))
            frame[col.name] = values
            varied |= len(hit) > 0
        elif col.kind == "code_list":
            sep = col.var.separator
            values = frame[col.name].to_numpy(dtype=object, copy=True)
            many = np.array([sep in str(v) for v in values], dtype=bool)
            hit = np.flatnonzero(many & (rng.random(len(values)) < CODE_LIST_SPACING_SHARE))
            for r in hit:
                values[r] = str(values[r]).replace(sep, sep + " ")
            frame[col.name] = values
            spaced |= len(hit) > 0
    if varied:
        record.quirks.append("label_case_and_spacing")
    if spaced:
        record.quirks.append("code_list_spaces")


def _vary(label: str, how: int) -> str:
    if how == 0:
        return label.upper()
    if how == 1:
        return label.lower()
    if how == 2:
        return f" {label.replace(' ', '  ', 1)} "
    return f"{label[:1].lower()}{label[1:]} "


def _out_of_range(frame, enc, resp, rows, free, rng, record) -> None:
    columns = _degree_code_columns(enc)
    col = columns[int(rng.integers(0, len(columns)))]
    vs = enc.book.value_sets[enc.by_name[col].var.values]
    small = [int(c) for c in vs.codes if c.isdigit() and int(c) <= 20]
    code = OUT_OF_RANGE_CODE.get(enc.book.wave) or str(max(small, default=5) + 1)
    if code in vs.codes:
        code = str(max(small, default=5) + 1)
    frame.at[int(free.pop()), col] = enc.code_token(code)
    record.quarantine(1, "out_of_range")


def _age(frame, enc, resp, rows, free, rng, record) -> None:
    col = next(c for c in enc.columns if c.kind in ("birth_year", "integer"))
    value = 1899 if col.kind == "birth_year" else 121
    frame.at[int(free.pop()), col.name] = enc._numbers(np.array([value]))[0]
    record.quarantine(1, "age_out_of_range")


def _conflicting_id(frame, enc, resp, rows, free, rng, record) -> None:
    id_col = enc.book.respondent_id
    a, b = int(free.pop()), int(free.pop())
    frame.at[b, id_col] = frame.at[a, id_col]
    record.quarantine(2, "conflicting_respondent_id")


def _skip_answered(frame, enc, resp, rows, free, rng, record) -> None:
    planted = 0
    for filter_col, item_col, closed in _skip_pairs(enc):
        var_f, var_i = enc.by_name[filter_col].var, enc.by_name[item_col].var
        closed_rows = set(np.flatnonzero(_is(frame[filter_col], enc.token(var_f, closed))))
        answer = 4 if var_i.to in questionnaire().degree_items else "ja"
        for r in [r for r in free if r in closed_rows][:2]:
            frame.at[int(r), item_col] = enc.token(var_i, answer)
            free.remove(r)
            planted += 1
    if planted:
        record.quirks.append("skip_answered_anyway")


def _is(series: pd.Series, token) -> np.ndarray:
    values = series.to_numpy(dtype=object)
    return np.array([v == token for v in values], dtype=bool)


def _canaries(frame, enc, free, rng, record, canaries: list[str]) -> None:
    col = enc.book.free_text[0]
    for r in free[-CANARIES_PER_FILE:]:
        text, used = canary(rng)
        frame.at[int(r), col] = text
        canaries.extend(u for u in used if u not in canaries)
    del free[-CANARIES_PER_FILE:]
    record.quirks.append("free_text_canaries")


_ROW = {
    "out_of_range": _out_of_range,
    "age_out_of_range": _age,
    "conflicting_respondent_id": _conflicting_id,
    "skip_answered_anyway": _skip_answered,
}
