"""Delivery file names, from the codebook's `delivery.file_name_template`.

The template may use {unit} (4 or 6 digits), {name_ascii}, {name} and {wave}. A correction gets
`_korr<N>` before the extension.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from generator.units import Unit
from schemas.codebook import Codebook

EXTENSIONS = {"spss": ".sav", "csv": ".csv", "xlsx": ".xlsx"}


class NamingError(ValueError):
    """No template for the wave, or a generated name its codebook's pattern does not accept."""


def template(book: Codebook) -> str:
    found = book.delivery.get("file_name_template")
    if not found:
        raise NamingError(
            f"wave {book.wave}: the codebook has no delivery.file_name_template "
            f"(e.g. 'bte_{book.wave}_{{unit}}{EXTENSIONS[book.format]}')"
        )
    return str(found)


def file_name(book: Codebook, unit: Unit, correction: int | None = None) -> str:
    """The vendor's file name for the unit (checked against the codebook's file_name_pattern)."""
    name = template(book).format(
        unit=unit.code, name_ascii=unit.name_ascii, name=unit.content_name, wave=book.wave
    )
    if correction:
        path = PurePosixPath(name)
        name = f"{path.stem}_korr{correction}{path.suffix}"
    match = book.file_name_pattern.match(name)
    if not match:
        raise NamingError(f"{name!r} does not match {book.file_name_pattern.pattern!r}")
    if match.group("unit") != unit.code:
        raise NamingError(
            f"{name!r}: the pattern reads unit {match.group('unit')}, not {unit.code}"
        )
    return name
