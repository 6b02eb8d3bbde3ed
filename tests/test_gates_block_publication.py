"""Every quality gate can fail, and when it does nothing new is published (write–audit–publish).

The pipeline runs once on the sample deliveries; each test then breaks one thing, reruns the
job that the gate guards, and checks that the gate failed, the run failed and the published
files (every edition, the current generation and its pointer) are byte-for-byte what they were.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from samples_pipeline import pipeline_on_samples

import assets.ingest_assets as ingest_assets
import assets.publication_assets as publication_assets
from assets.defs import DataZonesResource
from assets.indicators.cells import build_publication
from assets.storage import DataZones, write_parquet
from bench.late import add_records
from pipelines.definitions import defs
from pipelines.jobs import NATIONAL_JOB, UNIT_JOB, WAVE_JOB

WAVE = "2023"


@pytest.fixture(scope="module")
def published(samples: Path, tmp_path_factory: pytest.TempPathFactory):
    """Published samples, plus a correction of Bergen 2023 (12 new records) that is ingested
    and harmonized but not yet published: rerunning the wave builds a new edition."""
    root = tmp_path_factory.mktemp("gates")
    with pipeline_on_samples(samples, root, workers=1) as (zones, instance):
        korr = samples / "late" / WAVE / "kommune_4601_korr1.csv"
        add_records(korr, zones.landing / WAVE / "kommune_4601_korr2.csv", extra=10)
        assert _rerun(UNIT_JOB, instance, f"4601|{WAVE}").success
        done = dg.materialize(
            [ingest_assets.harmonized_responses],
            partition_key=WAVE,
            instance=instance,
            resources={"data": DataZonesResource()},
        )
        assert done.success
        yield zones, instance


def _fingerprint(zones: DataZones) -> dict[str, str]:
    files = [*zones.published.rglob("*"), *zones.warehouse.glob("harmonized/**/*.parquet")]
    files += [*zones.warehouse.glob("editions/*/*/*.parquet")]
    out = {
        str(p.relative_to(zones.root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(files)
        if p.is_file() and not p.is_symlink()
    }
    out["current ->"] = os.readlink(zones.published / "current")
    return out


def _check_status(instance: dg.DagsterInstance, asset: str, check: str) -> str:
    key = dg.AssetCheckKey(dg.AssetKey(asset), check)
    found = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])
    return found[key].status.value


def _rerun(job: str, instance: dg.DagsterInstance, partition_key: str | None = None):
    return defs.resolve_job_def(job).execute_in_process(
        instance=instance, partition_key=partition_key, raise_on_error=False
    )


def _tampered_publication(change):
    def build(harmonized, **kwargs):
        publication = build_publication(harmonized, **kwargs)
        return change(publication)

    return build


def test_the_pipeline_published_something(published) -> None:
    zones, _ = published
    assert (zones.published / "indicators.parquet").exists()
    assert (zones.published / "mart.duckdb").exists()
    assert list((zones.published / "reports").glob("*/*.pdf"))
    assert list((zones.published / "editions").glob("*/preliminary/manifest.json"))


def test_disclosure_gate_blocks_a_leak(published, monkeypatch) -> None:
    zones, instance = published
    before = _fingerprint(zones)

    def leak(publication):
        cells = publication.cells.copy()
        row = cells.index[cells["suppressed"]][0]
        cells.loc[row, ["suppressed", "n_positive", "share"]] = [False, 1, 0.5]
        cells.loc[row, "n_valid"] = 2
        return replace(publication, cells=cells)

    monkeypatch.setattr(publication_assets, "build_publication", _tampered_publication(leak))
    result = _rerun(WAVE_JOB, instance, WAVE)
    assert not result.success
    assert _check_status(instance, "indicator_cells", "disclosure_attack") == "FAILED"
    assert _fingerprint(zones) == before


def test_cells_expectations_gate_blocks_impossible_intervals(published, monkeypatch) -> None:
    zones, instance = published
    before = _fingerprint(zones)

    def impossible(publication):
        cells = publication.cells.copy()
        row = cells.index[cells["share"].notna()][0]
        cells.loc[row, "ci_low"] = min(1.0, cells.loc[row, "share"] + 0.1)
        return replace(publication, cells=cells)

    monkeypatch.setattr(publication_assets, "build_publication", _tampered_publication(impossible))
    result = _rerun(WAVE_JOB, instance, WAVE)
    assert not result.success
    assert _check_status(instance, "indicator_cells", "cells_expectations") == "FAILED"
    assert _fingerprint(zones) == before


def test_totals_gate_blocks_figures_the_ledger_does_not_account_for(published) -> None:
    """The unit runs' ledger parts say more rows were accepted than the edition's rows hold
    (a corrupted input, not an edited output): the wave's totals gate fails."""
    zones, instance = published
    parts = zones.unit_parts("ledger", int(WAVE))
    saved = {p: p.read_bytes() for p in parts}
    before = _fingerprint(zones)
    for p in parts:
        frame = pd.read_parquet(p)
        accepted = frame["status"].isin(["accepted", "superseded"])
        frame.loc[accepted, "rows_accepted"] += 2
        frame.loc[accepted, "rows_in"] += 2
        write_parquet(frame, p)
    try:
        result = _rerun(WAVE_JOB, instance, WAVE)
        assert not result.success
        assert _check_status(instance, "indicator_cells", "cell_totals") == "FAILED"
        keys = {str(p.relative_to(zones.root)) for p in parts}
        assert {k: v for k, v in _fingerprint(zones).items() if k not in keys} == {
            k: v for k, v in before.items() if k not in keys
        }
    finally:
        for p, data in saved.items():
            p.write_bytes(data)


def test_harmonized_gate_keeps_the_previous_wave_file(published, monkeypatch) -> None:
    zones, instance = published
    before = _fingerprint(zones)
    real = ingest_assets.harmonize_wave

    def foreign_unit(decoded, wave, code_list_year, validate=True):
        frame = real(decoded, wave, code_list_year, validate)
        unit_id = frame["unit_id"].astype(str)
        frame["unit_id"] = unit_id.where(unit_id != unit_id.iloc[0], "9999").astype("category")
        return frame

    monkeypatch.setattr(ingest_assets, "harmonize_wave", foreign_unit)
    result = _rerun(WAVE_JOB, instance, "2019")
    assert not result.success
    assert _check_status(instance, "harmonized_responses", "harmonized_expectations") == "FAILED"
    assert _fingerprint(zones) == before


def test_the_harmonized_schema_keeps_the_previous_wave_file_and_leaves_no_temporary_file(
    published, monkeypatch
) -> None:
    """The Pandera model runs while the file is being written beside it: a frame that fails
    the model leaves the previous file, and nothing of the new one."""
    zones, instance = published
    before = _fingerprint(zones)
    real = ingest_assets.harmonize_wave

    def bad_key(decoded, wave, code_list_year, validate=True):
        frame = real(decoded, wave, code_list_year, validate)
        frame["respondent_key"] = frame["respondent_key"].where(frame.index != 0, "not-a-key")
        return frame

    monkeypatch.setattr(ingest_assets, "harmonize_wave", bad_key)
    result = _rerun(WAVE_JOB, instance, "2019")
    assert not result.success
    assert _fingerprint(zones) == before
    folder = zones.harmonized(2019).parent
    assert sorted(p.name for p in folder.iterdir()) == [zones.harmonized(2019).name]


def test_ledger_gate_blocks_publication_when_a_file_is_unaccounted_for(published) -> None:
    zones, instance = published
    before = _fingerprint(zones)
    part = zones.unit_part("ledger", 2023, "1515")
    saved = part.read_bytes()
    part.unlink()  # as if the file had been lost between zones
    try:
        result = _rerun(NATIONAL_JOB, instance)
        assert not result.success
        assert _check_status(instance, "delivery_ledger", "ledger_reconciles") == "FAILED"
        published_now = _fingerprint(zones)
        assert {k: v for k, v in published_now.items() if "ledger" not in k} == {
            k: v for k, v in before.items() if "ledger" not in k
        }
    finally:
        part.write_bytes(saved)


def test_published_tables_hold_only_disclosure_safe_columns(published) -> None:
    zones, _ = published
    cells = pd.read_parquet(zones.published / "indicators.parquet")
    suppressed = cells[cells["suppressed"]]
    assert suppressed[["share", "n_positive", "ci_low", "ci_high"]].isna().all().all()
    assert "respondent_key" not in cells.columns
