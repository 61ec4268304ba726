"""The field inspection page under AppTest, by widget key: tasks, accept, steps saved and resumed, findings, help."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portsight.db.models import AssistSession, Enterprise, Finding, Inspection, StepResult, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.services.declarations import register_declaration
from portsight.services.inspections import assign_inspectors, open_inspection
from tests.pages.conftest import errors, login

PAGE = "pages/field_inspection.py"
BOX = "CSQU3054383"


@pytest.fixture(scope="module")
def paper_task(app_db) -> int:
    """A recovered-paper declaration of 2020 (impurity step applies) assigned to the inspector."""
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        enterprise = s.scalar(select(Enterprise.id).limit(1))
    decl = register_declaration(
        engine,
        SYSTEM,
        {
            "number": "DEC-PAPER-PAGE",
            "port_code": "CNSGH",
            "enterprise_id": enterprise,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": "US",
            "declared_at": datetime(2020, 6, 1, 2, tzinfo=UTC),
            "goods": [{"hs_code": "4707100000", "description": "Recovered kraft paper", "quantity": 20,
                       "unit": "bale", "gross_weight_kg": 21000, "value": 4200}],
            "containers": [{"number": BOX, "size_type": "45G1", "declared_seal": "CN1234567"}],
        },
    )  # fmt: skip
    insp = open_inspection(engine, SYSTEM, decl, priority=2)
    with unit_of_work(engine) as s:
        inspector = s.scalar(select(User.id).where(User.username == "inspector"))
    assign_inspectors(engine, SYSTEM, insp, [inspector])
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
