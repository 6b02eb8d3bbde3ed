"""Unit numbers: from file names and contents, normalized to the code list's form."""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.codebook import Codebook

# ASCII digits only: str.isdigit and \d also accept full-width and other Unicode digits.
DIGITS = re.compile(r"[0-9]{1,6}")
WAVE = re.compile(r"[0-9]+")


def normalize_unit_code(value: str) -> str | None:
    """'301' → '0301', '30101' → '030101'; None when the text is not a unit number."""
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not DIGITS.fullmatch(text):
        return None
    return text.zfill(4) if len(text) <= 4 else text.zfill(6)


@dataclass(frozen=True)
class FileName:
    unit_id: str
    correction: int  # 0 for a first delivery, N for _korrN


def parse_file_name(name: str, codebook: Codebook) -> FileName | None:
    match = codebook.file_name_pattern.match(name)
    if not match:
        return None
    unit = normalize_unit_code(match.group("unit"))
    if unit is None:
        return None
    correction = match.groupdict().get("correction")
    if correction and not DIGITS.fullmatch(correction):
        return None
    return FileName(unit, int(correction) if correction else 0)


def wave_of(folder_name: str) -> int | None:
    """The wave a landing folder is for; None for a folder that is not a (ASCII) wave number."""
    return int(folder_name) if WAVE.fullmatch(folder_name) else None
