"""The gate page under AppTest, by widget key: a genuine code once, then 'already used'; a tampered code refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portsight.config import load_settings
from portsight.db.models import Enterprise, ReleaseReceipt, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM, Actor, Role
from portsight.services import decisions, evidence
from portsight.services import field as svc
from portsight.services.declarations import register_declaration
from portsight.services.inspections import assign_inspectors, open_inspection
from tests.integration.test_field import png_bytes
from tests.pages.conftest import errors, login

PAGE = "pages/gate.py"


@pytest.fixture(scope="module")
def token(app_db) -> str:
    return released_receipt_token(*app_db)


def released_receipt_token(data_dir: Path, url: str, number: str = "DEC-AIR-GATE") -> str:
    """A released air shipment of laptops (goods, CCC, packaging) with its receipt, signed with the app's secret."""
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        enterprise = s.scalar(select(Enterprise.id).limit(1))
        inspector = s.execute(select(User.id, User.username).where(User.username == "inspector")).one()
    decl = register_declaration(engine, SYSTEM, {
        "number": number, "port_code": "CNSGH", "enterprise_id": enterprise, "direction": "import",
        "transport_mode": "air", "origin_country": "DE", "declared_at": datetime(2025, 3, 3, 1, tzinfo=UTC),
        "goods": [{"hs_code": "8471300000", "description": "Laptops", "quantity": 10, "unit": "pcs",
                   "gross_weight_kg": 30, "value": 9000}],
    })  # fmt: skip
    insp = open_inspection(engine, SYSTEM, decl)
    assign_inspectors(engine, SYSTEM, insp, [inspector.id])
    actor = Actor(inspector.id, inspector.username, Role.INSPECTOR, None)
    svc.accept_task(engine, actor, insp)
    media = data_dir / "media"
    svc.record_step_result(engine, actor, insp, "goods", {"description_matches": True, "quantity": 10,
                                                          "gross_weight_kg": 30})  # fmt: skip
    # Laptops are on the CCC list: the mark is there and a certificate covers the model.
    svc.record_step_result(engine, actor, insp, "ccc", {"needs_ccc": True, "ccc_mark": True,
                                                        "certificate_covers_model": True})  # fmt: skip
    svc.record_step_result(engine, actor, insp, "packaging", {"packaging_intact": True, "wood_packaging": False})
    for step, n in (("goods", 2), ("ccc", 2), ("packaging", 1)):
        for i in range(n):
            evidence.attach_photo(engine, actor, insp, step, png_bytes((i * 40, len(step) * 20, 10)), f"{step}{i}.png",
                                  "image/png", media_dir=media, max_bytes=10_000)  # fmt: skip
    svc.complete_checklist(engine, actor, insp)
    secret = load_settings({"PORTSIGHT_DATA_DIR": str(data_dir), "DATABASE_URL": url}).secret
    result = decisions.take_decision(engine, actor, insp, "release", confirmed=True, secret=secret)
    engine.dispose()
    return result["token"]


def check(at, code: str):
    at.text_input(key="gate.code").input(code)
    at.button(key="gate.check").click().run()
    assert not at.exception, at.exception
    return at


def test_a_genuine_code_passes_once_then_is_refused_as_used(new_app, token):
    at = login(new_app().run(), "gate")
    at.switch_page(PAGE).run()
    at.text_input(key="gate.gate").input("Gate 7")
    check(at, token)
    assert len(at.success) == 1 and "Gate 7" in at.success[0].value and "DEC-AIR-GATE" in at.success[0].value
    check(at, token)
    assert not at.success and len(at.warning) == 1 and "Gate 7" in at.warning[0].value


def test_already_used_says_when_in_china_time(new_app, token, app_db):
    """SQLite hands the stored time back without its zone (UTC): the gate shows it in the port's time."""
    at = login(new_app().run(), "gate")
    at.switch_page(PAGE).run()
    check(at, token)
    check(at, token)
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        used_at = s.scalar(select(ReleaseReceipt.used_at).where(ReleaseReceipt.used_at.is_not(None)))
    engine.dispose()
    assert used_at is not None
    china = used_at.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    assert len(at.warning) == 1
    assert f"{china:%d %b %Y %H:%M}" in at.warning[0].value, at.warning[0].value


def test_a_tampered_code_is_refused(new_app, token):
    at = login(new_app().run(), "gate")
    at.switch_page(PAGE).run()
    check(at, token[:-2] + ("00" if not token.endswith("00") else "11"))
    assert len(errors(at)) == 1 and not at.success


def test_an_empty_code_asks_for_a_code_instead_of_saying_forged(new_app):
    at = login(new_app().run(), "gate")
    at.switch_page(PAGE).run()
    check(at, "   ")
    assert not errors(at) and not at.success and not at.warning
    assert [i.value for i in at.info] == ["Type, paste or scan the receipt's code first, then check it."]


def test_the_demo_gate_officer_is_offered_an_unused_receipt_to_try(new_app, app_db):
    token = released_receipt_token(*app_db, number="DEC-AIR-DEMO")
    at = login(new_app().run(), "gate")
    at.switch_page(PAGE).run()
    assert [c.value for c in at.code] == [token]
    at.button(key="gate.demo_fill").click().run()
    at.button(key="gate.check").click().run()
    assert not at.exception and len(at.success) == 1 and "DEC-AIR-DEMO" in at.success[0].value
    assert token not in [c.value for c in at.code]  # used up: never offered again
