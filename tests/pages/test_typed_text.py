"""What people typed reaches the page's Markdown escaped: a finding the inspector wrote and the
enterprise's name (from the backbone) on the field page stay text (no image, no link)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from components.shell.formatting import as_text
from portsight.db.models import Enterprise, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.services.accounts import actor_for
from portsight.services.declarations import register_declaration
from portsight.services.field import accept_task, add_finding
from portsight.services.inspections import assign_inspectors, open_inspection
from tests.pages.conftest import errors, login

FINDING = "![](http://127.0.0.1:9/finding.png) [click](http://127.0.0.1:9/phish) **bold**"
ENTERPRISE = "[Hengda](http://127.0.0.1:9/phish) ![](http://127.0.0.1:9/name.png) Co."


@pytest.fixture(scope="module")
def task(app_db) -> int:
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        enterprise = s.scalar(select(Enterprise.id).limit(1))
        s.execute(update(Enterprise).where(Enterprise.id == enterprise).values(name=ENTERPRISE))
        inspector = actor_for(s.scalars(select(User).where(User.username == "inspector")).one())
    decl = register_declaration(
        engine,
        SYSTEM,
        {
            "number": "DEC-TYPED-TEXT",
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
    add_finding(engine, inspector, insp, FINDING, "medium")
    engine.dispose()
    return insp


def markdown_shown(at) -> str:
    """Every piece of Markdown the run sent: text, captions, alerts, titles."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    return "\n".join(parts)


def test_the_field_page_shows_a_typed_finding_and_the_enterprise_name_as_text(new_app, task):
    at = login(new_app().run(), "inspector")
    at.switch_page("pages/field_inspection.py").run()
    at.button(key=f"field.open.{task}").click().run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    shown = markdown_shown(at)
    assert as_text(FINDING) in shown and as_text(ENTERPRISE) in shown
    assert "![](" not in shown and "](http" not in shown  # no image or link syntax left active
