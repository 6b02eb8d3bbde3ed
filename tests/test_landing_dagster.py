"""Integration: a hostile landing zone through real Dagster runs. Every entry is accounted for
in the ledger, links are never followed, nothing of the files' content reaches the ledger, the
logs or the asset metadata, and the ledger gate passes on what was really delivered."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from project_instance import project_instance

from assets.defs import UNIT_PARTITIONS_NAME
from assets.ingest import errors
from assets.ingest.ledger import files_missing_from_ledger
from assets.ingest.units import parse_file_name
from assets.storage import DataZones
from pipelines.definitions import defs
from pipelines.jobs import NATIONAL_JOB
from pipelines.runner import materialize_all
from schemas.codebook import Codebook, codebooks

SECRET = "root:x:0:0:Kari Nordmann 41234567:/root"
CANARY = "Ola Nordmann 99887766"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _csv_wave(samples: Path) -> tuple[Codebook, Path]:
    """A CSV wave's codebook and an accepted sample delivery of it."""
    truth = pd.read_csv(samples / "truth" / "files.csv", dtype=str, keep_default_na=False)
    books = codebooks()
    for row in truth.itertuples():
        book = books.get(int(row.wave))
        ok = row.expected_file_status == "accepted" and row.is_late == "False"
        if book is not None and book.format == "csv" and ok:
            return book, samples / row.path
    pytest.fail("no accepted CSV sample delivery")


def _named(book: Codebook, sample: Path, unit: str) -> str:
    return sample.name.replace(parse_file_name(sample.name, book).unit_id, unit)


def _records(book: Codebook, path: Path) -> tuple[list[list[str]], str]:
    data, encoding = path.read_bytes(), str(book.reader.get("encoding", "utf-8"))
    text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode(encoding)
    separator = str(book.reader.get("separator", ","))
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator)), encoding


def _write(book: Codebook, path: Path, records: list[list[str]], encoding: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=str(book.reader.get("separator", ","))).writerows(records)
    path.write_bytes(buffer.getvalue().encode(encoding))


@pytest.fixture(scope="module")
def hostile(samples: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("hostile")
    book, sample = _csv_wave(samples)
    zones = DataZones(root / "data")
    folder = zones.landing / str(book.wave)
    shutil.copytree(samples / "landing" / str(book.wave), folder)
    secret = root / "passwd"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    names = {
        "link": _named(book, sample, "1103"),
        "dangling": _named(book, sample, "1106"),
        "zip": _named(book, sample, "1108"),
        "utf16": _named(book, sample, "1111"),
        "bad_row": _named(book, sample, "1112"),
        "full_width": sample.name.translate(FULL_WIDTH),
        "hidden": f".{sample.name}.part",
    }
    (folder / names["link"]).symlink_to(secret)
    (folder / names["dangling"]).symlink_to(root / "gone.csv")
    (folder / names["hidden"]).write_bytes(b"half an upload")
    (folder / names["full_width"]).write_bytes(sample.read_bytes())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(sample.name, sample.read_bytes())
    (folder / names["zip"]).write_bytes(buffer.getvalue())
    (folder / names["utf16"]).write_bytes(sample.read_bytes().decode("latin-1").encode("utf-16"))
    records, encoding = _records(book, sample)
    _write(book, folder / names["bad_row"], [*records[:2], [*records[1], CANARY]], encoding)
    extra = [[*records[0], "ekstra_sporsmal"], *([*r, "1"] for r in records[1:])]
    _write(book, folder / sample.name, extra, encoding)  # an extra column in an accepted file
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRUKERSTEMME_DATA_DIR", str(zones.root))
        (root / "dagster").mkdir()
        with project_instance(str(root / "dagster")) as instance:
            materialize_all(zones, instance, log=lambda *_: None)
            yield zones, instance, book, sample, names


def _logs(instance: dg.DagsterInstance) -> str:
    return "\n".join(
        str(entry) for run in instance.get_runs() for entry in instance.all_logs(run.run_id)
    )


def test_every_landing_entry_has_a_ledger_row_with_its_reason(hostile) -> None:
    zones, instance, _, _, names = hostile
    ledger = pd.read_parquet(zones.ledger).set_index("file_name")
    assert files_missing_from_ledger(ledger.reset_index(), zones.landing) == []
    reasons = {key: ledger.loc[name, "reason"] for key, name in names.items()}
    assert reasons == {
        "link": errors.SYMLINK,
        "dangling": errors.SYMLINK,
        "zip": errors.NOT_TEXT,
        "utf16": errors.NOT_TEXT,
        "bad_row": errors.UNREADABLE_FILE,
        "full_width": errors.UNRECOGNIZED_FILE_NAME,
        "hidden": errors.HIDDEN_FILE,
    }
    assert "ZIP-arkiv" in ledger.loc[names["zip"], "detail"]
    assert "UTF-16-tekst" in ledger.loc[names["utf16"], "detail"]
    assert "data row 2" in ledger.loc[names["bad_row"], "detail"]
    key = dg.AssetCheckKey(dg.AssetKey("delivery_ledger"), "ledger_reconciles")
    found = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])
    assert found[key].status.value == "SUCCEEDED"


def test_links_are_never_followed(hostile) -> None:
    zones, instance, _, _, names = hostile
    for path in zones.root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in _logs(instance) and "passwd" not in _logs(instance)
    ledger = pd.read_parquet(zones.ledger).set_index("file_name")
    assert ledger.loc[[names["link"], names["dangling"]], "sha256"].isna().all()


def test_no_content_in_ledger_logs_or_metadata(hostile) -> None:
    zones, instance, _, _, _ = hostile
    assert CANARY not in pd.read_parquet(zones.ledger).to_csv()
    assert CANARY not in _logs(instance)


def test_no_partition_for_a_unit_number_in_other_digits(hostile) -> None:
    _, instance, _, _, _ = hostile
    units = instance.get_dynamic_partitions(UNIT_PARTITIONS_NAME)
    assert units and all(u.isascii() and u.isdigit() for u in units)


def test_extra_columns_in_ledger_detail_and_asset_metadata(hostile) -> None:
    zones, instance, book, sample, _ = hostile
    ledger = pd.read_parquet(zones.ledger).set_index("file_name")
    assert "ekstra_sporsmal" in ledger.loc[sample.name, "detail"]
    unit = parse_file_name(sample.name, book).unit_id
    partition = dg.MultiPartitionKey({"wave": str(book.wave), "unit": unit})
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey("validated_responses"), asset_partitions=[partition]
        ),
        limit=1,
    ).records
    metadata = records[0].asset_materialization.metadata
    assert "ekstra_sporsmal" in metadata["extra_columns"].value


def test_ledger_gate_blocks_when_an_archived_copy_changed(hostile) -> None:
    zones, instance, _, sample, _ = hostile
    sha = pd.read_parquet(zones.ledger).set_index("file_name").loc[sample.name, "sha256"]
    copy = next(zones.archive.glob(f"*/{sha}.*"))
    saved = copy.read_bytes()
    copy.write_bytes(saved + b"\n")  # the archive's copy no longer holds the delivered bytes
    try:
        result = defs.resolve_job_def(NATIONAL_JOB).execute_in_process(
            instance=instance, raise_on_error=False
        )
        assert not result.success
        (check,) = [
            c for c in result.get_asset_check_evaluations() if c.check_name == "ledger_reconciles"
        ]
        assert not check.passed
        details = check.metadata["details"].value
        assert f"{sample.name} (wave " in details and "bytes differ" in details
    finally:
        copy.write_bytes(saved)
