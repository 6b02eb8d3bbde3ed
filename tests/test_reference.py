"""The project's reference snapshot (reference/data) against public facts in shared/reference."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REFERENCE_FACTS, require_fixture

from reference import geography as geo
from reference import klass

DATES = {
    2017: "2017-06-01",
    2019: "2019-06-01",
    2020: "2020-06-01",
    2023: "2023-06-01",
    2024: "2024-06-01",
}
YEARS = (2017, 2019, 2020, 2024)


def _shared(name: str) -> pd.DataFrame:
    return pd.read_csv(require_fixture(REFERENCE_FACTS / name), dtype=str, keep_default_na=False)


@pytest.mark.parametrize(
    ("year", "expected"), [(2017, 426), (2019, 422), (2020, 356), (2023, 356), (2024, 357)]
)
def test_code_sets_equal_public_history(year: int, expected: int) -> None:
    hist = _shared("kommuner_history.csv")
    day = DATES[year]
    valid = hist[(hist.gyldig_fra <= day) & ((hist.gyldig_til == "") | (hist.gyldig_til > day))]
    ours = geo.code_list(year)
    assert len(ours) == expected == valid.kommunenr.nunique()
    assert set(ours.code) == set(valid.kommunenr)
    theirs = valid.set_index("kommunenr")
    for row in ours.itertuples():
        assert row.county == theirs.fylkesnr[row.code] == row.code[:2]
        # the public extract keeps only one part of multi-part (Sami/Kven) names
        assert theirs.navn[row.code] in [row.name, *row.name.split(" - ")], row


def test_2019_2020_changes_equal_official_correspondence() -> None:
    corr = _shared("kommuner_2019_2020.csv")
    official = set(zip(corr["Kommunenr. 2019"], corr["Kommunenr. 2020"], strict=True))
    codes_2019 = geo.code_list(2019).code
    via_api = {(c, new) for c in codes_2019 for new in geo.to_code_list(c, 2019, 2020)}
    assert via_api == official
    changes = pd.read_csv(geo.DATA_DIR / "changes.csv", dtype=str)
    graph = changes[changes.change_date == "2020-01-01"]
    assert {(o, n) for o, n in zip(graph.old_code, graph.new_code, strict=True) if o != n} == {
        (o, n) for o, n in official if o != n
    }
    assert set(graph.kind) == {"renumber", "merge", "split"}
    assert set(graph[graph.kind == "split"].old_code) == {"1850", "5012"}


def test_splits_are_never_guessed() -> None:
    assert geo.to_2024("1613", 2017) is None
    assert geo.to_code_list("5012", 2019, 2020) == ["5055", "5056", "5059"]
    assert geo.to_code_list("1850", 2019, 2020) == ["1806", "1875"]
    assert geo.to_2024("1850", 2019) is None
    assert geo.to_2024("1507", 2020) is None
    assert geo.to_code_list("1507", 2020, 2024) == ["1508", "1580"]


def test_merges_and_renumbers_map_forward() -> None:
    assert geo.to_2024("1601", 2017) == "5001"
    assert geo.to_code_list("1601", 2017, 2019) == ["5001"]
    assert geo.to_2024("1662", 2017) == "5001"  # Klæbu: renumbered 2018, merged 2020
    assert geo.to_2024("0301", 2017) == "0301"
    assert geo.to_code_list("1201", 2019, 2020) == ["4601"]
    assert geo.to_2024("1201", 2019) == "4601"
    assert geo.to_code_list("1504", 2019, 2020) == ["1507"]
    assert geo.to_2024("1504", 2019) is None
    assert geo.to_2024("0125", 2017) == "3118"  # Eidsberg -> Indre Østfold -> 3118
    assert geo.to_code_list("0723", 2017, 2019) == ["0729"]  # Tjøme -> Færder (2018)
    assert geo.to_code_list("1567", 2017, 2019) == ["5061"]  # Rindal changed county (2019)
    assert geo.to_code_list("030102", 2021, 2024) == ["030102"]
    assert geo.to_2024("3018", 2020) == "3114"
    with pytest.raises(ValueError):
        geo.to_2024("1201", 2020)


def test_every_unit_has_county_rhf_and_population() -> None:
    pop22 = _shared("befolkning_2022.csv").set_index("nr").befolkning_2022.astype(int)
    for year in YEARS:
        units = [*geo.code_list(year).code, *geo.bydeler().code]
        table = geo.unit_geography(units, year)
        assert len(table) == len(units)
        assert table.rhf_id.isin(["HSO", "HV", "HMN", "HN"]).all()
        assert table.population.notna().all() and (table.population > 0).all()
        assert table.size_class.notna().all()
        assert (table.county_id == [geo.county_of(u, year) for u in units]).all()
    for code in [*geo.code_list(2020).code, *geo.bydeler().code]:
        assert geo.population(code, 2020) == pop22[code]
        assert geo.population(code, 2023) == pop22[code]


def test_rhf_of_counties() -> None:
    expected = {
        "46": "HV",
        "11": "HV",
        "12": "HV",
        "14": "HV",
        "15": "HMN",
        "50": "HMN",
        "16": "HMN",
        "17": "HMN",
        "18": "HN",
        "19": "HN",
        "20": "HN",
        "54": "HN",
        "55": "HN",
        "56": "HN",
        "03": "HSO",
        "30": "HSO",
        "31": "HSO",
        "34": "HSO",
        "38": "HSO",
        "39": "HSO",
        "40": "HSO",
        "42": "HSO",
    }
    assert {c: geo.rhf_of_county(c) for c in expected} == expected
    assert geo.rhf_names() == {
        "HSO": "Helse Sør-Øst",
        "HV": "Helse Vest",
        "HMN": "Helse Midt-Norge",
        "HN": "Helse Nord",
    }


def test_names_match() -> None:
    assert geo.names_match("Bydel Grünerløkka", "030102", 2020)
    assert geo.names_match("  grünerløkka ", "030102", 2020)
    assert geo.names_match("Herøy", "1818", 2020)
    assert geo.names_match("Herøy", "1515", 2020)
    assert geo.names_match("Herøy (Nordland)", "1818", 2020)
    assert not geo.names_match("Herøy (Nordland)", "1515", 2020)
    assert geo.names_match("Hattfjelldal", "1826", 2020)
    assert geo.names_match("Kautokeino", "5430", 2020)
    assert geo.names_match("Kautokeino - Guovdageaidnu", "5430", 2020)
    assert geo.names_match("Guovdageaidnu – Kautokeino", "5430", 2020)
    assert geo.names_match("Våler (Østfold)", "3018", 2020)
    assert not geo.names_match("Våler (Hedmark)", "3018", 2020)
    assert geo.names_match("Bergen kommune", "4601", 2020)
    assert not geo.names_match("Bergen", "1818", 2020)
    assert not geo.names_match("Bergen", "1201", 2020)  # not in the 2020 list
    assert not geo.names_match("", "4601", 2020)


def test_units_names_and_validity() -> None:
    assert geo.is_valid_unit("030117", 2021) and geo.is_valid_unit("030116", 2017)
    assert not geo.is_valid_unit("301", 2019) and geo.normalize_code("301") == "0301"
    assert geo.normalize_code(30102) == "030102"
    assert not geo.is_valid_unit("1201", 2023) and geo.is_valid_unit("1201", 2019)
    assert geo.unit_name("030102", 2021) == "Grünerløkka"
    assert geo.unit_name("1818", 2021) == "Herøy (Nordland)"
    assert geo.county_of("030102", 2021) == "03"
    assert list(geo.bydeler().columns) == ["code", "name", "parent"]
    assert len(geo.bydeler()) == 17
    with pytest.raises(ValueError):
        geo.unit_name("1601", 2020)


def test_unit_geography_columns() -> None:
    out = geo.unit_geography(["030102", "1507", "4601", "030102"], 2021)
    assert list(out.columns) == [
        "unit_id",
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
    assert list(out.unit_id) == ["030102", "1507", "4601"]
    byd, aal, bgn = (out.iloc[i] for i in range(3))
    assert (byd.unit_type, byd.kommune_id, byd.kommune_id_2024) == ("bydel", "0301", "0301")
    assert aal.kommune_id_2024 is None and aal.split_2024
    assert bgn.kommune_id_2024 == "4601" and not bgn.split_2024 and bgn.rhf_id == "HV"
    with pytest.raises(ValueError, match="1201"):
        geo.unit_geography(["1201"], 2021)


def test_size_classes() -> None:
    assert [geo.size_class(n) for n in (0, 4999, 5000, 19999, 20000, 49999, 50000)] == [
        "s1_under_5000",
        "s1_under_5000",
        "s2_5000_19999",
        "s2_5000_19999",
        "s3_20000_49999",
        "s3_20000_49999",
        "s4_50000_plus",
    ]
    labels = geo.size_class_labels()
    assert labels["s1_under_5000"] == "under 5 000 innbyggere"
    assert labels["s4_50000_plus"] == "50 000 innbyggere og over"
    assert geo.size_class(1500, (1000, 3000)) == "s2_1000_2999"


def test_population_sources_are_declared() -> None:
    pop = pd.read_csv(geo.DATA_DIR / "population.csv", dtype=str)
    assert set(pop.source) <= {"ssb_2022", "ssb_2022_same_unit", "approx_recalled"}
    assert not pop.duplicated(["code", "code_list_year"]).any()


def test_klass_parsing_of_canned_responses() -> None:
    codes = {
        "codes": [
            {
                "code": "5001",
                "name": "Trondheim",
                "validFromInRequestedRange": "2018-01-01",
                "validToInRequestedRange": "2025-01-01",
            },
            {
                "code": "5030",
                "name": "Klæbu",
                "validFromInRequestedRange": "2018-01-01",
                "validToInRequestedRange": "2020-01-01",
            },
            {
                "code": "5012",
                "name": "Snillfjord",
                "validFromInRequestedRange": "2018-01-01",
                "validToInRequestedRange": "2020-01-01",
            },
        ]
    }
    mun = klass.parse_codes(codes, end="2025-01-01")
    assert list(mun.columns) == ["code", "name", "valid_from", "valid_to"]
    assert mun.set_index("code").valid_to.to_dict() == {
        "5001": "",
        "5012": "2020-01-01",
        "5030": "2020-01-01",
    }
    changes = {
        "codeChanges": [
            {"oldCode": "5030", "newCode": "5001", "changeOccurred": "2020-01-01"},
            {"oldCode": "5012", "newCode": "5055", "changeOccurred": "2020-01-01"},
            {"oldCode": "5012", "newCode": "5056", "changeOccurred": "2020-01-01"},
            {"oldCode": "5001", "newCode": "5001", "changeOccurred": "2023-01-01"},
        ]
    }
    kinds = klass.classify_changes(klass.parse_changes(changes), mun)
    assert list(kinds.itertuples(index=False, name=None)) == [
        ("2020-01-01", "5001", "5001", "merge"),
        ("2020-01-01", "5012", "5055", "split"),
        ("2020-01-01", "5012", "5056", "split"),
        ("2020-01-01", "5030", "5001", "merge"),
    ]
    client = klass.KlassClient(cache_dir="/nonexistent")
    url = client.url("classifications/131/codes", {"to": "2024-01-01", "from": "2017-01-01"})
    assert url == (
        "https://data.ssb.no/api/klass/v1/classifications/131/codes?from=2017-01-01&to=2024-01-01"
    )
