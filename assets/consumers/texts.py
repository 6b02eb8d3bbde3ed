"""Bokmål prose of the reports: facts about the unit, method notes and the pool section."""

from __future__ import annotations

from typing import Any

from assets.consumers.labels import (
    RHF_NAMES,
    SIZE_CLASS_SHORT,
    SURVEY_NAME,
    UNIT_TYPE_LABELS,
    fmt_int,
    fmt_respondents,
)
from assets.consumers.published_index import Key, PublishedIndex, Row
from quality.disclosure import (
    TEXT_ORDER,
    DisclosureConfig,
    default_config,
    min_band_valid,
    rule_texts,
)


def facts(
    index: PublishedIndex, key: Key, unit: Row, overall: dict[str, Any] | None
) -> list[list[str]]:
    """Short label/value pairs for the fact box on the first page."""
    wave, unit_type, _ = key
    n = unit.get("n_respondents")
    out = [["Antall svar", fmt_int(int(n)) if n is not None else "–"]]
    if overall is not None:
        value = overall["text"] + (f" ({overall['ci']})" if overall["ci"] else "")
        out.append(["Alt i alt fornøyd", value])
    if unit_type == "bydel" and unit.get("kommune_id"):
        out.append(["Kommune", index.name((wave, "kommune", str(unit["kommune_id"])))])
    if unit_type == "kommune" and unit.get("county_id"):
        out.append(["Fylke", index.name((wave, "county", str(unit["county_id"])))])
    if unit.get("rhf_id") and unit_type != "rhf":
        out.append(["Helseregion", RHF_NAMES.get(str(unit["rhf_id"]), str(unit["rhf_id"]))])
    if unit.get("size_class") and unit_type in ("kommune", "bydel", "pool"):
        out.append(["Kommunestørrelse", SIZE_CLASS_SHORT.get(str(unit["size_class"]), "")])
    return out


ABOUT = (
    (
        "Om undersøkelsen",
        """
        {survey} kartlegger hvordan personer som mottar kommunale tjenester for
        rusmiddelproblemer, opplever tjenestene. Kommunene deler ut skjemaet, og svarene er
        anonyme. Denne rapporten gjelder målingen i {wave}, og den bygger bare på tall som er
        godkjent for publisering.""",
    ),
    (
        "Hvem svarte",
        """
        Antall svar er antall personer i enheten som besvarte skjemaet. For hvert spørsmål viser
        n hvor mange som ga et gyldig svar på skalaen. Noen spørsmål gjelder bare en del av
        brukerne, for eksempel dem som har vært i døgnbehandling eller har barn under 18 år.""",
    ),
    (
        "Slik regnes andelene",
        """
        Andelen er andelen som svarte «i stor grad» eller «i svært stor grad» av alle som svarte
        på den femdelte skalaen. «Vet ikke», «ikke aktuelt» og ubesvart er holdt utenfor. For
        «Pårørende involveres» vises også andelen negative svar («i liten grad» eller «i svært
        liten grad»). For tilbud om samtale om barna er andelen «ja» av dem som svarte ja eller
        nei.""",
    ),
    (
        "Usikkerhet og endring",
        """
        KI er et 95 % konfidensintervall (Wilsons metode): jo færre svar, desto bredere
        intervall. Endring er oppgitt i prosentpoeng fra forrige måling. En pil (↑ ↓) vises bare
        der endringen er statistisk signifikant (95 % konfidensintervall for differansen etter
        Newcombe) og målingene er sammenlignbare: samme spørsmål, samme skala og samme geografi.
        «ikke sml.» betyr at tallet ikke kan sammenlignes med forrige måling: spørsmålet, skalaen
        eller geografien er endret (en kommune som er delt, eller slått sammen med en kommune som
        ikke var med forrige gang), eller forrige tall er skjermet.""",
    ),
    ("«For få svar»", "{suppression}"),
)


def rules_from_config(config: DisclosureConfig | None = None) -> dict[str, Any]:
    """The publication rules consumers show, from quality/disclosure.yaml (never hard-coded).

    `suppression_text` is the bokmål explanation of every rule, generated from the config's
    rule texts (quality.disclosure.rule_texts) in the order of quality.disclosure.TEXT_ORDER.
    """
    cfg = config or default_config()
    texts = rule_texts(cfg)
    body = " ".join(texts[k] for k in TEXT_ORDER if k in texts)
    return {
        "min_unit_respondents": cfg.unit_threshold,
        "min_cell_valid": cfg.item_threshold,
        "band_below_valid": cfg.band_max_valid,
        "band_min_valid": min_band_valid(cfg),
        "band_texts": list(cfg.band_texts),
        "suppression_text": body + " Slik kan ingen enkeltpersons svar leses ut av tallene.",
        "previous_suppressed_text": texts.get("previous_suppressed", ""),
    }


def about(wave: int, rules: dict[str, Any]) -> list[dict[str, str]]:
    """The method section: who answered, how shares and intervals are computed, suppression."""
    suppression = rules.get("suppression_text") or rules_from_config()["suppression_text"]
    values = {"survey": SURVEY_NAME, "wave": wave, "suppression": suppression}
    return [{"title": t, "body": " ".join(b.split()).format(**values)} for t, b in ABOUT]


def pool_section(
    index: PublishedIndex, key: Key, unit: Row, rules: dict[str, int]
) -> dict[str, Any] | None:
    """Member units of a pool and why they are pooled (None for other units)."""
    if key[1] != "pool":
        return None
    wave = key[0]
    ids = [m.strip() for m in str(unit.get("member_units") or "").split(",") if m.strip()]
    members = []
    for mid in ids:
        found = [k for k in index.units if k[0] == wave and k[2] == mid and k[1] != "pool"]
        mkey = found[0] if found else (wave, "kommune", mid)
        mrow = index.unit(mkey)
        n = mrow.get("n_respondents")
        shown = mrow.get("n_respondents_display")
        if n is None and shown and not str(shown).startswith("under"):
            text = str(shown)  # e.g. "minst 10": moved into the pool with 10 or more
        else:
            text = fmt_respondents(None if n is None else int(n), rules["min_unit_respondents"])
        members.append(
            {
                "id": mid,
                "name": index.name(mkey),
                "type": UNIT_TYPE_LABELS.get(mkey[1], mkey[1]),
                "n": text,
            }
        )
    reason = unit.get("pool_reason") or (
        f"Kommunene har hver færre enn {rules['min_unit_respondents']} svar og er slått sammen "
        "etter kommunestørrelse og helseregion."
    )
    return {"reason": str(reason), "members": members}
