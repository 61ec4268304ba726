"""Expert cases on the pages (AppTest): the answer shows, as typed, among the hints of the same step at a
later inspection of the same goods; an administrator records a rule proposal on the rules page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from components.shell.formatting import as_text
from portsight.db.models import AssistCase, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import Actor, Role
from portsight.services import assist
from tests.pages.appdb import recovered_paper_task
from tests.pages.conftest import errors, login

FIELD = "pages/field_inspection.py"
RULES = "pages/rules.py"
BOX = "CSQU3054383"
ANSWER = "**Look** under the <b>cap</b>: [seal](http://example.com)"


def _actor(session, username: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    return Actor(user_id=user.id, username=user.username, role=Role(user.role), port_ids=None)


@pytest.fixture(scope="module")
def later_task(app_db) -> int:
    """Two recovered-paper inspections: an expert answered on the seal step of the first; returns the second."""
    engine = make_engine(app_db[1])
    earlier = recovered_paper_task(engine, number="DEC-CASE-EARLIER", container=BOX, priority=0)
    later = recovered_paper_task(engine, number="DEC-CASE-LATER", container=BOX, priority=0)
    with unit_of_work(engine) as s:
        inspector, expert = _actor(s, "inspector"), _actor(s, "expert")
    sid = assist.request_assist(engine, inspector, earlier, f"seal@{BOX}", "Is the bolt seal genuine?")
    assist.join_assist(engine, expert, sid)
    assist.end_assist(engine, expert, sid, None, ANSWER)
    engine.dispose()
    return later


def _has(widgets, key: str) -> bool:
    return any(getattr(w, "key", None) == key for w in widgets)


def _open_step(new_app, task: int, slot: str):
    at = login(new_app().run(), "inspector")
    at.switch_page(FIELD).run()
    at.button(key=f"field.open.{task}").click().run()
    if _has(at.button, "field.accept"):
        at.button(key="field.accept").click().run()
    at.selectbox(key="field.step_select").select(slot).run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    return at


def _case_texts(at) -> list[str]:
    box = [c for c in at.get("flex_container") if getattr(c, "key", None) == "field.step_cases"]
    return [] if not box else [m.value for m in box[0].markdown]


def test_the_expert_answer_shows_as_text_among_the_hints_of_the_same_step(new_app, later_task):
    at = _open_step(new_app, later_task, f"seal@{BOX}")
    texts = _case_texts(at)
    assert any(as_text(ANSWER) in text for text in texts), texts
    assert not any("<b>cap</b>" in text for text in texts)  # never raw HTML or a live link
    assert not at.get("page_link") or all("inspections" not in str(p.proto) for p in at.get("page_link"))
    other_step = _open_step(new_app, later_task, f"container_number@{BOX}")
    assert _case_texts(other_step) == []


def test_an_administrator_records_a_rule_proposal_from_a_case(new_app, app_db, later_task):
    supervisor = login(new_app().run(), "supervisor")
    supervisor.switch_page(RULES).run()
    assert not supervisor.exception and not _has(supervisor.selectbox, "rules.case_pick")

    at = login(new_app().run(), "admin")
    at.switch_page(RULES).run()
    assert not at.exception, at.exception
    at.button(key="rules.case_propose").click().run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    assert not _has(at.button, "rules.case_propose")  # proposed once: the case says by whom instead
    proposals = next(d.value for d in at.dataframe if "proposed_by" in d.value.columns)
    assert proposals["heading"].tolist() == ["4707"] and proposals["proposed_by"].tolist() == ["Admin"]
    engine = make_engine(app_db[1])
    with engine.connect() as conn:
        proposed = conn.execute(select(AssistCase.proposed_at, AssistCase.proposed_by_id)).all()
    engine.dispose()
    assert len(proposed) == 1 and proposed[0].proposed_at is not None and proposed[0].proposed_by_id is not None
