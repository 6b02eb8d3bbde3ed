"""Integration: the sample deliveries through real Dagster runs on a real (SQLite) instance."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from leak_scan import canaries_found
from samples_pipeline import pipeline_on_samples

from assets.content_hash import content_hash
from assets.editions import store
from pipelines.runner import materialize_all


@pytest.fixture(scope="module")
def pipeline(samples: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("run")
    with pipeline_on_samples(samples, root) as (zones, instance):
        yield zones, instance


def _truth(samples: Path) -> pd.DataFrame:
    return pd.read_csv(samples / "truth" / "files.csv", dtype=str, keep_default_na=False)


def test_ledger_matches_truth(pipeline, samples: Path) -> None:
    zones, _ = pipeline
    ledger = pd.read_parquet(zones.ledger).set_index("file_name")
    first = _truth(samples).query("is_late == 'False'")
    assert sorted(ledger.index) == sorted(first["name"])
    for row in first.itertuples():
        entry = ledger.loc[row.name]
        assert entry["sha256"] == row.sha256
        assert entry["status"] == row.expected_file_status
        assert ("" if pd.isna(entry["reason"]) else entry["reason"]) == row.expected_file_reason
        assert entry["rows_accepted"] == int(row.expected_rows_accepted)
        assert entry["rows_quarantined"] == int(row.expected_rows_quarantined)
        assert entry["rows_duplicate"] == int(row.expected_rows_duplicate_dropped)


def test_every_delivery_is_archived_by_hash(pipeline, samples: Path) -> None:
    zones, _ = pipeline
    for row in _truth(samples).query("is_late == 'False'").itertuples():
        copies = list(zones.archive.glob(f"*/{row.sha256}.*"))
        assert len(copies) == 1, row.name
        assert copies[0].read_bytes() == (samples / row.path).read_bytes()


def test_harmonized_waves_hold_the_accepted_rows(pipeline, samples: Path) -> None:
    zones, _ = pipeline
    truth = _truth(samples).query("is_late == 'False' and expected_file_status == 'accepted'")
    for wave, rows in truth.groupby("wave"):
        frame = pd.read_parquet(zones.harmonized(int(wave)))
        expected = rows.set_index("unit")["expected_rows_accepted"].astype(int).to_dict()
        assert frame.groupby("unit_id").size().to_dict() == expected
        assert frame["respondent_key"].is_unique


def test_respondent_keys_are_the_documented_mac_of_wave_unit_and_vendor_id(pipeline) -> None:
    import hashlib

    from assets.ingest.harmonize_wave import DEFAULT_PSEUDONYM_KEY

    zones, _ = pipeline
    checked = 0
    parts = [pd.read_parquet(part) for part in zones.unit_parts("validated", 2021)]
    for rows in [p for p in parts if len(p)][:3]:  # a unit with no accepted file has no rows
        unit = str(rows["unit_id"].iloc[0])
        harmonized = pd.read_parquet(zones.harmonized(2021)).query("unit_id == @unit")
        keys = dict(zip(harmonized["source_row"], harmonized["respondent_key"], strict=True))
        for row in rows.itertuples():
            mac = hashlib.blake2b(
                f"2021|{unit}|{row.respondent_id}".encode(),
                key=DEFAULT_PSEUDONYM_KEY.encode(),
                digest_size=8,
            )
            assert keys[row.source_row] == mac.hexdigest()
            checked += 1
    assert checked


def test_runs_partitions_and_checks_are_recorded(pipeline, samples: Path) -> None:
    _, instance = pipeline
    key = dg.AssetKey("validated_responses")
    partitions = instance.get_materialized_partitions(key)
    assert dg.MultiPartitionKey({"wave": "2021", "unit": "030102"}) in partitions
    landed = [p for p in (samples / "landing").glob("*/*") if p.is_file()]
    assert len(partitions) == len(landed)  # one unit partition per delivered file here
    waves = {p.parent.name for p in landed}
    assert set(instance.get_materialized_partitions(dg.AssetKey("harmonized_responses"))) == waves
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("delivery_ledger"), "ledger_reconciles")]
    )
    execution = next(iter(check.values()))
    assert execution.status.value == "SUCCEEDED"


def test_batch_runs_keep_each_units_own_metadata(pipeline, samples: Path) -> None:
    """A wave's units go through the unit job in batch runs (one partition range per run); the
    UI still shows each unit's own file, row counts and content hash on its partition."""
    zones, instance = pipeline
    key = dg.AssetKey("validated_responses")
    truth = _truth(samples).query("is_late == 'False'")
    runs, hashes = set(), set()
    for row in truth.itertuples():
        partition = str(dg.MultiPartitionKey({"wave": row.wave, "unit": row.unit}))
        record = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=1
        ).records[0]
        meta = record.asset_materialization.metadata
        accepted = row.expected_file_status == "accepted"
        assert meta["current_file"].value == (row.name if accepted else "none"), row.name
        assert meta["rows_accepted"].value == int(row.expected_rows_accepted), row.name
        part = pd.read_parquet(zones.unit_part("validated", int(row.wave), row.unit))
        assert meta["content_sha256"].value == content_hash(part), row.name
        runs.add(record.run_id)
        hashes.add(meta["content_sha256"].value)
    assert len(runs) < len(truth)  # batches: fewer runs than units
    assert len(hashes) > 1


def test_free_text_never_leaves_the_restricted_zone(pipeline, samples: Path) -> None:
    """Warehouse and everything published (Parquet, DuckDB, PDFs, dashboard) hold no canary."""
    zones, _ = pipeline
    canaries = [
        c for c in (samples / "truth" / "free_text_canaries.txt").read_text().splitlines() if c
    ]
    assert list((zones.root / "published").rglob("*.pdf")), "no reports were published"
    assert canaries_found(zones.root, canaries) == []


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval, written out independently of the project's code."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return centre - half, centre + half


def test_truth_shares_are_reproduced(pipeline, samples: Path) -> None:
    """National and unit share positive, n and Wilson CI from truth/responses.parquet."""
    zones, _ = pipeline
    truth = pd.read_parquet(samples / "truth" / "responses.parquet")
    truth = truth[(truth["expected_status"] == "accepted") & ~truth["is_late"]]
    current = store.read_current(zones)  # the internal cells of every wave's current edition
    parts = [store.internal_dir(zones, w, e) / "internal.parquet" for w, e in current.items()]
    cells = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    cells = cells[cells["measure"] == "share_positive"].set_index(
        ["wave", "unit_type", "unit_id", "indicator_id"]
    )
    checked = 0
    for item in ("overall_satisfied", "access_help_when_needed", "staff_respect"):
        answers = truth[truth[item].isin(["1", "2", "3", "4", "5"])]
        groups = [("national", "NO", answers)]
        groups += [(None, unit, rows) for unit, rows in answers.groupby("unit_code")]
        for unit_type, unit, rows in groups:
            for wave, wave_rows in rows.groupby("wave"):
                kind = unit_type or ("bydel" if len(unit) == 6 else "kommune")
                cell = cells.loc[(int(wave), kind, unit, item)]
                n, k = len(wave_rows), int(wave_rows[item].isin(["4", "5"]).sum())
                assert (cell["n_valid"], cell["n_positive"]) == (n, k), (wave, unit, item)
                assert cell["share"] == pytest.approx(k / n, abs=1e-12)
                low, high = _wilson(k, n)
                assert cell["ci_low"] == pytest.approx(low, abs=1e-12)
                assert cell["ci_high"] == pytest.approx(high, abs=1e-12)
                checked += 1
    assert checked > 40


def test_late_correction_supersedes_and_keeps_the_old_file(pipeline, samples: Path) -> None:
    zones, instance = pipeline
    late = samples / "late" / "2023" / "kommune_4601_korr1.csv"
    shutil.copy2(late, zones.landing / "2023" / late.name)
    materialize_all(zones, instance, log=lambda *_: None, changed_only=True)
    ledger = pd.read_parquet(zones.ledger).set_index("file_name")
    assert ledger.loc["kommune_4601.csv", "status"] == "superseded"
    assert ledger.loc["kommune_4601_korr1.csv", "status"] == "accepted"
    frame = pd.read_parquet(zones.harmonized(2023))
    bergen = frame[frame["unit_id"] == "4601"]
    assert len(bergen) == 48
    assert set(bergen["source_file"]) == {"kommune_4601_korr1.csv"}
    old_sha = ledger.loc["kommune_4601.csv", "sha256"]
    assert list(zones.archive.glob(f"*/{old_sha}.csv"))


def test_same_name_with_new_content_supersedes(pipeline) -> None:
    zones, instance = pipeline
    path = zones.landing / "2023" / "kommune_1515.csv"
    original_mtime = path.stat().st_mtime
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")  # the vendor resends without one row
    older = original_mtime - 7 * 24 * 3600  # … with an mtime older than the original's (cp -p)
    os.utime(path, (older, older))
    materialize_all(zones, instance, log=lambda *_: None, changed_only=True)
    ledger = pd.read_parquet(zones.ledger)
    herøy = ledger[ledger["file_name"] == "kommune_1515.csv"].set_index("status")
    assert set(herøy.index) == {"accepted", "superseded"}
    assert herøy.loc["accepted", "rows_in"] == herøy.loc["superseded", "rows_in"] - 1
    assert herøy.loc["accepted", "received_at"] > herøy.loc["superseded", "received_at"]
    frame = pd.read_parquet(zones.harmonized(2023))
    assert set(frame.loc[frame["unit_id"] == "1515", "source_sha256"]) == {
        herøy.loc["accepted", "sha256"]
    }
