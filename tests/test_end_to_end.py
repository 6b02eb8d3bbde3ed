"""End to end on generated deliveries: every planted anomaly ends where the generator's truth says.

Also proves onboarding: a synthetic wave that exists only as a codebook in a temporary folder is
generated and materialized with no code change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from leak_scan import canaries_found
from project_instance import project_instance

from assets.editions import store
from assets.storage import DataZones
from generator import generate
from pipelines.runner import materialize_all
from schemas import codebook as codebook_module

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("e2e")
    zones = DataZones(root / "data")
    # 15 units a wave with every anomaly: the real wave sizes are make demo's and make bench's
    generate(zones.root, anomalies=True, seed=11, units=15)
    patch = pytest.MonkeyPatch()
    patch.setenv("BRUKERSTEMME_DATA_DIR", str(zones.root))
    home = root / "dagster"
    home.mkdir()
    with project_instance(str(home)) as instance:
        materialize_all(zones, instance, log=lambda *_: None)
        yield zones, instance
    patch.undo()


def _truth(zones: DataZones) -> pd.DataFrame:
    return pd.read_csv(zones.root / "truth" / "files.csv", dtype=str, keep_default_na=False)


def _compare(ledger: pd.DataFrame, truth: pd.DataFrame) -> list[str]:
    merged = truth.merge(ledger, left_on="name", right_on="file_name", how="left")
    problems = []
    for row in merged.itertuples():
        got = (
            row.status,
            "" if pd.isna(row.reason) else row.reason,
            row.rows_accepted,
            row.rows_quarantined,
            row.rows_duplicate,
        )
        want = (
            row.expected_status,
            row.expected_reason,
            int(row.expected_rows_accepted),
            int(row.expected_rows_quarantined),
            int(row.expected_rows_duplicate),
        )
        if got != want:
            problems.append(f"{row.name}: got {got}, truth {want} ({row.quirks})")
    return problems


def test_first_deliveries_end_as_truth_says(generated) -> None:
    zones, _ = generated
    ledger = pd.read_parquet(zones.ledger)
    first = _truth(zones).query("is_late == 'False'")
    assert len(ledger) == len(first)
    assert _compare(ledger, first) == []
    planted = set(",".join(first["quirks"]).split(","))
    assert {"unit_mismatch", "unit_not_in_code_list", "unreadable_file", "empty_file"} <= planted


def test_harmonized_rows_equal_accepted_rows(generated) -> None:
    zones, _ = generated
    ledger = pd.read_parquet(zones.ledger)
    accepted = ledger[ledger["status"] == "accepted"].groupby("wave")["rows_accepted"].sum()
    for wave, rows in accepted.items():
        assert len(pd.read_parquet(zones.harmonized(int(wave)))) == rows


def test_free_text_canaries_stay_restricted(generated) -> None:
    zones, _ = generated
    canaries = [c for c in (zones.root / "truth" / "canaries.txt").read_text().splitlines() if c]
    assert canaries_found(zones.root, canaries) == []


def test_published_change_reasons_agree_with_the_change(generated) -> None:
    """A wave's edition is built after the earlier waves' (change columns from their current
    edition): the published reason is given exactly where no change is, and is the cross-wave
    one, not that of the wave built alone (where every cell has `no_previous`)."""
    zones, _ = generated
    compared = 0
    for wave, edition in store.latest_editions(zones).items():
        cells = store.read_edition(zones, wave, edition)["indicator_cells"]
        given = cells["comparable_with_previous"].astype(bool)
        assert (cells["comparable_reason"].isna() == given).all(), wave
        hidden = cells["suppressed"].astype(bool)
        assert (cells.loc[hidden, "comparable_reason"] == "suppressed").all(), wave
        compared += int(given.sum())
        if wave > min(store.latest_editions(zones)):
            assert cells["comparable_reason"].ne("no_previous").any(), wave
    assert compared > 0


def test_late_files_supersede(generated) -> None:
    zones, instance = generated
    late = _truth(zones).query("is_late == 'True'")
    for row in late.itertuples():
        target = zones.landing / row.wave / row.name
        shutil.copy2(zones.root / row.path, target)
    rerun = materialize_all(zones, instance, log=lambda *_: None, changed_only=True)
    assert sum(len(u) for u in rerun.values()) == late["unit"].nunique()
    ledger = pd.read_parquet(zones.ledger).set_index("file_name")
    for row in late.itertuples():
        assert ledger.loc[row.name, "status"] == row.expected_status, row.name
        if row.supersedes:
            assert ledger.loc[row.supersedes, "status"] == "superseded", row.supersedes


CODEBOOK_2027 = (Path(__file__).parent / "data" / "codebook_2027.yaml").read_text(encoding="utf-8")


def test_a_new_wave_is_onboarded_by_its_codebook_alone(tmp_path: Path, monkeypatch) -> None:
    """A fresh process (as `make run` or a reloaded code location) sees the extra codebook."""
    books = tmp_path / "codebooks"
    books.mkdir()
    (books / "2027.yaml").write_text(CODEBOOK_2027, encoding="utf-8")
    monkeypatch.setenv(codebook_module.CODEBOOK_PATH_ENV, str(books))
    codebook_module._load_all.cache_clear()
    zones = DataZones(tmp_path / "data")
    try:
        generate(zones.root, waves=[2027], seed=3)
    finally:
        codebook_module._load_all.cache_clear()
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "BRUKERSTEMME_DATA_DIR": str(zones.root),
        "DAGSTER_HOME": str(home),
        codebook_module.CODEBOOK_PATH_ENV: str(books),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    frame = pd.read_parquet(zones.harmonized(2027))
    respondents = yaml.safe_load(CODEBOOK_2027)["delivery"]["default_respondents"]
    assert len(frame) == respondents
    assert frame["overall_satisfied"].notna().any()
    assert (frame["staff_respect_missing"] == "ikke_spurt").all()
    assert set(frame["unit_type"]) <= {"kommune", "bydel"}
    ledger = pd.read_parquet(zones.ledger)
    assert set(ledger["wave"]) == {2027} and (ledger["status"] == "accepted").all()
