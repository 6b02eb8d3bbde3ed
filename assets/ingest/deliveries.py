"""Delivery files: discovery in landing/, content-hash archive, and which version is current.

A unit's newest delivery replaces its earlier ones: a higher `_korrN` wins; the same name with new
content replaces the old content, ordered by when the archive first saw the bytes (never by the
file's modification time, which `cp -p`, `rsync -t` and unzip carry over from the vendor's
machine). Every version ever seen stays in the archive (by sha256) with a record of its name and
observation time, so an auditor can always get the exact bytes back.

The landing zone is untrusted: symbolic links are never followed (not listed as deliveries,
never opened, their targets never read), and every entry that is not a regular delivery file
(links, hidden files, folders, devices) is listed by `landing_entries` so the ledger can account
for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat as st
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from assets.ingest import errors
from assets.ingest.units import parse_file_name, wave_of
from schemas.codebook import Codebook

CHUNK = 1 << 20
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


class NotARegularFile(OSError):
    """A landing entry that is not a regular file (or turned into a link while being read)."""


@contextmanager
def open_regular(path: Path) -> Iterator[BinaryIO]:
    """Open a landed file for reading without following a symbolic link.

    O_NOFOLLOW makes the open itself fail on a link (no race between a check and the open);
    O_NONBLOCK keeps a FIFO from blocking; fstat on the open descriptor rejects anything that
    is not a regular file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError as exc:
        if path.is_symlink():
            raise NotARegularFile(f"{path.name}: symbolsk lenke; følges ikke") from exc
        raise
    if not st.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotARegularFile(f"{path.name}: ikke en vanlig fil")
    with os.fdopen(fd, "rb") as handle:
        yield handle


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Delivery:
    wave: int
    unit_id: str | None
    correction: int
    file_name: str
    sha256: str
    size: int
    # ISO UTC: when the archive first stored these bytes under this name (None until archived).
    received_at: str | None = None
    modified_at: str | None = None  # the file's mtime as delivered: information only

    def sort_key(self) -> tuple[int, str, str]:
        return (self.correction, self.received_at or "", self.sha256)

    @property
    def version_key(self) -> tuple[str, str]:
        """This version's bytes under its name, as the archive keeps it: (sha256, file name)."""
        return (self.sha256, self.file_name)


def describe(path: Path, wave: int, codebook: Codebook | None) -> Delivery:
    """A landed regular file as a delivery (not yet archived: no observation time)."""
    parsed = parse_file_name(path.name, codebook) if codebook else None
    stat = path.lstat()
    modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).isoformat(timespec="seconds")
    return Delivery(
        wave=wave,
        unit_id=parsed.unit_id if parsed else None,
        correction=parsed.correction if parsed else 0,
        file_name=path.name,
        sha256=sha256_of(path),
        size=stat.st_size,
        modified_at=modified,
    )


@dataclass(frozen=True)
class LandingEntry:
    """One entry of landing/ (a file, or an entry that is not a delivery and why)."""

    folder: str | None  # the landing/<folder>/ it is in; None for an entry of landing/ itself
    name: str
    path: Path
    reason: str | None  # None for a regular delivery file; else the ledger's reason
    detail: str | None = None

    @property
    def wave(self) -> int | None:
        return wave_of(self.folder) if self.folder is not None else None

    @property
    def shown(self) -> str:
        return f"{self.folder}/{self.name}" if self.folder is not None else self.name


def _kind(path: Path) -> tuple[str | None, str | None]:
    """(reason, detail) for an entry that cannot be a delivery; (None, None) for a regular file.

    Only lstat is used: a link is never resolved, so its target is neither read nor named.
    """
    mode = path.lstat().st_mode
    if st.S_ISLNK(mode):
        return errors.SYMLINK, "symbolsk lenke; lenker i landing/ følges ikke, målet er ikke lest"
    if path.name.startswith("."):
        return errors.HIDDEN_FILE, "skjult oppføring (navnet begynner med punktum); ikke lest"
    if st.S_ISREG(mode):
        return None, None
    if st.S_ISDIR(mode):
        return errors.NOT_A_REGULAR_FILE, "mappe; leveranser skal ligge rett i landing/<bølge>/"
    return errors.NOT_A_REGULAR_FILE, "spesialfil (FIFO, socket eller enhet); ikke lest"


def landing_entries(landing: Path) -> list[LandingEntry]:
    """Every entry of landing/ and of its (real, not linked) wave folders, sorted.

    Regular files in a folder have reason None; everything else carries the reason it is no
    delivery: a link (never followed, also for a linked folder), a hidden entry, a folder inside a
    wave folder, a special file, or a file lying in landing/ itself.
    """
    if not landing.is_dir():
        return []
    entries = []
    for top in sorted(landing.iterdir()):
        reason, detail = _kind(top)
        if reason is None:  # a regular file in landing/ itself belongs to no wave
            reason, detail = errors.UNKNOWN_WAVE, "ligger rett i landing/, ikke i en bølgemappe"
        elif reason == errors.NOT_A_REGULAR_FILE and st.S_ISDIR(top.lstat().st_mode):
            for path in sorted(top.iterdir()):  # a real folder (a linked one is never entered)
                entries.append(LandingEntry(top.name, path.name, path, *_kind(path)))
            continue
        entries.append(LandingEntry(None, top.name, top, reason, detail))
    return entries


def landing_files(landing: Path, wave: int) -> list[Path]:
    """The regular delivery files of one wave (links, hidden entries and folders left out)."""
    return [path for folder, path in landed(landing) if folder == str(wave)]


def landed(landing: Path) -> list[tuple[str, Path]]:
    """Every regular delivery file in every landing/<folder>/, as (folder name, path), sorted."""
    return [
        (e.folder, e.path)
        for e in landing_entries(landing)
        if e.reason is None and e.folder is not None
    ]


class Archive:
    """Content-addressed copies of every delivery, plus one JSON record per (sha256, name)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records = root / "records"

    def path_of(self, delivery: Delivery) -> Path:
        return self.file_path(delivery.sha256, delivery.file_name)

    def file_path(self, sha256: str, file_name: str) -> Path:
        """Where the bytes with this sha256, delivered under this name, are kept."""
        return self.root / sha256[:2] / f"{sha256}{Path(file_name).suffix.lower()}"

    def store(
        self, source: Path, delivery: Delivery, earlier: list[Delivery] | None = None
    ) -> Delivery:
        """Archive a landed file (never through a link) and return its record.

        The record's `received_at` is the time the archive first stored these bytes under this
        name, strictly after every earlier version of the same unit, so the order of same-name
        corrections is the order in which the archive saw them. `earlier`: the unit's archived
        versions when the caller has just listed them (archive_unit, for all its files), else
        they are listed here.
        """
        target = self.path_of(delivery)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + f".tmp{os.getpid()}")
            digest = hashlib.sha256()
            with open_regular(source) as handle, tmp.open("wb") as out:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != delivery.sha256:
                tmp.unlink()
                raise OSError(f"{source.name} changed while it was archived; try again")
            tmp.replace(target)
        record = self.record_path(delivery)
        if record.exists():
            return Delivery(**json.loads(record.read_text(encoding="utf-8")))
        observed = _now()
        if delivery.unit_id is not None:
            if earlier is None:
                earlier = self.versions(delivery.wave, delivery.unit_id)
            latest = max((d.received_at or "" for d in earlier), default="")
            if latest >= observed:  # a clock step back never reorders versions
                observed = (
                    dt.datetime.fromisoformat(latest) + dt.timedelta(microseconds=1)
                ).isoformat(timespec="microseconds")
        stored = Delivery(**{**asdict(delivery), "received_at": observed})
        record.parent.mkdir(parents=True, exist_ok=True)
        tmp = record.with_name(f".{record.name}.tmp{os.getpid()}")
        tmp.write_text(json.dumps(asdict(stored), sort_keys=True), encoding="utf-8")
        tmp.replace(record)  # atomic: a reader never sees half a record
        return stored

    def record_path(self, delivery: Delivery) -> Path:
        return self.record_file(delivery.wave, delivery.sha256, delivery.file_name)

    def record_file(self, wave: int, sha256: str, file_name: str) -> Path:
        return self.records / str(wave) / f"{sha256}__{file_name}.json"

    def has(self, delivery: Delivery) -> bool:
        return self.record_path(delivery).exists()

    def versions(self, wave: int, unit_id: str) -> list[Delivery]:
        """Every archived delivery of a unit, oldest first."""
        return self.wave_versions(wave).get(unit_id, [])

    def wave_versions(self, wave: int) -> dict[str | None, list[Delivery]]:
        """Every archived delivery of a wave by unit, each unit's oldest first (one look at
        the wave's records, however many of its units are asked about)."""
        folder = self.records / str(wave)
        if not folder.is_dir():
            return {}
        by_unit: dict[str | None, list[Delivery]] = {}
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.endswith(".json") and not entry.name.startswith("."):
                    delivery = _record(entry)
                    by_unit.setdefault(delivery.unit_id, []).append(delivery)
        return {unit: sorted(found, key=Delivery.sort_key) for unit, found in by_unit.items()}


# Archive records are written once and atomically, never changed: each process parses a record
# file once (keyed by path, size and mtime, so a record that did change is read again). Without
# this, finding one unit's versions read every record of its wave, and a wave's ingest grew with
# the square of its units.
_RECORDS: dict[tuple[str, int, int], Delivery] = {}


def _record(entry: os.DirEntry) -> Delivery:
    stat = entry.stat(follow_symlinks=False)
    key = (entry.path, stat.st_size, stat.st_mtime_ns)
    delivery = _RECORDS.get(key)
    if delivery is None:
        with open(entry.path, encoding="utf-8") as handle:
            delivery = Delivery(**json.load(handle))
        _RECORDS[key] = delivery
    return delivery


def stat_key(path: Path) -> list[int]:
    stat = path.lstat()
    return [stat.st_size, stat.st_mtime_ns]


def pending_deliveries(
    landing: Path, books: dict[int, Codebook], archive: Archive, seen: dict[str, list[int]]
) -> tuple[list[Delivery], dict[str, list[int]]]:
    """Landed files whose content the archive has not got yet, and the updated stat cache.

    `seen` maps 'wave/name' to (size, mtime_ns) of files already looked at, so that only new or
    touched files are hashed. A file in an unknown wave or with an unrecognized name is pending
    too (with unit_id None): the ledger must record its rejection. Links and hidden entries are
    never opened; the ledger records them when it is next built.
    """
    pending, now_seen = [], {}
    for folder, path in landed(landing):
        key = f"{folder}/{path.name}"
        try:
            stat = stat_key(path)
            if seen.get(key) == stat:
                now_seen[key] = stat
                continue
            wave = wave_of(folder) or 0
            delivery = describe(path, wave, books.get(wave))
        except OSError:  # vanished, or replaced by a link, since it was listed: next time
            continue
        now_seen[key] = stat
        if not archive.has(delivery):
            pending.append(delivery)
    return pending, now_seen
