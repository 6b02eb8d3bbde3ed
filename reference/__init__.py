"""Reference geography: the project's own municipality classification snapshot and its API."""

from reference.geography import (
    bydeler,
    code_list,
    county_of,
    is_valid_unit,
    names_match,
    normalize_code,
    population,
    rhf_names,
    rhf_of_county,
    size_class,
    size_class_labels,
    to_2024,
    to_code_list,
    unit_geography,
    unit_name,
)

__all__ = [
    "bydeler",
    "code_list",
    "county_of",
    "is_valid_unit",
    "names_match",
    "normalize_code",
    "population",
    "rhf_names",
    "rhf_of_county",
    "size_class",
    "size_class_labels",
    "to_2024",
    "to_code_list",
    "unit_geography",
    "unit_name",
]
