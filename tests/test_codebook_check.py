"""`codebook check` on every codebook on the path, and on broken copies of them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from quality.codebook_check import check_codebook, check_command
from schemas.codebook import codebooks

BOOKS = sorted(codebooks().values(), key=lambda b: b.wave)


@pytest.mark.parametrize("book", BOOKS, ids=lambda b: str(b.wave))
def test_every_codebook_checks_out_against_the_samples(samples: Path, book) -> None:
    report = check_codebook(book.source, samples / "landing")
    assert report.ok, report.text()
    if (samples / "landing" / str(book.wave)).is_dir():
        assert report.files_checked >= 1


def _copy(book, tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(book.source.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / f"{book.wave}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_a_label_with_another_meaning_than_in_other_waves_fails(tmp_path: Path) -> None:
    book = BOOKS[-1]

    def reverse(raw: dict) -> None:
        raw["value_sets"]["degree"]["labels"]["I svært stor grad"] = 1

    report = check_codebook(_copy(book, tmp_path, reverse))
    assert not report.ok and any("i svært stor grad" in p for p in report.problems)


def test_an_unmapped_delivered_column_and_a_common_unknown_value_fail(
    samples: Path, tmp_path: Path
) -> None:
    book = next(b for b in BOOKS if b.format == "csv" and b.value_sets["degree"].match == "codes")
    first = next(iter(book.variables.items()))

    def drop(raw: dict) -> None:
        raw["variables"].pop(first[0])
        codes = raw["value_sets"]["degree"]["codes"]
        codes.pop(next(k for k, v in codes.items() if v == "I stor grad"))

    report = check_codebook(_copy(book, tmp_path, drop), samples / "landing")
    assert any(f"kolonnen {first[0]} er verken" in p for p in report.problems), report.text()
    assert any("er ukjent" in p for p in report.problems), report.text()


def test_a_broken_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("wave: 2031\nreader: {format: pdf}\n", encoding="utf-8")
    report = check_codebook(path)
    assert not report.ok and "kan ikke leses" in report.problems[0]


def test_the_command_checks_every_codebook_on_the_path(samples: Path) -> None:
    lines: list[str] = []
    assert check_command(None, samples / "landing", echo=lines.append) == 0
    assert sum("resultat: i orden" in line for line in lines) == len(BOOKS)


def test_the_cli_exit_codes(samples: Path, tmp_path: Path) -> None:
    from pipelines.cli import main

    book = BOOKS[-1]
    assert main(["codebook", "check", str(book.source), "--landing", str(samples / "landing")]) == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text("wave: 2031\n", encoding="utf-8")
    assert main(["codebook", "check", str(broken)]) == 1
