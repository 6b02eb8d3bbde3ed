"""Dagster storage on PostgreSQL, for real: a private cluster on a local socket (Debian's
postgresql binaries; .ci/run installs them), the late-data flow on an instance that keeps its
runs, events and schedules there."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import dagster as dg
import pytest

from assets.editions import store
from assets.storage import DataZones
from bench.late import add_records
from pipelines.runner import materialize_all

pytestmark = pytest.mark.slow
WAVE = 2023


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    assert found, "PostgreSQL server binaries missing: apt-get install postgresql (see .ci/run)"
    return found[-1].parent


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


@pytest.fixture()
def postgres():
    """A throw-away cluster listening only on a Unix socket; yields its connection URL."""
    bin_dir = _pg_bin()
    base = Path(tempfile.mkdtemp(prefix="brukerstemme-pg-"))  # outside root's private tmp
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    owner = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
    if owner:
        shutil.chown(base, owner)
        shutil.chown(sock, owner)
    run = lambda *c: subprocess.run(_as_owner([*c], owner), check=True, capture_output=True)  # noqa: E731
    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    opts = f"-k {sock} -c listen_addresses='' -c fsync=off"
    run(
        str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"
    )
    try:
        run(str(bin_dir / "createdb"), "-h", str(sock), "-U", "postgres", "dagster")
        yield f"postgresql+psycopg2://postgres@/dagster?host={sock}"  # the installed driver
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def test_late_data_flow_on_a_postgres_backed_instance(
    postgres, samples: Path, tmp_path, monkeypatch
):
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        f"telemetry:\n  enabled: false\nstorage:\n  postgres:\n    postgres_url: '{postgres}'\n",
        encoding="utf-8",
    )
    zones = DataZones(tmp_path / "data")
    shutil.copytree(samples / "landing" / str(WAVE), zones.landing / str(WAVE))
    monkeypatch.setenv("BRUKERSTEMME_DATA_DIR", str(zones.root))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        materialize_all(zones, instance, log=lambda *_: None, workers=1)
        assert store.read_current(zones) == {WAVE: "preliminary"}
        korr = samples / "late" / str(WAVE) / "kommune_4601_korr1.csv"
        add_records(korr, zones.landing / str(WAVE) / "kommune_4601_korr2.csv", extra=10)
        materialize_all(zones, instance, log=lambda *_: None, workers=1, changed_only=True)
        assert store.read_current(zones) == {WAVE: "preliminary-2"}
        runs = instance.get_runs()
        assert runs and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        manifest = store.read_manifest(zones, WAVE, "preliminary-2")
        assert set(manifest["dagster_run_ids"]) <= {r.run_id for r in runs}
