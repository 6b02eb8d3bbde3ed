"""Editions on a real Dagster instance: first publication, a held correction, `final`, a late
correction that gives `rev1`, and a rerun that changes nothing. Earlier editions stay
byte-identical; reports whose content did not change are the same files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from audit_trail_cases import *  # noqa: F403  (`brukerstemme audit` on this module's history)
from samples_pipeline import pipeline_on_samples

from assets.defs import wave_unit_key
from assets.editions import flow, store, writing
from assets.editions.status import wave_status
from assets.storage import DataZones
from bench.late import add_records
from pipelines.definitions import defs
from pipelines.editions_cli import publish_final
from pipelines.jobs import NATIONAL_JOB
from pipelines.runner import materialize_all
from quality.attacker import attack
from schemas.codebook import codebooks

REPO = Path(__file__).resolve().parents[1]
WAVE = 2023
KORR1 = "kommune_4601_korr1.csv"
KORR2 = "kommune_4601_korr2.csv"


def _files(folder: Path) -> dict[str, tuple[str, int, int]]:
    """sha256, mtime and inode of every file below `folder` (symlinks not followed)."""
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
            p.stat().st_ino,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _rerun_changed(zones: DataZones, instance: dg.DagsterInstance) -> None:
    materialize_all(zones, instance, log=lambda *_: None, workers=1, changed_only=True)


@pytest.fixture(scope="module")
def history(samples: Path, tmp_path_factory: pytest.TempPathFactory):
    """Runs the whole story once and records what was there after each step."""
    root = tmp_path_factory.mktemp("editions")
    with pipeline_on_samples(samples, root, workers=1) as (zones, instance):
        seen = {"first": _files(zones.published / "editions")}
        seen["first_current"] = store.read_current(zones)
        shutil.copy2(samples / "late" / str(WAVE) / KORR1, zones.landing / str(WAVE) / KORR1)
        _rerun_changed(zones, instance)
        seen["held_status"] = wave_status(zones, WAVE)
        seen["held_current"] = store.read_current(zones)
        seen["final_edition"] = publish_final(zones, WAVE, instance)
        seen["final"] = _files(zones.published / "editions")
        add_records(
            samples / "late" / str(WAVE) / KORR1, zones.landing / str(WAVE) / KORR2, extra=10
        )
        _rerun_changed(zones, instance)
        seen["rev1"] = _files(zones.published / "editions")
        seen["rev1_current"] = store.read_current(zones)
        materialize_all(zones, instance, log=lambda *_: None, workers=1)  # everything again
        seen["rerun"] = _files(zones.published / "editions")
        yield zones, instance, seen


def test_first_publication_is_preliminary_for_every_wave(history) -> None:
    zones, _, seen = history
    assert seen["first_current"] == dict.fromkeys(codebooks(), "preliminary")
    manifest = store.read_manifest(zones, 2017, "preliminary")
    assert manifest["previous_edition"] is None
    assert {d["file_name"] for d in manifest["deliveries"]} >= {"BTE2017_1601.sav"}
    assert all(len(d["sha256"]) == 64 and d["received_at"] for d in manifest["deliveries"])
    assert manifest["codebook"]["sha256"] and manifest["rule_files"]["quality/disclosure.yaml"]
    assert manifest["code_version"]["source_sha256"] and manifest["dagster_run_ids"]
    for name, entry in manifest["outputs"].items():
        path = store.published_dir(zones, 2017, "preliminary") / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name


def test_every_edition_keeps_the_lineage_of_the_runs_that_made_it(history) -> None:
    zones, instance, _ = history
    manifest = store.read_manifest(zones, WAVE, "rev1")
    lineage_file = zones.root / manifest["lineage"]["file"]
    assert hashlib.sha256(lineage_file.read_bytes()).hexdigest() == manifest["lineage"]["sha256"]
    assert not lineage_file.is_relative_to(zones.published)  # it names restricted data versions
    lineage = json.loads(lineage_file.read_text(encoding="utf-8"))
    graph = {node["asset"]: node for node in lineage["asset_graph"]}
    assert "harmonized_responses" in graph["indicator_cells"]["upstream"]
    assert "disclosure_attack" in graph["indicator_cells"]["checks"]
    made = {(m["asset"], m["partition"]): m for m in lineage["materializations"]}
    harmonized = made[("harmonized_responses", str(WAVE))]
    assert harmonized["data_version"] == harmonized["content_sha256"]
    assert len(harmonized["data_version"]) == 64
    used_units = {d["unit_id"] for d in manifest["deliveries"]}
    unit_keys = {str(wave_unit_key(WAVE, u)) for u in used_units}
    assert {p for a, p in made if a == "validated_responses"} >= unit_keys
    checks = {(c["asset"], c["check"]): c for c in lineage["checks"]}
    assert checks[("indicator_cells", "disclosure_attack")]["passed"]
    assert checks[("harmonized_responses", "harmonized_expectations")]["passed"]
    assert made[("indicator_cells", str(WAVE))]["run_id"] in manifest["dagster_run_ids"]
    # a wave run makes its new edition current itself (publish_final), unless brukerstemme run
    # defers that to its cross-wave run (rev1)
    made = {}
    for r in instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("wave_edition"), asset_partitions=[str(WAVE)]),
        limit=50,
    ).records:
        meta = r.asset_materialization.metadata
        if meta["new_edition"].value:
            made[meta["edition"].value] = meta["made_current"].value
    assert made["final"] is True and made["rev1"] is False
    # what the instance says the materializations recorded: code version and rule hashes
    record = instance.fetch_materializations(dg.AssetKey("harmonized_responses"), limit=1)
    metadata = record.records[0].asset_materialization.metadata
    assert metadata["code_version"].value.startswith(("git:", "brukerstemme "))
    assert len(metadata["rule_files_sha256"].value) == 64
    assert metadata["rows_in"].value == (
        metadata["rows_accepted"].value
        + metadata["rows_quarantined"].value
        + metadata["rows_duplicate"].value
    )


def test_a_correction_of_fewer_than_ten_records_is_held(history) -> None:
    zones, _, seen = history
    status = seen["held_status"]
    assert status["held_files"] == KORR1 and status["held_units"] == "4601"
    assert seen["held_current"][WAVE] == "preliminary"  # no figure moved: no new edition
    final = store.read_manifest(zones, WAVE, "final")
    assert [d["file_name"] for d in final["held_deliveries"]] == [KORR1]
    assert KORR1 not in {d["file_name"] for d in final["deliveries"]}
    first = store.read_edition(zones, WAVE, "preliminary")["indicator_cells"]
    again = store.read_edition(zones, WAVE, "final")["indicator_cells"]
    pd.testing.assert_frame_equal(first.drop(columns="edition"), again.drop(columns="edition"))


def test_final_reuses_every_report_whose_content_did_not_change(history) -> None:
    zones, _, seen = history
    assert seen["final_edition"] == "final"
    reports = store.read_manifest(zones, WAVE, "final")["reports"]
    assert reports and all(r["reused"] for r in reports.values())
    for name in reports:
        before = seen["first"][f"{WAVE}/preliminary/reports/{name}"]
        assert seen["final"][f"{WAVE}/final/reports/{name}"] == before  # bytes, mtime, inode


def test_a_late_correction_of_ten_or_more_gives_rev1_with_a_change_log(history) -> None:
    zones, _, seen = history
    assert seen["rev1_current"] == {**seen["first_current"], WAVE: "rev1"}
    assert store.complete_editions(zones, WAVE) == ["preliminary", "final", "rev1"]
    changes = pd.read_parquet(store.published_dir(zones, WAVE, "rev1") / "changes.parquet")
    # In the samples' tiny geography the interval audit withholds Bergen itself (national minus
    # the shown units would reveal Herøy's five), so the move shows in the figures above it.
    bergen = changes[changes["change"] == "changed"]
    assert len(bergen) and set(bergen["caused_by"]) == {KORR2}
    assert "NO" in set(bergen["unit_id"])
    assert (bergen["old_n_respondents"] < bergen["new_n_respondents"]).all()
    old = store.read_edition(zones, WAVE, "final")["indicator_cells"].set_index(
        ["unit_type", "unit_id", "indicator_id", "measure"]
    )
    for r in bergen.itertuples():
        assert old.loc[(r.unit_type, r.unit_id, r.indicator_id, r.measure), "display"] == (
            r.old_display
        )
    log = (store.published_dir(zones, WAVE, "rev1") / "endringslogg.md").read_text("utf-8")
    assert "revisjon 1" in log and KORR2 in log
    manifest = store.read_manifest(zones, WAVE, "rev1")
    assert manifest["previous_edition"] == "final" and manifest["held_deliveries"] == []
    assert KORR2 in {d["file_name"] for d in manifest["deliveries"] if d["used_in_edition"]}


def test_answers_too_few_to_difference_are_held_and_the_nation_does_not_move(history) -> None:
    """The 10 added records answer some questions fewer than 10 times (routing, "vet ikke"):
    those answers are held, so the national figure of such a question is the same in rev1."""
    zones, _, _ = history
    manifest = store.read_manifest(zones, WAVE, "rev1")
    held = {(h["unit_id"], h["item"]) for h in manifest["held_answers"]}
    assert held and {u for u, _ in held} == {"4601"}
    changes = pd.read_parquet(store.published_dir(zones, WAVE, "rev1") / "changes.parquet")
    logged = changes[changes["change"] == "answers_held"]
    assert set(zip(logged["unit_id"], logged["indicator_id"], strict=True)) == held
    assert logged["new_n_valid"].isna().all()  # never how many
    log = (store.published_dir(zones, WAVE, "rev1") / "endringslogg.md").read_text("utf-8")
    assert "Svar holdt tilbake" in log
    final, rev1 = (
        store.read_edition(zones, WAVE, e)["indicator_cells"].query("unit_type == 'national'")
        for e in ("final", "rev1")
    )
    key = ["indicator_id", "measure"]
    both = final.merge(rev1, on=key, suffixes=("_final", "_rev1"))
    for item in {i for _, i in held}:
        same = both[both["indicator_id"] == item]
        assert (same["n_valid_final"] == same["n_valid_rev1"]).all(), item
    moved = (both["n_valid_rev1"] - both["n_valid_final"]).abs()
    assert ((moved == 0) | (moved >= 10)).all()
    assert "4601" in (wave_status(zones, WAVE)["held_answers"] or "")


def test_earlier_editions_and_other_waves_are_untouched(history) -> None:
    _, _, seen = history
    before, after = seen["final"], seen["rev1"]
    assert {k: after[k] for k in before} == before
    assert seen["rerun"] == after  # a second run changes no byte, adds no edition


def test_consumers_see_the_current_editions_through_one_pointer(history) -> None:
    zones, _, seen = history
    pub = zones.published
    cells = pd.read_parquet(pub / "indicators.parquet")
    editions = cells.groupby("wave")["edition"].unique().map(list).to_dict()
    assert editions == {w: [e] for w, e in seen["rev1_current"].items()}
    assert json.loads((pub / "current.json").read_text())["editions"][str(WAVE)] == "rev1"
    assert (pub / "reports" / str(WAVE)).resolve() == (
        store.published_dir(zones, WAVE, "rev1") / "reports"
    ).resolve()
    assert (pub / "dashboard" / "index.html").is_file()
    with duckdb.connect(str(pub / "mart.duckdb"), read_only=True) as con:
        every = con.execute(
            "SELECT DISTINCT edition FROM indicator_cells WHERE wave = 2023 ORDER BY 1"
        ).fetchall()
        current = con.execute(
            "SELECT DISTINCT edition FROM current_cells WHERE wave = 2023"
        ).fetchall()
        moved = con.execute("SELECT count(*) FROM changes WHERE edition = 'rev1'").fetchall()[0][0]
    assert [e for (e,) in every] == ["final", "preliminary", "rev1"]
    assert current == [("rev1",)] and moved > 0


def test_the_attacker_finds_nothing_across_the_editions(history) -> None:
    zones, _, _ = history
    earlier = flow.earlier_editions(zones, WAVE)
    new, old = earlier[-1], earlier[:-1]
    leaks = attack(
        new.cells,
        new.units,
        previous_cells=pd.concat([e.cells for e in old]),
        previous_units=pd.concat([e.units for e in old]),
    )
    assert leaks == []


def test_status_command_shows_the_current_edition(history, capsys) -> None:
    from pipelines.cli import main

    assert main(["status", "--wave", str(WAVE)]) == 0
    out = capsys.readouterr().out
    assert "gjeldende utgave        rev1" in out
    assert "alle utgaver            preliminary, final, rev1" in out
    assert "holdt tilbake           ingen" in out


def test_only_reports_whose_content_changed_are_rendered(history, tmp_path) -> None:
    """One unit's own figures move; the national, RHF and pool reports show none of them."""
    zones, _, _ = history
    tables = store.read_edition(zones, WAVE, "rev1")
    cells = tables["indicator_cells"].copy()
    published = store.published_dir(zones, WAVE, "rev1") / "reports"
    has_report = [
        (published / f"{t}_{u}.pdf").exists()
        for t, u in zip(cells["unit_type"], cells["unit_id"], strict=True)
    ]
    shown = (cells["unit_type"] != "national") & ~cells["suppressed"] & pd.Series(has_report)
    row = cells.index[shown.to_numpy()][0]  # the samples' tiny wave may publish only regions
    report = f"{cells.loc[row, 'unit_type']}_{cells.loc[row, 'unit_id']}.pdf"
    cells.loc[row, "share"] = cells.loc[row, "share"] / 2
    cells.loc[row, "display"] = "1 %"
    out = tmp_path / "reports"
    entries = writing.write_reports(zones, WAVE, cells, tables["units"], out, "rev1", workers=1)
    rendered = {name for name, e in entries.items() if not e["reused"]}
    assert rendered == {report}
    rev1 = store.published_dir(zones, WAVE, "rev1") / "reports"
    for name in set(entries) - rendered:
        old, new = (rev1 / name).stat(), (out / name).stat()
        assert (new.st_ino, new.st_mtime_ns) == (old.st_ino, old.st_mtime_ns), name
    assert (out / report).read_bytes() != (rev1 / report).read_bytes()


KILL_DURING_REPORTS = """
import os, sys
from pathlib import Path
import assets.consumers.pdf_reports as pdf
from assets.editions import flow, writing
from assets.storage import DataZones

def die(jobs, workers=2):
    os.kill(os.getpid(), 9)

pdf.render_jobs = die
zones = DataZones(Path(sys.argv[1]))
decision, tables = flow.read_staged(zones, int(sys.argv[2]))
writing.write_edition(zones, decision, tables, ["killed"], workers=1)
"""


def test_a_killed_publication_leaves_the_previous_edition_current(history, tmp_path) -> None:
    zones, instance, seen = history
    folder = store.staged_dir(zones, 2025)
    decision = json.loads((folder / "decision.json").read_text())
    decision.update(unchanged=False, edition="preliminary-2", base="preliminary")
    tables = store.read_edition(zones, 2025, "preliminary")
    staged = {
        "cells": tables["indicator_cells"].assign(edition="preliminary-2"),
        "units": tables["units"].assign(edition="preliminary-2"),
        "distribution": tables["answer_distribution"].assign(edition="preliminary-2"),
        "input": pd.read_parquet(store.internal_dir(zones, 2025, "preliminary") / "input.parquet"),
    }
    for name in ("internal", "suppression_log"):
        path = store.internal_dir(zones, 2025, "preliminary") / f"{name}.parquet"
        staged["internal_cells" if name == "internal" else name] = pd.read_parquet(path)
    for attr, file in flow.STAGED_TABLES.items():
        staged[attr].to_parquet(folder / file)
    staged["input"].to_parquet(folder / "input.parquet")
    (folder / "decision.json").write_text(json.dumps(decision))
    before = _files(zones.published / "editions")
    done = subprocess.run(
        [sys.executable, "-c", KILL_DURING_REPORTS, str(zones.root), "2025"],
        cwd=REPO,
        env={**os.environ, "BRUKERSTEMME_DATA_DIR": str(zones.root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == -9, done.stderr[-2000:]
    assert list((zones.published / "editions" / "2025").glob(".tmp-*"))  # half-written
    assert store.read_current(zones)[2025] == "preliminary"
    result = defs.resolve_job_def(NATIONAL_JOB).execute_in_process(instance=instance)
    assert result.success
    assert not list((zones.published / "editions" / "2025").glob(".tmp-*"))
    assert not store.internal_dir(zones, 2025, "preliminary-2").exists()
    assert store.complete_editions(zones, 2025) == ["preliminary"]
    assert store.read_current(zones) == seen["rev1_current"]
    assert _files(zones.published / "editions") == before
