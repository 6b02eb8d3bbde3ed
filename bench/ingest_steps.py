"""Child-process steps of the ingest benchmark: `python -m bench.ingest_steps <step> <dir>`.

- floor:    read every delivery to Arrow and write one Parquet file (the I/O floor);
- pipeline: what the assets do, unit by unit: read, validate, decide, decode, write the unit's
            validated Parquet; then read the parts back and harmonize the wave (Pandera schema,
            geography, keys) and write its Parquet. Dagster's own per-run overhead is not here.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bench.measure import own_peak_rss_mb


def floor(root: Path, wave: int) -> dict:
    tables = []
    for path in sorted((root / "landing" / str(wave)).iterdir()):
        table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True))
        tables.append(table.cast(pa.schema([(n, pa.string()) for n in table.column_names])))
    combined = pa.concat_tables(tables, promote_options="permissive")
    pq.write_table(combined, root / "floor.parquet", compression="zstd")
    return {"rows": combined.num_rows, "files": len(tables)}


def pipeline(root: Path, wave: int) -> dict:
    """Per-phase seconds in `phases`. BRUKERSTEMME_BENCH_PER_FILE=1 validates file by file
    (validate_delivery, as before the batch); otherwise the wave's deliveries are read and
    validated in one pass (validate_deliveries), then decided and decoded unit by unit."""
    from assets.ingest.deliveries import describe
    from assets.ingest.harmonize_wave import harmonize_wave
    from assets.ingest.unit_ingest import ingest_unit
    from assets.ingest.validate import validate_deliveries, validate_delivery
    from assets.storage import read_parquets, write_parquet, write_part
    from schemas.codebook import codebook_for

    book = codebook_for(wave)
    phases: dict[str, float] = {}

    def lap(name: str, begin: float) -> float:
        now = time.perf_counter()
        phases[name] = phases.get(name, 0.0) + now - begin
        return now

    begin = time.perf_counter()
    paths = sorted((root / "landing" / str(wave)).iterdir())
    found = [(p, describe(p, wave, book)) for p in paths]
    paths = [p for p, d in found if d.unit_id is not None]
    deliveries = [d for _, d in found if d.unit_id is not None]
    if os.environ.get("BRUKERSTEMME_BENCH_PER_FILE"):
        results = [
            validate_delivery(p, d.unit_id, book) for p, d in zip(paths, deliveries, strict=True)
        ]
        begin = lap("read + validate, file by file", begin)
    else:
        pairs = [(p, d.unit_id) for p, d in zip(paths, deliveries, strict=True)]
        results = validate_deliveries(pairs, book)
        begin = lap("read + validate (one pass)", begin)
    parts, quarantined = [], 0
    for delivery, validation in zip(deliveries, results, strict=True):
        outcome = ingest_unit([(delivery, validation)], book)
        parts.append(write_part(outcome.validated, root / "parts" / f"{delivery.unit_id}.parquet"))
        quarantined += int(outcome.ledger["rows_quarantined"].sum())
    begin = lap("decide + decode + write units", begin)
    decoded = read_parquets(parts)
    begin = lap("read units back", begin)
    frame = harmonize_wave(decoded, wave, book.code_list_year)
    begin = lap("harmonize", begin)
    write_parquet(frame, root / "harmonized.parquet")
    lap("write harmonized", begin)
    return {"rows": len(frame), "quarantined": quarantined, "phases": phases}


def main(argv: list[str]) -> int:
    step, root, wave = argv[0], Path(argv[1]), int(argv[2])
    start = time.perf_counter()
    result = {"floor": floor, "pipeline": pipeline}[step](root, wave)
    result.update(seconds=time.perf_counter() - start, peak_rss_mb=own_peak_rss_mb())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
