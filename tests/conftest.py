"""Shared test fixtures: the client's sample deliveries (read-only, beside the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def samples() -> Path:
    path = SHARED / "spec" / "samples"
    if not path.is_dir():
        pytest.skip(f"the client's sample deliveries are not at {path}")
    return path
