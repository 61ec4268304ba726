"""The field page's finding form says which step a finding goes to: the open step unless the inspector
chooses another (or none), and the list names the step, not its key."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portsight.db.models import Container, Finding
from portsight.db.session import make_engine
from tests.pages.appdb import recovered_paper_task
from tests.pages.conftest import errors, login

PAGE = "pages/field_inspection.py"
BOX = "TGHU8822410"


@pytest.fixture(scope="module")
def task(app_db) -> int:
    engine = make_engine(app_db[1])
    insp = recovered_paper_task(engine, number="DEC-PAPER-FINDING", container=BOX, priority=1)
    engine.dispose()
    return insp


def findings(app_db, task: int) -> list[tuple]:
    engine = make_engine(app_db[1])
    with engine.connect() as conn:
        rows = conn.execute(
            select(Finding.step_key, Container.number, Finding.description)
            .outerjoin(Container, Container.id == Finding.container_id)
            .where(Finding.inspection_id == task)
            .order_by(Finding.id)
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def opened(new_app, task: int):
    at = login(new_app().run(), "inspector")
    at.switch_page(PAGE).run()
    at.button(key=f"field.open.{task}").click().run()
    if any(b.key == "field.accept" for b in at.button):
        at.button(key="field.accept").click().run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    return at


def add(at, text: str):
    at.text_area(key="field.finding_text").input(text)
    at.button(key="field.finding_add").click().run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    return at


def test_a_finding_goes_to_the_open_step_unless_another_is_chosen(new_app, app_db, task):
    at = opened(new_app, task)
    open_step = at.selectbox(key="field.step_select").value
    assert open_step == f"container_number@{BOX}"
    chooser = at.selectbox(key=f"field.finding_step.{open_step}")
    assert chooser.label == "Which step it is about"
    assert chooser.value == open_step  # the open step, named on screen
    assert chooser.format_func(open_step) == f"Container number · {BOX}"

    add(at, "Door gasket torn")
    at.selectbox(key=f"field.finding_step.{open_step}").set_value("packaging").run()
    add(at, "Bales strapped with wire")
    at.selectbox(key=f"field.finding_step.{open_step}").set_value("").run()
    add(at, "Paperwork late")

    assert findings(app_db, task) == [
        ("container_number", BOX, "Door gasket torn"),
        ("packaging", None, "Bales strapped with wire"),
        (None, None, "Paperwork late"),
    ]
    shown = " ".join(m.value for m in at.markdown)
    assert "Packaging" in shown and f"Container number · {BOX}" in shown and "no one step" in shown


def test_the_choice_follows_the_step_the_inspector_opens(new_app, task):
    at = opened(new_app, task)
    at.selectbox(key="field.step_select").set_value("packaging").run()
    assert at.selectbox(key="field.finding_step.packaging").value == "packaging"
