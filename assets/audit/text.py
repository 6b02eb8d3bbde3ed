"""The audit trail of one published figure in bokmål, for people: counts, hashes, codes and the
pipeline's own texts only (assets.audit.trail gathers and verifies it)."""

from __future__ import annotations

from assets.audit.trail import Trail


def threshold_text(thresholds: dict[str, object]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in thresholds.items()) or "ingen terskel"


def _n(value: object) -> str:
    return "–" if value is None else str(value)


def _share(value: object) -> str:
    return "–" if value is None else f"{float(value):.4f}"


def trail_text(trail: Trail) -> str:
    """The trail in bokmål for people (counts, hashes and codes only)."""
    c, m = trail.cell, trail.manifest
    cur = "gjeldende" if trail.edition == trail.current_edition else "ikke gjeldende"
    ci = "–"
    if c.get("ci_low") is not None and c.get("ci_high") is not None:
        ci = f"{_share(c['ci_low'])}–{_share(c['ci_high'])}"
    lines = [
        f"Revisjonsspor: måling {trail.wave}, {c.get('unit_name')} ({trail.unit_type} "
        f"{trail.unit_id}), {trail.indicator_id} ({trail.measure})",
        "Til intern bruk: radtallene er fra det begrensede området (ingen svar, ingen fritekst).",
        "",
        "Tallet",
        f"  vist: {c.get('display')}   andel: {_share(c.get('share'))}   KI: {ci} "
        f"({c.get('ci_method')})",
        f"  respondenter: {_n(c.get('n_respondents'))}   gyldige svar (n): {_n(c.get('n_valid'))}"
        f"   positive: {_n(c.get('n_positive'))}",
        "",
        "Skjerming",
    ]
    s = trail.suppression
    if s is None:
        lines.append("  ikke skjermet")
    else:
        lines.append(f"  regel: {s['rule']} ({threshold_text(s['thresholds'])})")
        if s["detail"]:
            lines.append(f"  logg: {s['detail']}")
        for p in s["protects"]:
            lines.append(
                f"  beskytter: {p['unit_type'] or '?'} {p['unit_id']} (regel {p['rule'] or '?'})"
            )
    if trail.pool:
        p = trail.pool
        lines += ["", "Pulje", f"  {p['pool_id']}" + (f": {', '.join(p['members'])}" if
                                                        p["members"] else "")]  # fmt: skip
        if p["reason"]:
            lines.append(f"  hvorfor: {p['reason']}")
    cv, cb = m["code_version"], m["codebook"]
    lines += [
        "",
        "Utgave",
        f"  {trail.edition} ({cur}; forrige: {m['previous_edition'] or 'ingen'})",
        f"  manifest: {m['path']} sha256 {m['sha256']}",
        f"  Dagster-kjøringer: {', '.join(m['dagster_run_ids']) or 'ingen'}",
        f"  kodeversjon: git {cv.get('git_commit') or 'ukjent'}"
        + (" (med lokale endringer)" if cv.get("git_dirty") else "")
        + f", pakke {cv.get('package_version')}, kildehash {cv.get('source_sha256')}",
        f"  kodebok: {cb.get('file')} versjon {cb.get('version')} sha256 {cb.get('sha256')}",
    ]
    if trail.report:
        r = trail.report
        lines.append(
            f"  rapport: {r['file']} manifest-id {r['manifest_id']} (laget i {r['rendered_in']})"
        )
    n_units = len(trail.member_units)
    lines += ["", f"Leveranser bak tallet ({n_units} {'enhet' if n_units == 1 else 'enheter'}, "
              f"{trail.rows_in_cell} rader i utgaven)"]  # fmt: skip
    for d in trail.deliveries:
        lines.append(
            f"  {d['unit_id']} {d['file_name']} sha256 {d['sha256']} mottatt {d['received_at']}"
        )
        lines.append(
            f"    rader inn {_n(d['rows_in'])}, godtatt {_n(d['rows_accepted'])}, karantene "
            f"{_n(d['rows_quarantined'])}, duplikater {_n(d['rows_duplicate'])}, brukt i "
            f"utgaven {d['rows_used_in_edition']}; status nå: {d['ledger_status']}"
        )
        for run in d.get("ingest_runs", []):
            lines.append(f"    {run['asset']}: kjøring {run['run_id']}, dataversjon "
                         f"{(run['data_version'] or '')[:12]}")  # fmt: skip
        for old in d["superseded"]:
            lines.append(
                f"    erstatter {old['file_name']} sha256 {old['sha256'][:12]} mottatt "
                f"{old['received_at']} ({old['ledger_status']})"
            )
    for d in trail.held_deliveries:
        lines.append(f"  holdt tilbake: {d['unit_id']} {d['file_name']} sha256 {d['sha256']}")
    if trail.held_answers:
        lines.append(f"  svar holdt tilbake på spørsmålet: {', '.join(trail.held_answers)}")
    lines += ["", "Kontroller i kjøringene"]
    for g in trail.gates:
        status = "bestått" if g["success"] else "IKKE BESTÅTT"
        counts = f" ({g['successful']}/{g['evaluated']})" if g["evaluated"] is not None else ""
        where = f": {g['data_docs'] or g['document']}" if g["document"] else f": {g['note']}"
        lines.append(f"  {g['gate']} {status}{counts}{where}")
    lines += ["", "Kontroll av sporet"]
    for check in trail.checks:
        mark = "ok " if check.ok else ("FEIL" if check.blocking else "merk")
        lines.append(f"  [{mark}] {check.detail}")
    if trail.missing:
        lines += ["", "Ikke registrert i dag"] + [f"  - {x}" for x in trail.missing]
    lines += [
        "",
        "Sporet stemmer." if trail.ok else f"Sporet stemmer IKKE ({len(trail.failures())} feil).",
    ]
    return "\n".join(lines)
