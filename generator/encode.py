"""Harmonized answers → raw vendor columns, by inverting the wave's codebook.

A value set is inverted harmonized value → label → raw token: the code when `match: codes` (and in
SPSS, which stores codes with value labels), the label text when `match: labels`, an empty cell
for the value set's `blank`. Tokens are typed per format: SPSS numbers (NaN = system-missing),
CSV text ('' = empty), xlsx numbers or text (None = empty cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import yaml

from generator import calibration as cal
from generator.model import Respondents
from generator.units import Unit
from schemas.codebook import Codebook, Variable, normalize_label
from schemas.questionnaire import questionnaire

USER_MISSING = ("vet_ikke", "ikke_aktuelt")  # harmonized values declared user-missing in SPSS
AGE_QUESTIONS = {"birth_year": "Fødselsår", "integer": "Alder (år)", "date": "Dato for utfylling"}


@dataclass
class Column:
    name: str
    kind: str  # id, unit, unit_name, values, code_list, birth_year, integer, date, free_text, other
    question: str
    var: Variable | None = None
    value_labels: dict[float, str] = field(default_factory=dict)
    missing: list[float] = field(default_factory=list)


def _key(value: object) -> str:
    return str(value).strip().lower()


def _digits(code: str) -> bool:
    return code.lstrip("-").isdigit()


class WaveEncoder:
    def __init__(self, book: Codebook):
        self.book = book
        self.fmt = book.format
        raw = yaml.safe_load(book.source.read_text(encoding="utf-8")) or {}
        self._raw_labels = {
            name: {normalize_label(k): str(k) for k in (vs.get("labels") or {})}
            for name, vs in (raw.get("value_sets") or {}).items()
        }
        self.unit_style = str(book.delivery.get("unit_code_style", "text"))
        self.id_kind = str(book.delivery.get("respondent_id_kind", "integer"))
        self.columns = self._layout()
        self._tables: dict[tuple[str, tuple], np.ndarray] = {}

    # -- layout -----------------------------------------------------------------------------
    def _layout(self) -> list[Column]:
        book, q = self.book, questionnaire()
        wording = {**q.degree_items, **q.categorical_items}
        cols = [Column(book.respondent_id, "id", book.respondent_id)]
        if book.unit_column:
            cols.append(Column(book.unit_column, "unit", book.unit_column))
        if book.unit_name_column and book.unit_name_column != book.unit_column:
            cols.append(Column(book.unit_name_column, "unit_name", book.unit_name_column))
        for name, why in book.ignored.items():
            kind = "unit_name" if ("name" in why.lower() or "navn" in why.lower()) else "other"
            cols.append(Column(name, kind, name))
        for name, var in book.variables.items():
            question = AGE_QUESTIONS.get(var.type) or wording.get(var.to, {}).get("wording", name)
            col = Column(name, var.type, question, var)
            if var.type == "values" and self.fmt == "spss":
                vs = book.value_sets[var.values]
                if vs.codes and all(_digits(c) for c in vs.codes):
                    col.value_labels = {float(c): label for c, label in vs.codes.items()}
                    col.missing = [
                        float(c)
                        for c, label in vs.codes.items()
                        if str(vs.labels.get(normalize_label(label))) in USER_MISSING
                    ]
            cols.append(col)
        cols += [Column(name, "free_text", name) for name in book.free_text]
        order = book.delivery.get("columns")
        if order:
            by_name = {c.name: c for c in cols}
            cols = [by_name[n] for n in order if n in by_name] + [
                c for c in cols if c.name not in set(order)
            ]
        return cols

    @cached_property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    # -- single values ----------------------------------------------------------------------
    @property
    def blank(self) -> Any:
        return {"spss": np.nan, "csv": "", "xlsx": None}[self.fmt]

    def code_token(self, code: str) -> Any:
        if self.fmt == "spss":
            return float(code) if _digits(code) else code
        if self.fmt == "xlsx" and _digits(code):
            return int(code)
        return code

    def token(self, var: Variable, value: object) -> Any:
        """The raw token for a harmonized value of a values-variable."""
        vs = self.book.value_sets[var.values]
        for norm_label, harmonized in vs.labels.items():
            if _key(harmonized) != _key(value):
                continue
            if vs.codes and (vs.match == "codes" or self.fmt == "spss"):
                codes = [c for c, lab in vs.codes.items() if normalize_label(lab) == norm_label]
                if codes:
                    return self.code_token(codes[0])
            return self._raw_labels.get(var.values, {}).get(norm_label, norm_label)
        if vs.blank is not None and _key(vs.blank) == _key(value):
            return self.blank
        if vs.blank is None and _key(value) == "ubesvart":
            return self.blank
        raise ValueError(f"{var.raw}: the codebook cannot express the harmonized value {value!r}")

    def _table(self, var: Variable, values: tuple) -> np.ndarray:
        key = (var.raw, values)
        if key not in self._tables:
            tokens = [self.token(var, v) for v in values]
            numeric = self.fmt == "spss" and all(isinstance(t, float) for t in tokens)
            self._tables[key] = np.array(tokens, dtype=float if numeric else object)
        return self._tables[key]

    # -- whole columns ----------------------------------------------------------------------
    def values_of(self, var: Variable, resp: Respondents, rows: slice) -> tuple[tuple, np.ndarray]:
        col = resp.columns[var.to][rows]
        if var.to in resp.values:
            return resp.values[var.to], col
        if var.to in questionnaire().degree_items:
            return cal.DEGREE_VALUES, col
        return (False, True), col.astype(np.int8)  # services

    def encode(
        self,
        resp: Respondents,
        rows: slice,
        unit: Unit,
        ids: np.ndarray,
        comments: np.ndarray,
    ) -> pd.DataFrame:
        """The raw delivery frame of one unit (rows of `resp`), columns in vendor order."""
        n = rows.stop - rows.start
        data: dict[str, Any] = {}
        for col in self.columns:
            data[col.name] = self._encode_column(col, resp, rows, unit, ids, comments, n)
        if self.fmt == "spss":
            return pd.DataFrame(data, index=pd.RangeIndex(n))
        # object columns: cells keep their token types (pandas would infer `str` or numbers)
        return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})

    def _encode_column(self, col, resp, rows, unit, ids, comments, n):
        var = col.var
        if col.kind == "id":
            if self.id_kind == "sequence":
                seq = np.arange(1, n + 1)
                return seq.astype(float) if self.fmt == "spss" else self._numbers(seq)
            return ids[rows]
        if col.kind == "unit":
            return np.full(n, self.unit_token(unit.code), dtype=object)
        if col.kind == "unit_name":
            return np.full(n, unit.content_name, dtype=object)
        if col.kind == "free_text":
            text = comments[rows]
            return np.where(text == "", self.blank, text) if self.fmt == "xlsx" else text
        if col.kind == "other":
            return np.full(n, self.blank, dtype=object)
        if col.kind == "values":
            values, idx = self.values_of(var, resp, rows)
            return self._table(var, values)[idx]
        if col.kind in ("birth_year", "integer"):
            age = resp.columns["age_years"][rows].astype(np.int64)
            num = (var.reference_year - age) if col.kind == "birth_year" else age
            return self._numbers(num, missing=age < 0)
        if col.kind == "code_list":
            return self._code_list(var, resp, rows)
        if col.kind == "date":
            return self._dates(var, resp.columns["response_date"][rows])
        raise ValueError(f"unknown column kind {col.kind}")

    def unit_token(self, code: str) -> Any:
        if self.unit_style in ("integer", "integer_text"):
            if self.fmt == "spss":
                return float(int(code))
            return (
                int(code)
                if (self.fmt == "xlsx" and self.unit_style == "integer")
                else str(int(code))
            )
        return code

    def _numbers(self, num: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
        if self.fmt == "spss":
            out = num.astype(float)
        elif self.fmt == "csv":
            out = num.astype(str).astype(object)
        else:
            out = num.astype(object)
        if missing is not None:
            out[missing] = self.blank
        return out

    def _code_list(self, var: Variable, resp: Respondents, rows: slice) -> np.ndarray:
        items = [(code, resp.columns[target][rows]) for code, target in var.codes.items()]
        mask = np.zeros(rows.stop - rows.start, dtype=np.int64)
        for bit, (_, ticked) in enumerate(items):
            mask |= ticked.astype(np.int64) << bit
        strings = np.array(
            [
                var.separator.join(code for b, (code, _) in enumerate(items) if m >> b & 1)
                for m in range(1 << len(items))
            ],
            dtype=object,
        )
        return strings[mask]

    def _dates(self, var: Variable, when: np.ndarray) -> np.ndarray:
        fmt = var.formats[0] if var.formats else "iso8601"
        if fmt == "iso8601":
            text = np.char.add(np.datetime_as_string(when, unit="s"), oslo_offset(when))
            return text.astype(object)
        return pd.DatetimeIndex(when).strftime(fmt).to_numpy(dtype=object)


def oslo_offset(when: np.ndarray) -> np.ndarray:
    """UTC offset of Norwegian local times: +02:00 in summer time (EU rule), else +01:00."""
    years = when.astype("datetime64[Y]").astype(int) + 1970
    out = np.full(len(when), "+01:00", dtype="<U6")
    for year in np.unique(years):
        start, end = _last_sunday(int(year), 3, 2), _last_sunday(int(year), 10, 3)
        summer = (years == year) & (when >= start) & (when < end)
        out[summer] = "+02:00"
    return out


def _last_sunday(year: int, month: int, hour: int) -> np.datetime64:
    last = np.datetime64(f"{year}-{month + 1:02d}-01") - np.timedelta64(1, "D")
    weekday = (last.astype("datetime64[D]").astype(int) - 3) % 7  # 1970-01-01 was a Thursday
    return (last - np.timedelta64(int(weekday), "D")).astype("datetime64[s]") + np.timedelta64(
        hour * 3600, "s"
    )
