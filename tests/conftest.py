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


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the count of tests run and fail the session on any skip: a test whose needs are
    missing must fail, so a skip means something was not tested."""
    stats = terminalreporter.stats
    passed, failed = len(stats.get("passed", [])), len(stats.get("failed", []))
    skipped = stats.get("skipped", [])
    terminalreporter.write_line(f"tests run: {passed + failed}, skipped: {len(skipped)}")
    if skipped:
        terminalreporter.write_line("FAILED: skipped tests are not allowed (see tests/conftest.py)")


def pytest_sessionfinish(session, exitstatus) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and exitstatus == 0:
        session.exitstatus = 1
