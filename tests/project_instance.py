"""A test Dagster instance with the repository's event log storage (dagster.yaml's
`event_log_storage`), so that the integration tests run on what `make run` runs on."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

REPO = Path(__file__).resolve().parents[1]


def project_instance(temp_dir: str | Path, **kwargs: Any) -> AbstractContextManager:
    """dg.instance_for_test in `temp_dir` (also DAGSTER_HOME while open) with the project's
    event log storage."""
    storage = yaml.safe_load((REPO / "dagster.yaml").read_text(encoding="utf-8"))
    event_log = {**storage["event_log_storage"], "config": {"dagster_home": str(temp_dir)}}
    return dg.instance_for_test(
        temp_dir=str(temp_dir), overrides={"event_log_storage": event_log}, **kwargs
    )
