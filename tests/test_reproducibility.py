"""Reproducibility (issue 10, item 4): the whole pipeline run twice from scratch on the same
deliveries, in two data dirs with two Dagster instances, gives the same logical content hash of
every output (tables, mart tables, change logs, manifests, dashboard) and byte-identical PDFs;
a third run with one delivery changed changes exactly what lies downstream of it.

Kept cheap: the committed samples of the two newest waves only (the later one compares with
the earlier), one worker (two for the second run). Legitimately different between runs and
left out: the wall-clock `received_at`/`modified_at` of the ledger and the archive records,
Dagster run ids and materialization times (in the manifest, the staged decision, the lineage
export and the names of the GX documents, which carry times too).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from project_instance import project_instance

from assets.content_hash import content_hash
from assets.storage import DataZones
from bench.late import add_records
from pipelines.jobs import WAVE_JOB
from pipelines.runner import materialize_all
from schemas.codebook import codebooks

pytestmark = pytest.mark.slow
WALL_CLOCK = {"received_at", "modified_at"}
RUN_IDS = {"dagster_run_ids", "run_id", "lineage"}
SKIPPED = ("warehouse/quality/",)  # GX documents: named and stamped by run id and time
# The lineage export records the runs behind an edition: run ids, times, and the data version
# of the ledger, whose rows carry the wall-clock received_at. Its sha256 in the manifest goes too.
RUN_RECORDS = ("/lineage.json",)


def _without(value: object, keys: set[str]) -> object:
    if isinstance(value, dict):
        return {k: _without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [_without(v, keys) for v in value]
    return value


def _frame_hash(frame: pd.DataFrame) -> str:
    return content_hash(frame.drop(columns=[c for c in frame.columns if c in WALL_CLOCK]))


def fingerprint(path: Path) -> str:
    """Logical content hash of one output file (see the module docstring)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _frame_hash(pd.read_parquet(path))
    if suffix == ".duckdb":
        con = duckdb.connect(str(path), read_only=True)
        try:
            names = sorted(
                r[0] for r in con.sql("select table_name from duckdb_tables()").fetchall()
            )
            parts = [
                n + "=" + _frame_hash(con.sql('select * from "' + n + '"').df()) for n in names
            ]
        finally:
            con.close()
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()
    if suffix == ".json":
        data = _without(json.loads(path.read_text("utf-8")), WALL_CLOCK | RUN_IDS)
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()  # PDFs, Markdown, HTML, …


def fingerprints(zones: DataZones) -> dict[str, str]:
    """Every output below restricted/, warehouse/ and published/ (links not followed)."""
    out = {}
    for zone in (zones.restricted, zones.warehouse, zones.published):
        for path in sorted(zone.rglob("*")):
            name = path.relative_to(zones.root).as_posix()
            if path.is_symlink() or not path.is_file() or name.startswith(SKIPPED):
                continue
            if name.endswith(RUN_RECORDS):
                continue
            out[name] = fingerprint(path)
    return out


def _run(landing: Path, root: Path, workers: int = 1) -> tuple[dict[str, str], set]:
    """The outputs' fingerprints and the asset selections of the wave job's runs."""
    zones = DataZones(root / "data")
    shutil.copytree(landing, zones.landing)
    patch = pytest.MonkeyPatch()
    patch.setenv("BRUKERSTEMME_DATA_DIR", str(zones.root))
    (root / "dagster").mkdir()
    try:
        with project_instance(str(root / "dagster")) as instance:
            materialize_all(zones, instance, log=lambda *_: None, workers=workers)
            selections = {
                tuple(sorted(k.to_user_string() for k in run.asset_selection or ()))
                for run in instance.get_runs()
                if run.job_name == WAVE_JOB
            }
    finally:
        patch.undo()
    return fingerprints(zones), selections


def _diff(a: dict[str, str], b: dict[str, str]) -> set[str]:
    return {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


@pytest.fixture(scope="module")
def runs(samples: Path, tmp_path_factory: pytest.TempPathFactory):
    """Run A and B on the same deliveries; run C with one delivery of the earlier wave changed
    (one respondent more, same file name)."""
    earlier, later = sorted(codebooks())[-2:]
    landing = tmp_path_factory.mktemp("landing")
    for wave in (earlier, later):
        shutil.copytree(samples / "landing" / str(wave), landing / str(wave))
    changed_landing = tmp_path_factory.mktemp("landing_changed")
    shutil.copytree(landing, changed_landing, dirs_exist_ok=True)
    csvs = sorted((changed_landing / str(earlier)).glob("*.csv"))
    changed = next(
        (p for p in csvs if "response_id" in p.read_text("utf-8").splitlines()[0].split(",")),
        None,
    )
    if changed is None:
        pytest.fail(f"no CSV delivery with a response_id column in the {earlier} samples")
    add_records(landing / str(earlier) / changed.name, changed, extra=1)
    shas = {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (landing / str(earlier) / changed.name, changed)
    }
    a, whole = _run(landing, tmp_path_factory.mktemp("run_a"))
    b, split = _run(landing, tmp_path_factory.mktemp("run_b"), workers=2)
    c, _ = _run(changed_landing, tmp_path_factory.mktemp("run_c"))
    return {
        "a": a,
        "b": b,
        "c": c,
        "selections": (whole, split),
        "earlier": earlier,
        "later": later,
        "file": changed.name,
        "shas": shas,
    }


def test_two_runs_from_scratch_give_identical_outputs(runs) -> None:
    """Run A builds each wave whole in turn (one worker); run B with two workers harmonizes
    the waves in a worker while it builds the editions (runner._build_waves): the same files."""
    a, b = runs["a"], runs["b"]
    whole, split = runs["selections"]
    assert whole == {()}  # every wave run of A ran the whole job
    assert ("harmonized_responses",) in split and len(split) == 2, split
    assert any(k.endswith(".pdf") for k in a) and any(k.endswith("mart.duckdb") for k in a)
    assert any(k.endswith("manifest.json") for k in a) and any("dashboard/" in k for k in a)
    assert sorted(_diff(a, b)) == []


def _unit_of(file_name: str, a: dict[str, str], earlier: int) -> str:
    """The unit whose restricted parts hold the changed file (from the ledger part names)."""
    parts = [k for k in a if k.startswith(f"restricted/ledger/wave={earlier}/unit=")]
    units = [k.rsplit("unit=", 1)[1].removesuffix(".parquet") for k in parts]
    found = [u for u in units if u in file_name]
    assert len(found) == 1, (file_name, units)
    return found[0]


def test_changing_one_delivery_changes_exactly_what_is_downstream(runs) -> None:
    a, c, earlier, later = runs["a"], runs["c"], runs["earlier"], runs["later"]
    unit = _unit_of(runs["file"], a, earlier)
    changed = _diff(a, c)

    def downstream(name: str) -> bool:
        own_unit = f"wave={earlier}/unit={unit}"
        return (
            (name.startswith("restricted/") and own_unit in name)
            or (name.startswith("restricted/archive/") and any(s in name for s in runs["shas"]))
            or name.startswith(f"warehouse/harmonized/wave={earlier}/")
            or name.startswith(("warehouse/ledger.parquet", "warehouse/wave_status.parquet"))
            # the wave's edition, and the later wave's, whose change columns compare with it
            or any(
                name.startswith((f"warehouse/editions/{w}/", f"published/editions/{w}/"))
                for w in (earlier, later)
            )
            or name.startswith("published/generations/")  # current tables, mart, dashboard
        )

    assert sorted(k for k in changed if not downstream(k)) == []
    must = {
        f"restricted/ledger/wave={earlier}/unit={unit}.parquet",
        f"restricted/validated/wave={earlier}/unit={unit}.parquet",
        f"warehouse/harmonized/wave={earlier}/part-0.parquet",
        "warehouse/ledger.parquet",
    }
    assert must <= changed
    edition = [k for k in changed if k.startswith(f"published/editions/{earlier}/")]
    assert any(k.endswith("/indicators.parquet") for k in edition), edition
    assert any(k.endswith("/manifest.json") for k in edition), edition
    untouched = [
        k for k in a
        if k.startswith(("restricted/ledger/", "restricted/validated/"))
        and f"wave={earlier}/unit={unit}" not in k
    ]  # fmt: skip
    assert untouched and not set(untouched) & changed
    assert f"warehouse/harmonized/wave={later}/part-0.parquet" not in changed
