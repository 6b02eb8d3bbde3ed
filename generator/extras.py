"""File-level problems and late files (anomalies option).

Per wave: a unit mismatch (file name vs content) and a unit code not valid in the wave's code list;
SPSS waves a truncated .sav, xlsx waves a headers-only workbook; and in late/<wave>/ a `_korr1`
correction of one unit plus a first delivery that arrives late (a namesake of a unit already in
the wave when the code list has one: two `Herøy` in one wave).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator import texts
from generator.encode import WaveEncoder
from generator.model import simulate
from generator.naming import file_name
from generator.truth import FileRecord
from generator.units import OSLO, Unit, candidates
from generator.writers import truncate, write
from reference import geography as geo

OTHER_CODE_LIST_YEARS = (2024, 2017, 2019, 2020)
SIZES = {"unreadable": 15, "mismatch": 8, "invalid": 12, "korr_new": 2, "late_new": 14}
UNITS_NEEDED = 5  # municipalities outside the wave: late first delivery, mismatch ×2, spare


def add_files(result, enc: WaveEncoder, units: list[Unit], plan, kept, ids, rng, stamp) -> None:
    book, wave, out = enc.book, enc.book.wave, result.out_dir
    used = {u.code for u in units}
    munis, _ = candidates(book)
    pool = [u for u in munis if u.code not in used and u.code != OSLO]
    names_in_wave = {u.content_name for u in units}
    namesakes = [u for u in pool if u.content_name in names_in_wave]

    def take(preferred=()) -> Unit:
        unit = preferred[0] if preferred else pool[int(rng.integers(0, len(pool)))]
        pool.remove(unit)
        return unit

    late_new = take(namesakes)
    jobs: list[tuple[str, Unit, Unit, int]] = []  # (kind, unit in name, unit in content, rows)
    if enc.fmt == "spss":
        u = take()
        jobs.append(("unreadable_file", u, u, SIZES["unreadable"]))
    if enc.fmt == "xlsx":
        u = take()
        jobs.append(("empty_file", u, u, 0))
    named = take()
    content = take([u for u in pool if u.content_name != named.content_name][:1])
    jobs.append(("unit_mismatch", named, content, SIZES["mismatch"]))
    invalid = invalid_unit(book.code_list_year, used, rng)
    if invalid is not None:
        jobs.append(("unit_not_in_code_list", invalid, invalid, SIZES["invalid"]))
    jobs.append(("late", late_new, late_new, SIZES["late_new"]))
    sizes = [n for *_, n in jobs] + [SIZES["korr_new"]]
    resp = simulate(book, sizes, rng)
    start = _next_id(enc, ids)
    new_ids = texts.respondent_ids(enc.id_kind, enc.fmt, resp.n, rng, start=start)
    notes = texts.comments(resp.n, rng)
    for j, (kind, named, content, _) in enumerate(jobs):
        frame = enc.encode(resp, resp.unit_rows(j), content, new_ids, notes)
        folder = "late" if kind == "late" else "landing"
        path = f"{folder}/{wave}/{file_name(book, named)}"
        record = FileRecord(
            path, wave, named.code, content.code, len(frame), is_late=kind == "late"
        )
        names = {content.code: content.content_name}
        write(enc, frame, out / path, stamp, unit_names=names)
        if kind == "unreadable_file":
            truncate(out / path)
            record.n_rows = None
            record.reject(kind, "the file is truncated and cannot be read")
        elif kind == "empty_file":
            record.reject(kind, "the file has no data rows")
        elif kind == "unit_mismatch":
            record.reject(kind, _mismatch_detail(enc, named, content))
        elif kind == "unit_not_in_code_list":
            record.reject(
                kind,
                f"unit {named.code} is not in the {book.code_list_year} code list "
                f"used by wave {wave}",
            )
        else:
            record.quirks.append("late_first_delivery")
        record.encoding = _csv_encoding(enc)
        result.files.append(record)
    if plan.korr is not None and plan.korr in kept:
        _korr(result, enc, units[plan.korr], kept[plan.korr], resp, new_ids, notes, rng, stamp)


def _korr(result, enc, unit, frame, resp, new_ids, notes, rng, stamp) -> None:
    """The unit's corrected delivery: some answers changed, two respondents added."""
    book, wave = enc.book, enc.book.wave
    frame = frame.copy()
    skip_items = {i for r in book.skip_logic for i in r.items} | {r.filter for r in book.skip_logic}
    changeable = [c.name for c in enc.columns if c.kind == "values" and c.var.to not in skip_items]
    for name in sorted(rng.choice(changeable, size=min(3, len(changeable)), replace=False)):
        frame[name] = frame[name].to_numpy(dtype=object)[rng.permutation(len(frame))]
    added = enc.encode(resp, resp.unit_rows(len(resp.sizes) - 1), unit, new_ids, notes)
    if enc.id_kind == "sequence":
        seq = np.arange(len(frame) + 1, len(frame) + 1 + len(added))
        added[book.respondent_id] = enc._numbers(seq)
    frame = pd.concat([frame, added], ignore_index=True)
    original = f"landing/{wave}/{file_name(book, unit)}"
    path = f"late/{wave}/{file_name(book, unit, correction=1)}"
    write(enc, frame, result.out_dir / path, stamp, unit_names={unit.code: unit.content_name})
    record = FileRecord(path, wave, unit.code, unit.code, len(frame), is_late=True)
    record.supersedes, record.supersedes_path = original.rsplit("/", 1)[1], original
    record.quirks.append("korr_correction")
    record.encoding = _csv_encoding(enc)
    for earlier in result.files:
        if earlier.path == original:
            earlier.superseded_by_path = path
    result.files.append(record)


def invalid_unit(year: int, used: set[str], rng) -> Unit | None:
    """A real municipality code of another code list that is not valid in `year`'s list."""
    for other in OTHER_CODE_LIST_YEARS:
        if other == year:
            continue
        try:
            table = geo.code_list(other)
        except ValueError:
            continue
        rows = [
            r
            for r in table.itertuples()
            if r.code not in used and len(r.code) == 4 and not geo.is_valid_unit(r.code, year)
        ]
        if rows:
            r = rows[int(rng.integers(0, len(rows)))]
            return Unit(r.code, r.name, "kommune", 4000)
    return None


def _mismatch_detail(enc: WaveEncoder, named: Unit, content: Unit) -> str:
    if enc.book.unit_column is None:
        return (
            f"file name says unit {named.code} ({named.content_name}), "
            f"content names {content.content_name!r} ({content.code})"
        )
    raw = enc.unit_token(content.code)
    raw = str(int(raw)) if isinstance(raw, float) else str(raw)
    return f"file name says unit {named.code}, content says {raw} ({content.code})"


def _next_id(enc: WaveEncoder, ids) -> int:
    if enc.id_kind != "integer" or len(ids) == 0:
        return 0
    return int(max(float(x) for x in ids)) + 1000


def _csv_encoding(enc: WaveEncoder) -> str:
    return str(enc.book.reader.get("encoding", "utf-8")) if enc.fmt == "csv" else ""
