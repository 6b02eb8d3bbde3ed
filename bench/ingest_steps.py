"""Child-process steps of the ingest benchmark: `python -m bench.ingest_steps <step> <dir>`.

- floor:    read every delivery to Arrow and write one Parquet file (the I/O floor);
- pipeline: what the assets do, unit by unit: read, validate, decide, decode, write the unit's
            validated Parquet; then read the parts back and harmonize the wave (Pandera schema,
            geography, keys) and write its Parquet. Dagster's own per-run overhead is not here.
"""

from __future__ import annotations

import json
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
    from assets.ingest.deliveries import describe
    from assets.ingest.harmonize_wave import harmonize_wave
    from assets.ingest.unit_ingest import ingest_unit
    from assets.ingest.validate import validate_delivery
    from assets.storage import read_parquets, write_parquet
    from schemas.codebook import codebook_for

    book = codebook_for(wave)
    parts, quarantined = [], 0
    for path in sorted((root / "landing" / str(wave)).iterdir()):
        delivery = describe(path, wave, book)
        if delivery.unit_id is None:
            continue
        outcome = ingest_unit([(delivery, validate_delivery(path, delivery.unit_id, book))], book)
        parts.append(
            write_parquet(outcome.validated, root / "parts" / f"{delivery.unit_id}.parquet")
        )
        quarantined += int(outcome.ledger["rows_quarantined"].sum())
    frame = harmonize_wave(read_parquets(parts), wave, book.code_list_year)
    write_parquet(frame, root / "harmonized.parquet")
    return {"rows": len(frame), "quarantined": quarantined}


def main(argv: list[str]) -> int:
    step, root, wave = argv[0], Path(argv[1]), int(argv[2])
    start = time.perf_counter()
    result = {"floor": floor, "pipeline": pipeline}[step](root, wave)
    result.update(seconds=time.perf_counter() - start, peak_rss_mb=own_peak_rss_mb())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
