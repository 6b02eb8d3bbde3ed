"""Delivery files: discovery in landing/, content-hash archive, and which version is current.

A unit's newest delivery replaces its earlier ones: a higher `_korrN` wins; the same name with new
content replaces the old content. Every version ever seen stays in the archive (by sha256) with a
record of its name and delivery time, so an auditor can always get the exact bytes back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from assets.ingest.units import parse_file_name
from schemas.codebook import Codebook

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Delivery:
    wave: int
    unit_id: str | None
    correction: int
    file_name: str
    sha256: str
    size: int
    received_at: str  # ISO UTC; the file's modification time when first seen

    @property
    def archive_name(self) -> str:
        return f"{self.sha256}{Path(self.file_name).suffix.lower()}"

    def sort_key(self) -> tuple[int, str, str]:
        return (self.correction, self.received_at, self.sha256)


def describe(path: Path, wave: int, codebook: Codebook | None) -> Delivery:
    parsed = parse_file_name(path.name, codebook) if codebook else None
    stat = path.stat()
    received = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).isoformat(timespec="seconds")
    return Delivery(
        wave=wave,
        unit_id=parsed.unit_id if parsed else None,
        correction=parsed.correction if parsed else 0,
        file_name=path.name,
        sha256=sha256_of(path),
        size=stat.st_size,
        received_at=received,
    )


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def landing_files(landing: Path, wave: int) -> list[Path]:
    """The files delivered for one wave (hidden files such as partial uploads skipped)."""
    return _files(landing / str(wave))


def landed(landing: Path) -> list[tuple[str, Path]]:
    """Every delivered file in every landing/<folder>/, as (folder name, path), sorted."""
    folders = sorted(p for p in landing.iterdir() if p.is_dir()) if landing.is_dir() else []
    return [(folder.name, path) for folder in folders for path in _files(folder)]


def wave_of(folder_name: str) -> int | None:
    """The wave a landing folder is for; None for a folder that is not a wave number."""
    return int(folder_name) if folder_name.isdigit() else None


class Archive:
    """Content-addressed copies of every delivery, plus one JSON record per (sha256, name)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records = root / "records"

    def path_of(self, delivery: Delivery) -> Path:
        return self.root / delivery.sha256[:2] / delivery.archive_name

    def store(self, source: Path, delivery: Delivery) -> Path:
        target = self.path_of(delivery)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + f".tmp{os.getpid()}")
            shutil.copyfile(source, tmp)
            if sha256_of(tmp) != delivery.sha256:
                tmp.unlink()
                raise OSError(f"{source} changed while it was archived; try again")
            tmp.replace(target)
        record = self.record_path(delivery)
        if not record.exists():
            record.parent.mkdir(parents=True, exist_ok=True)
            tmp = record.with_name(f".{record.name}.tmp{os.getpid()}")
            tmp.write_text(json.dumps(asdict(delivery), sort_keys=True), encoding="utf-8")
            tmp.replace(record)  # atomic: a reader never sees half a record
        return target

    def record_path(self, delivery: Delivery) -> Path:
        return self.records / str(delivery.wave) / f"{delivery.sha256}__{delivery.file_name}.json"

    def has(self, delivery: Delivery) -> bool:
        return self.record_path(delivery).exists()

    def versions(self, wave: int, unit_id: str) -> list[Delivery]:
        """Every archived delivery of a unit, oldest first."""
        folder = self.records / str(wave)
        found = []
        for record in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            delivery = Delivery(**json.loads(record.read_text(encoding="utf-8")))
            if delivery.unit_id == unit_id:
                found.append(delivery)
        return sorted(found, key=Delivery.sort_key)


def stat_key(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def pending_deliveries(
    landing: Path, books: dict[int, Codebook], archive: Archive, seen: dict[str, list[int]]
) -> tuple[list[Delivery], dict[str, list[int]]]:
    """Landed files whose content the archive has not got yet, and the updated stat cache.

    `seen` maps 'wave/name' to (size, mtime_ns) of files already looked at, so that only new or
    touched files are hashed. A file in an unknown wave or with an unrecognized name is pending
    too (with unit_id None): the ledger must record its rejection.
    """
    pending, now_seen = [], {}
    for folder, path in landed(landing):
        key, stat = f"{folder}/{path.name}", stat_key(path)
        now_seen[key] = stat
        if seen.get(key) == stat:
            continue
        wave = wave_of(folder) or 0
        delivery = describe(path, wave, books.get(wave))
        if not archive.has(delivery):
            pending.append(delivery)
    return pending, now_seen
