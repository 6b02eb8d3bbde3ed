"""The provenance of one published figure, gathered and verified without the Dagster instance.

`build_trail(zones, wave, unit_id, indicator_id, edition=None)` reads what an edition wrote:
published/editions/<wave>/<edition>/ (the cell, units, manifest.json), the edition's internal
part warehouse/editions/<wave>/<edition>/ (suppression log, input rows by source sha256, held
answers), the per-unit ledger restricted/ledger/, the archive restricted/archive/ (the exact
bytes and a record per delivery) and the GX documents warehouse/quality/<gate>/<wave>-<run>.

It then verifies the trail (`Trail.checks`): the edition's files against the manifest's sha256
and logical content hashes, every contributing delivery's archived bytes against the sha256 in
the manifest and the ledger, the ledger's balance, the rows the edition used per delivery
against the ledger's accepted rows, and the suppression decision against the internal log.

Never microdata or free text: the trail holds counts, hashes, codes and the pipeline's own
texts (pool reasons, suppression log), read from the input rows' unit and source columns only.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from assets.content_hash import content_hash
from assets.defs import wave_unit_key
from assets.editions import store
from assets.ingest.deliveries import Archive
from assets.publishing import read_ledger
from assets.storage import DataZones, file_sha256
from quality.attacker import memberships
from quality.disclosure import CONFIG_FILE, PRIMARY_GROUP_RULES, DisclosureConfig

DISCLOSURE_RULES = "quality/disclosure.yaml"
INTERNAL_FILES = ("input.parquet", "suppression_log.parquet", "held_answers.parquet")
TABLE_FILES = ("indicators.parquet", "units.parquet", "answer_distribution.parquet")
LOGICAL_FILES = (*TABLE_FILES, "changes.parquet")
# Which thresholds of quality/disclosure.yaml each suppression rule applies.
RULE_THRESHOLDS: dict[str, tuple[str, ...]] = {
    "unit_pooled": ("unit_threshold",),
    "unit_pooled_secondary": ("pool_min_respondents", "pool_min_units"),
    "pool_below_threshold": ("pool_min_respondents", "pool_min_units"),
    "group_below_threshold": ("unit_threshold",),
    "item_below_threshold": ("item_threshold",),
    "band": ("band_max_valid", "band_low", "band_high"),
    "band_too_narrow": ("band_max_valid", "audit_min_values"),
    "secondary_group": ("differencing_threshold",),
    "secondary_cell": ("differencing_threshold",),
    "revision_group": ("differencing_threshold",),
    "revision_cell": ("differencing_threshold",),
}
COMPLEMENT_RULES = ("secondary_group", "secondary_cell", "revision_group", "revision_cell")
# The log's detail of a complement names what it protects (quality.wave_protection._detail,
# quality.audit_repair); the log has no structured column for it.
PROTECTS_ATOMS = re.compile(r"for enhetene ([0-9A-Za-z_\-, ]+) \(under")
PROTECTS_FIGURE = re.compile(r"for å beskytte (\S+) (\S+) \(")
# Gates whose result is kept only as a Dagster asset check (no document outside the instance).
GATES_WITHOUT_DOCUMENTS = ("disclosure_attack",)
CELL_FIELDS = (
    "unit_name", "n_respondents", "n_valid", "n_positive", "share", "ci_low", "ci_high",
    "ci_method", "display", "suppressed", "suppression_reason", "comparable_with_previous",
    "comparable_reason", "change_vs_previous", "change_ci_low", "change_ci_high",
    "change_significant",
)  # fmt: skip
LEDGER_COUNTS = ("rows_in", "rows_accepted", "rows_quarantined", "rows_duplicate")


class AuditError(ValueError):
    """The figure asked for does not exist (no such wave, edition, unit or indicator)."""


@dataclass(frozen=True)
class Check:
    """One verification of the trail. `ok` False with `blocking` makes the trail fail."""

    name: str
    ok: bool
    detail: str
    blocking: bool = True


@dataclass
class Trail:
    wave: int
    edition: str
    current_edition: str | None
    unit_type: str
    unit_id: str
    indicator_id: str
    measure: str
    cell: dict
    suppression: dict | None
    pool: dict | None
    member_units: list[str]
    manifest: dict
    report: dict | None
    deliveries: list[dict]
    held_deliveries: list[dict]
    held_answers: list[str]
    rows_in_cell: int
    gates: list[dict]
    checks: list[Check] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks if c.blocking)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.blocking and not c.ok]

    def as_dict(self) -> dict:
        out = asdict(self)
        out["ok"] = self.ok
        return out


def _plain(value: object) -> object:
    """A cell value as JSON-able Python (None for every kind of null)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _edition(zones: DataZones, wave: int, edition: str | None) -> tuple[str, str | None]:
    editions = store.complete_editions(zones, wave)
    current = store.read_current(zones).get(wave)
    if not editions:
        raise AuditError(f"måling {wave} har ingen publisert utgave i {zones.published}")
    chosen = edition or current or editions[-1]
    if chosen not in editions:
        raise AuditError(
            f"måling {wave} har ingen utgave {chosen!r} (utgaver: {', '.join(editions)})"
        )
    return chosen, current


def _find_cell(
    cells: pd.DataFrame, unit_id: str, indicator_id: str, unit_type: str | None, measure: str | None
) -> pd.Series:
    rows = cells[(cells["unit_id"].astype(str) == unit_id)]
    if rows.empty:
        raise AuditError(f"enhet {unit_id} har ingen publiserte tall i utgaven")
    if unit_type is not None:
        rows = rows[rows["unit_type"] == unit_type]
    rows = rows[rows["indicator_id"] == indicator_id]
    if measure is not None:
        rows = rows[rows["measure"] == measure]
    if rows.empty:
        raise AuditError(f"ingen publisert celle for enhet {unit_id} og indikator {indicator_id}")
    if len(rows) > 1:
        kinds = sorted({f"--unit-type {t} --measure {m}" for t, m in
                        zip(rows["unit_type"], rows["measure"], strict=True)})  # fmt: skip
        raise AuditError(f"flere celler passer; velg med {' eller '.join(kinds)}")
    return rows.iloc[0]


def _pooled_hint(units: pd.DataFrame, unit_id: str) -> str:
    row = units[units["unit_id"].astype(str) == unit_id]
    pool = row["pool_id"].dropna() if "pool_id" in row else pd.Series(dtype=object)
    if not pool.empty:
        return f"; enheten er slått sammen i puljen {pool.iloc[0]} (se --unit {pool.iloc[0]})"
    return ""


def _thresholds(rule: str | None, config: DisclosureConfig) -> dict[str, object]:
    return {name: getattr(config, name) for name in RULE_THRESHOLDS.get(rule or "", ())}


def _protects(detail: str, log: pd.DataFrame) -> list[dict]:
    """The primary figures a complement protects, read from its log detail."""
    found = PROTECTS_FIGURE.search(detail)
    if found:
        return [{"unit_type": found.group(1), "unit_id": found.group(2), "rule": None}]
    found = PROTECTS_ATOMS.search(detail)
    if not found:
        return []
    out = []
    for atom in (a.strip() for a in found.group(1).split(",") if a.strip()):
        primary = log[(log["unit_id"].astype(str) == atom) & log["rule"].isin(PRIMARY_GROUP_RULES)]
        rule = str(primary["rule"].iloc[0]) if not primary.empty else None
        utype = str(primary["unit_type"].iloc[0]) if not primary.empty else None
        out.append({"unit_type": utype, "unit_id": atom, "rule": rule})
    return out


def suppression_decision(
    cell: pd.Series, log: pd.DataFrame, config: DisclosureConfig
) -> tuple[dict | None, list[Check]]:
    """The logged decision behind a withheld or banded cell, with its thresholds."""
    reason = _plain(cell["suppression_reason"])
    if not bool(cell["suppressed"]) and reason is None:
        return None, []
    mine = log[
        (log["unit_type"] == cell["unit_type"])
        & (log["unit_id"].astype(str) == str(cell["unit_id"]))
        & (
            log["indicator_id"].isna()
            | ((log["indicator_id"] == cell["indicator_id"]) & (log["measure"] == cell["measure"]))
        )
    ]
    entry = mine[mine["rule"] == reason]
    found = not entry.empty
    row = entry.iloc[0] if found else None
    detail = str(row["detail"]) if found and pd.notna(row["detail"]) else None
    scope = "figure" if found and pd.isna(row["indicator_id"]) else "cell"
    decision = {
        "rule": reason,
        "scope": scope if found else None,
        "thresholds": _thresholds(reason, config),
        "detail": detail,
        "complement": reason in COMPLEMENT_RULES,
        "protects": _protects(detail or "", log) if reason in COMPLEMENT_RULES else [],
        "other_log_entries": sorted(set(mine["rule"].astype(str)) - {str(reason)}),
    }
    checks = [
        Check(
            "suppression_logged",
            found,
            f"regelen {reason} står i den interne skjermingsloggen"
            if found
            else f"regelen {reason} står ikke i den interne skjermingsloggen for denne cellen",
        )
    ]
    if decision["complement"]:
        checks.append(
            Check(
                "complement_names_primary",
                bool(decision["protects"]),
                "loggen navngir tallet skjulingen beskytter"
                if decision["protects"]
                else "loggen navngir ikke tallet skjulingen beskytter",
                blocking=False,
            )
        )
    return decision, checks


def pool_membership(units: pd.DataFrame, unit_type: str, unit_id: str) -> dict | None:
    """The pool a unit is in (or, for a pool, its members) and why."""
    row = units[(units["unit_type"] == unit_type) & (units["unit_id"].astype(str) == unit_id)]
    if row.empty:
        return None
    r = row.iloc[0]
    if unit_type == "pool":
        members = str(_plain(r.get("member_units")) or "")
        return {
            "pool_id": unit_id, "members": [m for m in members.split(",") if m],
            "reason": _plain(r.get("pool_reason")),
        }  # fmt: skip
    pool = _plain(r.get("pool_id"))
    if pool is None:
        return None
    return {"pool_id": pool, "members": [], "reason": _plain(r.get("pool_reason"))}


def _record(zones: DataZones, wave: int, sha256: str, file_name: str) -> dict | None:
    path = Archive(zones.archive).record_file(wave, sha256, file_name)
    return json.loads(path.read_text("utf-8")) if path.is_file() else None


def delivery_trail(
    zones: DataZones, wave: int, delivery: dict, ledger: pd.DataFrame, rows_used: int
) -> tuple[dict, list[Check]]:
    """One contributing delivery: its ledger counts, what it superseded, and its checks."""
    name, sha = delivery["file_name"], delivery["sha256"]
    label = f"{name} ({sha[:12]})"
    mine = ledger[(ledger["sha256"] == sha) & (ledger["file_name"] == name)]
    row = mine.iloc[0] if not mine.empty else None
    out = {k: delivery.get(k) for k in ("unit_id", "file_name", "sha256", "received_at")}
    out["ledger_status"] = None if row is None else _plain(row["status"])
    out |= {k: (None if row is None else int(row[k])) for k in LEDGER_COUNTS}
    out["rows_used_in_edition"] = rows_used
    unit = ledger[ledger["unit_id"].astype(str) == str(delivery["unit_id"])]
    earlier = unit[unit["received_at"].astype(str) < str(delivery["received_at"])]
    out["superseded"] = [
        {"file_name": r.file_name, "sha256": r.sha256, "received_at": r.received_at,
         "ledger_status": r.status}
        for r in earlier.sort_values("received_at").itertuples(index=False)
    ]  # fmt: skip
    archived = Archive(zones.archive).file_path(sha, name)
    out["archive_path"] = str(archived.relative_to(zones.root))
    checks = []
    if archived.is_file():
        actual = file_sha256(archived)
        checks.append(
            Check(
                f"archive:{name}",
                actual == sha,
                f"arkivert fil {label}: sha256 stemmer med manifestet"
                if actual == sha
                else f"arkivert fil {label}: sha256 er {actual[:12]}, manifestet sier {sha[:12]}",
            )
        )
    else:
        checks.append(Check(f"archive:{name}", False, f"arkivert fil {label} mangler"))
    if row is None:
        checks.append(Check(f"ledger:{name}", False, f"{label} står ikke i leveranseloggen"))
        return out, checks
    same_time = str(row["received_at"]) == str(delivery["received_at"])
    checks.append(
        Check(
            f"ledger_received_at:{name}",
            same_time,
            f"{label}: mottakstid i loggen og manifestet "
            + ("stemmer" if same_time else "er ulike"),
        )
    )
    record = _record(zones, wave, sha, name)
    checks.append(
        Check(
            f"archive_record:{name}",
            record is not None and record.get("received_at") == delivery["received_at"],
            f"{label}: arkivposten "
            + (
                "mangler"
                if record is None
                else "stemmer"
                if record.get("received_at") == delivery["received_at"]
                else "har en annen mottakstid"
            ),
        )
    )
    counts = [int(row[k]) for k in LEDGER_COUNTS]
    balanced = counts[0] == sum(counts[1:])
    checks.append(
        Check(
            f"ledger_balance:{name}",
            balanced,
            f"{label}: {counts[0]} rader inn = {counts[1]} godtatt + {counts[2]} i karantene + "
            f"{counts[3]} duplikater" + ("" if balanced else " stemmer ikke"),
        )
    )
    used_ok = rows_used == counts[1]
    checks.append(
        Check(
            f"rows_used:{name}",
            used_ok,
            f"{label}: utgaven bruker {rows_used} rader, loggen har {counts[1]} godtatt"
            + ("" if used_ok else ": stemmer ikke"),
        )
    )
    return out, checks


def verify_outputs(folder: Path, manifest: dict) -> list[Check]:
    """The edition's files against the manifest's sha256 and logical content hashes."""
    checks = []
    for name, entry in sorted(manifest.get("outputs", {}).items()):
        path = folder / name
        if not path.is_file():
            checks.append(Check(f"output:{name}", False, f"{name} mangler i utgaven"))
            continue
        ok = file_sha256(path) == entry["sha256"]
        if ok and name in LOGICAL_FILES and "content_sha256" in entry:
            ok = content_hash(pd.read_parquet(path)) == entry["content_sha256"]
        if not ok:
            checks.append(Check(f"output:{name}", False, f"{name} stemmer ikke med manifestet"))
    n = len(manifest.get("outputs", {}))
    checks.append(
        Check(
            "outputs",
            not any(not c.ok for c in checks),
            f"{n} filer i utgaven kontrollert mot manifestets sha256 og innholdshash",
        )
    )
    return checks


def read_lineage(zones: DataZones, manifest: dict) -> tuple[dict | None, Check | None]:
    """The edition's lineage export (restricted folder), checked against the manifest's sha256."""
    entry = manifest.get("lineage")
    if not entry:
        return None, None
    path = zones.root / entry["file"]
    if not path.is_file():
        return None, Check("lineage", False, f"lineage-eksporten {entry['file']} mangler")
    if file_sha256(path) != entry["sha256"]:
        return None, Check("lineage", False, f"lineage-eksporten {entry['file']} er endret")
    return json.loads(path.read_text("utf-8")), Check(
        "lineage", True, f"lineage-eksporten {entry['file']} stemmer med manifestet"
    )


def lineage_runs(lineage: dict | None, wave: int, unit_id: str) -> list[dict]:
    """The newest ingest materializations of the unit's partition in the lineage export."""
    if lineage is None:
        return []
    partition = str(wave_unit_key(wave, unit_id))
    return [
        {"asset": m["asset"], "run_id": m["run_id"], "data_version": m["data_version"]}
        for m in lineage["materializations"]
        if m["partition"] == partition
    ]


def gate_results(
    zones: DataZones, wave: int, run_ids: list[str], lineage: dict | None = None
) -> list[dict]:
    """GX validation documents the edition's runs kept under warehouse/quality/, and every
    Dagster check result of the lineage export (the disclosure attack and ledger among them)."""
    base = zones.warehouse / "quality"
    out = []
    for gate in sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []:
        for run in run_ids:
            doc = base / gate / f"{wave}-{run}.json"
            if not doc.is_file():
                continue
            result = json.loads(doc.read_text("utf-8"))
            stats = result.get("statistics", {})
            html = doc.with_suffix(".html")
            out.append({
                "gate": gate, "run_id": run, "success": bool(result.get("success")),
                "evaluated": stats.get("evaluated_expectations"),
                "successful": stats.get("successful_expectations"),
                "document": str(doc.relative_to(zones.root)),
                "data_docs": str(html.relative_to(zones.root)) if html.is_file() else None,
            })  # fmt: skip
    documented = {g["gate"] for g in out}
    for c in lineage["checks"] if lineage else []:
        if c["check"] in documented:  # its GX document above says the same, with counts
            continue
        out.append({
            "gate": c["check"], "run_id": c["run_id"], "success": bool(c["passed"]),
            "evaluated": None, "successful": None, "document": None, "data_docs": None,
            "note": f"Dagster-kontroll på {c['asset']} (lineage-eksporten): {c['summary'] or ''}",
        })  # fmt: skip
    seen = {g["gate"] for g in out}
    for gate in (name for name in GATES_WITHOUT_DOCUMENTS if name not in seen):
        out.append({
            "gate": gate, "run_id": None, "success": True, "evaluated": None, "successful": None,
            "document": None, "data_docs": None,
            "note": "blokkerende kontroll: utgaven finnes bare fordi den ble bestått; "
            "resultatet lagres bare i Dagster",
        })  # fmt: skip
    return out


def _codebook_check(manifest: dict) -> Check:
    from schemas.codebook import codebook_for

    book = codebook_for(int(manifest["wave"]))
    same = file_sha256(book.source) == manifest["codebook"]["sha256"]
    return Check(
        "codebook_unchanged",
        same,
        f"kodeboken {book.source.name} er "
        + ("den samme som da utgaven ble laget" if same else "endret siden utgaven ble laget"),
        blocking=False,
    )


def _rules_check(manifest: dict) -> Check:
    path = CONFIG_FILE
    want = manifest.get("rule_files", {}).get(DISCLOSURE_RULES)
    same = want is not None and file_sha256(path) == want
    return Check(
        "rules_unchanged",
        same,
        "terskelverdiene er fra den samme regelfilen som utgaven brukte"
        if same
        else f"{DISCLOSURE_RULES} er endret siden utgaven: terskelverdiene kan avvike",
        blocking=False,
    )


def _input_rows(internal: Path, units: set[str]) -> pd.DataFrame:
    """Rows the edition used per unit and source sha256 (never their content)."""
    rows = pd.read_parquet(internal / "input.parquet", columns=["unit_id", "source_sha256"])
    rows = rows.astype(str)
    rows = rows[rows["unit_id"].isin(units)]
    return rows.groupby(["unit_id", "source_sha256"]).size().rename("rows").reset_index()


def build_trail(
    zones: DataZones, wave: int, unit_id: str, indicator_id: str, edition: str | None = None,
    unit_type: str | None = None, measure: str | None = None,
) -> Trail:  # fmt: skip
    """The trail of one published cell, verified (see the module docstring)."""
    edition, current = _edition(zones, wave, edition)
    folder = store.published_dir(zones, wave, edition)
    internal = store.internal_dir(zones, wave, edition)
    manifest = store.read_manifest(zones, wave, edition)
    tables = store.read_edition(zones, wave, edition)
    cells, units = tables["indicator_cells"], tables["units"]
    try:
        cell = _find_cell(cells, unit_id, indicator_id, unit_type, measure)
    except AuditError as exc:
        raise AuditError(f"{exc}{_pooled_hint(units, unit_id)}") from None
    key = (str(cell["unit_type"]), str(cell["unit_id"]))
    atoms = sorted(memberships(units, wave).get(key, frozenset({key[1]})))
    checks = verify_outputs(folder, manifest)
    missing_internal = [f for f in INTERNAL_FILES if not (internal / f).is_file()]
    if missing_internal:
        raise AuditError(
            f"utgavens interne del mangler {', '.join(missing_internal)} i {internal}; "
            "sporet kan ikke kontrolleres"
        )
    lineage, lineage_check = read_lineage(zones, manifest)
    if lineage_check is not None:
        checks.append(lineage_check)
    log = pd.read_parquet(internal / "suppression_log.parquet")
    decision, decision_checks = suppression_decision(cell, log, DisclosureConfig.load())
    checks += decision_checks
    used = _input_rows(internal, set(atoms))
    rows_by_sha = dict(zip(used["source_sha256"], used["rows"], strict=True))
    ledger = read_ledger(zones, wave)
    deliveries = []
    contributing = [
        d for d in manifest["deliveries"] if d["used_in_edition"] and str(d["unit_id"]) in atoms
    ]
    for d in sorted(contributing, key=lambda d: (str(d["unit_id"]), d["file_name"])):
        trail, delivery_checks = delivery_trail(
            zones, wave, d, ledger, int(rows_by_sha.get(d["sha256"], 0))
        )
        trail["ingest_runs"] = lineage_runs(lineage, wave, str(d["unit_id"]))
        deliveries.append(trail)
        checks += delivery_checks
    listed = {d["sha256"] for d in contributing}
    unlisted = sorted(set(rows_by_sha) - listed)
    checks.append(
        Check(
            "rows_from_listed_deliveries",
            not unlisted,
            "alle rader i cellen kommer fra leveranser i manifestet"
            if not unlisted
            else f"rader fra leveranser som ikke står i manifestet: "
            f"{', '.join(s[:12] for s in unlisted)}",
        )
    )
    held_answers = pd.read_parquet(internal / "held_answers.parquet")
    held_units = sorted(
        str(u)
        for u, item in zip(held_answers["unit_id"], held_answers["item"], strict=True)
        if str(u) in atoms and str(item) == indicator_id
    )
    report_name = f"{key[0]}_{key[1]}.pdf"
    report = manifest.get("reports", {}).get(report_name)
    if report is not None:
        report = {"file": f"reports/{report_name}", "manifest_id": report["model_sha256"][:12],
                  "rendered_in": report["rendered_in"], "sha256": report["sha256"]}  # fmt: skip
    manifest_path = folder / store.MANIFEST
    trail = Trail(
        wave=wave, edition=edition, current_edition=current, unit_type=key[0], unit_id=key[1],
        indicator_id=indicator_id, measure=str(cell["measure"]),
        cell={k: _plain(cell[k]) for k in CELL_FIELDS if k in cell.index},
        suppression=decision, pool=pool_membership(units, key[0], key[1]), member_units=atoms,
        manifest={
            "path": str(manifest_path.relative_to(zones.root)),
            "sha256": file_sha256(manifest_path),
            "previous_edition": manifest.get("previous_edition"),
            "dagster_run_ids": manifest.get("dagster_run_ids", []),
            "code_version": manifest.get("code_version", {}),
            "codebook": manifest.get("codebook", {}),
            "catalogue": manifest.get("catalogue", {}),
            "rule_files": manifest.get("rule_files", {}),
            "outputs": {k: manifest["outputs"][k] for k in TABLE_FILES if k in manifest["outputs"]},
        },
        report=report, deliveries=deliveries,
        held_deliveries=[
            {k: d.get(k) for k in ("unit_id", "file_name", "sha256", "received_at")}
            for d in manifest.get("held_deliveries", []) if str(d["unit_id"]) in atoms
        ],
        held_answers=held_units, rows_in_cell=int(used["rows"].sum()),
        gates=gate_results(zones, wave, manifest.get("dagster_run_ids", []), lineage),
    )  # fmt: skip
    trail.checks = [*checks, _codebook_check(manifest), _rules_check(manifest)]
    failed_gates = [g["gate"] for g in trail.gates if not g["success"]]
    trail.checks.append(
        Check(
            "gates_passed",
            not failed_gates,
            "alle kontroller i kjøringene bak utgaven er bestått"
            if not failed_gates
            else f"kontroller som ikke er bestått: {', '.join(failed_gates)}",
        )
    )
    trail.missing = missing_information(trail, lineage is not None)
    return trail


def missing_information(trail: Trail, has_lineage: bool = False) -> list[str]:
    """What the audit needs that the edition does not record (said, never guessed)."""
    out = [] if has_lineage else [
        "utgaven har ingen lineage-eksport: kjøringene for innlesing av leveransene "
        "(ingest_unit) og resultatet av disclosure_attack og ledger_reconciles står bare i "
        "Dagster (sporet gjentar ledger_reconciles sin sha256-kontroll for leveransene bak tallet)",
    ]  # fmt: skip
    if trail.suppression and trail.suppression["complement"]:
        out.append(
            "skjermingsloggen har ingen egen kolonne for tallet en komplementær skjuling "
            "beskytter; det leses av loggens tekst"
        )
    return out
