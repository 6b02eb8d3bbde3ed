"""The sample deliveries materialized on a real Dagster instance (shared by integration tests)."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
from project_instance import project_instance


@contextlib.contextmanager
def pipeline_on_samples(samples: Path, root: Path, workers: int | None = None):
    """The sample deliveries in a fresh data dir, materialized on a real (SQLite) instance."""

    from assets.storage import DataZones
    from pipelines.runner import materialize_all

    zones = DataZones(root / "data")
    shutil.copytree(samples / "landing", zones.landing)
    patch = pytest.MonkeyPatch()
    patch.setenv("BRUKERSTEMME_DATA_DIR", str(zones.root))
    (root / "dagster").mkdir()
    try:
        with project_instance(str(root / "dagster")) as instance:
            materialize_all(zones, instance, log=lambda *_: None, workers=workers)
            yield zones, instance
    finally:
        patch.undo()
