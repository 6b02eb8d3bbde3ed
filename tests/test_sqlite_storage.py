"""The instance's event log (pipelines/sqlite_storage.py, configured in dagster.yaml) stores what
Dagster's own SQLite event log stores, in the same files, and stays correct with several
processes writing at once: the runner's unit runs do exactly that."""

import multiprocessing
import shutil
import warnings
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as db
from dagster import AssetExecutionContext
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import check_alembic_revision, get_alembic_config

from pipelines.sqlite_storage import PooledSqliteEventLogStorage

REPO = Path(__file__).resolve().parents[1]
PARTS = dg.StaticPartitionsDefinition([f"{i:04d}" for i in range(40)])
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

warnings.filterwarnings("ignore", message=".*`backfill_policy`.*")


@dg.asset(partitions_def=PARTS, backfill_policy=dg.BackfillPolicy.single_run())
def first(context: AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"units": len(context.partition_keys)})


@dg.asset(partitions_def=PARTS, backfill_policy=dg.BackfillPolicy.single_run(), deps=[first])
def second(context: AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"units": len(context.partition_keys)})


DEFS = dg.Definitions(
    assets=[first, second],
    jobs=[dg.define_asset_job("both", [first, second], partitions_def=PARTS)],
)


def _range(start: int, end: int) -> dict[str, str]:
    return {
        "dagster/asset_partition_range_start": f"{start:04d}",
        "dagster/asset_partition_range_end": f"{end:04d}",
    }


def _home(tmp_path: Path, name: str, repo_yaml: bool) -> Path:
    home = tmp_path / name
    home.mkdir()
    if repo_yaml:
        shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    return home


def _materialize(instance: dg.DagsterInstance, start: int, end: int) -> str:
    result = DEFS.resolve_job_def("both").execute_in_process(
        instance=instance, tags=_range(start, end), run_config=QUIET
    )
    assert result.success
    return result.run_id


def _what_was_stored(instance: dg.DagsterInstance, run_id: str) -> tuple[Counter, dict]:
    kinds = Counter(
        e.dagster_event.event_type_value for e in instance.all_logs(run_id) if e.dagster_event
    )
    latest = {}
    for key in (dg.AssetKey("first"), dg.AssetKey("second")):
        for record in instance.fetch_materializations(key, limit=1000).records:
            mat = record.asset_materialization
            latest[(key.to_user_string(), mat.partition)] = dict(mat.metadata)
    return kinds, latest


def test_the_repository_instance_uses_the_kept_connection_event_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path, "ours", repo_yaml=True)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        run_id = _materialize(instance, 0, 9)
    # the same place as Dagster's default event log: the UI of a stock instance reads it
    assert (home / "history" / "runs" / f"{run_id}.db").exists()
    assert (home / "history" / "runs" / "index.db").exists()


def test_it_stores_what_the_stock_event_log_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock_home, our_home = _home(tmp_path, "stock", False), _home(tmp_path, "ours", True)
    with dg.DagsterInstance.from_config(str(stock_home)) as stock:
        assert type(stock.event_log_storage) is SqliteEventLogStorage
        expected = _what_was_stored(stock, _materialize(stock, 0, 39))
    monkeypatch.setenv("DAGSTER_HOME", str(our_home))
    with dg.DagsterInstance.get() as ours:
        found = _what_was_stored(ours, _materialize(ours, 0, 39))
    assert found == expected
    assert found[0]["ASSET_MATERIALIZATION"] == 80 and len(found[1]) == 80
    # and a stock storage reads our files as its own
    stock_reader = SqliteEventLogStorage(str(our_home / "history" / "runs"))
    assert len(stock_reader.get_all_run_ids()) == 1


def test_a_run_shard_from_the_template_is_at_dagster_s_schema_revision(tmp_path: Path) -> None:
    ours = PooledSqliteEventLogStorage(str(tmp_path / "ours"))
    stock = SqliteEventLogStorage(str(tmp_path / "stock"))
    for storage in (ours, stock):
        with storage.run_connection("some-run"):
            pass
    config = get_alembic_config(sqlite_event_log.__file__)
    revisions = []
    for base in ("ours", "stock"):
        engine = db.create_engine(f"sqlite:///{tmp_path / base / 'some-run.db'}")
        with engine.connect() as conn:
            revisions.append(check_alembic_revision(config, conn))
            tables = set(db.inspect(engine).get_table_names())
        engine.dispose()
        revisions.append(tables)
    assert revisions[0] == revisions[2] and revisions[0][0] is not None
    assert revisions[1] == revisions[3]
    ours.dispose()
    stock.dispose()


def _run_in_process(home: str, start: int, end: int) -> str:
    import os

    os.environ["DAGSTER_HOME"] = home
    with dg.DagsterInstance.get() as instance:
        return _materialize(instance, start, end)


def test_processes_writing_at_once_lose_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path, "shared", repo_yaml=True)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get():
        pass  # the storages exist before the workers start, as with the runner
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        run_ids = pool.starmap(_run_in_process, [(str(home), 0, 19), (str(home), 20, 39)])
    with dg.DagsterInstance.get() as instance:
        for run_id in run_ids:
            kinds = Counter(
                e.dagster_event.event_type_value
                for e in instance.all_logs(run_id)
                if e.dagster_event
            )
            assert kinds["ASSET_MATERIALIZATION"] == 40
            assert kinds["ASSET_MATERIALIZATION_PLANNED"] == 40
        partitions = {
            r.asset_materialization.partition
            for key in ("first", "second")
            for r in instance.fetch_materializations(dg.AssetKey(key), limit=1000).records
        }
        assert partitions == set(PARTS.get_partition_keys())


def test_kept_connections_commit_without_a_flush_and_tables_and_columns_are_looked_up_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    asked = []
    stock_has_table = SqliteEventLogStorage.has_table

    def counted(self, name: str) -> bool:
        asked.append(name)
        return stock_has_table(self, name)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", counted)
    inspected = []
    stock_has_column = SqliteEventLogStorage._has_asset_key_col_on_connection

    def counted_column(self, conn, name: str) -> bool:
        inspected.append(name)
        return stock_has_column(self, conn, name)

    monkeypatch.setattr(SqliteEventLogStorage, "_has_asset_key_col_on_connection", counted_column)
    try:
        for shard in ("index", "some-run"):
            with storage._connect(shard) as conn:  # WAL + NORMAL: consistent through a crash
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert storage.has_table("asset_event_tags") and storage.has_table("asset_event_tags")
        assert not storage.has_table("no_such_table") and not storage.has_table("no_such_table")
        # a table that exists is asked for once; one that does not, every time (it may come)
        assert asked == ["asset_event_tags", "no_such_table", "no_such_table"]
        with storage._connect("index") as conn:
            for name in ("last_materialization_timestamp", "no_such_column") * 2:
                found = storage._has_asset_key_col_on_connection(conn, name)
                assert found == (name == "last_materialization_timestamp")
        assert inspected == ["last_materialization_timestamp", "no_such_column", "no_such_column"]
    finally:
        storage.dispose()
