"""Child-process steps of the disclosure benchmark: `python -m bench.disclosure_steps <step> <dir>`.

- harmonize: generate `make demo`'s deliveries (every wave, real sizes, anomalies) under <dir>
             and ingest them wave by wave into <dir>/harmonized.parquet (no Dagster);
- measure:   build the publication of <dir>/harmonized.parquet with the current disclosure
             control and audit it; print level shares, complement shares, answers lost and times
             (an optional third argument: another checkout whose code builds the publication).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd

from bench.measure import own_peak_rss_mb


def harmonize(root: Path) -> dict:
    from assets.ingest.deliveries import describe
    from assets.ingest.harmonize_wave import harmonize_wave
    from assets.ingest.unit_ingest import ingest_unit
    from assets.ingest.validate import validate_delivery
    from assets.storage import read_parquets, write_parquet
    from generator import generate
    from schemas.codebook import codebook_for, codebooks

    if not (root / "landing").exists():
        generate(root, anomalies=True)
    frames = []
    for wave in sorted(codebooks()):
        folder = root / "landing" / str(wave)
        if not folder.exists():
            continue
        book = codebook_for(wave)
        by_unit: dict[str, list] = {}
        for path in sorted(folder.iterdir()):
            delivery = describe(path, wave, book)
            if delivery.unit_id is None:
                continue
            try:
                result = validate_delivery(path, delivery.unit_id, book)
            except Exception:
                continue
            by_unit.setdefault(delivery.unit_id, []).append((delivery, result))
        parts = []
        for unit_id, versions in sorted(by_unit.items()):
            outcome = ingest_unit(versions, book)
            if outcome.validated is not None and len(outcome.validated):
                parts.append(
                    write_parquet(outcome.validated, root / "parts" / f"{wave}-{unit_id}.parquet")
                )
        frames.append(harmonize_wave(read_parquets(parts), wave, book.code_list_year))
    frame = pd.concat(frames, ignore_index=True)
    write_parquet(frame, root / "harmonized.parquet")
    return {"rows": len(frame), "waves": sorted(int(w) for w in frame["wave"].unique())}


def main(argv: list[str]) -> int:
    step, root = argv[0], Path(argv[1])
    start = time.perf_counter()
    if step == "harmonize":
        result = harmonize(root)
    else:
        from bench.disclosure_measure import measure

        result = measure(root / "harmonized.parquet", argv[2] if len(argv) > 2 else None)
    result.update(seconds=time.perf_counter() - start, peak_rss_mb=own_peak_rss_mb())
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
