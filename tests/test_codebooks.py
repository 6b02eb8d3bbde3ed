"""Codebooks as data: coverage against the real delivery formats and consistency across waves."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
import yaml

from assets.ingest.readers import read_delivery
from assets.ingest.tokens import tokenize
from schemas.codebook import CodebookError, codebooks, normalize_label, parse_codebook
from schemas.questionnaire import questionnaire


def _sample_waves() -> list[int]:
    """Every wave with a codebook; each must have sample deliveries (checked in the tests)."""
    return sorted(codebooks())


SAMPLE_WAVES = _sample_waves()


def _readable_samples(samples: Path, wave: int) -> list[Path]:
    folder = samples / "landing" / str(wave)
    assert folder.is_dir(), f"no sample deliveries for wave {wave} at {folder}"
    files = sorted(folder.iterdir())
    readable = []
    for path in files:
        try:
            read_delivery(path, codebooks()[wave])
        except Exception:
            continue
        readable.append(path)
    return readable


@pytest.mark.parametrize("wave", SAMPLE_WAVES)
def test_every_raw_column_is_mapped_or_ignored(samples: Path, wave: int) -> None:
    book = codebooks()[wave]
    for path in _readable_samples(samples, wave):
        columns = set(read_delivery(path, book).frame.columns) - {"source_row"}
        assert columns - book.known_columns() == set(), f"{path.name}: unmapped columns"
        assert book.known_columns() - columns == set(), (
            f"{path.name}: codebook names absent columns"
        )


@pytest.mark.parametrize("wave", [w for w in SAMPLE_WAVES if codebooks()[w].format == "spss"])
def test_every_spss_value_label_is_mapped(samples: Path, wave: int) -> None:
    import pyreadstat

    book = codebooks()[wave]
    for path in _readable_samples(samples, wave):
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
        for column, labels in meta.variable_value_labels.items():
            if column == book.unit_column:
                continue
            value_set = book.value_sets[book.variables[column].values]
            for code, label in labels.items():
                assert normalize_label(label) in value_set.labels, (path.name, column, code, label)
                documented = value_set.codes.get(str(int(code)))
                assert documented == label, (
                    f"{column} code {code}: file says {label!r}, codebook {documented!r}"
                )


@pytest.mark.parametrize("wave", SAMPLE_WAVES)
def test_every_delivered_value_is_known(samples: Path, wave: int) -> None:
    """Every value in the samples maps, except in exactly the rows truth calls out of range."""
    book = codebooks()[wave]
    truth = pd.read_parquet(samples / "truth" / "responses.parquet")
    planted = truth[(truth["wave"] == wave) & (truth["expected_reason"] == "out_of_range")]
    expected = set(zip(planted["file_name"], planted["row_number"].astype(int), strict=True))
    found = set()
    for path in _readable_samples(samples, wave):
        table = read_delivery(path, book).frame
        tokens = tokenize(table, book)
        for name, variable in book.variables.items():
            if variable.type != "values":
                continue
            value_set = book.value_sets[variable.values]
            for row, token in zip(table["source_row"], tokens[name], strict=True):
                if token is not None and not pd.isna(token) and not value_set.harmonize(token)[0]:
                    found.add((path.name, int(row)))
    assert found == expected


def test_labels_mean_the_same_in_every_wave() -> None:
    """A label that maps to different harmonized values in two waves is caught here."""
    meaning: dict[tuple[str, str], dict[object, list[int]]] = defaultdict(lambda: defaultdict(list))
    for wave, book in codebooks().items():
        for variable in book.variables.values():
            if variable.type != "values":
                continue
            for label, value in book.value_sets[variable.values].labels.items():
                meaning[(variable.to, label)][value].append(wave)
    conflicts = {k: dict(v) for k, v in meaning.items() if len(v) > 1}
    assert conflicts == {}


def test_a_reversed_label_would_be_caught(tmp_path: Path) -> None:
    raw = yaml.safe_load(codebooks()[2021].source.read_text(encoding="utf-8"))
    raw["wave"] = 2099
    raw["value_sets"]["degree"]["labels"]["I svært stor grad"] = 1  # the 2017 trap, mapped by code
    books = dict(codebooks())
    books[2099] = parse_codebook(raw, tmp_path / "2099.yaml")
    meaning = defaultdict(set)
    for book in books.values():
        for variable in book.variables.values():
            if variable.type == "values":
                for label, value in book.value_sets[variable.values].labels.items():
                    meaning[(variable.to, label)].add(value)
    assert meaning[("overall_satisfied", "i svært stor grad")] == {1, 5}


def test_every_degree_item_is_asked_in_some_wave() -> None:
    asked = {t for book in codebooks().values() for t in book.harmonized_targets()}
    assert set(questionnaire().degree_items) <= asked


def test_questionnaire_table_of_the_spec_is_encoded() -> None:
    """Spot checks of DELIVERY.md §4: raw names per wave and items not asked."""
    targets = {w: {v.raw: v.to for v in b.variables.values()} for w, b in codebooks().items()}
    assert targets[2017]["v23"] == "help_work_or_education"
    assert targets[2019]["S23"] == "help_work"
    assert targets[2021]["P2"] == "relatives_supported"
    assert targets[2023]["digital_kontakt"] == "digital_contact"
    assert "staff_understanding" not in codebooks()[2023].harmonized_targets()
    assert "coping_everyday" not in codebooks()[2017].harmonized_targets()


def test_malformed_codebooks_are_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load(codebooks()[2023].source.read_text(encoding="utf-8"))
    raw["variables"]["samlet_fornoyd"]["to"] = "not_an_item"
    with pytest.raises(CodebookError, match="unknown harmonized targets"):
        parse_codebook(raw, tmp_path / "bad.yaml")
    raw = yaml.safe_load(codebooks()[2023].source.read_text(encoding="utf-8"))
    raw["value_sets"]["degree"]["codes"][97] = "Vil ikke svare"
    with pytest.raises(CodebookError, match="labels without a harmonized value"):
        parse_codebook(raw, tmp_path / "bad.yaml")
