"""The runner's wave pipeline (runner._build_waves) keeps the waves' order: harmonizing one
after another in the worker, each edition after its own wave's harmonize and the previous
wave's edition, no edition after a failed harmonize, the ledger after the waves' harmonize runs.

The Dagster runs are replaced by a recorder and the worker by a thread, so the test is about
the order alone; tests/test_reproducibility.py runs the real thing and compares the files."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipelines import runner
from pipelines.jobs import NATIONAL_JOB, WAVE_JOB
from pipelines.run_failures import FailedRun

WAVES = [2019, 2021, 2023]


@pytest.fixture()
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None, tuple, str]]:
    """Every run as (job, partition, selected assets, where it ran), in the order they ended;
    harmonizing wave 2021 fails."""
    calls: list[tuple[str, str | None, tuple, str]] = []
    lock = threading.Lock()

    def run(job, instance=None, partition_key=None, asset_selection=None, tags=None):
        selected = tuple(sorted(k.to_user_string() for k in asset_selection or ()))
        where = "worker" if threading.current_thread().name.startswith("beside") else "runner"
        with lock:
            calls.append((job, partition_key, selected, where))
        if partition_key == "2021" and selected == ("harmonized_responses",):
            return FailedRun(job, partition_key, "run-2021", ("harmonized_responses",), "Failure")
        return None

    @contextlib.contextmanager
    def one_worker(instance, workers: int):
        if workers < 1:
            yield None
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="beside") as pool:
            yield pool

    monkeypatch.setattr(runner, "_run", run)
    monkeypatch.setattr(runner, "_run_in_worker", lambda job, **kwargs: run(job, **kwargs))
    monkeypatch.setattr(runner, "worker_pool", one_worker)
    return calls


def test_waves_are_pipelined_in_wave_order(recorded) -> None:
    failures, ledger_built = runner._build_waves(None, WAVES, workers=2, log=lambda *_: None)
    assert ledger_built
    assert [(f.partition, f.label) for f in failures] == [("2021", "wave 2021")]
    harmonized = [p for job, p, sel, where in recorded if sel == ("harmonized_responses",)]
    assert harmonized == ["2019", "2021", "2023"]
    assert all(w == "worker" for _, _, sel, w in recorded if sel == ("harmonized_responses",))
    editions = [(p, sel, w) for job, p, sel, w in recorded if "indicator_cells" in sel]
    steps = ("indicator_cells", "wave_edition")
    assert editions == [("2019", steps, "runner"), ("2023", steps, "runner")]  # not 2021
    order = [(job, p, sel) for job, p, sel, _ in recorded]
    for wave in ("2019", "2023"):  # each edition after its own wave is harmonized
        assert order.index((WAVE_JOB, wave, ("harmonized_responses",))) < order.index(
            (WAVE_JOB, wave, steps)
        )
    ledger = order.index((NATIONAL_JOB, None, ("delivery_ledger",)))
    assert ledger > order.index((WAVE_JOB, "2023", ("harmonized_responses",)))


def test_one_worker_builds_each_wave_whole_in_turn(recorded) -> None:
    failures, ledger_built = runner._build_waves(None, WAVES, workers=1, log=lambda *_: None)
    assert not ledger_built  # the cross-wave run builds it
    assert [(job, p, sel, w) for job, p, sel, w in recorded] == [
        (WAVE_JOB, str(w), (), "runner") for w in WAVES
    ]
    assert failures == []  # the whole job's harmonize was not the one that fails


def test_one_wave_runs_whole_with_the_ledger_beside(recorded) -> None:
    failures, ledger_built = runner._build_waves(None, [2023], workers=2, log=lambda *_: None)
    assert ledger_built and failures == []
    assert (WAVE_JOB, "2023", (), "runner") in recorded
    assert (NATIONAL_JOB, None, ("delivery_ledger",), "worker") in recorded
