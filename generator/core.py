"""generate(): every wave's deliveries in the vendor formats, plus the truth about them.

Layout: <out>/landing/<wave>/… (what the pipeline reads), <out>/late/<wave>/… (late files, only
with anomalies), <out>/truth/ (files.csv, canaries.txt, manifest.json). Seeded: the same
arguments give byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from generator import anomalies as anom
from generator import extras, texts
from generator.encode import WaveEncoder
from generator.model import Respondents, fixed_timestamp, harmonized_frame, simulate
from generator.naming import file_name
from generator.truth import FileRecord, sha256, write_truth
from generator.units import Unit, choose_units, default_size
from generator.writers import write
from schemas.codebook import Codebook, CodebookError, codebooks, load_codebook

VERSION = "1.0"


@dataclass
class WaveResult:
    book: Codebook
    units: list[Unit]
    respondents: Respondents

    def harmonized(self) -> pd.DataFrame:
        """The clean answers as a correct pipeline harmonizes them (no planted anomalies)."""
        frame = harmonized_frame(self.book, self.respondents)
        unit_of_row = np.repeat([u.code for u in self.units], self.respondents.sizes)
        return frame.assign(unit=unit_of_row)


@dataclass
class GenerationResult:
    out_dir: Path
    files: list[FileRecord] = field(default_factory=list)
    waves: dict[int, WaveResult] = field(default_factory=dict)
    canaries: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    @property
    def truth_dir(self) -> Path:
        return self.out_dir / "truth"

    @property
    def landing_dir(self) -> Path:
        return self.out_dir / "landing"


def load_books(codebook_dirs=None) -> dict[int, Codebook]:
    """The project's codebooks (and BRUKERSTEMME_CODEBOOKS), plus any in `codebook_dirs`."""
    books = dict(codebooks())
    for folder in codebook_dirs or ():
        for path in sorted(Path(folder).glob("*.yaml")):
            book = load_codebook(path)
            if book.wave in books and books[book.wave].source.resolve() != path.resolve():
                raise CodebookError(f"wave {book.wave} has two codebooks: {path}")
            books[book.wave] = book
    return dict(sorted(books.items()))


def generate(
    out_dir,
    waves=None,
    scale: float = 1.0,
    units: str | int = "default",
    anomalies: bool = False,
    seed: int = 2017,
    respondents: int | None = None,
    codebook_dirs=None,
) -> GenerationResult:
    """Write the deliveries of `waves` (default: every wave with a codebook) under `out_dir`."""
    out = Path(out_dir)
    books = load_books(codebook_dirs)
    waves = sorted(int(w) for w in (waves or books))
    missing = [w for w in waves if w not in books]
    if missing:
        raise CodebookError(f"no codebook for wave(s) {missing}; known: {sorted(books)}")
    settings = {
        "generator": "brukerstemme generate",
        "version": VERSION,
        "seed": seed,
        "waves": waves,
        "scale": scale,
        "units": units,
        "anomalies": anomalies,
        "respondents": respondents,
    }
    result = GenerationResult(out, settings=settings)
    for wave in waves:
        _generate_wave(result, books[wave], scale, units, anomalies, seed, respondents)
    for record in result.files:
        record.sha256 = sha256(out / record.path)
    write_truth(out, result.files, result.canaries, settings)
    return result


def _generate_wave(result, book, scale, units, anomalies, seed, respondents) -> None:
    wave = book.wave
    rng = {
        k: np.random.default_rng([seed, wave, i])
        for i, k in enumerate(("units", "model", "text", "anom"))
    }
    total = int(respondents) if respondents else max(1, round(default_size(book)[1] * scale))
    reserve = extras.UNITS_NEEDED if anomalies else 0
    unit_list = choose_units(book, units, total, rng["units"], reserve=reserve)
    resp = simulate(book, [u.n for u in unit_list], rng["model"])
    enc = WaveEncoder(book)
    ids = texts.respondent_ids(enc.id_kind, enc.fmt, resp.n, rng["text"])
    notes = texts.comments(resp.n, rng["text"])
    result.waves[wave] = WaveResult(book, unit_list, resp)
    plan = anom.plan(enc, unit_list, resp, rng["anom"]) if anomalies else None
    stamp = fixed_timestamp(wave)
    kept: dict[int, pd.DataFrame] = {}
    for i, unit in enumerate(unit_list):
        rows = resp.unit_rows(i)
        frame = enc.encode(resp, rows, unit, ids, notes)
        path = f"landing/{wave}/{file_name(book, unit)}"
        record = FileRecord(path, wave, unit.code, unit.code, len(frame))
        options: dict = {"unit_names": {unit.code: unit.content_name}}
        if plan is not None:
            frame = anom.apply(plan, i, frame, enc, resp, rows, record, options, result.canaries)
            if i == plan.korr:
                kept[i] = frame
        record.encoding = _encoding(enc, options)
        write(enc, frame, result.out_dir / path, stamp, **options)
        result.files.append(record)
    if plan is not None:
        extras.add_files(result, enc, unit_list, plan, kept, ids, rng["anom"], stamp)


def _encoding(enc: WaveEncoder, options: dict) -> str:
    if enc.fmt != "csv":
        return ""
    key = "bom_encoding" if options.get("bom") else "encoding"
    return str(enc.book.reader.get(key, "utf-8"))
