"""Per wave: units invited, delivered, accepted, quarantined rows, missing, held deliveries and
held answers (per unit, the questions whose changed answers the newest edition holds back), and
editions.

Invited units are the kommuner of the wave's code list (every municipality is asked to take
part); a kommune counts as delivered when it or one of its bydeler delivered.
"""

from __future__ import annotations

import json

import pandas as pd

from assets.editions import store
from assets.storage import DataZones, read_parquets
from reference import geography
from schemas.codebook import codebook_for, codebooks

STATUS_COLUMNS = [
    "wave", "invited", "delivered", "accepted", "rejected_files", "quarantined_rows", "missing",
    "held_units", "held_files", "held_answers", "current_edition", "editions",
]  # fmt: skip


def _kommune(unit: str) -> str:
    return unit[:4]


def _held_answers_text(answers: dict[str, list[str]]) -> str | None:
    return "; ".join(f"{u}: {', '.join(sorted(i))}" for u, i in sorted(answers.items())) or None


def wave_status(zones: DataZones, wave: int) -> dict:
    parts = zones.unit_parts("ledger", wave)
    ledger = read_parquets(parts) if parts else pd.DataFrame(
        columns=["unit_id", "status", "rows_quarantined", "file_name"]
    )  # fmt: skip
    invited = set(geography.code_list(codebook_for(wave).code_list_year)["code"].astype(str))
    delivered = set(ledger["unit_id"].dropna().astype(str))
    accepted_rows = ledger[ledger["status"] == "accepted"]
    accepted = set(accepted_rows["unit_id"].astype(str))
    decision_path = store.staged_dir(zones, wave) / "decision.json"
    decision = json.loads(decision_path.read_text("utf-8")) if decision_path.is_file() else {}
    held = decision.get("held", [])
    names = store.complete_editions(zones, wave)
    answers: dict[str, list[str]] = {}
    if names:
        for h in store.read_manifest(zones, wave, names[-1]).get("held_answers", []):
            answers.setdefault(h["unit_id"], []).append(h["item"])
    return {
        "wave": wave,
        "invited": len(invited),
        "delivered": len(delivered),
        "accepted": len(accepted),
        "rejected_files": int((ledger["status"] == "rejected").sum()),
        "quarantined_rows": int(accepted_rows["rows_quarantined"].sum()),
        "missing": len(invited - {_kommune(u) for u in accepted}),
        "held_units": ", ".join(sorted(h["unit_id"] for h in held)) or None,
        "held_files": ", ".join(sorted(f for h in held for f in h["new_files"])) or None,
        "held_answers": _held_answers_text(answers),
        "current_edition": store.read_current(zones).get(wave),
        "editions": ", ".join(names) or None,
    }


def status_table(zones: DataZones) -> pd.DataFrame:
    rows = [wave_status(zones, w) for w in sorted(codebooks())]
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def status_text(zones: DataZones, wave: int) -> str:
    """The wave's status in bokmål, for `brukerstemme status --wave W`."""
    s = wave_status(zones, wave)
    lines = [
        f"Måling {wave}",
        f"  inviterte kommuner      {s['invited']}",
        f"  enheter som har levert  {s['delivered']}",
        f"  enheter godkjent        {s['accepted']}",
        f"  avviste filer           {s['rejected_files']}",
        f"  rader i karantene       {s['quarantined_rows']}",
        f"  kommuner uten leveranse {s['missing']}",
        f"  holdt tilbake           {s['held_files'] or 'ingen'}",
        f"  svar holdt tilbake      {s['held_answers'] or 'ingen'}",
        f"  gjeldende utgave        {s['current_edition'] or 'ingen publisert'}",
        f"  alle utgaver            {s['editions'] or 'ingen'}",
    ]
    decision_path = store.staged_dir(zones, wave) / "decision.json"
    if s["held_units"] and decision_path.is_file():
        from assets.editions.flow import change_from_json
        from assets.editions.records import held_reason
        from quality.disclosure import default_config

        threshold = default_config().differencing_threshold
        for h in json.loads(decision_path.read_text("utf-8"))["held"]:
            lines.append(f"  - {h['unit_id']}: {held_reason(change_from_json(h), threshold)}")
    return "\n".join(lines)
