"""The answer-drift gate: a real wave passes, a codebook with swapped missing codes fails."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from assets.ingest.harmonize import decode_file
from assets.ingest.units import parse_file_name
from assets.ingest.validate import validate_delivery
from quality.drift import DriftConfig, answer_counts, drift_gate, drift_table
from schemas.codebook import Codebook, codebooks, parse_codebook


def harmonize_samples(samples: Path, books: dict[int, Codebook]) -> dict[int, pd.DataFrame]:
    """Each wave's accepted sample rows decoded by the pipeline's own functions."""
    frames = {}
    for wave, book in books.items():
        parts = []
        for path in sorted((samples / "landing" / str(wave)).glob("*")):
            parsed = parse_file_name(path.name, book)
            result = validate_delivery(path, parsed.unit_id, book)
            if result.status == "accepted":
                parts.append(decode_file(result.accepted, book)[0])
        frames[wave] = pd.concat(parts, ignore_index=True)
    return frames


def _counts(frames: dict[int, pd.DataFrame]) -> dict[int, pd.DataFrame]:
    return {w: answer_counts(f) for w, f in frames.items()}


def test_every_sample_wave_passes(samples: Path) -> None:
    frames = harmonize_samples(samples, codebooks())
    counts = _counts(frames)
    for wave in sorted(frames)[1:]:
        result = drift_gate(wave, counts, codebooks())
        assert result.passed, (wave, result.details[:5])


def test_swapped_missing_codes_fail_the_gate_with_the_item_named(
    samples: Path, tmp_path: Path
) -> None:
    books = dict(codebooks())
    last = max(books)
    raw = yaml.safe_load(books[last].source.read_text(encoding="utf-8"))
    codes = raw["value_sets"]["degree"]["codes"]
    vet = next(k for k, v in codes.items() if v == "Vet ikke")
    na = next(k for k, v in codes.items() if v == "Ikke aktuelt")
    codes[vet], codes[na] = "Ikke aktuelt", "Vet ikke"
    books[last] = parse_codebook(raw, tmp_path / f"{last}.yaml")
    frames = harmonize_samples(samples, books)
    result = drift_gate(last, _counts(frames), books)
    assert not result.passed
    assert any("ikke_aktuelt" in d and "help_" in d for d in result.details), result.details


def test_a_declared_series_break_is_not_compared(samples: Path) -> None:
    books = codebooks()
    frames = harmonize_samples(samples, books)
    counts = _counts(frames)
    last = max(frames)
    table = drift_table(last, counts[last], counts, books, DriftConfig())
    assert {"overall_satisfied", "help_housing"} <= set(table["item"])
    assert (table["previous_wave"] < last).all()


def test_generated_waves_at_real_size_pass(tmp_path: Path) -> None:
    """The generator's waves (real sizes, every anomaly) drift no more than real waves do."""
    from generator import generate

    generate(tmp_path, anomalies=True, seed=11)
    frames = harmonize_samples(tmp_path, codebooks())
    counts = _counts(frames)
    for wave in sorted(frames)[1:]:
        table = drift_table(wave, counts[wave], counts, codebooks(), DriftConfig())
        assert table["compared"].any() and not table["drift"].any(), wave
