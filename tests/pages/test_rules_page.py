"""The rules page under AppTest: browse and read a rule, admin switches (audited), supervisors cannot,
back-test counts by port; and a malformed rule file stops the app naming file, rule and field."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from components.rules.data import EFFECTS, ENDS, NARROWS, STARTS, calendar_families, rule_calendar
from portsight.catalogue import RULES_DIR
from portsight.clock import utcnow
from portsight.db.models import AuditEntry, Declaration, Enterprise, GoodsLine, Inspection, Port, RuleSetting
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import AccessDenied
from portsight.domain.rulebook import KINDS, SCOPE_KEYS
from portsight.i18n import LANGUAGES, catalogue
from portsight.services.rules import set_rule_enabled
from tests.pages.conftest import errors, login

RULES = "pages/rules.py"


def open_page(new_app, username):
    at = login(new_app().run(), username)
    at.switch_page(RULES).run()
    assert not at.exception, at.exception
    return at


def pick(at, rule_id):
    at.selectbox(key="rules.pick").select(rule_id).run()
    assert not at.exception, at.exception
    return at


def picks(at) -> set[str]:
    """Rule ids the picker offers (its options read "<id> — <title>")."""
    return {o.split(" — ")[0] for o in at.selectbox(key="rules.pick").options}


def tables_text(at) -> str:
    return "\n".join(t.value.to_string() for t in at.table)


def rows_of(url: str, stmt) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    engine.dispose()
    return rows


def test_supervisor_reads_a_rule_with_its_legal_basis_and_dated_parameters(new_app):
    at = open_page(new_app, "supervisor")
    assert at.title[0].value == "Rules"
    assert not errors(at)
    pick(at, "recovered_paper_impurity")
    text = tables_text(at)
    assert "impurity_max_pct" in text and "1.5 %" in text and "0.5 %" in text, text  # the 2018 tightening
    assert "01 Mar 2018" in text
    markdown = "\n".join(m.value for m in at.markdown)
    assert "HS: 4707" in markdown


@pytest.mark.parametrize(("lang", "label"), [("en", "Dishonest"), ("zh_CN", "失信企业")])
def test_a_credit_tier_scope_reads_in_the_users_language_not_as_a_code(new_app, lang, label):
    at = open_page(new_app, "supervisor")
    if lang != "en":
        at.radio(key="sidebar.lang").set_value(lang).run()
    pick(at, "credit_dishonest_inspection_rate")
    heading = catalogue(lang)["rules.scope_credit_tiers"]  # "Credit tier: <tiers>" in the scope line
    scope_line = next(line for m in at.markdown for line in m.value.splitlines() if f"{heading}:" in line)
    assert label in scope_line and "dishonest" not in scope_line, scope_line


def test_filters_narrow_the_catalogue_by_kind_and_scope(new_app):
    at = open_page(new_app, "admin")
    at.multiselect(key="rules.kinds").set_value(["selection"]).run()
    assert {"credit_dishonest_inspection_rate", "credit_advanced_inspection_rate"} <= picks(at)
    assert all(rule_id.startswith("credit_") for rule_id in picks(at))
    at.multiselect(key="rules.kinds").set_value(list(KINDS)).run()
    at.selectbox(key="rules.scope").select("container_types").run()
    assert picks(at) == {"reefer_temperature_record", "reefer_temperature_tolerance"}
    at.selectbox(key="rules.scope").select("any").run()
    at.text_input(key="rules.search").input("470790").run()
    assert picks(at) == {"recovered_paper_impurity", "radiation_surface_dose_rate", "solid_waste_import_ban"}


def test_admin_switches_a_rule_off_recorded_as_setting_and_audit_entry(new_app, app_db):
    url = app_db[1]
    at = open_page(new_app, "admin")
    pick(at, "wood_packaging_ispm15")
    switch = at.toggle(key="rules.switch")
    assert switch.value is True and not switch.disabled
    switch.set_value(False).run()
    assert not at.exception and not errors(at), errors(at)
    assert "Rule wood_packaging_ispm15 switched off; recorded in the audit log." in [s.value for s in at.success]
    assert at.toggle(key="rules.switch").value is False
    settings = rows_of(url, select(RuleSetting.enabled).where(RuleSetting.rule_id == "wood_packaging_ispm15"))
    assert settings == [(False,)]
    audit = rows_of(url, select(AuditEntry.actor, AuditEntry.action, AuditEntry.before, AuditEntry.after)
                    .where(AuditEntry.entity == "rule", AuditEntry.entity_id == "wood_packaging_ispm15"))  # fmt: skip
    assert audit == [("admin", "rule.disable", {"enabled": True}, {"enabled": False})]
    history = next(t.value for t in at.table if "Change" in t.value.columns)
    assert list(history["Who"]) == ["admin"] and list(history["Change"]) == ["on → off"]

    at.toggle(key="rules.switch").set_value(True).run()
    assert rows_of(url, select(RuleSetting.enabled).where(RuleSetting.rule_id == "wood_packaging_ispm15")) == [(True,)]
    history = next(t.value for t in at.table if "Change" in t.value.columns)
    assert list(history["Change"]) == ["off → on", "on → off"]


def test_supervisor_sees_the_switch_disabled_and_the_service_refuses_anyway(new_app, app_db):
    url = app_db[1]
    at = open_page(new_app, "supervisor")
    pick(at, "goods_description_matches")
    switch = at.toggle(key="rules.switch")
    assert switch.disabled and switch.value is True
    assert any("only an administrator can switch rules" in c.value for c in at.caption)
    # A browser cannot change a disabled widget; a forged request would still reach a service that refuses.
    supervisor = at.session_state["app.signed_in"].actor
    engine = make_engine(url)
    with pytest.raises(AccessDenied, match="needs the role admin"):
        set_rule_enabled(engine, supervisor, "goods_description_matches", False)
    engine.dispose()
    assert rows_of(url, select(RuleSetting).where(RuleSetting.rule_id == "goods_description_matches")) == []
    assert rows_of(url, select(AuditEntry).where(AuditEntry.entity_id == "goods_description_matches")) == []


def add_recovered_paper_declaration(url: str) -> None:
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        port = s.scalar(select(Port).where(Port.code == "CNSGH"))
        ent = Enterprise(uscc="91310000MA1RULES9X", name="Paper Recycling Co.", credit_tier="general")
        s.add(ent)
        s.flush()
        dec = Declaration(number="DEC-RULES-PAPER", port_id=port.id, enterprise_id=ent.id, direction="import",
                          transport_mode="sea", origin_country="US",
                          declared_at=utcnow() - timedelta(days=2))  # fmt: skip
        s.add(dec)
        s.flush()
        s.add(GoodsLine(declaration_id=dec.id, line_no=1, hs_code="470790", description="Recovered paper",
                        quantity=20, unit="t", gross_weight_kg=20000, value=3000))  # fmt: skip
    engine.dispose()


def test_backtest_shows_hits_by_port_as_table_and_chart(new_app, app_db):
    add_recovered_paper_declaration(app_db[1])
    at = open_page(new_app, "supervisor")
    pick(at, "solid_waste_import_ban")
    at.button(key="rules.backtest_run").click().run()
    assert not at.exception and not errors(at), errors(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Would have hit"] == "1"
    assert metrics["Declarations examined"] == "5"  # 4 of the app database + the paper one
    by_port = next(t.value for t in at.table if "Port" in t.value.columns)
    assert dict(zip(by_port["Port"], by_port["Would have hit"], strict=True)) == {"CNNGB": 0, "CNSGH": 1}
    assert at.get("plotly_chart"), "the by-port bar chart is shown"


def test_backtest_with_a_changed_parameter_says_so(new_app):
    at = open_page(new_app, "admin")
    pick(at, "gross_weight_tolerance")
    at.number_input(key="rules.param.gross_weight_tolerance.tolerance_pct").set_value(1.0).run()
    at.button(key="rules.backtest_run").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert any("with changed parameters: tolerance_pct = 1." in c.value for c in at.caption)


def test_backtest_outside_the_rules_effective_dates_says_so(new_app):
    at = open_page(new_app, "admin")
    pick(at, "solid_waste_import_ban")  # in force from 2021-01-01
    at.date_input(key="rules.backtest_start").set_value(date(2020, 1, 1)).run()
    at.date_input(key="rules.backtest_end").set_value(date(2020, 6, 30)).run()
    at.button(key="rules.backtest_run").click().run()
    assert any("not in force on any day of this period" in w.value for w in at.warning)


def test_malformed_rule_file_stops_the_app_naming_file_rule_and_field(new_app, tmp_path, monkeypatch):
    broken = tmp_path / "data" / "rules"
    shutil.copytree(RULES_DIR, broken)
    waste = broken / "waste.yaml"
    text = waste.read_text(encoding="utf-8")
    assert "severity: high" in text
    waste.write_text(text.replace("severity: high", "severity: extreme", 1), encoding="utf-8")
    monkeypatch.setenv("PORTSIGHT_RULES_DIR", str(broken))
    at = new_app().run()
    assert not at.exception, "a message, not a stack trace"
    assert len(at.error) == 1
    message = at.error[0].value
    assert "data/rules/waste.yaml" in message and "rule 'recovered_paper_impurity'" in message
    assert "field 'severity'" in message
    with pytest.raises(KeyError):
        at.text_input(key="login.username")  # nothing after the message: start-up stopped


@pytest.mark.parametrize("lang", LANGUAGES)
def test_labels_built_at_run_time_exist(lang):
    keys = [f"rules.kind_{k}" for k in KINDS]
    keys += [f"rules.hit_meaning_{k}" for k in KINDS]
    keys += [f"rules.scope_{k}" for k in ("any", "universal", *SCOPE_KEYS)]
    keys += [f"rules.unit_{u}" for u in ("declarations", "step_results", "inspections")]
    assert not [k for k in keys if k not in catalogue(lang)]


def add_dishonest_declaration(url: str, inspected: bool) -> None:
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        port = s.scalar(select(Port).where(Port.code == "CNNGB"))
        ent = Enterprise(uscc="91310000MA1RULESDX", name="Dishonest Trading Co.", credit_tier="dishonest")
        s.add(ent)
        s.flush()
        dec = Declaration(number="DEC-RULES-DISHONEST", port_id=port.id, enterprise_id=ent.id, direction="import",
                          transport_mode="sea", origin_country="DE",
                          declared_at=utcnow() - timedelta(days=1))  # fmt: skip
        s.add(dec)
        s.flush()
        if inspected:
            s.add(Inspection(declaration_id=dec.id, port_id=port.id, state="released", priority=1,
                             created_at=utcnow() - timedelta(hours=20)))  # fmt: skip
    engine.dispose()


def test_backtest_of_a_selection_rule_shows_the_tiers_rate_against_the_requirement(new_app, app_db):
    add_dishonest_declaration(app_db[1], inspected=True)
    at = open_page(new_app, "admin")
    pick(at, "credit_dishonest_inspection_rate")
    at.button(key="rules.backtest_run").click().run()
    assert not at.exception and not errors(at), errors(at)
    by_port = next(t.value for t in at.table if "Port" in t.value.columns)
    assert by_port.to_dict("records") == [
        {
            "Port": "CNNGB",
            "Declarations examined": 1,
            "Would have hit": 1,
            "Share": "100.0%",
            "Inspection rate": "100.0%",
            "Meets the requirement": "yes",
        },  # fmt: skip
    ]


def test_the_page_speaks_chinese(new_app):
    at = open_page(new_app, "supervisor")
    at.radio(key="sidebar.lang").set_value("zh_CN").run()
    assert not at.exception and not errors(at)
    assert at.title[0].value == "规则管理"
    assert at.toggle(key="rules.switch").label == "规则已启用"
    assert "查验清单项" in at.multiselect(key="rules.kinds").options


def calendar_table(at):
    """The calendar tab's table (columns on, change, rule, family, effect, link)."""
    return next(d.value for d in at.dataframe if "effect" in d.value.columns)


def test_the_calendar_lists_the_2021_ban_and_what_it_did_to_the_checklist(new_app):
    at = open_page(new_app, "supervisor")
    table = calendar_table(at)
    ban = table[table["rule"].str.startswith("solid_waste_import_ban — ")]
    started = ban[ban["change"] == "in force"].iloc[0]
    assert started["on"] == "01 Jan 2021" and started["family"] == "Solid waste"
    assert "forbids their release" in started["effect"]
    assert "recovered_paper_impurity" in started["link"] and "nonferrous_scrap_impurity" in started["link"]
    # The GB 16487 impurity checks end the same day: the step goes, the ban takes over.
    paper = table[table["rule"].str.startswith("recovered_paper_impurity — ")].iloc[0]
    assert paper["on"] == "01 Jan 2021" and paper["change"] == "no longer applies"
    assert paper["effect"] == "removes the step “Impurity content”"
    assert paper["link"] == "superseded by solid_waste_import_ban (last day 31 Dec 2020)"
    # 2024-11-15: recycled copper and aluminium codes leave the ban.
    narrowed = ban[ban["change"] == "scope narrowed"].iloc[0]
    assert narrowed["on"] == "15 Nov 2024" and "7404000040" in narrowed["effect"]


def test_the_calendar_is_newest_first_and_filters_by_family(new_app):
    at = open_page(new_app, "supervisor")
    days = [datetime.strptime(d, "%d %b %Y").date() for d in calendar_table(at)["on"]]
    assert days == sorted(days, reverse=True)
    assert days[0] == date(2027, 3, 16)  # GB 7718-2025 takes over from GB 7718-2011
    at.multiselect(key="rules.calendar_families").set_value(["recycled"]).run()
    table = calendar_table(at)
    assert set(table["family"]) == {"Recycled raw materials"}
    assert "15 Nov 2024" in set(table["on"]) and "01 Nov 2020" in set(table["on"])
    assert at.get("plotly_chart"), "the periods chart is shown"


def test_the_calendar_speaks_chinese(new_app):
    at = open_page(new_app, "supervisor")
    at.radio(key="sidebar.lang").set_value("zh_CN").run()
    assert not at.exception and not errors(at)
    table = calendar_table(at)
    ban = table[table["rule"].str.startswith("solid_waste_import_ban — ")]
    assert "施行" in set(ban["change"]) and "禁止放行" in " ".join(ban["effect"])


def test_a_rule_shows_its_successor_and_a_scope_shows_its_dated_exceptions(new_app):
    at = open_page(new_app, "supervisor")
    pick(at, "recovered_paper_impurity")
    markdown = "\n".join(m.value for m in at.markdown)
    assert "Superseded by:** `solid_waste_import_ban`" in markdown
    pick(at, "solid_waste_import_ban")
    markdown = "\n".join(m.value for m in at.markdown)
    assert "except 7404000020 (from 01 Nov 2020)" in markdown and "7404000050 (from 15 Nov 2024)" in markdown


@pytest.mark.parametrize("lang", LANGUAGES)
def test_calendar_labels_built_at_run_time_exist(lang):
    keys = [f"rules.cal_effect_{e}" for e in EFFECTS]
    keys += [f"rules.cal_change_{c}" for c in (STARTS, ENDS, NARROWS)]
    keys += [f"rules.family_{f}" for f in calendar_families(rule_calendar())]
    assert not [k for k in keys if k not in catalogue(lang)]
