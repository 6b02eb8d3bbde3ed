"""`brukerstemme run` on a real Dagster instance: a crash in one unit's run is recorded for that
unit (ledger and the failed Dagster run), the other units and the outputs go on, and the command
exits non-zero at the end naming the failed unit."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

import assets.ingest_assets
from assets.storage import DATA_DIR_ENV, DataZones
from pipelines import cli
from pipelines.run_failures import RUN_FAILED, FailedRun, crash_ledger

REPO = Path(__file__).resolve().parents[1]
WAVE, CRASHING = "2023", "4601"


def _truth(samples: Path) -> pd.DataFrame:
    files = pd.read_csv(samples / "truth" / "files.csv", dtype=str, keep_default_na=False)
    return files[(files["wave"] == WAVE) & (files["is_late"] == "False")]


@pytest.fixture()
def landing(samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DataZones:
    """One wave of the sample deliveries, a fresh SQLite instance, runs in this process."""
    zones = DataZones(tmp_path / "data")
    shutil.copytree(samples / "landing" / WAVE, zones.landing / WAVE)
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(DATA_DIR_ENV, str(zones.root))
    monkeypatch.setenv("BRUKERSTEMME_WORKERS", "1")  # the injected crash lives in this process
    return zones


def crash_one_unit(monkeypatch: pytest.MonkeyPatch, unit_id: str) -> None:
    """An unexpected error in validated_responses of one partition, as a bug would raise."""
    real = assets.ingest_assets.validate_unit

    def validate_unit(zones, wave, unit, log, **kwargs):
        if unit == unit_id:
            raise RuntimeError("injected crash")
        return real(zones, wave, unit, log, **kwargs)

    monkeypatch.setattr(assets.ingest_assets, "validate_unit", validate_unit)


def test_a_crashed_unit_is_recorded_and_the_others_go_on(
    landing: DataZones, samples: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    zones = landing
    crash_one_unit(monkeypatch, CRASHING)
    assert cli.main(["run"]) == cli.EXIT_RUNS_FAILED == 1
    err = capsys.readouterr().err
    err = err[err.index("brukerstemme run: ") :]  # after Dagster's own log lines
    assert err.startswith("brukerstemme run: 1 run(s) failed")
    assert f"ingest_unit [wave {WAVE}, unit {CRASHING}]: failed in validated_responses" in err
    assert "RuntimeError" in err and "injected crash" not in err  # class only, never a message

    truth = _truth(samples).set_index("name")
    ledger = pd.read_parquet(zones.ledger).set_index("file_name")
    assert sorted(ledger.index) == sorted(truth.index)  # every landed file has its row
    crashed = ledger.loc[f"kommune_{CRASHING}.csv"]
    assert (crashed["status"], crashed["reason"]) == ("rejected", RUN_FAILED)
    assert crashed["sha256"] == truth.loc[f"kommune_{CRASHING}.csv", "sha256"]
    rows = int(truth.loc[f"kommune_{CRASHING}.csv", "n_rows_in_file"])
    assert crashed["rows_accepted"] == 0  # a rejected file: every row quarantined
    assert crashed["rows_in"] == crashed["rows_quarantined"] == rows
    for name, row in truth.drop(f"kommune_{CRASHING}.csv").iterrows():  # the others went on
        assert ledger.loc[name, "status"] == row["expected_file_status"], name
        assert ledger.loc[name, "rows_accepted"] == int(row["expected_rows_accepted"]), name

    accepted = truth[(truth["expected_file_status"] == "accepted") & (truth["unit"] != CRASHING)]
    harmonized = pd.read_parquet(zones.harmonized(int(WAVE)))
    assert set(harmonized["unit_id"]) == set(accepted["unit"])
    assert (zones.published / "indicators.parquet").exists()  # the cross-wave job ran

    with dg.DagsterInstance.get() as instance:
        failed = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        # the batch holding the unit failed (the others in it went on), then the unit alone
        batch, alone = sorted(failed, key=lambda r: r.create_timestamp)
        assert batch.dagster_run.tags.get("dagster/partition") is None
        tags = batch.dagster_run.tags
        assert (
            tags["dagster/asset_partition_range_start"] != tags["dagster/asset_partition_range_end"]
        )
        assert alone.dagster_run.tags.get("dagster/partition") == str(
            dg.MultiPartitionKey({"wave": WAVE, "unit": CRASHING})
        )
        assert alone.dagster_run.run_id in crashed["detail"]
        done = instance.get_materialized_partitions(dg.AssetKey("validated_responses"))
        assert set(done) == {
            str(dg.MultiPartitionKey({"wave": WAVE, "unit": u}))
            for u in set(truth["unit"]) - {CRASHING}
        }

    monkeypatch.undo()  # the bug is fixed: the next run ingests the unit
    monkeypatch.setenv("DAGSTER_HOME", str(zones.root.parent / "dagster"))
    monkeypatch.setenv(DATA_DIR_ENV, str(zones.root))
    monkeypatch.setenv("BRUKERSTEMME_WORKERS", "1")
    assert cli.main(["run"]) == cli.EXIT_OK
    ledger = pd.read_parquet(zones.ledger).set_index("file_name")
    assert ledger.loc[f"kommune_{CRASHING}.csv", "status"] == "accepted"
    assert CRASHING in set(pd.read_parquet(zones.harmonized(int(WAVE)))["unit_id"])


def test_the_crash_ledger_keeps_what_was_recorded_and_adds_the_rest() -> None:
    from assets.ingest.deliveries import Delivery

    def delivery(name: str, sha: str) -> Delivery:
        return Delivery(2023, "4601", 0, name, sha, 10, "2023-05-01T00:00:00+00:00")

    recorded = pd.DataFrame(
        [
            {
                "wave": 2023,
                "unit_id": "4601",
                "file_name": "kommune_4601.csv",
                "sha256": "a" * 64,
                "received_at": "2023-05-01T00:00:00+00:00",
                "status": "accepted",
                "reason": None,
                "detail": None,
                "rows_in": 46,
                "rows_accepted": 46,
                "rows_quarantined": 0,
                "rows_duplicate": 0,
            }
        ]
    )
    failure = FailedRun("ingest_unit", "4601|2023", "run-1", ("raw_deliveries",), "KeyError")
    old, new = delivery("kommune_4601.csv", "a" * 64), delivery("kommune_4601_korr1.csv", "b" * 64)
    ledger = crash_ledger(recorded, [old, new, new], failure)
    assert list(ledger["file_name"]) == ["kommune_4601.csv", "kommune_4601_korr1.csv"]
    assert list(ledger["status"]) == ["accepted", "rejected"]
    added = ledger.iloc[1]
    assert added["reason"] == RUN_FAILED and "run-1" in added["detail"]
    assert added["rows_in"] == added["rows_accepted"] + added["rows_quarantined"] == 0
    nothing_recorded = crash_ledger(recorded.iloc[0:0], [old], failure)
    assert list(nothing_recorded["status"]) == ["rejected"]


def test_a_landing_zone_with_no_recognizable_delivery_is_ledgered_and_named(
    landing: DataZones, capsys
) -> None:
    zones = landing
    shutil.rmtree(zones.landing / WAVE)
    (zones.landing / WAVE).mkdir()
    (zones.landing / WAVE / "notes.csv").write_text("x\n", encoding="utf-8")
    (zones.landing / "misc").mkdir()
    (zones.landing / "misc" / "kommune_4601.csv").write_text("x\n", encoding="utf-8")
    assert cli.main(["run"]) == cli.EXIT_NO_DELIVERIES
    err = capsys.readouterr().err
    mine = err[err.index("brukerstemme run: ") :].strip().splitlines()
    assert len(mine) == 1 and mine[0].startswith(
        f"brukerstemme run: no recognizable deliveries in {zones.landing}: 2 file(s)"
    )
    ledger = pd.read_parquet(zones.ledger).set_index("file_name")
    assert ledger.loc["notes.csv", "reason"] == "unrecognized_file_name"
    assert ledger.loc["kommune_4601.csv", "reason"] == "unknown_wave"
    assert not (zones.published / "indicators.parquet").exists()  # nothing else ran
