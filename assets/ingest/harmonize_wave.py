"""Join a wave's decoded units into the harmonized responses: geography, keys, one schema."""

from __future__ import annotations

import hashlib
import os

import pandas as pd

from reference import geography
from schemas.harmonized import harmonized_columns, harmonized_schema

PSEUDONYM_KEY_ENV = "BRUKERSTEMME_PSEUDONYM_KEY"
# The documented development key, used only with this opt-in (`brukerstemme demo`, the tests).
DEFAULT_PSEUDONYM_KEY = "brukerstemme-development-key"
ALLOW_DEVELOPMENT_KEY_ENV = "BRUKERSTEMME_ALLOW_DEVELOPMENT_KEY"
GEOGRAPHY_COLUMNS = [
    "unit_type",
    "unit_name",
    "kommune_id",
    "kommune_id_2024",
    "split_2024",
    "county_id",
    "rhf_id",
    "population",
    "size_class",
]


class MissingPseudonymKey(RuntimeError):
    """No secret for the respondent keys, and the development key was not asked for."""


def pseudonym_key() -> bytes:
    """The secret of the respondent keys: BRUKERSTEMME_PSEUDONYM_KEY, never a silent default.

    The development key is used only when BRUKERSTEMME_ALLOW_DEVELOPMENT_KEY=1 (set by
    `brukerstemme demo` and the tests), so real deliveries never get keys anyone can recompute.
    """
    secret = os.environ.get(PSEUDONYM_KEY_ENV, "")
    if secret:
        return secret.encode("utf-8")[:64]
    if os.environ.get(ALLOW_DEVELOPMENT_KEY_ENV) == "1":
        return DEFAULT_PSEUDONYM_KEY.encode("utf-8")
    raise MissingPseudonymKey(
        f"{PSEUDONYM_KEY_ENV} is not set: set it to a long random secret (keep it out of the "
        f"repository; the same secret gives the same respondent keys), e.g. "
        f"`export {PSEUDONYM_KEY_ENV}=$(openssl rand -hex 32)`; for synthetic data only, "
        f"{ALLOW_DEVELOPMENT_KEY_ENV}=1 uses the documented development key"
    )


def respondent_keys(wave: int, units: pd.Series, ids: pd.Series) -> pd.Series:
    """Stable pseudonymous keys: keyed BLAKE2b (a MAC) of wave, unit and the vendor's id.

    The same respondent in the same delivery always gets the same key; without the secret key
    nobody can recompute it from a vendor id. Plain text (`str`): a key is unique per row.
    """
    keyed = hashlib.blake2b(key=pseudonym_key(), digest_size=8)  # the key's block once

    def key(text: str) -> str:
        mac = keyed.copy()
        mac.update(text.encode())
        return mac.hexdigest()

    keys = [
        key(f"{wave}|{u}|{i}")
        for u, i in zip(units.astype(object).tolist(), ids.astype(object).tolist(), strict=True)
    ]
    return pd.Series(keys, dtype="str", index=units.index)


def harmonize_wave(
    decoded: pd.DataFrame, wave: int, code_list_year: int, validate: bool = True
) -> pd.DataFrame:
    """Harmonized responses of one wave from the concatenated decoded units, validated by the
    harmonized Pandera schema (raises SchemaErrors) unless `validate` is False: the caller
    then validates them itself (harmonized_schema().validate(frame, lazy=True))."""
    columns = harmonized_columns()
    if decoded.empty:
        return harmonized_schema().validate(_empty(columns))
    frame = decoded.assign(wave=wave)
    # units in code order, so that sorting by unit_id sorts by its text
    units = frame["unit_id"].astype("category")
    units = units.cat.reorder_categories(sorted(units.cat.categories))
    frame["unit_id"] = units
    # each unit's geography once, then taken by the unit's category code (no merge of rows)
    geo = geography.unit_geography(list(units.cat.categories), code_list_year)
    codes = units.cat.codes.to_numpy()
    if (codes < 0).any():  # every decoded row names its unit (the delivery's file name)
        raise ValueError(f"wave {wave}: {int((codes < 0).sum())} decoded rows have no unit_id")
    for name, values in _types(geo[GEOGRAPHY_COLUMNS]).items():
        frame[name] = values.take(codes).set_axis(frame.index)
    frame["respondent_key"] = respondent_keys(wave, frame["unit_id"], frame["respondent_id"])
    frame = _types(frame[columns])
    frame = frame.sort_values(["unit_id", "source_row"], kind="stable").reset_index(drop=True)
    return harmonized_schema().validate(frame, lazy=True) if validate else frame


def _types(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast the schema's columns in `frame` to its dtypes (text columns are categorical)."""
    schema = harmonized_schema()
    out = {}
    for name, series in frame.items():
        dtype = schema.columns[name].dtype.type  # the pandas dtype Pandera checks for
        if isinstance(dtype, pd.CategoricalDtype):
            out[name] = (
                series
                if isinstance(series.dtype, pd.CategoricalDtype)
                else (series.astype(object).astype("category"))
            )
        else:
            out[name] = series.astype(dtype)
    return pd.DataFrame(out, index=frame.index)


def _empty(columns: list[str]) -> pd.DataFrame:
    schema = harmonized_schema()
    return pd.DataFrame({c: pd.Series(dtype=schema.columns[c].dtype.type) for c in columns})
