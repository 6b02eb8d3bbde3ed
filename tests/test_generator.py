"""The delivery generator: formats, sizes, calibration, anomalies and truth, new waves."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from generator import generate
from generator.cli import main
from generator.naming import NamingError
from generator.truth import read_files_table
from schemas import codebook as cb
from schemas.codebook import codebook_for, normalize_code, normalize_label
from schemas.questionnaire import questionnaire

SIZES = {2017: (20, 491), 2019: (45, 1336), 2021: (64, 1121), 2023: (53, 783)}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("dirty"), anomalies=True)


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read_raw(path: Path, book) -> tuple[pd.DataFrame, dict]:
    """A delivery as raw text-ish cells (a minimal reader, for checking the generator only)."""
    if book.format == "spss":
        frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
        return frame, meta.variable_value_labels
    if book.format == "csv":
        data = path.read_bytes()
        encoding = (
            book.reader["bom_encoding"] if data[:3] == b"\xef\xbb\xbf" else book.reader["encoding"]
        )
        text = data.decode(encoding)
        from io import StringIO

        frame = pd.read_csv(
            StringIO(text), sep=book.reader["separator"], dtype=str, keep_default_na=False
        )
        return frame, {}
    frame = pd.read_excel(
        path, sheet_name=book.reader["sheet"], header=book.reader["header_row"] - 1, dtype=object
    )
    return frame.dropna(how="all").reset_index(drop=True), {}


def blank(value) -> bool:
    return (
        value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""
    )


def decode(book, frame: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """Harmonize the values-variables with the codebook (skip logic applied), as strings."""
    out = {}
    for raw, var in book.variables.items():
        if var.type != "values":
            continue
        vs = book.value_sets[var.values]

        def one(x, raw=raw, vs=vs):
            if blank(x):
                return vs.blank
            if book.format == "spss" and vs.match == "labels":
                x = labels[raw][x]
            token = normalize_code(x) if vs.match == "codes" else normalize_label(x)
            known, value = vs.harmonize(token)
            assert known, (raw, x)
            return value

        out[var.to] = [one(x) for x in frame[raw]]
    result = pd.DataFrame(out)
    for rule in book.skip_logic:
        if rule.filter in result:
            for item in rule.items:
                if item in result:
                    result.loc[result[rule.filter] == rule.closed_value, item] = "ikke_aktuelt"
    return result.astype(str)


def test_same_seed_gives_identical_files(clean, tmp_path):
    again = generate(tmp_path / "again")
    assert tree_hashes(again.out_dir) == tree_hashes(clean.out_dir)
    other = generate(tmp_path / "other", waves=[2023], seed=7)
    first = clean.out_dir / "truth" / "manifest.json"
    assert (other.out_dir / "truth" / "manifest.json").read_text() != first.read_text()


def test_default_sizes_and_layout(clean):
    files = read_files_table(clean.out_dir)
    assert not (clean.out_dir / "late").exists()
    assert set(files.expected_status) == {"accepted"} and set(files.quirks) == {""}
    for wave, (n_units, n_resp) in SIZES.items():
        w = clean.waves[wave]
        assert (len(w.units), w.respondents.n) == (n_units, n_resp)
        rows = files[files.wave == str(wave)]
        assert len(rows) == n_units and rows.n_rows.astype(int).sum() == n_resp
        assert sum(u.n < 10 for u in w.units) >= 3
    bydeler = [u.code for u in clean.waves[2021].units if u.kind == "bydel"]
    assert bydeler and all(re.fullmatch(r"0301\d\d", c) for c in bydeler)
    assert "0301" in {u.code for u in clean.waves[2019].units}
    manifest = (clean.out_dir / "truth" / "manifest.json").read_text()
    for path in files.path:
        assert (clean.out_dir / path).is_file() and path in manifest


def test_file_names_match_codebook_patterns(dirty):
    for rec in dirty.files:
        match = codebook_for(rec.wave).file_name_pattern.match(rec.name)
        assert match and match.group("unit") == rec.unit, rec.path
        assert rec.path.startswith(("late/" if rec.is_late else "landing/") + str(rec.wave))


def test_spss_2017_reversed_scale_and_user_missing(clean):
    path = clean.out_dir / "landing/2017/BTE2017_0301.sav"
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert meta.variable_value_labels["v11"][1.0] == "I svært stor grad"
    assert meta.variable_value_labels["v11"][5.0] == "I svært liten grad"
    assert meta.missing_ranges["v40"] == [{"lo": 8.0, "hi": 8.0}, {"lo": 9.0, "hi": 9.0}]
    assert meta.variable_value_labels["kommune"] == {301.0: "Oslo"}
    assert set(frame.kommune) == {301.0} and list(frame.lopenr) == list(range(1, len(frame) + 1))
    assert {8.0, 9.0} <= set(frame.v11.dropna())  # visible with user_missing=True
    assert frame.v11.isna().any()  # system-missing = not answered
    assert frame.v5.str.fullmatch(r"[1-6](,[1-6])*").all()
    plain, _ = pyreadstat.read_sav(str(path))
    assert not plain.v11.isin([8.0, 9.0]).any()


def test_csv_2019_and_2023_and_xlsx_2021_formats(clean):
    raw = (clean.out_dir / "landing/2019/bte_2019_0301.csv").read_bytes()
    assert b"\r\n" in raw and not raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(
        clean.out_dir / "landing/2019/bte_2019_0301.csv", sep=";", encoding="cp1252", dtype=str
    )
    assert set(frame.Kommunenr) == {"301"} and "I svært stor grad" in set(frame.S40)
    assert frame.Fodselsaar.dropna().astype(int).between(1900, 2001).all()
    path = next((clean.out_dir / "landing/2023").glob("kommune_0301*.csv"))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert frame.kommunenr.str.fullmatch(r"0301\d\d").all()
    assert set(frame.samlet_fornoyd) <= {"", "1", "2", "3", "4", "5", "98", "99"}
    iso = r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00"
    assert frame.submitted_at.str.fullmatch(iso).all()
    path = next((clean.out_dir / "landing/2021").glob("Brukerundersokelse_2021_0301*.xlsx"))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Data"]
    rows = list(wb["Data"].iter_rows(values_only=True))
    header = list(rows[1])
    assert header[:3] == ["ID", "Kommune", "Dato"]
    wording = questionnaire().degree_items["access_help_when_needed"]["wording"]
    assert rows[0][header.index("T1")] == wording
    assert rows[2][1].startswith("Bydel ") and re.fullmatch(r"\d\d\.\d\d\.2021", rows[2][2])
    assert wb.properties.created == wb.properties.modified


@pytest.mark.parametrize("wave", sorted(SIZES))
def test_files_harmonize_back_to_the_model(clean, wave):
    book = codebook_for(wave)
    w = clean.waves[wave]
    truth = w.harmonized()
    for i in (0, len(w.units) // 2, len(w.units) - 1):
        unit = w.units[i]
        rec = next(r for r in clean.files if r.wave == wave and r.unit == unit.code)
        frame, labels = read_raw(clean.out_dir / rec.path, book)
        decoded = decode(book, frame, labels)
        expected = truth[truth.unit == unit.code].reset_index(drop=True)
        for col in decoded:
            assert list(decoded[col]) == list(expected[col].astype(str)), (rec.path, col)
        ages = expected.get("age_years")
        for raw, var in book.variables.items():
            if var.type in ("birth_year", "integer"):
                got = pd.to_numeric(frame[raw].replace("", None))
                years = var.reference_year - got if var.type == "birth_year" else got
                assert list(years.fillna(-1).astype(int)) == list(ages.fillna(-1).astype(int))


def test_calibrated_to_national_figures(clean):
    def share(s, values):
        valid = s[s.isin([1, 2, 3, 4, 5])]
        return valid.isin(values).mean()

    h = {w: clean.waves[w].harmonized() for w in SIZES}
    assert share(h[2017].overall_satisfied, [4, 5]) == pytest.approx(0.54, abs=0.02)
    assert share(h[2019].overall_satisfied, [4, 5]) == pytest.approx(0.60, abs=0.02)
    assert share(h[2021].overall_satisfied, [4, 5]) == pytest.approx(0.63, abs=0.02)
    assert share(h[2019].access_help_when_needed, [4, 5]) == pytest.approx(0.54, abs=0.02)
    assert (h[2019].gender == "mann").mean() == pytest.approx(0.69, abs=0.02)
    rs = h[2021].relatives_supported
    assert (rs == "ikke_aktuelt").mean() == pytest.approx(0.36, abs=0.02)
    assert share(rs, [4, 5]) == pytest.approx(0.20, abs=0.02)
    assert share(rs, [1, 2]) == pytest.approx(0.59, abs=0.02)
    assert share(h[2017].relatives_involved, [1, 2]) == pytest.approx(0.46, abs=0.02)
    assert "coping_everyday" not in h[2017] and "digital_contact" not in h[2021]
    by_unit = h[2019][h[2019].overall_satisfied.isin([1, 2, 3, 4, 5])].groupby("unit")
    assert by_unit.overall_satisfied.apply(lambda s: s.isin([4, 5]).mean()).std() > 0.03


def test_anomalies_are_planted_and_listed_in_truth(dirty):
    files = read_files_table(dirty.out_dir)
    quirks = {w: ",".join(files[files.wave == str(w)].quirks) for w in SIZES}
    reasons = {w: set(files[files.wave == str(w)].expected_reason) for w in SIZES}
    for wave in SIZES:
        assert {"unit_mismatch", "unit_not_in_code_list"} <= reasons[wave]
        for q in ("exact_duplicate", "conflicting_respondent_id", "skip_answered_anyway"):
            assert q in quirks[wave], (wave, q)
        late = files[(files.wave == str(wave)) & (files.is_late == "True")]
        korr = late[late.supersedes != ""]
        assert len(korr) == 1 and korr.name.iloc[0].endswith(
            ("_korr1.sav", "_korr1.csv", "_korr1.xlsx")
        )
        assert (files.superseded_by_path == korr.path.iloc[0]).sum() == 1
    assert "unreadable_file" in reasons[2017] and "empty_file" in reasons[2021]
    assert "code_list_spaces" in quirks[2017] and "utf8_bom" in quirks[2019]
    assert "label_case_and_spacing" in quirks[2019]
    assert "age_out_of_range" in quirks[2019] and "age_out_of_range" in quirks[2021]
    assert "out_of_range" in quirks[2021] and "out_of_range" in quirks[2023]
    for q in ("dato_as_excel_date", "extra_sheet_before_data", "trailing_empty_rows"):
        assert q in quirks[2021]
    for name in ("free_text_canaries",):
        assert name in quirks[2019] and name in quirks[2021] and name in quirks[2023]
    counts = files[["n_rows", "expected_rows_accepted", "expected_rows_quarantined"]]
    readable = files[files.n_rows != ""]
    total = (
        readable.expected_rows_accepted.astype(int)
        + readable.expected_rows_quarantined.astype(int)
        + readable.expected_rows_duplicate.astype(int)
    )
    assert (total == readable.n_rows.astype(int)).all() and len(counts) == len(files)


def test_truth_agrees_with_the_files(dirty):
    """Row counts, duplicates, conflicting ids, planted values: as the files show them."""
    raw_text = []
    for rec in dirty.files:
        book = codebook_for(rec.wave)
        path = dirty.out_dir / rec.path
        if rec.expected_reason == "unreadable_file":
            with pytest.raises(pyreadstat.ReadstatError):
                pyreadstat.read_sav(str(path))
            continue
        frame, _ = read_raw(path, book)
        assert len(frame) == rec.n_rows, rec.path
        key = frame.astype(str)
        assert int(key.duplicated().sum()) == rec.expected_rows_duplicate, rec.path
        ids = key.drop_duplicates()[book.respondent_id]
        conflicting = int(ids.duplicated(keep=False).sum())
        assert conflicting == (2 if "conflicting_respondent_id" in rec.quirks else 0), rec.path
        if "utf8_bom" in rec.quirks:
            assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        if "age_out_of_range" in rec.quirks:
            assert {"1899", "121"} & set(key.to_numpy().ravel())
        if rec.expected_reason == "unit_mismatch" and book.unit_column:
            assert normalize_code(key[book.unit_column].iloc[0]).zfill(4) == rec.unit_in_content
        if book.free_text:
            raw_text += [str(t) for t in frame[book.free_text[0]] if not blank(t)]
    canaries = (dirty.out_dir / "truth" / "canaries.txt").read_text(encoding="utf-8").split("\n")
    canaries = [c for c in canaries if c]
    assert len(canaries) >= 10
    assert all(any(c in t for t in raw_text) for c in canaries)
    assert any("\n" in t for t in raw_text) and any('"' in t for t in raw_text)
    truth_table = (dirty.out_dir / "truth" / "files.csv").read_text(encoding="utf-8")
    assert not any(c in truth_table for c in canaries)
    xlsx = next(r for r in dirty.files if "dato_as_excel_date" in r.quirks)
    wb = openpyxl.load_workbook(dirty.out_dir / xlsx.path)
    assert wb.sheetnames[-1] == "Data" and len(wb.sheetnames) == 2
    assert wb["Data"].cell(3, 3).is_date
    empty = next(r for r in dirty.files if r.expected_reason == "empty_file")
    assert openpyxl.load_workbook(dirty.out_dir / empty.path)["Data"].max_row == 2


def test_scale_units_all_and_respondents(tmp_path):
    result = generate(tmp_path / "all", waves=[2023], units="all", respondents=4000)
    w = result.waves[2023]
    munis = [u for u in w.units if u.kind == "kommune"]
    assert w.respondents.n == 4000 and len(munis) == 355 and "0301" not in {u.code for u in munis}
    half = generate(tmp_path / "half", waves=[2019], scale=0.5)
    assert half.waves[2019].respondents.n == 668 and len(half.waves[2019].units) == 45


def test_cli(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--waves", "2019", "--scale", "0.1", "--anomalies"]) == 0
    assert "wave 2019" in capsys.readouterr().out
    assert (tmp_path / "truth" / "files.csv").is_file() and any((tmp_path / "late/2019").iterdir())


CODEBOOK_2027 = (Path(__file__).parent / "data" / "codebook_2027.yaml").read_text(encoding="utf-8")


def test_new_wave_from_its_codebook_alone(tmp_path, monkeypatch):
    folder = tmp_path / "codebooks"
    folder.mkdir()
    (folder / "2027.yaml").write_text(CODEBOOK_2027, encoding="utf-8")
    monkeypatch.setenv(cb.CODEBOOK_PATH_ENV, str(folder))
    cb._load_all.cache_clear()
    try:
        result = generate(tmp_path / "out", waves=[2027], anomalies=True)
        book = codebook_for(2027)
        w = result.waves[2027]
        assert len(w.units) == 12 and w.respondents.n == 300
        assert any(u.code == "030101" or u.kind == "bydel" for u in w.units)
        for rec in result.files:
            assert book.file_name_pattern.match(rec.name), rec.name
        rec = next(r for r in result.files if not r.quirks and not r.is_late)
        frame, _ = read_raw(result.out_dir / rec.path, book)
        assert list(frame.columns) == [
            "rid",
            "knr",
            "alder",
            "dogn",
            "oppfolging",
            "fornoyd",
            "digital",
            "fritekst",
        ]
        assert set(frame.fornoyd) <= {"", "1", "2", "3", "4", "5", "8", "9"}
        decoded = decode(book, frame, {})
        expected = w.harmonized()
        expected = expected[expected.unit == rec.unit].reset_index(drop=True)
        assert list(decoded.overall_satisfied) == list(expected.overall_satisfied.astype(str))
        bare = CODEBOOK_2027.replace("  file_name_template: 'bes2027_{unit}.csv'\n", "")
        (folder / "2027.yaml").write_text(bare, encoding="utf-8")
        cb._load_all.cache_clear()
        with pytest.raises(NamingError, match="file_name_template"):
            generate(tmp_path / "bare", waves=[2027])
    finally:
        monkeypatch.delenv(cb.CODEBOOK_PATH_ENV)
        cb._load_all.cache_clear()
