"""An audit trail (assets.audit.trail.Trail) as W3C PROV-JSON, built and validated with `prov`.

Entities: every contributing delivery (and the deliveries it superseded, as revisions), the
codebook, the rule files, the rows the edition used, the GX results of the gates, the edition's
published tables (the cell table a collection with the cell as member), the manifest.
Activities: the Dagster runs of the edition (from the manifest), the edition itself, and this
audit. Agents: the code version (a software agent) and the delivering units (organisations).
Attribute values are counts, hashes, codes and times only.

`validate` round-trips the document through prov's PROV-JSON serializer and deserializer, and
checks that every relation names records that the document declares.
"""

from __future__ import annotations

import json
from pathlib import Path

from prov.model import PROV, ProvDocument, ProvElement, ProvRelation

from assets.audit.trail import Trail

NAMESPACE = ("bs", "urn:brukerstemme:")
PROV_JSON_KEYS = {
    "prefix", "entity", "activity", "agent", "wasGeneratedBy", "used", "wasInformedBy",
    "wasStartedBy", "wasEndedBy", "wasInvalidatedBy", "wasDerivedFrom", "wasAttributedTo",
    "wasAssociatedWith", "actedOnBehalfOf", "wasInfluencedBy", "alternateOf", "specializationOf",
    "mentionOf", "hadMember", "bundle",
}  # fmt: skip


class ProvValidationError(ValueError):
    """The PROV document does not survive prov's round trip or names undeclared records."""


def _attrs(values: dict) -> dict:
    """bs:-prefixed attributes without nulls (PROV has no null)."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        out[f"bs:{key}"] = value if isinstance(value, str | int | float | bool) else str(value)
    return out


def trail_document(trail: Trail) -> ProvDocument:
    doc = ProvDocument()
    doc.add_namespace(*NAMESPACE)
    wave, edition = trail.wave, trail.edition
    m = trail.manifest
    code = m["code_version"]
    code_id = code.get("git_commit") or code.get("source_sha256") or "unknown"
    agent = doc.agent(
        f"bs:code-{code_id}",
        {PROV["type"]: PROV["SoftwareAgent"], **_attrs(code)},
    )
    runs = []
    for run_id in m["dagster_run_ids"]:
        run = doc.activity(f"bs:run-{run_id}", other_attributes=_attrs({"dagster_run_id": run_id}))
        doc.association(run, agent)
        runs.append(run)
    make = doc.activity(
        f"bs:edition-{wave}-{edition}",
        other_attributes=_attrs({"wave": wave, "edition": edition}),
    )
    doc.association(make, agent)
    for run in runs:
        doc.communication(make, run)
    book = m["codebook"]
    codebook = doc.entity(
        f"bs:codebook-{book.get('sha256')}",
        _attrs({"file": book.get("file"), "version": book.get("version"),
                "sha256": book.get("sha256")}),
    )  # fmt: skip
    rules = [
        doc.entity(f"bs:file-{sha}", _attrs({"path": name, "sha256": sha}))
        for name, sha in sorted({**m["rule_files"], **m["catalogue"]}.items())
    ]
    rows = doc.entity(
        f"bs:edition-input-{wave}-{edition}",
        _attrs({"rows_in_cell": trail.rows_in_cell, "units": ",".join(trail.member_units)}),
    )
    for run in runs:
        doc.usage(run, codebook)
        for rule_file in rules:
            doc.usage(run, rule_file)
        doc.generation(rows, run)
    units: dict[str, ProvElement] = {}
    for d in trail.deliveries:
        unit = str(d["unit_id"])
        if unit not in units:
            units[unit] = doc.agent(
                f"bs:unit-{wave}-{unit}",
                {PROV["type"]: PROV["Organization"], **_attrs({"unit_id": unit})},
            )
        counts = {k: d[k] for k in ("rows_in", "rows_accepted", "rows_quarantined")}
        counts |= {"rows_duplicate": d["rows_duplicate"], "rows_used": d["rows_used_in_edition"]}
        delivery = doc.entity(
            f"bs:delivery-{d['sha256']}",
            _attrs({"file_name": d["file_name"], "sha256": d["sha256"], "unit_id": unit,
                    "received_at": d["received_at"], "ledger_status": d["ledger_status"],
                    "archive_path": d["archive_path"], **counts}),
        )  # fmt: skip
        doc.attribution(delivery, units[unit])
        for run in runs:
            doc.usage(run, delivery)
        doc.derivation(rows, delivery)
        for old in d["superseded"]:
            earlier = doc.entity(
                f"bs:delivery-{old['sha256']}",
                _attrs({"file_name": old["file_name"], "sha256": old["sha256"],
                        "received_at": old["received_at"],
                        "ledger_status": old["ledger_status"]}),
            )  # fmt: skip
            doc.revision(delivery, earlier)
    by_run = {str(r.identifier).removeprefix("bs:run-"): r for r in runs}
    for g in trail.gates:
        if g["document"] and g["run_id"] in by_run:
            result = doc.entity(
                f"bs:gate-{g['gate']}-{wave}-{g['run_id']}",
                _attrs({k: g[k] for k in ("gate", "success", "evaluated", "successful",
                                          "document", "data_docs")}),
            )  # fmt: skip
            doc.generation(result, by_run[g["run_id"]])
    tables = {}
    for name, entry in m["outputs"].items():
        attrs = {"file": f"published/editions/{wave}/{edition}/{name}", **entry}
        extra = {PROV["type"]: PROV["Collection"]} if name == "indicators.parquet" else {}
        tables[name] = doc.entity(f"bs:table-{wave}-{edition}-{name}", {**extra, **_attrs(attrs)})
        doc.generation(tables[name], make)
        doc.derivation(tables[name], rows)
    c = trail.cell
    s = trail.suppression or {}
    cell = doc.entity(
        f"bs:cell-{wave}-{edition}-{trail.unit_type}-{trail.unit_id}-{trail.indicator_id}-"
        f"{trail.measure}",
        _attrs({
            "unit_type": trail.unit_type, "unit_id": trail.unit_id,
            "indicator_id": trail.indicator_id, "measure": trail.measure,
            **{k: c.get(k) for k in ("display", "n_respondents", "n_valid", "n_positive",
                                      "share", "ci_low", "ci_high", "ci_method", "suppressed")},
            "suppression_rule": s.get("rule"),
            "suppression_thresholds": json.dumps(s.get("thresholds"), sort_keys=True)
            if s else None,
            "protects": ",".join(f"{p['unit_type']}:{p['unit_id']}" for p in s.get("protects", []))
            or None,
            "pool_id": (trail.pool or {}).get("pool_id"),
        }),
    )  # fmt: skip
    if "indicators.parquet" in tables:
        doc.membership(tables["indicators.parquet"], cell)
    doc.generation(cell, make)
    doc.derivation(cell, rows)
    manifest = doc.entity(
        f"bs:manifest-{wave}-{edition}",
        _attrs({"path": m["path"], "sha256": m["sha256"]}),
    )
    doc.generation(manifest, make)
    audit = doc.activity(
        f"bs:audit-{wave}-{edition}-{trail.unit_type}-{trail.unit_id}-{trail.indicator_id}",
        other_attributes=_attrs({
            "trail_verified": trail.ok, "checks": len(trail.checks),
            "failed_checks": ",".join(f.name for f in trail.failures()) or None,
        }),
    )  # fmt: skip
    doc.usage(audit, manifest)
    doc.usage(audit, cell)
    return doc


def _declared(doc: ProvDocument) -> set[str]:
    return {str(r.identifier) for r in doc.get_records(ProvElement)}


def validate(doc: ProvDocument) -> str:
    """PROV-JSON of `doc`, after proving it with prov (round trip, declared references)."""
    text = doc.serialize(format="json")
    data = json.loads(text)
    unknown = set(data) - PROV_JSON_KEYS
    if unknown:
        raise ProvValidationError(f"unknown PROV-JSON sections: {', '.join(sorted(unknown))}")
    again = ProvDocument.deserialize(content=text, format="json")
    if again.unified() != doc.unified():
        raise ProvValidationError("the document changes in prov's PROV-JSON round trip")
    declared = _declared(again)
    for relation in again.get_records(ProvRelation):
        for _name, value in relation.formal_attributes:
            if value is None or not hasattr(value, "namespace"):
                continue
            if str(value) not in declared:
                raise ProvValidationError(
                    f"{relation.get_type().localpart} names {value}, which is not declared"
                )
    return text


def write_prov(trail: Trail, path: Path) -> Path:
    """Build, validate and write the trail's PROV-JSON (nothing is written if invalid)."""
    text = validate(trail_document(trail))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
