"""What people typed reaches the page's Markdown escaped: a finding the inspector wrote and the
enterprise's name (from the backbone) on the field page stay text (no image, no link), and so does
the finding where it comes back as a hint: at the next inspection of the same container, on the
inspector's page and in the expert's call view."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from components.remote_assist import webrtc
from components.shell.formatting import as_text
from portsight.db.models import Enterprise, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.services.accounts import actor_for
from portsight.services.assist import join_assist, request_assist
from portsight.services.declarations import register_declaration
from portsight.services.field import accept_task, add_finding
from portsight.services.inspections import assign_inspectors, open_inspection
from tests.pages.conftest import errors, login

FINDING = "![](http://127.0.0.1:9/finding.png) [click](http://127.0.0.1:9/phish) **bold**"
ENTERPRISE = "[Hengda](http://127.0.0.1:9/phish) ![](http://127.0.0.1:9/name.png) Co."


def _inspection(engine, number: str, enterprise: int, inspector) -> int:
    """An accepted inspection of recovered paper in the one container MSCU1234566."""
    decl = register_declaration(
        engine,
        SYSTEM,
        {
            "number": number,
            "port_code": "CNSGH",
            "enterprise_id": enterprise,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": "US",
            "declared_at": datetime(2020, 6, 1, 2, tzinfo=UTC),
            "goods": [{"hs_code": "4707100000", "description": "Recovered kraft paper", "quantity": 20,
                       "unit": "bale", "gross_weight_kg": 21000, "value": 4200}],
            "containers": [{"number": "MSCU1234566", "size_type": "45G1", "declared_seal": "CN1234567"}],
        },
    )  # fmt: skip
    insp = open_inspection(engine, SYSTEM, decl, priority=1)
    assign_inspectors(engine, SYSTEM, insp, [inspector.user_id])
    accept_task(engine, inspector, insp)
    return insp


@pytest.fixture(scope="module")
def tasks(app_db) -> tuple[int, int]:
    """The inspection with the typed finding, and a later one of the same container."""
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        enterprise = s.scalar(select(Enterprise.id).limit(1))
        s.execute(update(Enterprise).where(Enterprise.id == enterprise).values(name=ENTERPRISE))
        inspector = actor_for(s.scalars(select(User).where(User.username == "inspector")).one())
    earlier = _inspection(engine, "DEC-TYPED-TEXT", enterprise, inspector)
    add_finding(engine, inspector, earlier, FINDING, "medium")
    later = _inspection(engine, "DEC-TYPED-LATER", enterprise, inspector)
    engine.dispose()
    return earlier, later


def markdown_shown(at) -> str:
    """Every piece of Markdown the run sent: text, captions, alerts, titles."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    return "\n".join(parts)


def assert_shown_as_text(shown: str) -> None:
    assert as_text(FINDING) in shown and as_text(ENTERPRISE) in shown
    assert "![](" not in shown and "](http" not in shown  # no image or link syntax left active


def test_the_field_page_shows_a_typed_finding_and_the_enterprise_name_as_text(new_app, tasks):
    for task in tasks:  # the finding itself, then the hint of it at the container's next inspection
        at = login(new_app().run(), "inspector")
        at.switch_page("pages/field_inspection.py").run()
        at.button(key=f"field.open.{task}").click().run()
        assert not at.exception, at.exception
        assert not errors(at), errors(at)
        assert_shown_as_text(markdown_shown(at))
    repeat = [w.value for w in at.warning if "MSCU1234566" in w.value]
    assert repeat and as_text(FINDING) in repeat[0], [w.value for w in at.warning]


def test_the_experts_call_view_shows_the_same_hints_as_text(new_app, app_db, tasks, monkeypatch):
    monkeypatch.setattr(webrtc, "streamer", lambda *args, **kwargs: None)
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        inspector, expert = (
            actor_for(s.scalars(select(User).where(User.username == name)).one()) for name in ("inspector", "expert")
        )
    join_assist(engine, expert, request_assist(engine, inspector, tasks[1], None, "Seen this box before?"))
    engine.dispose()
    at = login(new_app().run(), "expert")
    at.switch_page("pages/remote_assist.py").run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    shown = markdown_shown(at)
    assert_shown_as_text(shown)
    assert any("MSCU1234566" in w.value and as_text(FINDING) in w.value for w in at.warning), shown
