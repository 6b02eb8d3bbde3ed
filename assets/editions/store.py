"""Where editions live, write-once folders and the one pointer that says what is current.

published/editions/<wave>/<edition>/   immutable: tables, changes, endringslogg.md, reports/,
                                       manifest.json (written last, inside the folder)
warehouse/editions/<wave>/<edition>/   immutable: the harmonized rows used (input.parquet),
                                       internal cells and suppression log (never published)
published/generations/<id>/            the current tables of every wave, the mart, the
                                       dashboard and reports/<wave> → editions/<wave>/<e>/reports
published/current                      symlink → generations/<id>: swapped by one rename
published/indicators.parquet, …        fixed symlinks → current/… (DESIGN.md's paths)

A folder is built beside its target (.tmp-<name>-<pid>) and renamed in once complete; an
existing edition is never replaced. Leftovers of killed runs are removed on the next start.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from assets.editions.revisions import is_edition_name, ordered
from assets.storage import DataZones

MANIFEST = "manifest.json"
CURRENT = "current"
POINTER = "current.json"
TABLES = {
    "indicator_cells": "indicators.parquet",
    "answer_distribution": "answer_distribution.parquet",
    "units": "units.parquet",
}
COMPAT = [*TABLES.values(), "mart.duckdb", "reports", "dashboard", POINTER]
TMP = ".tmp-"


def published_dir(zones: DataZones, wave: int, edition: str) -> Path:
    return zones.published / "editions" / str(wave) / edition


def internal_dir(zones: DataZones, wave: int, edition: str) -> Path:
    return zones.warehouse / "editions" / str(wave) / edition


def staged_dir(zones: DataZones, wave: int) -> Path:
    return zones.warehouse / "editions" / str(wave) / ".staged"


def complete_editions(zones: DataZones, wave: int) -> list[str]:
    """Editions of a wave whose published folder (with manifest) and internal part exist."""
    base = zones.published / "editions" / str(wave)
    if not base.is_dir():
        return []
    names = [
        p.name
        for p in base.iterdir()
        if is_edition_name(p.name)
        and (p / MANIFEST).is_file()
        and internal_dir(zones, wave, p.name).is_dir()
    ]
    return ordered(names)


def edition_waves(zones: DataZones) -> list[int]:
    base = zones.published / "editions"
    waves = [int(p.name) for p in base.iterdir() if p.name.isdigit()] if base.is_dir() else []
    return sorted(w for w in waves if complete_editions(zones, w))


def latest_editions(zones: DataZones) -> dict[int, str]:
    """The newest complete edition of every wave (what the next switch makes current)."""
    return {w: complete_editions(zones, w)[-1] for w in edition_waves(zones)}


def read_edition(zones: DataZones, wave: int, edition: str) -> dict[str, pd.DataFrame]:
    folder = published_dir(zones, wave, edition)
    return {name: pd.read_parquet(folder / file) for name, file in TABLES.items()}


def read_manifest(zones: DataZones, wave: int, edition: str) -> dict:
    return json.loads((published_dir(zones, wave, edition) / MANIFEST).read_text("utf-8"))


def process_alive(pid: int) -> bool:
    """Whether a process with this id still exists (a PermissionError means it does)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tmp_pid(name: str) -> int | None:
    tail = name.rsplit("-", 1)[-1]
    return int(tail) if name.startswith(TMP) and tail.isdigit() else None


def remove_leftovers(zones: DataZones) -> list[Path]:
    """Half-written folders of killed runs, and internal parts whose publication never landed."""
    removed = []
    for root in (zones.published / "editions", zones.warehouse / "editions", zones.published):
        for wave_dir in [root] if root == zones.published else sorted(root.glob("*")):
            if not wave_dir.is_dir():
                continue
            for p in wave_dir.iterdir():
                pid = _tmp_pid(p.name)
                if pid is not None and not process_alive(pid):
                    _rmtree(p)
                    removed.append(p)
    for wave_dir in sorted((zones.warehouse / "editions").glob("*")):
        for p in wave_dir.iterdir() if wave_dir.is_dir() else []:
            public = published_dir(zones, int(wave_dir.name), p.name)
            writing = [  # the edition's published folder is being written by a live run
                t
                for t in public.parent.glob(f"{TMP}{p.name}-*")
                if (pid := _tmp_pid(t.name)) is not None and process_alive(pid)
            ]
            if is_edition_name(p.name) and not (public / MANIFEST).is_file() and not writing:
                _rmtree(p)
                removed.append(p)
    return removed


def _rmtree(path: Path) -> None:
    def writable(func, p, _exc):
        os.chmod(p, stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
        func(p)

    if path.is_symlink() or path.is_file():
        path.unlink()
    else:
        shutil.rmtree(path, onerror=writable)


def _freeze(folder: Path) -> None:
    """Read-only files: an edition is written once (a rerun cannot change a byte)."""
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink():
            p.chmod(0o444)


@contextlib.contextmanager
def write_once(target: Path) -> Iterator[Path]:
    """Build a folder beside `target`, then rename it in; refuse if `target` exists."""
    if target.exists():
        raise FileExistsError(f"{target} exists: an edition is written once")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{TMP}{target.name}-{os.getpid()}")
    if tmp.exists():
        _rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
        _freeze(tmp)
        os.rename(tmp, target)  # fails if target appeared meanwhile (non-empty dir)
    except BaseException:
        if tmp.exists():
            _rmtree(tmp)
        raise


def read_current(zones: DataZones) -> dict[int, str]:
    pointer = zones.published / CURRENT / POINTER
    if not pointer.is_file():
        return {}
    return {int(w): e for w, e in json.loads(pointer.read_text("utf-8"))["editions"].items()}


def generation_id(editions: dict[int, str]) -> str:
    import hashlib

    text = json.dumps({str(w): e for w, e in sorted(editions.items())}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@contextlib.contextmanager
def switch_lock(zones: DataZones) -> Iterator[None]:
    """One switch of published/current at a time: wave runs in parallel each make their new
    edition current, and each must build its generation from the others' finished editions.
    (The lock file is in the restricted zone; published/ holds only what consumers read.)"""
    import fcntl

    path = zones.warehouse / "editions" / ".current.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def switch_current(zones: DataZones, generation: Path) -> None:
    """Point published/current at `generation` in one rename; keep the fixed consumer links."""
    pub = zones.published
    link = pub / CURRENT
    tmp = pub / f".{CURRENT}.link{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(Path("generations") / generation.name)
    previous = link.resolve() if link.is_symlink() else None
    os.replace(tmp, link)
    for name in COMPAT:
        path = pub / name
        want = Path(CURRENT) / name
        if path.is_symlink() and Path(os.readlink(path)) == want:
            continue
        fresh = pub / f".{name}.link{os.getpid()}"
        fresh.unlink(missing_ok=True)
        fresh.symlink_to(want)
        if path.is_dir() and not path.is_symlink():
            _rmtree(path)  # the pre-editions layout's real folder
        os.replace(fresh, path)
    keep = {generation.resolve(), previous}
    for old in (pub / "generations").iterdir():
        if old.resolve() not in keep and not old.name.startswith(TMP):
            _rmtree(old)
