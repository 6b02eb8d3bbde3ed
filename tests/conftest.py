"""Shared test fixtures: the client's sample deliveries and public reference facts.

Both are committed under tests/fixtures/ so that a fresh clone tests everything; a missing
fixture fails the test that needs it, never skips it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SAMPLES = FIXTURES / "samples"
REFERENCE_FACTS = FIXTURES / "reference_facts"

# Synthetic and sample data only: the documented development pseudonym key (see harmonize_wave).
os.environ.setdefault("BRUKERSTEMME_ALLOW_DEVELOPMENT_KEY", "1")


def require_fixture(path: Path) -> Path:
    """The fixture at `path`, or a test failure that names it."""
    if not path.exists():
        pytest.fail(f"test fixture missing: {path} (commit it under tests/fixtures/)", False)
    return path


@pytest.fixture(scope="session")
def samples() -> Path:
    return require_fixture(SAMPLES)
