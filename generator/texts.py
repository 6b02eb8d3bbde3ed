"""Respondent ids and free text (harmless comments; canaries with fake names and phone numbers)."""

from __future__ import annotations

import numpy as np

COMMENTS = (
    "Takk for hjelpen.",
    "Fint at dere spør oss.",
    "Ansatte er hyggelige men det er vanskelig å få time.",
    "Skulle ønske det var lettere å få kontakt på kveldstid.",
    "Jeg har fått god hjelp med bolig.",
    "Ventetiden er for lang.",
    "NAV er treg.",
    "Gode samtaler med rådgiveren min.",
)
COMMENT_SHARE = 0.07
FIRST_NAMES = ("Astrid", "Hilde", "Ragnhild", "Eirik", "Øystein", "Terje", "Liv", "Åse", "Knut")
LAST_NAMES = ("Brekkestø", "Løvlien", "Tveitnes", "Nyhagen", "Myrvold", "Strømsheim", "Fjellvang")
CANARY_TEMPLATES = (
    'Kontaktpersonen min, {name}, var "veldig" grei.\nMen ventetiden er lang.',
    "Ingen svarer på {phone}, det er frustrerende.",
    "Vil takke {name} for at hun stilte opp, og for tålmodigheten.",
    'Jeg ble kalt "vanskelig" av {name}; det likte jeg ikke.',
    "Ring meg gjerne på {phone}.\nHilsen {name}",
)


def respondent_ids(kind: str, fmt: str, n: int, rng: np.random.Generator, start: int = 0):
    """Ids for n respondents: `integer` unique in the wave, `uuid`, or `sequence` (set per file)."""
    if kind == "uuid":
        raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
        raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
        raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
        hexes = raw.tobytes().hex()
        out = [
            f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
            for h in (hexes[i : i + 32] for i in range(0, 32 * n, 32))
        ]
        return np.array(out, dtype=object)
    base = start or int(rng.integers(10_000, 20_000))
    numbers = base + np.cumsum(rng.integers(1, 3, n))
    if fmt == "spss":
        return numbers.astype(float)
    if fmt == "csv":
        return numbers.astype(str).astype(object)
    return numbers.astype(object)


def comments(n: int, rng: np.random.Generator) -> np.ndarray:
    """Harmless free text for a few respondents, '' for the others."""
    pool = np.array(("", *COMMENTS), dtype=object)
    pick = rng.integers(1, len(pool), n)
    pick[rng.random(n) >= COMMENT_SHARE] = 0
    return pool[pick]


def canary(rng: np.random.Generator) -> tuple[str, list[str]]:
    """A comment with commas, quotes or a line break, naming a fake person or phone number."""
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    digits = f"{rng.choice([4, 9])}{int(rng.integers(0, 10_000_000)):07d}"
    phone = digits if rng.random() < 0.5 else f"{digits[:3]} {digits[3:5]} {digits[5:]}"
    template = str(rng.choice(CANARY_TEMPLATES))
    used = [v for k, v in (("{name}", name), ("{phone}", phone)) if k in template]
    return template.format(name=name, phone=phone), used
