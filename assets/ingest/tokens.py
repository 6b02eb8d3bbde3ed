"""Normalize raw text cells into the tokens a codebook's value sets and rules compare.

Codes become canonical text ("4.0" → "4"), labels are trimmed, whitespace-collapsed and case
folded (DELIVERY.md §3.4). Columns are categorical, so every function here works once per
distinct value and broadcasts through the category codes: a million rows cost little.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from schemas.categorical import map_categories
from schemas.codebook import Codebook, Variable, normalize_code, normalize_label


def _normalizer(codebook: Codebook, variable: Variable) -> Callable[[object], str]:
    if variable.type == "values":
        match = codebook.value_sets[variable.values].match
        return normalize_code if match == "codes" else normalize_label
    if variable.type == "code_list":
        return lambda v: ",".join(normalize_code(p) for p in str(v).split(variable.separator))
    if variable.type in ("birth_year", "integer"):
        return normalize_code
    return lambda v: str(v).strip()


def tokenize(frame: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """A copy of the raw frame whose mapped and identifying columns hold normalized tokens."""
    tokens = frame.copy()
    for name, variable in codebook.variables.items():
        if name in tokens.columns:
            tokens[name] = map_categories(tokens[name], _normalizer(codebook, variable))
    for column in (codebook.unit_column, codebook.respondent_id):
        if column and column in tokens.columns:
            tokens[column] = map_categories(tokens[column], lambda v: str(v).strip())
    return tokens
