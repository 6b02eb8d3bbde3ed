"""The real thing: `dagster dev` (webserver, daemon, sensors and automation on by default) on
one wave's samples; a correction dropped into landing/ becomes a new current edition with no
command run. Bounded in time; prints the seconds from landing to the new edition."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assets.editions import store
from assets.storage import DataZones
from bench.late import add_records, dagster_dev, wait_for

pytestmark = pytest.mark.slow
WAVE = 2023


def test_a_landed_correction_becomes_the_current_edition(samples: Path, tmp_path: Path) -> None:
    zones = DataZones(tmp_path / "data")
    shutil.copytree(samples / "landing" / str(WAVE), zones.landing / str(WAVE))
    log = tmp_path / "dagster-dev.log"
    with dagster_dev(zones.root, tmp_path / "dagster", log) as dev:
        first = wait_for(lambda: store.read_current(zones).get(WAVE), 900, dev)
        assert store.read_current(zones)[WAVE] == "preliminary"
        korr = samples / "late" / str(WAVE) / "kommune_4601_korr1.csv"
        add_records(korr, zones.landing / str(WAVE) / "kommune_4601_korr2.csv", extra=10)
        late = wait_for(lambda: store.read_current(zones).get(WAVE) == "preliminary-2", 600, dev)
    print(f"\nfirst publication after {first:.0f} s; the correction current after {late:.0f} s")
    manifest = store.read_manifest(zones, WAVE, "preliminary-2")
    assert manifest["previous_edition"] == "preliminary"
    assert "kommune_4601_korr2.csv" in {d["file_name"] for d in manifest["deliveries"]}
