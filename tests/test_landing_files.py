"""A hardened landing zone: links are never followed, every entry is accounted for, unit
numbers are ASCII digits, non-text files say what they are, and no message quotes content."""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from assets.ingest import errors
from assets.ingest.deliveries import (
    Archive,
    Delivery,
    NotARegularFile,
    landed,
    landing_files,
    pending_deliveries,
)
from assets.ingest.ledger import assemble_ledger, files_missing_from_ledger, unattributable
from assets.ingest.readers import read_delivery
from assets.ingest.unit_ingest import ingest_unit
from assets.ingest.units import normalize_unit_code, parse_file_name, wave_of
from assets.ingest.validate import FileValidation, validate_delivery
from schemas.codebook import Codebook, codebooks

CANARY = "Ola Nordmann 99887766"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _truth(samples: Path) -> pd.DataFrame:
    return pd.read_csv(samples / "truth" / "files.csv", dtype=str, keep_default_na=False)


def _accepted(samples: Path, fmt: str) -> list[tuple[Codebook, Path]]:
    """Accepted first deliveries of every wave whose codebook reads `fmt`."""
    books, found = codebooks(), []
    for row in _truth(samples).itertuples():
        book = books.get(int(row.wave))
        if book is None or book.format != fmt or row.is_late != "False":
            continue
        if row.expected_file_status == "accepted":
            found.append((book, samples / row.path))
    if not found:
        pytest.fail(f"no accepted {fmt} sample delivery")
    return found


def _text(book: Codebook, path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    return data.decode(str(book.reader.get("encoding", "utf-8")))


def _write(book: Codebook, path: Path, text: str) -> Path:
    path.write_bytes(text.encode(str(book.reader.get("encoding", "utf-8"))))
    return path


def _records(book: Codebook, path: Path) -> list[list[str]]:
    separator = str(book.reader.get("separator", ","))
    return list(csv.reader(io.StringIO(_text(book, path), newline=""), delimiter=separator))


def _write_records(book: Codebook, path: Path, records: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=str(book.reader.get("separator", ","))).writerows(records)
    return _write(book, path, buffer.getvalue())


def _validate(book: Codebook, path: Path) -> FileValidation:
    parsed = parse_file_name(path.name, book)
    assert parsed is not None, path.name
    return validate_delivery(path, parsed.unit_id, book)


def _messages(result: FileValidation) -> str:
    return " ".join([str(result.detail), *result.notes, *result.quarantine["detail"].astype(str)])


def test_links_and_odd_entries_are_accounted_for_and_never_read(
    samples: Path, tmp_path: Path
) -> None:
    book, sample = _accepted(samples, "csv")[0]
    wave = str(book.wave)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "passwd"
    secret.write_text(f"root:x:0:0:{CANARY}:/root\n", encoding="utf-8")
    landing = tmp_path / "landing"
    folder = landing / wave
    folder.mkdir(parents=True)
    delivered = folder / sample.name
    delivered.write_bytes(sample.read_bytes())
    linked_name = sample.name.replace(parse_file_name(sample.name, book).unit_id, "0301")
    (folder / linked_name).symlink_to(secret)  # a delivery name, pointing at /etc/passwd
    (folder / "dangling.csv").symlink_to(tmp_path / "nothing-here")
    (folder / f".{sample.name}.part").write_bytes(b"half an upload")
    (folder / "old").mkdir()
    (folder / "old" / sample.name).write_bytes(sample.read_bytes())
    os.mkfifo(folder / "pipe")
    (landing / "9999").symlink_to(outside, target_is_directory=True)
    (landing / ".DS_Store").write_bytes(b"\x00\x01")
    (landing / "loose.csv").write_text("a,b\n", encoding="utf-8")

    assert landing_files(landing, book.wave) == [delivered]
    assert landed(landing) == [(wave, delivered)]
    archive = Archive(tmp_path / "archive")
    rows = unattributable(landing, codebooks(), archive)
    assert dict(zip(rows["file_name"], rows["reason"], strict=True)) == {
        linked_name: errors.SYMLINK,
        "dangling.csv": errors.SYMLINK,
        f".{sample.name}.part": errors.HIDDEN_FILE,
        "old": errors.NOT_A_REGULAR_FILE,
        "pipe": errors.NOT_A_REGULAR_FILE,
        "9999": errors.SYMLINK,
        ".DS_Store": errors.HIDDEN_FILE,
        "loose.csv": errors.UNKNOWN_WAVE,
    }
    assert rows.loc[rows["reason"] != errors.UNKNOWN_WAVE, "sha256"].isna().all()
    assert "passwd" not in rows.to_csv() and CANARY not in rows.to_csv()
    archived = [p.read_bytes() for p in (tmp_path / "archive").rglob("*") if p.is_file()]
    assert len([b for b in archived if b == b"a,b\n"]) == 1  # the loose file is archived
    assert not any(CANARY.encode() in b for b in archived)

    ledger = assemble_ledger([rows])  # the unit partition ledgers the delivery itself
    assert files_missing_from_ledger(ledger, landing) == [f"{wave}/{sample.name}"]
    pending, _ = pending_deliveries(landing, codebooks(), archive, {})
    assert [d.file_name for d in pending] == [sample.name]

    link = folder / linked_name
    fake = Delivery(book.wave, "0301", 0, linked_name, "0" * 64, 1)
    with pytest.raises(NotARegularFile):
        archive.store(link, fake)  # even a direct call never opens through a link
    assert not archive.path_of(fake).exists()


def test_unit_numbers_and_waves_are_ascii_digits(samples: Path, tmp_path: Path) -> None:
    books = codebooks()
    for folder in sorted((samples / "landing").iterdir()):
        book = books[int(folder.name)]
        name = sorted(p.name for p in folder.iterdir())[0]
        assert parse_file_name(name, book) is not None
        assert parse_file_name(name.translate(FULL_WIDTH), book) is None, name
        assert wave_of(folder.name.translate(FULL_WIDTH)) is None
    assert normalize_unit_code("４６０１") is None and normalize_unit_code(" 301 ") == "0301"

    book, sample = _accepted(samples, "csv")[0]
    landing = tmp_path / "landing"
    (landing / str(book.wave)).mkdir(parents=True)
    odd = landing / str(book.wave) / sample.name.translate(FULL_WIDTH)
    odd.write_bytes(sample.read_bytes())
    rows = unattributable(landing, books, Archive(tmp_path / "archive"))
    assert rows["reason"].tolist() == [errors.UNRECOGNIZED_FILE_NAME]
    assert landing_files(landing, book.wave) == [odd]  # listed, but no unit takes it
    assert [
        d.unit_id for d in pending_deliveries(landing, books, Archive(tmp_path / "a"), {})[0]
    ] == [None]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a;b\n1;2\n")
    return buffer.getvalue()


def test_binary_zip_and_utf16_files_named_csv_say_what_they_are(
    samples: Path, tmp_path: Path
) -> None:
    for book, sample in _accepted(samples, "csv"):
        text = _text(book, sample)
        contents = {
            "ZIP-arkiv": _zip(),
            "UTF-16-tekst": text.encode("utf-16"),
            "UTF-16-tekst uten byte-rekkefølgemerke": text.encode("utf-16-le"),
            "UTF-32-tekst": text.encode("utf-32"),
            "binærfil": text.encode("utf-8")[:200] + b"\x00\x07\x00" + os.urandom(64),
            "PDF-dokument": b"%PDF-1.7\n" + os.urandom(64),
        }
        for what, data in contents.items():
            path = tmp_path / sample.name
            path.write_bytes(data)
            result = _validate(book, path)
            assert (result.status, result.reason) == ("rejected", errors.NOT_TEXT), what
            assert result.detail.startswith(f"{sample.name}: {what}"), result.detail
            assert result.rows_in == 0


def test_parse_errors_name_file_row_and_line_but_never_quote_content(
    samples: Path, tmp_path: Path
) -> None:
    for book, sample in _accepted(samples, "csv"):
        records = _records(book, sample)
        records.insert(3, [*records[1], CANARY, "x"])  # data row 3 has two fields too many
        path = _write_records(book, tmp_path / sample.name, records)
        with pytest.raises(errors.FileRejected) as caught:
            read_delivery(path, book)
        assert caught.value.reason == errors.UNREADABLE_FILE
        detail, width = caught.value.detail, len(records[0])
        assert detail.startswith(f"{sample.name}: cannot be read: data row 3 (line "), detail
        assert detail.endswith(f"has {width + 2} fields, the header {width}"), detail
        assert CANARY not in caught.value.detail and CANARY not in str(caught.value)

        data = _text(book, sample).encode("utf-8")
        bad = data[:200] + b"\xff\xfe\xfa" + CANARY.encode() + data[200:]
        if str(book.reader.get("encoding")).replace("-", "").lower() == "utf8":
            path.write_bytes(bad)
            result = _validate(book, path)
            assert result.reason == errors.UNREADABLE_FILE
            assert "byte 200" in result.detail and CANARY not in result.detail


def test_row_findings_name_row_and_column_but_not_the_value(samples: Path, tmp_path: Path) -> None:
    for book, sample in _accepted(samples, "csv"):
        records = _records(book, sample)
        item = next(c for c, v in book.variables.items() if v.type == "values" and c in records[0])
        records[1][records[0].index(item)] = CANARY
        result = _validate(book, _write_records(book, tmp_path / sample.name, records))
        found = result.quarantine[result.quarantine["source_row"] == 1]
        assert set(found["reason"]) == {errors.OUT_OF_RANGE}, sample.name
        assert set(found["column"]) == {item}
        assert CANARY not in _messages(result)
        assert CANARY in set(found["value"])  # the value stays in the restricted quarantine


def test_extra_columns_are_reported_in_the_ledger_detail(samples: Path, tmp_path: Path) -> None:
    for book, sample in _accepted(samples, "csv"):
        records = _records(book, sample)
        width = len(records[0])
        records = [
            [*records[0], "ekstra_sporsmal", f"Ring {CANARY}"],
            *([*r, "1", ""] for r in records[1:]),
        ]
        path = _write_records(book, tmp_path / sample.name, records)
        result = _validate(book, path)
        assert result.status == "accepted", result.detail
        expected = (
            f"extra columns not in the codebook, not used: ekstra_sporsmal (column "
            f"{width + 1}), column {width + 2} (header not shown: not a variable name)"
        )
        assert result.notes == [expected]
        unit_id = parse_file_name(path.name, book).unit_id
        delivery = Delivery(book.wave, unit_id, 0, path.name, "f" * 64, 1, "t")
        ledger = ingest_unit([(delivery, result)], book).ledger
        assert ledger["detail"].tolist() == [expected]
        assert CANARY not in ledger.to_csv()


def test_a_unit_column_with_text_is_not_quoted(samples: Path, tmp_path: Path) -> None:
    checked = 0
    for book, sample in _accepted(samples, "csv"):
        if not book.unit_column:
            continue
        records = _records(book, sample)
        records[2][records[0].index(book.unit_column)] = CANARY
        result = _validate(book, _write_records(book, tmp_path / sample.name, records))
        assert result.reason == errors.UNIT_MISMATCH
        assert "a value that is not a unit number" in result.detail
        assert CANARY not in _messages(result)
        checked += 1
    assert checked


def test_readme_names_every_reason_code() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Reason codes", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z_]+)`", section))
    codes = {
        value
        for name, value in vars(errors).items()
        if name.isupper() and isinstance(value, str) and not value.endswith(":")
    }
    assert codes and codes <= documented, sorted(codes - documented)
