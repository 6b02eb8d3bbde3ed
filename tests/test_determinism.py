"""Same inputs and code → same logical content, proved by content hashes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.indicators.cells import build_publication
from assets.ingest.deliveries import describe
from assets.ingest.harmonize_wave import harmonize_wave
from assets.ingest.unit_ingest import ingest_unit
from assets.ingest.validate import validate_delivery
from assets.storage import content_hash
from schemas.codebook import codebook_for


def _harmonized(samples: Path) -> pd.DataFrame:
    waves = []
    for folder in sorted((samples / "landing").iterdir()):
        wave = int(folder.name)
        book = codebook_for(wave)
        decoded = []
        for path in sorted(folder.iterdir()):
            delivery = describe(path, wave, book)
            result = validate_delivery(path, delivery.unit_id, book)
            decoded.append(ingest_unit([(delivery, result)], book).validated)
        frames = [d for d in decoded if len(d)]
        waves.append(
            harmonize_wave(pd.concat(frames, ignore_index=True), wave, book.code_list_year)
        )
    return pd.concat(waves, ignore_index=True)


def test_harmonized_and_published_content_is_reproducible(samples: Path) -> None:
    first, second = _harmonized(samples), _harmonized(samples)
    assert content_hash(first) == content_hash(second)
    pub_a, pub_b = build_publication(first), build_publication(second)
    for table in ("cells", "distribution", "units", "suppression_log"):
        assert content_hash(getattr(pub_a, table)) == content_hash(getattr(pub_b, table)), table


def test_content_hash_sees_a_changed_value(samples: Path) -> None:
    frame = _harmonized(samples)
    changed = frame.copy()
    changed.loc[0, "overall_satisfied"] = 5 if changed.loc[0, "overall_satisfied"] != 5 else 4
    assert content_hash(frame) != content_hash(changed)
