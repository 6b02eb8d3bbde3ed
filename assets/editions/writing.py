"""Writing an edition (no Dagster here; the wave_edition asset calls it).

write_edition(): the immutable folders of a gated, staged candidate (assets.editions.flow):
tables, change log, reports (a report whose content did not change is the previous edition's
file, hard-linked), and the manifest, renamed in once complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pandas as pd

from assets import provenance
from assets.content_hash import content_hash
from assets.editions import records, store
from assets.editions.flow import HELD_ANSWERS, change_from_json
from assets.editions.lineage import LINEAGE
from assets.editions.revisions import (
    UnitChange,
)
from assets.publishing import read_ledger
from assets.storage import DataZones, distinct_text, file_sha256, write_parquet
from quality.disclosure import DisclosureConfig, default_config
from schemas.codebook import codebook_for


def _model_hash(model: dict) -> str:
    meta = {
        k: v
        for k, v in model["meta"].items()
        if k not in ("edition", "edition_label", "manifest_id")
    }
    body = {**model, "meta": meta}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _current_other_waves(
    zones: DataZones, wave: int
) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    cells, units = [], []
    for w, e in store.latest_editions(zones).items():
        if w != wave:
            t = store.read_edition(zones, w, e)
            cells.append(t["indicator_cells"])
            units.append(t["units"])
    return cells, units


def write_reports(
    zones: DataZones, wave: int, cells: pd.DataFrame, units: pd.DataFrame, out: Path,
    base: str | None, workers: int = 2,
) -> dict[str, dict]:  # fmt: skip
    """Reports of one wave into out/; unchanged ones are hard links of the base edition's."""
    from assets.consumers.pdf_reports import render_jobs
    from assets.consumers.report_model import iter_report_models, report_targets

    other_cells, other_units = _current_other_waves(zones, wave)
    all_cells = pd.concat([*other_cells, cells], ignore_index=True)
    all_units = pd.concat([*other_units, units], ignore_index=True)
    targets = [t for t in report_targets(all_units) if t.wave == wave]
    previous = store.read_manifest(zones, wave, base).get("reports", {}) if base else {}
    entries, jobs = {}, []
    for target, model in iter_report_models(all_cells, all_units, "", targets):
        name = Path(target.relpath).name
        digest = _model_hash(model)
        old = previous.get(name)
        path = out / name
        if old and old["model_sha256"] == digest:
            source = store.published_dir(zones, wave, base) / "reports" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, path)
            entries[name] = {**old, "reused": True}
            continue
        model["meta"]["manifest_id"] = digest[:12]
        jobs.append((str(path), model))
        entries[name] = {
            "model_sha256": digest,
            "rendered_in": model["meta"]["edition"],
            "reused": False,
        }
    render_jobs(jobs, workers)
    for name, entry in entries.items():
        entry["sha256"] = file_sha256(out / name)
    return entries


def _deliveries(ledger: pd.DataFrame, used: set[str], held: set[str]) -> tuple[list, list]:
    keep = ["unit_id", "file_name", "sha256", "received_at", "status", "reason"]
    rows = []
    for r in ledger.sort_values(["unit_id", "file_name"]).to_dict("records"):
        row = {k: (None if pd.isna(r.get(k)) else str(r.get(k))) for k in keep}
        row["used_in_edition"] = r["sha256"] in used
        rows.append(row)
    return [r for r in rows if r["sha256"] not in held], [r for r in rows if r["sha256"] in held]


def _causes(units: pd.DataFrame, wave: int, released: dict[str, UnitChange]) -> dict:
    from quality.attacker import memberships

    causes = {}
    for key, atoms in memberships(units, wave).items():
        files = sorted({f for u in atoms & released.keys() for f in released[u].new_files})
        if files:
            causes[key] = files
    return causes


def write_edition(
    zones: DataZones, decision: dict, tables: dict[str, pd.DataFrame], run_ids: list[str],
    workers: int = 2, config: DisclosureConfig | None = None, lineage: dict | None = None,
) -> Path:  # fmt: skip
    """The edition's two immutable folders (internal, then published with manifest last).
    `lineage` (the Dagster instance's export, see assets.editions.lineage) goes to the internal
    folder; the manifest records its sha256."""
    config = config or default_config()
    wave, edition, base = int(decision["wave"]), decision["edition"], decision["base"]
    released = {d["unit_id"]: change_from_json(d) for d in decision["released"]}
    held = {d["unit_id"]: change_from_json(d) for d in decision["held"]}
    cells, units, dist = tables["cells"], tables["units"], tables["distribution"]
    target = store.published_dir(zones, wave, edition)
    with store.write_once(target) as folder:  # its live .tmp folder marks the edition in progress
        with store.write_once(store.internal_dir(zones, wave, edition)) as internal:
            shutil.copyfile(
                store.staged_dir(zones, wave) / "input.parquet", internal / "input.parquet"
            )
            write_parquet(tables["held_answers"], internal / HELD_ANSWERS)
            write_parquet(tables["internal_cells"], internal / "internal.parquet")
            write_parquet(tables["suppression_log"], internal / "suppression_log.parquet")
            if lineage is not None:
                (internal / LINEAGE).write_text(
                    json.dumps(lineage, indent=2, sort_keys=True), encoding="utf-8"
                )
        lineage_file = store.internal_dir(zones, wave, edition) / LINEAGE
        for name, frame in (
            ("indicator_cells", cells),
            ("units", units),
            ("answer_distribution", dist),
        ):
            write_parquet(frame, folder / store.TABLES[name])
        old = store.read_edition(zones, wave, base)["indicator_cells"] if base else None
        changes = records.cell_changes(
            old, cells, edition, base, _causes(units, wave, released), held,
            config.differencing_threshold, tables["held_answers"],
        )  # fmt: skip
        write_parquet(changes, folder / "changes.parquet")
        (folder / "endringslogg.md").write_text(
            records.endringslogg(
                changes, wave, edition, base, released,
                threshold=config.differencing_threshold,
            ),
            encoding="utf-8",
        )  # fmt: skip
        reports = write_reports(zones, wave, cells, units, folder / "reports", base, workers)
        used = set(distinct_text(tables["input_sources"], "source_sha256"))
        held_sha = {s for c in held.values() for s in c.new_sha256}
        deliveries, held_rows = _deliveries(read_ledger(zones, wave), used, held_sha)
        book = codebook_for(wave)
        outputs = {
            p.relative_to(folder).as_posix(): {"sha256": file_sha256(p)}
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }
        logical = {"indicators.parquet": cells, "units.parquet": units}
        logical |= {"answer_distribution.parquet": dist, "changes.parquet": changes}
        for name, frame in logical.items():
            outputs[name]["content_sha256"] = content_hash(frame)
        manifest = {
            "wave": wave,
            "edition": edition,
            "previous_edition": base,
            "dagster_run_ids": sorted(set(run_ids)),
            "deliveries": deliveries,
            "held_deliveries": [
                {
                    **r,
                    "reason": records.held_reason(
                        held[r["unit_id"]], config.differencing_threshold
                    ),
                }
                for r in held_rows
            ],
            "held_answers": [
                {"unit_id": str(r.unit_id), "item": str(r.item)}
                for r in tables["held_answers"].itertuples(index=False)
            ],
            "codebook": {
                "file": book.source.name,
                "version": book.version,
                "sha256": file_sha256(book.source),
            },
            "catalogue": provenance.hash_files([provenance.REPO / "schemas" / "indicators.yaml"]),
            "rule_files": provenance.rule_files(),
            "reference_files": provenance.reference_files(),
            "code_version": provenance.code_version(),
            "lineage": {
                "file": lineage_file.relative_to(zones.root).as_posix(),
                "sha256": file_sha256(lineage_file),
            }
            if lineage_file.is_file()
            else None,
            "change_columns_compare_with": decision["earlier_waves"],
            "notes": decision.get("notes", []),
            "outputs": outputs,
            "reports": reports,
        }
        (folder / store.MANIFEST).write_text(
            json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False), encoding="utf-8"
        )
    return target
