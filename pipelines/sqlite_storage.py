"""Dagster's SQLite event log, with its connections kept: the instance's event log storage in
dagster.yaml (the default SQLite instance; PostgreSQL needs none of this).

Dagster's SqliteEventLogStorage opens a new SQLAlchemy engine and SQLite connection for every
statement group and closes it after (so no statement is compiled twice by the same engine, and
every close checkpoints the WAL), and it creates every run's shard database with SQLAlchemy's
`create_all` and an Alembic stamp. A batch run of 93 units writes 372 asset events (planned and
materialized, two assets), at about 11 ms each, and each run spends ~0.15 s creating its shard.

PooledSqliteEventLogStorage stores exactly the same rows in exactly the same files
($DAGSTER_HOME/history/runs/<run_id>.db and index.db), so the UI, the daemon and PostgreSQL
migrations see no difference. It differs in five ways:
- one engine per shard per process, its one connection kept open between statement groups
  (the storage's own lock already serializes them); a process started by fork gets its own;
- its connections commit with synchronous=NORMAL (WAL stays): no disk flush per event, the
  database consistent through any crash, the last events lost only to a power loss or an OS
  crash (production runs on PostgreSQL, see dagster.yaml);
- a table or asset-key column found in the index shard is not looked up again (Dagster asks
  for both at every asset event);
- at most KEPT_RUN_SHARDS run shards kept open per process (the index shard always);
- a new run shard is a copy of an empty shard made once per Dagster version (the same schema
  and Alembic stamp that `create_all` would write), put in place with a hard link so that two
  processes never both create it.

It relies on SqliteEventLogStorage's `_connect(shard)` and `_initdb(engine)`, pinned by uv.lock;
tests/test_sqlite_storage.py checks it against the stock storage.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import sqlalchemy as db
from dagster._config import StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

KEPT_RUN_SHARDS = 8
TEMPLATES = ".templates"  # under base_dir; not a *.db there, so never taken for a run's shard


def _synchronous_normal(dbapi_connection, _record) -> None:
    """WAL with synchronous=NORMAL: a commit is not flushed to disk until the next checkpoint.
    The database stays consistent through any crash; a power loss or OS crash may lose the last
    commits (a process crash loses none). Dagster's default (FULL) flushes every event."""
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one kept connection per shard and run shards from a template.

    Config: `dagster_home`, the instance's folder; events go to <dagster_home>/history/runs, where
    Dagster's default puts them."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        self._tables_seen: set[str] = set()
        self._asset_key_columns_seen: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls):
        return {"dagster_home": StringSource}

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        base_dir = os.path.join(config_value["dagster_home"], "history", "runs")
        return cls(base_dir=base_dir, inst_data=inst_data)

    # -- connections ---------------------------------------------------------------------------

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine_for(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        """Whether the index shard has the table; Dagster asks for every asset event (each time
        with a new engine and connection). A table, once there, stays (migrations only add)."""
        if table_name not in self._tables_seen and super().has_table(table_name):
            self._tables_seen.add(table_name)
        return table_name in self._tables_seen

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        """Whether the asset_keys table has the column; asked (with a schema inspection) for
        every asset event. A column, once there, stays."""
        if column_name not in self._asset_key_columns_seen and (
            super()._has_asset_key_col_on_connection(conn, column_name)
        ):
            self._asset_key_columns_seen.add(column_name)
        return column_name in self._asset_key_columns_seen

    def _engine_for(self, shard: str) -> Engine:
        if self._engines_pid != os.getpid():  # forked: the parent's connections are not ours
            self._engines, self._engines_pid = OrderedDict(), os.getpid()
            self._initialized_dbs = set()
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = db.create_engine(  # connects on first use, after the file is in place
            self.conn_string_for_shard(shard),
            poolclass=StaticPool,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        db.event.listen(engine, "connect", _synchronous_normal)
        if shard not in self._initialized_dbs:
            from_template = shard != INDEX_SHARD_NAME and self._new_shard_from_template(shard)
            if not from_template:
                self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        self._let_go_of_old_run_shards()
        return engine

    def _let_go_of_old_run_shards(self) -> None:
        runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
        for shard in runs[: max(0, len(runs) - KEPT_RUN_SHARDS)]:
            self._engines.pop(shard).dispose()

    def _dispose_engines(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()

    # -- new run shards ------------------------------------------------------------------------

    def _new_shard_from_template(self, shard: str) -> bool:
        """Put a copy of the empty shard at the run's path unless a file is there; True when
        the shard is now an initialized database (ours or another process's)."""
        target = self.path_for_shard(shard)
        if os.path.exists(target):
            return False  # _initdb checks it, as Dagster does
        template = self._template()
        tmp = f"{target}.{os.getpid()}-{threading.get_ident()}.tmp"  # file mode as SQLite's
        try:
            shutil.copyfile(template, tmp)
            try:
                os.link(tmp, target)  # fails if another process has just created it
            except FileExistsError:
                return False
        finally:
            os.unlink(tmp)
        return True

    def _template(self) -> str:
        folder = os.path.join(self._base_dir, TEMPLATES)
        path = os.path.join(folder, f"run-shard-dagster-{dg.__version__}.db")
        if os.path.exists(path):
            return path
        os.makedirs(folder, exist_ok=True)
        tmp = f"{path}.{os.getpid()}-{threading.get_ident()}.tmp"
        engine = db.create_engine(f"sqlite:///{tmp}", poolclass=StaticPool)
        try:
            self._initdb(engine)  # create_all, WAL, Alembic stamp: what every shard gets
        finally:
            engine.dispose()  # the last close checkpoints the WAL into the file
        for leftover in (f"{tmp}-wal", f"{tmp}-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
        os.replace(tmp, path)
        return path

    # -- lifecycle -----------------------------------------------------------------------------

    def wipe(self) -> None:
        with self._db_lock:
            self._dispose_engines()
            self._tables_seen.clear()
            self._asset_key_columns_seen.clear()
        super().wipe()

    def dispose(self) -> None:
        with self._db_lock:
            self._dispose_engines()
        super().dispose()
