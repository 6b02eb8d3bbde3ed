"""The audit trail's pure parts on small hand-made tables (no pipeline run).

The trail of real published runs (a correction that supersedes, a held delivery, a corrupted
archive file, the command line and the PROV-JSON) is tested on test_editions.py's history:
tests/audit_trail_cases.py.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from prov.model import ProvDocument

from assets.audit import trail as t
from assets.audit.prov_export import ProvValidationError, validate
from assets.content_hash import content_hash
from assets.storage import write_parquet
from quality.disclosure import DisclosureConfig

LOG_COLUMNS = ["wave", "edition", "unit_type", "unit_id", "indicator_id", "measure", "rule",
               "detail"]  # fmt: skip


def _log(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame([(2023, "preliminary", *r) for r in rows], columns=LOG_COLUMNS)


def _cell(**kw) -> pd.Series:
    base = dict(unit_type="kommune", unit_id="4601", indicator_id="overall_satisfied")
    base |= dict(measure="share_positive", suppressed=True, suppression_reason="secondary_group")
    return pd.Series({**base, **kw})


def test_a_complement_names_the_primary_figure_it_protects() -> None:
    log = _log(
        ("kommune", "1515", None, None, "unit_pooled", "Herøy har færre enn 10 svar."),
        ("kommune", "4601", None, None, "secondary_group",
         "Komplementær skjuling (kostnad 460) for at tallene for enhetene 1515 (under 10 svar) "
         "ikke skal kunne regnes ut ved subtraksjon."),
    )  # fmt: skip
    decision, checks = t.suppression_decision(_cell(), log, DisclosureConfig())
    assert decision["rule"] == "secondary_group" and decision["complement"]
    assert decision["thresholds"] == {"differencing_threshold": 10}
    assert decision["protects"] == [
        {"unit_type": "kommune", "unit_id": "1515", "rule": "unit_pooled"}
    ]
    assert all(c.ok for c in checks)


def test_an_interval_audit_complement_names_its_figure() -> None:
    detail = (
        "Komplementær skjuling (county, kostnad 3) for å beskytte pool pool-2023-alle "
        "(respondents): intervallrevisjonen fant at verdien ellers kunne regnes ut."
    )
    log = _log(("rhf", "HV", "overall_satisfied", "share_positive", "secondary_cell", detail))
    cell = _cell(unit_type="rhf", unit_id="HV", suppression_reason="secondary_cell")
    decision, _ = t.suppression_decision(cell, log, DisclosureConfig(differencing_threshold=12))
    assert decision["scope"] == "cell" and decision["thresholds"] == {"differencing_threshold": 12}
    assert decision["protects"] == [
        {"unit_type": "pool", "unit_id": "pool-2023-alle", "rule": None}
    ]


def test_a_withheld_cell_without_a_log_entry_fails_the_trail() -> None:
    log = _log(("kommune", "4601", None, None, "unit_pooled", "x"))
    decision, checks = t.suppression_decision(_cell(), log, DisclosureConfig())
    failed = [c for c in checks if c.blocking and not c.ok]
    assert [c.name for c in failed] == ["suppression_logged"]
    assert decision["other_log_entries"] == ["unit_pooled"]


def test_a_shown_cell_has_no_suppression_decision() -> None:
    cell = _cell(suppressed=False, suppression_reason=None)
    assert t.suppression_decision(cell, _log(), DisclosureConfig()) == (None, [])


def test_every_rule_code_of_the_disclosure_module_has_thresholds() -> None:
    from quality.disclosure import PRIMARY_GROUP_RULES

    known = set(t.RULE_THRESHOLDS)
    assert set(PRIMARY_GROUP_RULES) <= known
    config = DisclosureConfig()
    for rule, names in t.RULE_THRESHOLDS.items():
        assert t._thresholds(rule, config).keys() == set(names), rule


def test_outputs_that_differ_from_the_manifest_fail(tmp_path) -> None:
    frame = pd.DataFrame({"a": [1, 2]})
    write_parquet(frame, tmp_path / "indicators.parquet")
    from assets.storage import file_sha256

    entry = {"sha256": file_sha256(tmp_path / "indicators.parquet")}
    manifest = {"outputs": {"indicators.parquet": {**entry, "content_sha256": content_hash(frame)}}}
    assert all(c.ok for c in t.verify_outputs(tmp_path, manifest))
    write_parquet(pd.DataFrame({"a": [1, 3]}), tmp_path / "indicators.parquet")
    failed = [c for c in t.verify_outputs(tmp_path, manifest) if not c.ok]
    assert {c.name for c in failed} == {"output:indicators.parquet", "outputs"}


def test_pool_membership_of_a_pool_and_of_a_member() -> None:
    units = pd.DataFrame([
        dict(unit_type="pool", unit_id="pool-1", member_units="1811,1812", pool_id=None,
             pool_reason="Puljen samler små kommuner."),
        dict(unit_type="kommune", unit_id="1811", member_units=None, pool_id="pool-1",
             pool_reason="Bindal har færre enn 10 svar."),
        dict(unit_type="kommune", unit_id="4601", member_units=None, pool_id=None,
             pool_reason=None),
    ])  # fmt: skip
    assert t.pool_membership(units, "pool", "pool-1")["members"] == ["1811", "1812"]
    assert t.pool_membership(units, "kommune", "1811")["pool_id"] == "pool-1"
    assert t.pool_membership(units, "kommune", "4601") is None


def test_prov_validation_refuses_a_relation_to_an_undeclared_record() -> None:
    doc = ProvDocument()
    doc.add_namespace("bs", "urn:brukerstemme:")
    run = doc.activity("bs:run-1")
    doc.entity("bs:delivery-abc")
    doc.usage(run, "bs:delivery-abc")
    assert json.loads(validate(doc))["used"]
    doc.usage(run, "bs:delivery-nowhere")
    with pytest.raises(ProvValidationError, match="delivery-nowhere"):
        validate(doc)


def test_the_audit_command_parses_strictly(tmp_path, capsys) -> None:
    from pipelines import cli

    args = ["audit", "--wave", "2023", "--unit", "4601", "--indicator", "overall_satisfied"]
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*args, "--edtion", "final"])
    assert exit_info.value.code == cli.EXIT_USAGE
    assert "did you mean --edition?" in capsys.readouterr().err
    assert cli.main([*args, "--data-dir", str(tmp_path)]) == cli.EXIT_USAGE
    assert "har ingen utgaver" in capsys.readouterr().err
