"""The respondent model: synthetic answers in harmonized terms, vectorised and seeded.

A `Respondents` holds one array per harmonized target of a wave's codebook, as what the respondent
wrote (a filtered item left empty is blank here; the pipeline turns it into ikke_aktuelt):
- degree items: int8 index into calibration.DEGREE_VALUES (0 blank, 1–5, 6 vet_ikke, 7 ikke_aktuelt)
- categorical items (and channel): int8 index into `values[target]`
- service_1…6: bool; age_years: int16 (-1 = blank); response_date: datetime64[s], local time
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from generator import calibration as cal
from schemas.codebook import Codebook
from schemas.questionnaire import questionnaire

# Fieldwork (local time) where the codebook has no delivery.fieldwork: [start, end].
DEFAULT_FIELDWORK = ("{wave}-09-01", "{wave}-11-30")
SKIPPED_ASKED_ANYWAY = 0.5  # a filtered item is answered this often when the filter is blank
CATEGORICAL_ORDER = (
    "lar",
    "main_activity",
    "inpatient_last_2y",
    "has_children_u18",
    "children_talk_offered",
    "channel",
)


@dataclass
class Respondents:
    wave: int
    sizes: list[int]
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    values: dict[str, tuple] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(sum(self.sizes))

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)

    def unit_rows(self, i: int) -> slice:
        off = self.offsets
        return slice(int(off[i]), int(off[i + 1]))


def allowed_values(book: Codebook) -> dict[str, set[str]]:
    """Harmonized values (as text) each values-variable of the codebook can express."""
    out: dict[str, set[str]] = {}
    for var in book.variables.values():
        if var.type == "values" and var.values:
            out[var.to] = {str(v) for v in book.value_sets[var.values].labels.values()}
    return out


def fieldwork(book: Codebook) -> tuple[np.datetime64, np.datetime64]:
    period = book.delivery.get("fieldwork") or DEFAULT_FIELDWORK
    start, end = (str(p).format(wave=book.wave) for p in period)
    return np.datetime64(start, "s"), np.datetime64(end, "s") + np.timedelta64(1, "D")


def simulate(book: Codebook, sizes: list[int], rng: np.random.Generator) -> Respondents:
    """Respondents for units of the given sizes (rows ordered by unit)."""
    resp = Respondents(book.wave, [int(s) for s in sizes])
    n, wave = resp.n, book.wave
    targets = book.harmonized_targets()
    allowed = allowed_values(book)
    unit_of_row = np.repeat(np.arange(len(sizes)), resp.sizes)
    person = rng.standard_normal(n)
    unit_effect = rng.standard_normal(len(sizes))
    if n:
        unit_effect -= np.average(unit_effect, weights=np.maximum(resp.sizes, 0) + 1e-9)
    unit_effect = unit_effect[unit_of_row]

    def pick(name: str, probs: dict[str, float]) -> None:
        keys = tuple(probs)
        resp.values[name] = keys
        resp.columns[name] = exact_choice(np.array([probs[k] for k in keys]), n, rng)

    if "gender" in targets:
        pick("gender", cal.gender_probabilities(wave, allowed.get("gender", set())))
    age = np.clip(np.rint(rng.normal(43, 12.5, n)), 18, 88).astype(np.int16)
    age[rng.random(n) < 0.01] = -1
    resp.columns["age_years"] = age
    if "age_band" in targets:
        band = cal.age_band(np.maximum(age, 18)).astype(np.int8)
        resp.values["age_band"] = (*(b for _, b in cal.AGE_BANDS), "ubesvart")
        band[age < 0] = len(cal.AGE_BANDS)
        resp.columns["age_band"] = band
    for item in CATEGORICAL_ORDER:
        if item in targets:
            pick(item, cal.categorical_probabilities(item, allowed.get(item, set())))
    services = [s for s in questionnaire().services if s in targets]
    if services:
        ticked = rng.random((n, len(cal.SERVICE_SHARES))) < np.array(cal.SERVICE_SHARES)
        none = ~ticked.any(axis=1)
        ticked[none, rng.integers(0, 3, int(none.sum()))] = True
        for s in services:
            resp.columns[s] = ticked[:, int(s.rsplit("_", 1)[1]) - 1]
    if "response_date" in targets:
        start, end = fieldwork(book)
        span = int((end - start) / np.timedelta64(1, "s"))
        days = rng.integers(0, max(span // 86400, 1), n)
        secs = rng.integers(7 * 3600, 23 * 3600, n)
        resp.columns["response_date"] = start + (days * 86400 + secs).astype("timedelta64[s]")
    for item in questionnaire().degree_items:
        if item in targets:
            resp.columns[item] = _degree(item, wave, person, unit_effect, rng)
    _apply_skip_logic(book, resp, rng)
    return resp


def exact_choice(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws (int8 indices) whose counts match the probabilities p as closely as possible."""
    share = p / p.sum() * n
    counts = np.floor(share).astype(np.int64)
    extra = n - int(counts.sum())
    counts[np.argsort(-(share - counts), kind="stable")[:extra]] += 1
    return rng.permutation(np.repeat(np.arange(len(p), dtype=np.int8), counts))


def _degree(item, wave, person, unit_effect, rng) -> np.ndarray:
    """Answer kinds in exact proportions; answers cut from a latent score at its empirical
    quantiles, so the national shares hit the target at any size and units still differ."""
    target = cal.degree_target(item, wave)
    n = len(person)
    latent = (
        cal.PERSON_WEIGHT * person
        + cal.UNIT_WEIGHT * unit_effect
        + cal.NOISE_WEIGHT * rng.standard_normal(n)
    )
    kinds = {
        cal.BLANK: target["blank"],
        cal.VET_IKKE: target["vet_ikke"],
        cal.IKKE_AKTUELT: target["ikke_aktuelt"],
    }
    p = np.array([*kinds.values(), max(0.0, 1.0 - sum(kinds.values()))])
    kind = exact_choice(p, n, rng)
    answer = np.array([*kinds, 0], dtype=np.int8)[kind]
    valid = kind == len(kinds)
    if valid.any():
        cuts = np.quantile(latent[valid], cal.scale_cumulative(target))
        answer[valid] = 1 + np.searchsorted(cuts, latent[valid])
    return answer


def _apply_skip_logic(book: Codebook, resp: Respondents, rng: np.random.Generator) -> None:
    """Filtered items are left blank when the filter is closed, often when it is blank."""
    for rule in book.skip_logic:
        if rule.filter not in resp.values:
            continue
        values = resp.values[rule.filter]
        col = resp.columns[rule.filter]
        closed = col == values.index(rule.closed_value)
        if "ubesvart" in values:
            unknown = col == values.index("ubesvart")
            closed |= unknown & (rng.random(resp.n) >= SKIPPED_ASKED_ANYWAY)
        for item in rule.items:
            if item not in resp.columns:
                continue
            blank = resp.values[item].index("ubesvart") if item in resp.values else cal.BLANK
            resp.columns[item][closed] = blank


def harmonized_frame(book: Codebook, resp: Respondents, rows: slice | None = None) -> pd.DataFrame:
    """What a correct pipeline makes of the clean answers: harmonized values, skip logic applied."""
    rows = rows or slice(0, resp.n)
    out: dict[str, object] = {}
    degree = np.array(cal.DEGREE_VALUES, dtype=object)
    for target in sorted(book.harmonized_targets()):
        col = resp.columns.get(target)
        if col is None:
            continue
        col = col[rows]
        if target in resp.values:
            out[target] = np.array(resp.values[target], dtype=object)[col]
        elif target in questionnaire().degree_items:
            out[target] = degree[col]
        elif target == "age_years":
            out[target] = pd.array(np.where(col < 0, 0, col), dtype="Int16")
            out[target][col < 0] = pd.NA
        else:
            out[target] = col
    frame = pd.DataFrame(out)
    for rule in book.skip_logic:
        if rule.filter in frame:
            closed = frame[rule.filter] == rule.closed_value
            for item in rule.items:
                if item in frame:
                    frame.loc[closed, item] = "ikke_aktuelt"
    return frame


def fixed_timestamp(wave: int) -> datetime:
    """The document timestamp written into every file of a wave (keeps files byte-identical)."""
    return datetime(wave if wave < 2100 else 2100, 12, 1, 12, 0, 0)
