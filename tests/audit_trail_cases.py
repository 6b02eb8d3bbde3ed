"""`brukerstemme audit` on a real published history: test_editions.py's module fixture `history`
(first publication, a held correction of Bergen 2023, `final`, a released correction giving
`rev1`), so no extra pipeline run. test_editions.py imports these tests; they run there.

The trail must check out against the archive and the manifest, name the deliveries behind a
figure with what they superseded, hold counts and hashes only, fail naming the file when an
archived delivery is corrupted, and export PROV-JSON that prov reads back.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from pathlib import Path

import pandas as pd
import pytest
from prov.model import ProvDerivation, ProvDocument

from assets.audit.prov_export import trail_document, validate
from assets.audit.text import trail_text
from assets.audit.trail import COMPLEMENT_RULES, build_trail
from assets.editions import store
from assets.storage import DataZones
from pipelines import cli

__all__ = [  # what test_editions.py imports: the tests, not this module's helpers
    "test_a_complement_names_the_withheld_figure_it_protects",
    "test_a_corrupted_archive_file_fails_the_audit_naming_it",
    "test_a_held_correction_is_named_in_the_trail_of_final",
    "test_a_ledger_that_no_longer_balances_fails_the_audit",
    "test_a_pool_trail_lists_its_members_and_their_deliveries",
    "test_audit_trail_of_a_corrected_unit_checks_out",
    "test_the_audit_command_refuses_a_figure_that_is_not_published",
    "test_the_audit_command_writes_prov_json_that_prov_reads_back",
    "test_the_audit_prints_counts_and_hashes_never_microdata",
    "test_the_national_trail_counts_every_row_the_edition_used",
]
AUDIT_WAVE = 2023
BERGEN = "4601"
ORIGINAL, FIRST_FIX, SECOND_FIX = (
    "kommune_4601.csv",
    "kommune_4601_korr1.csv",
    "kommune_4601_korr2.csv",
)
ITEM = "overall_satisfied"


def _copy(zones: DataZones, tmp_path: Path) -> DataZones:
    shutil.copytree(zones.root, tmp_path / "data", symlinks=True)
    return DataZones(tmp_path / "data")


def _current_cells(zones: DataZones) -> list[tuple[int, str, pd.DataFrame, pd.DataFrame]]:
    out = []
    for wave, edition in sorted(store.read_current(zones).items()):
        tables = store.read_edition(zones, wave, edition)
        out.append((wave, edition, tables["indicator_cells"], tables["units"]))
    return out


def test_audit_trail_of_a_corrected_unit_checks_out(history) -> None:
    zones, _, _ = history
    trail = build_trail(zones, AUDIT_WAVE, BERGEN, ITEM)
    assert trail.ok, [c.detail for c in trail.failures()]
    assert trail.edition == trail.current_edition == store.read_current(zones)[AUDIT_WAVE]
    manifest = store.read_manifest(zones, AUDIT_WAVE, trail.edition)
    assert trail.manifest["dagster_run_ids"] == manifest["dagster_run_ids"]
    assert trail.manifest["code_version"] == manifest["code_version"]
    [delivery] = trail.deliveries
    landed = zones.landing / str(AUDIT_WAVE) / SECOND_FIX
    assert delivery["file_name"] == SECOND_FIX
    assert delivery["sha256"] == hashlib.sha256(landed.read_bytes()).hexdigest()
    assert {d["file_name"] for d in delivery["superseded"]} == {ORIGINAL, FIRST_FIX}
    assert delivery["rows_used_in_edition"] == delivery["rows_accepted"] == trail.rows_in_cell
    assert delivery["rows_in"] == (
        delivery["rows_accepted"] + delivery["rows_quarantined"] + delivery["rows_duplicate"]
    )
    documented = [g for g in trail.gates if g["document"]]
    assert {"cells_expectations", "cell_totals"} <= {g["gate"] for g in documented}
    assert all((zones.root / g["data_docs"]).is_file() for g in documented)
    # from the edition's lineage export: the Dagster checks and the run that ingested the unit
    checks = {g["gate"]: g for g in trail.gates if g["run_id"] and not g["document"]}
    assert checks["disclosure_attack"]["success"] and checks["ledger_reconciles"]["success"]
    assert checks["disclosure_attack"]["run_id"] in manifest["dagster_run_ids"]
    assert {r["asset"] for r in delivery["ingest_runs"]} == {
        "raw_deliveries",
        "validated_responses",
    }
    assert not trail.missing or all("lineage" not in m for m in trail.missing)
    cell = store.read_edition(zones, AUDIT_WAVE, trail.edition)["indicator_cells"]
    row = cell[(cell["unit_id"] == BERGEN) & (cell["indicator_id"] == ITEM)].iloc[0]
    assert trail.cell["display"] == row["display"]
    if row["suppressed"]:
        assert trail.suppression["rule"] == row["suppression_reason"]


def test_the_national_trail_counts_every_row_the_edition_used(history) -> None:
    zones, _, _ = history
    trail = build_trail(zones, AUDIT_WAVE, "NO", ITEM, edition="preliminary")
    assert trail.ok, [c.detail for c in trail.failures()]
    assert trail.rows_in_cell == trail.cell["n_respondents"]  # the nation is never withheld
    manifest = store.read_manifest(zones, AUDIT_WAVE, "preliminary")
    used = {d["sha256"] for d in manifest["deliveries"] if d["used_in_edition"]}
    assert {d["sha256"] for d in trail.deliveries} == used
    assert sum(d["rows_used_in_edition"] for d in trail.deliveries) == trail.rows_in_cell


def test_a_held_correction_is_named_in_the_trail_of_final(history) -> None:
    zones, _, _ = history
    trail = build_trail(zones, AUDIT_WAVE, BERGEN, ITEM, edition="final")
    assert trail.ok, [c.detail for c in trail.failures()]
    assert [d["file_name"] for d in trail.held_deliveries] == [FIRST_FIX]
    assert [d["file_name"] for d in trail.deliveries] == [ORIGINAL]
    assert FIRST_FIX in trail_text(trail)


def test_a_complement_names_the_withheld_figure_it_protects(history) -> None:
    zones, _, _ = history
    for wave, _edition, cells, units in _current_cells(zones):
        complements = cells[cells["suppression_reason"].isin(COMPLEMENT_RULES)]
        if complements.empty:
            continue
        row = complements.iloc[0]
        trail = build_trail(zones, wave, row["unit_id"], row["indicator_id"],
                            unit_type=row["unit_type"], measure=row["measure"])  # fmt: skip
        assert trail.ok, [c.detail for c in trail.failures()]
        decision = trail.suppression
        assert decision["complement"] and decision["thresholds"]["differencing_threshold"] == 10
        assert decision["protects"]
        known = set(units["unit_id"].astype(str))
        assert all(p["unit_id"] in known for p in decision["protects"])
        return
    pytest.fail("no complementary suppression in the samples' current editions")


def test_a_pool_trail_lists_its_members_and_their_deliveries(history) -> None:
    zones, _, _ = history
    for wave, edition, cells, units in _current_cells(zones):
        pools = cells[cells["unit_type"] == "pool"]
        if pools.empty:
            continue
        row = pools.iloc[0]
        trail = build_trail(zones, wave, row["unit_id"], row["indicator_id"],
                            measure=row["measure"])  # fmt: skip
        assert trail.ok, [c.detail for c in trail.failures()]
        pool = units[(units["unit_type"] == "pool") & (units["unit_id"] == row["unit_id"])]
        members = str(pool["member_units"].iloc[0]).split(",")
        assert trail.pool["members"] == members and trail.pool["reason"]
        manifest = store.read_manifest(zones, wave, edition)
        used = {d["unit_id"] for d in manifest["deliveries"] if d["used_in_edition"]}
        assert {d["unit_id"] for d in trail.deliveries} == set(members) & used
        return
    pytest.fail("no pool in the samples' current editions")


def test_the_audit_prints_counts_and_hashes_never_microdata(history, samples) -> None:
    zones, _, _ = history
    canaries = [
        line.strip()
        for line in (samples / "truth" / "free_text_canaries.txt").read_text("utf-8").splitlines()
        if line.strip()
    ]
    assert canaries
    keys: set[str] = set()
    texts = []
    for unit in (BERGEN, "NO"):
        for edition in store.complete_editions(zones, AUDIT_WAVE):
            trail = build_trail(zones, AUDIT_WAVE, unit, ITEM, edition=edition)
            texts += [trail_text(trail), json.dumps(trail.as_dict(), default=str),
                      validate(trail_document(trail))]  # fmt: skip
            rows = store.internal_dir(zones, AUDIT_WAVE, edition) / "input.parquet"
            keys |= set(pd.read_parquet(rows, columns=["respondent_key"])["respondent_key"])
    everything = "\n".join(texts)
    assert not [c for c in canaries if c in everything]
    assert keys and not [k for k in keys if k in everything]


def _corrupt(path: Path) -> None:
    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit in the middle of the delivered file
    path.write_bytes(bytes(data))


def test_a_corrupted_archive_file_fails_the_audit_naming_it(history, tmp_path, capsys) -> None:
    zones = _copy(history[0], tmp_path)
    assert build_trail(zones, AUDIT_WAVE, "NO", ITEM).ok
    trail = build_trail(zones, AUDIT_WAVE, BERGEN, ITEM)
    _corrupt(zones.root / trail.deliveries[0]["archive_path"])
    broken = build_trail(zones, AUDIT_WAVE, BERGEN, ITEM)
    assert not broken.ok
    assert [c.name for c in broken.failures()] == [f"archive:{SECOND_FIX}"]
    assert SECOND_FIX in broken.failures()[0].detail
    national = build_trail(zones, AUDIT_WAVE, "NO", ITEM)
    assert [c.name for c in national.failures()] == [f"archive:{SECOND_FIX}"]
    args = ["audit", "--wave", str(AUDIT_WAVE), "--unit", BERGEN, "--indicator", ITEM]
    assert cli.main([*args, "--data-dir", str(zones.root)]) == cli.EXIT_RUNS_FAILED
    out = capsys.readouterr()
    assert "Sporet stemmer IKKE" in out.out and SECOND_FIX in out.err
    (zones.root / trail.deliveries[0]["archive_path"]).unlink()
    gone = build_trail(zones, AUDIT_WAVE, BERGEN, ITEM)
    assert [c.name for c in gone.failures()] == [f"archive:{SECOND_FIX}"]
    assert "mangler" in gone.failures()[0].detail


def test_a_ledger_that_no_longer_balances_fails_the_audit(history, tmp_path) -> None:
    zones = _copy(history[0], tmp_path)
    part = zones.unit_part("ledger", AUDIT_WAVE, BERGEN)
    ledger = pd.read_parquet(part)
    ledger.loc[ledger["file_name"] == SECOND_FIX, "rows_quarantined"] += 1
    ledger.to_parquet(part)
    names = [c.name for c in build_trail(zones, AUDIT_WAVE, BERGEN, ITEM).failures()]
    assert names == [f"ledger_balance:{SECOND_FIX}"]


def test_the_audit_command_writes_prov_json_that_prov_reads_back(history, tmp_path, capsys):
    zones, _, _ = history
    out = tmp_path / "spor.json"
    args = ["audit", "--wave", str(AUDIT_WAVE), "--unit", BERGEN, "--indicator", ITEM]
    assert cli.main([*args, "--data-dir", str(zones.root), "--json", str(out)]) == cli.EXIT_OK
    printed = capsys.readouterr().out
    assert "Sporet stemmer." in printed and "Leveranser bak tallet" in printed
    doc = ProvDocument.deserialize(source=str(out), format="json")
    ids = {str(r.identifier) for r in doc.get_records() if r.identifier is not None}
    trail = build_trail(zones, AUDIT_WAVE, BERGEN, ITEM)
    delivery = trail.deliveries[0]
    for sha in [delivery["sha256"], *(d["sha256"] for d in delivery["superseded"])]:
        assert f"bs:delivery-{sha}" in ids
    for run in trail.manifest["dagster_run_ids"]:
        assert f"bs:run-{run}" in ids
    for gate in (g for g in trail.gates if g["document"]):
        assert f"bs:gate-{gate['gate']}-{AUDIT_WAVE}-{gate['run_id']}" in ids
    assert f"bs:code-{trail.manifest['code_version']['git_commit']}" in ids
    revisions = [
        r for r in doc.get_records(ProvDerivation)
        if "prov:Revision" in {str(v) for v in r.get_asserted_types()}
    ]  # fmt: skip
    assert len(revisions) == len(delivery["superseded"])
    assert doc.unified() == ProvDocument.deserialize(content=validate(doc), format="json").unified()
    assert json.loads(out.read_text("utf-8"))["entity"]


def test_the_audit_command_refuses_a_figure_that_is_not_published(history, capsys) -> None:
    zones, _, _ = history
    base = ["audit", "--wave", str(AUDIT_WAVE), "--data-dir", str(zones.root)]
    assert cli.main([*base, "--unit", BERGEN, "--indicator", "no_such_item"]) == cli.EXIT_USAGE
    assert cli.main([*base, "--unit", BERGEN, "--indicator", ITEM, "--edition", "rev9"]) == 2
    err = capsys.readouterr().err
    assert "no_such_item" in err and "rev9" in err
