"""The field inspection page under AppTest, by widget key: tasks, accept, steps saved and resumed, findings, help."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from portsight.db.alert_store import raise_alert
from portsight.db.models import AssistSession, Enterprise, Finding, Inspection, StepResult, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.services.declarations import register_declaration
from portsight.services.inspections import assign_inspectors, open_inspection
from tests.pages.appdb import recovered_paper_task
from tests.pages.conftest import errors, login

PAGE = "pages/field_inspection.py"
BOX = "CSQU3054383"


@pytest.fixture(scope="module")
def paper_task(app_db) -> int:
    """A recovered-paper declaration of 2020 (impurity step applies) assigned to the inspector."""
    engine = make_engine(app_db[1])
    insp = recovered_paper_task(engine, number="DEC-PAPER-PAGE", container=BOX, priority=2)
    engine.dispose()
    return insp


def db_rows(app_db, stmt):
    engine = make_engine(app_db[1])
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    engine.dispose()
    return rows


def open_task(new_app, task: int):
    at = login(new_app().run(), "inspector")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    at.button(key=f"field.open.{task}").click().run()
    assert not at.exception, at.exception
    return at


def test_the_task_list_shows_my_task_first_and_opens_it(new_app, app_db, paper_task):
    at = login(new_app().run(), "inspector")
    at.switch_page(PAGE).run()
    assert not errors(at) and not at.exception
    assert at.button(key=f"field.open.{paper_task}")  # priority 2 comes first
    keys = [b.key for b in at.button if b.key and b.key.startswith("field.open.")]
    assert keys[0] == f"field.open.{paper_task}"
    at.button(key=f"field.open.{paper_task}").click().run()
    assert at.button(key="field.accept")
    at.button(key="field.accept").click().run()
    assert not errors(at), errors(at)
    assert db_rows(app_db, select(Inspection.state).where(Inspection.id == paper_task)) == [("in_progress",)]
    assert at.selectbox(key="field.step_select").value == f"container_number@{BOX}"


def test_a_step_is_saved_and_a_fresh_session_resumes_at_the_next(new_app, app_db, paper_task):
    at = open_task(new_app, paper_task)
    at.text_input(key=f"field.in.container_number@{BOX}.number").input("CSQU3054384").run()
    assert any("3" in w.value for w in at.warning)  # the expected check digit is hinted as typed
    at.text_input(key=f"field.in.container_number@{BOX}.number").input(BOX).run()
    assert any(BOX in s.value for s in at.success)
    at.button(key="field.save").click().run()
    assert not errors(at), errors(at)
    assert at.selectbox(key="field.step_select").value == f"seal@{BOX}"
    rows = db_rows(app_db, select(StepResult.step_key, StepResult.outcome).where(
        StepResult.inspection_id == paper_task))  # fmt: skip
    assert [tuple(r) for r in rows] == [("container_number", "conforming")]
    again = open_task(new_app, paper_task)  # a new session: the page resumes where the inspector stopped
    assert again.selectbox(key="field.step_select").value == f"seal@{BOX}"


def test_a_non_conforming_impurity_reading_shows_the_finding_with_its_citation(new_app, app_db, paper_task):
    at = open_task(new_app, paper_task)
    at.selectbox(key="field.step_select").set_value("impurity").run()
    at.number_input(key="field.in.impurity.impurity_pct").set_value(0.8).run()
    at.button(key="field.save").click().run()
    shown = " ".join(e.value for e in at.error)
    assert "GB 16487.4-2017" in shown and "recovered_paper_impurity" in shown
    assert "GB 16487.4-2017" in " ".join(c.value for c in at.caption)  # in the findings list too
    rows = db_rows(app_db, select(Finding.rule_id).where(Finding.inspection_id == paper_task))
    assert [r[0] for r in rows] == ["recovered_paper_impurity"]


def test_the_seal_step_shows_the_declared_class_and_reads_a_full_width_seal(new_app, app_db, paper_task):
    at = open_task(new_app, paper_task)
    at.selectbox(key="field.step_select").set_value(f"seal@{BOX}").run()
    # Nothing is filled in for the inspector: the class is what the seal shows (none was declared here).
    assert at.radio(key=f"field.in.seal@{BOX}.seal_class").value is None
    assert any("No seal class declared" in c.value for c in at.caption)
    at.text_input(key=f"field.in.seal@{BOX}.seal_number").input("ＣＮ１２３４５６７").run()
    assert any("Matches the declared seal" in s.value for s in at.success)
    at.selectbox(key="field.step_select").set_value(f"reseal@{BOX}").run()
    at.text_input(key=f"field.in.reseal@{BOX}.new_seal_number").input("cn-1234567").run()
    assert any("the new seal must be another one" in w.value for w in at.warning)
    assert not errors(at) and not at.exception
    at.selectbox(key="field.step_select").set_value("packaging").run()  # back where the next tests resume


def test_request_help_on_a_step_stores_an_assist_request(new_app, app_db, paper_task):
    at = open_task(new_app, paper_task)
    at.text_input(key="field.help_question").input("Is this bale wet paper or plastic film?")
    at.button(key="field.help_send").click().run()
    assert not errors(at), errors(at)
    rows = db_rows(app_db, select(AssistSession.step_key, AssistSession.question).where(
        AssistSession.inspection_id == paper_task))  # fmt: skip
    assert [tuple(r) for r in rows] == [("packaging", "Is this bale wet paper or plastic film?")]  # the resumed step


def test_completion_is_disabled_and_says_what_is_missing(new_app, app_db, paper_task):
    at = open_task(new_app, paper_task)
    assert at.button(key="field.complete").disabled
    assert any("0/7" in c.value or "0 of 7" in c.value for c in at.caption)


@pytest.fixture(scope="module")
def blocked_task(app_db) -> tuple[int, int]:
    """Copper waste declared in 2026 (the solid-waste ban forbids its release), its prohibited-goods alert open,
    the inspection completed (set directly: the decision control does not depend on the steps' values)."""
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        enterprise = s.scalar(select(Enterprise.id).limit(1))
        inspector = s.scalar(select(User.id).where(User.username == "inspector"))
    decl = register_declaration(
        engine,
        SYSTEM,
        {
            "number": "DEC-CU-PAGE",
            "port_code": "CNSGH",
            "enterprise_id": enterprise,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": "US",
            "declared_at": datetime(2026, 6, 1, 2, tzinfo=UTC),
            "goods": [{"hs_code": "7404000090", "description": "Copper waste and scrap", "quantity": 20,
                       "unit": "t", "gross_weight_kg": 20000, "value": 90000}],
            "containers": [{"number": "TCNU7200794", "size_type": "22G1", "declared_seal": "CN7654321"}],
        },
    )  # fmt: skip
    insp = open_inspection(engine, SYSTEM, decl, priority=3)
    assign_inspectors(engine, SYSTEM, insp, [inspector])
    with unit_of_work(engine) as s:
        s.execute(update(Inspection).where(Inspection.id == insp).values(state="completed"))
        alert = raise_alert(
            s, dedupe_key=f"prohibited_goods:declaration:{decl}", kind="prohibited_goods", severity="high",
            port_id=s.scalar(select(Inspection.port_id).where(Inspection.id == insp)),
            title="Solid-waste imports prohibited", rule_id="solid_waste_import_ban", declaration_id=decl,
        )  # fmt: skip
    engine.dispose()
    return insp, alert.id


def test_the_decision_control_shows_why_release_is_blocked_and_offers_what_is_open(new_app, blocked_task):
    insp, alert_id = blocked_task
    at = open_task(new_app, insp)
    shown = " ".join(errors(at))
    assert f"Open prohibited-goods alert #{alert_id}" in shown and "[solid_waste_import_ban]" in shown
    assert "Release forbidden" in shown and "Art. 24" in shown
    offered = at.radio(key="field.decision").options
    assert "Release" not in offered
    assert {"Hold", "Return", "Attribute identification (suspected solid waste)"} <= set(offered)
    assert any("called for by" in i.value for i in at.info)
