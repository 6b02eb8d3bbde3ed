"""The `brukerstemme` command line: strict options, the demo's own data dir, clear exits.

What the commands start (the runner, the generator) is replaced by recorders here, so these
tests show what would run; tests/test_cli_runs.py runs the real pipeline.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import generator.cli
import pipelines.runner
from assets.ingest.harmonize_wave import (
    ALLOW_DEVELOPMENT_KEY_ENV,
    DEFAULT_PSEUDONYM_KEY,
    PSEUDONYM_KEY_ENV,
    MissingPseudonymKey,
    pseudonym_key,
)
from assets.storage import DATA_DIR_ENV
from pipelines import cli


@pytest.fixture(autouse=True)
def _environment():
    """`demo` sets variables for the runs it starts; keep them out of other tests."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture()
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every call that would start work: (what, arguments, data dir at the time)."""
    calls: list[tuple] = []

    def fake_materialize(zones, **kwargs):
        calls.append(("materialize_all", kwargs, zones.root))
        return {}

    def fake_generate(argv):
        calls.append(("generate", list(argv), None))
        return 0

    monkeypatch.setattr(pipelines.runner, "materialize_all", fake_materialize)
    monkeypatch.setattr(generator.cli, "main", fake_generate)
    return calls


@pytest.fixture()
def real_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir with a real-looking delivery, set as BRUKERSTEMME_DATA_DIR."""
    root = tmp_path / "production"
    (root / "landing" / "2023").mkdir(parents=True)
    (root / "landing" / "2023" / "kommune_4601.csv").write_text("x\n", encoding="utf-8")
    monkeypatch.setenv(DATA_DIR_ENV, str(root))
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "a-test-secret")
    return root


@pytest.mark.parametrize(
    ("argv", "meant"),
    [
        (["run", "--changed_only"], "--changed-only"),
        (["run", "--changed"], "--changed-only"),  # no abbreviations either
        (["demo", "--scal", "2"], "--scale"),
        (["demo", "--data_dir", "x"], "--data-dir"),
        (["generate", "--out", "x", "--anomalys"], "--anomalies"),
        (["rn"], "run"),
    ],
)
def test_a_misspelt_option_is_an_error_and_nothing_runs(
    argv, meant, started, real_data_dir, capsys
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == cli.EXIT_USAGE == 2
    err = capsys.readouterr().err
    assert f"did you mean {meant}?" in err
    assert err.startswith("usage: brukerstemme")
    if argv[0] != "rn":
        assert f"brukerstemme {argv[0]}: error:" in err  # the subcommand's own usage and name
    assert started == []


def test_correct_options_reach_the_runner_and_the_generator(
    started, real_data_dir: Path, tmp_path: Path
) -> None:
    assert cli.main(["run", "--changed-only"]) == 0
    assert cli.main(["run"]) == 0
    out = str(tmp_path / "gen")
    assert cli.main(["generate", "--out", out, "--scale", "0.5", "--anomalies"]) == 0
    assert started == [
        ("materialize_all", {"changed_only": True}, real_data_dir.resolve()),
        ("materialize_all", {"changed_only": False}, real_data_dir.resolve()),
        ("generate", ["--out", out, "--scale", "0.5", "--anomalies"], None),
    ]


def test_demo_writes_to_its_own_dir_not_the_data_dir(
    started, real_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cli.DEMO_DIR_ENV, raising=False)
    monkeypatch.delenv(ALLOW_DEVELOPMENT_KEY_ENV)
    monkeypatch.delenv(PSEUDONYM_KEY_ENV)
    assert cli.main(["demo", "--scale", "0.1"]) == 0
    demo_dir = (tmp_path / "data").resolve()
    assert started == [
        ("generate", ["--out", str(demo_dir), "--anomalies", "--scale", "0.1"], None),
        ("materialize_all", {"changed_only": False}, demo_dir),
    ]
    assert (demo_dir / cli.DEMO_MARKER).is_file()
    assert sorted(p.name for p in (real_data_dir / "landing" / "2023").iterdir()) == [
        "kommune_4601.csv"
    ]
    assert os.environ[DATA_DIR_ENV] == str(demo_dir)  # what the Dagster resource reads
    assert pseudonym_key() == DEFAULT_PSEUDONYM_KEY.encode()  # the demo opted in


def test_demo_dir_from_the_environment_and_reruns_in_its_own_dir(
    started, real_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo_dir = tmp_path / "demo"
    monkeypatch.setenv(cli.DEMO_DIR_ENV, str(demo_dir))
    assert cli.main(["demo"]) == 0
    (demo_dir / "landing" / "2023").mkdir(parents=True)  # as the generator leaves it
    (demo_dir / "landing" / "2023" / "kommune_1201.csv").write_text("x\n", encoding="utf-8")
    assert cli.main(["demo"]) == 0  # its own output: allowed again
    assert [c[0] for c in started] == ["generate", "materialize_all"] * 2
    assert all(c[2] in (None, demo_dir.resolve()) for c in started)


@pytest.mark.parametrize("how", ["option", "environment", "default"])
def test_demo_refuses_a_dir_with_deliveries_it_did_not_write(
    how, started, real_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    argv = ["demo"]
    if how == "option":
        argv += ["--data-dir", str(real_data_dir)]
    elif how == "environment":
        monkeypatch.setenv(cli.DEMO_DIR_ENV, str(real_data_dir))
    else:
        monkeypatch.chdir(real_data_dir.parent)
        real_data_dir.rename(real_data_dir.parent / "data")
        real_data_dir = real_data_dir.parent / "data"
    assert cli.main(argv) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "demo did not write" in err and cli.DEMO_MARKER in err and "--data-dir" in err
    assert len(err.strip().splitlines()) == 1
    assert started == []
    assert not (real_data_dir / cli.DEMO_MARKER).exists()
    assert [p.name for p in (real_data_dir / "landing" / "2023").iterdir()] == ["kommune_4601.csv"]


@pytest.mark.parametrize("landing", ["missing", "empty", "empty wave folder"])
def test_an_empty_landing_zone_gives_one_clear_line(
    landing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    root = tmp_path / "data"
    if landing != "missing":
        (root / "landing").mkdir(parents=True)
    if landing == "empty wave folder":
        (root / "landing" / "2023").mkdir()
    monkeypatch.setenv(DATA_DIR_ENV, str(root))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # no Dagster instance is needed for this
    assert cli.main(["run"]) == cli.EXIT_NO_DELIVERIES == 3
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("brukerstemme run: no deliveries")
    assert str(root / "landing") in lines[0] and "landing/<wave>/" in lines[0]
    assert "Traceback" not in captured.err + captured.out


def test_run_without_a_pseudonym_key_is_an_error_and_nothing_runs(
    started, real_data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.delenv(PSEUDONYM_KEY_ENV)
    monkeypatch.delenv(ALLOW_DEVELOPMENT_KEY_ENV)
    assert cli.main(["run"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"brukerstemme run: {PSEUDONYM_KEY_ENV} is not set")
    assert f"export {PSEUDONYM_KEY_ENV}=" in err
    assert started == []


def test_the_pseudonym_key_never_falls_back_in_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    monkeypatch.delenv(ALLOW_DEVELOPMENT_KEY_ENV, raising=False)
    with pytest.raises(MissingPseudonymKey, match=PSEUDONYM_KEY_ENV):
        pseudonym_key()
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "")
    with pytest.raises(MissingPseudonymKey, match=ALLOW_DEVELOPMENT_KEY_ENV):
        pseudonym_key()
    monkeypatch.setenv(ALLOW_DEVELOPMENT_KEY_ENV, "yes")  # only the documented value opts in
    with pytest.raises(MissingPseudonymKey):
        pseudonym_key()
    monkeypatch.setenv(ALLOW_DEVELOPMENT_KEY_ENV, "1")
    assert pseudonym_key() == DEFAULT_PSEUDONYM_KEY.encode()
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "production-secret")
    assert pseudonym_key() == b"production-secret"  # a real key always wins


def test_the_parser_is_built_in_one_place() -> None:
    parser = cli.build_parser()
    assert set(parser.commands.choices) >= {"generate", "run", "demo"}
    for name, sub in parser.commands.choices.items():
        assert not sub.allow_abbrev, name


def test_run_without_a_dagster_home_says_so_and_nothing_runs(
    real_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "no-such-folder"))
    assert cli.main(["run"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("brukerstemme run: DAGSTER_HOME ") and "is not a folder" in err
    assert "Traceback" not in err
    assert not (real_data_dir / "restricted" / "archive").exists()


def test_the_command_module_loads_no_data_library() -> None:
    """A spawned worker (the PDF reports' pool) imports the `brukerstemme` script, and so this
    module, again: pandas, Arrow, Dagster or GX loaded here cost every worker of every edition."""
    import subprocess
    import sys

    heavy = ("pandas", "pyarrow", "numpy", "dagster", "great_expectations", "duckdb")
    done = subprocess.run(
        [sys.executable, "-c", f"import sys, pipelines.cli; print([m for m in {heavy!r} "
         "if m in sys.modules])"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "[]"
