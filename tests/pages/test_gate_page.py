"""The gate page under AppTest, by widget key: a genuine code shows what is left to leave; its containers
leave one by one on their trucks, then the receipt reads as used (in China time); a tampered code refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portsight.config import load_settings
from portsight.db.checklists import load_checklist
from portsight.db.models import Container, Enterprise, ReleaseReceipt, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM, Actor, Role
from portsight.domain.iso6346 import check_digit
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


def box_number(serial: int) -> str:
    prefix = f"TGHU{serial:06d}"
    return prefix + str(check_digit(prefix))


def new_seal(number: str) -> str:
    """The seal put on a container after inspection (the reseal step)."""
    return f"HG{number[4:10]}9"


def released_containers_token(data_dir: Path, url: str, number: str, boxes: list[str]) -> str:
    """A released sea shipment of laptops in `boxes` (each under its declared and then its new seal), with
    its receipt signed with the app's secret."""
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        enterprise = s.scalar(select(Enterprise.id).limit(1))
        inspector = s.execute(select(User.id, User.username).where(User.username == "inspector")).one()
    decl = register_declaration(engine, SYSTEM, {
        "number": number, "port_code": "CNSGH", "enterprise_id": enterprise, "direction": "import",
        "transport_mode": "sea", "origin_country": "DE", "declared_at": datetime(2025, 3, 3, 1, tzinfo=UTC),
        "goods": [{"hs_code": "8471300000", "description": "Laptops", "quantity": 1000, "unit": "pcs",
                   "gross_weight_kg": 3000, "value": 900000}],
        "containers": [{"number": b, "size_type": "45G1", "declared_seal": f"CN{b[4:10]}1"} for b in boxes],
    })  # fmt: skip
    insp = open_inspection(engine, SYSTEM, decl)
    assign_inspectors(engine, SYSTEM, insp, [inspector.id])
    actor = Actor(inspector.id, inspector.username, Role.INSPECTOR, None)
    svc.accept_task(engine, actor, insp)
    with unit_of_work(engine) as s:
        numbers = {cid: n for cid, n in s.execute(select(Container.id, Container.number))}
    media = data_dir / "media"
    for slot in load_checklist(engine, insp).slots:
        box = numbers.get(slot.container_id) if slot.container_id is not None else None
        values = {
            "container_number": {"number": box},
            "seal": {"seal_number": f"CN{(box or '')[4:10]}1", "seal_class": "H"},
            "seal_integrity": dict.fromkeys(("seal_view", "seal_tug", "seal_twist", "seal_turn"), True),
            "container_body": dict.fromkeys(("front_wall", "left_side", "right_side", "floor", "ceiling_roof",
                                             "doors", "undercarriage"), True),
            "reseal": {"new_seal_number": new_seal(box or ""), "new_seal_class": "H"},
            "radiation": {"dose_rate_ugy_h": 0.12, "background_ugy_h": 0.1},
            "goods": {"description_matches": True, "quantity": 1000, "gross_weight_kg": 3000},
            "ccc": {"needs_ccc": True, "ccc_mark": True, "certificate_covers_model": True},
            "packaging": {"packaging_intact": True, "wood_packaging": False},
        }[slot.step.key]  # fmt: skip
        svc.record_step_result(engine, actor, insp, slot.step.key, values, slot.container_id)
        for i in range(slot.photos_required):
            evidence.attach_photo(engine, actor, insp, slot.step.key, png_bytes((i * 40, len(slot.id) * 5, 10)),
                                  f"{slot.id}{i}.png", "image/png", slot.container_id, media_dir=media,
                                  max_bytes=10_000)  # fmt: skip
    svc.complete_checklist(engine, actor, insp)
    secret = load_settings({"PORTSIGHT_DATA_DIR": str(data_dir), "DATABASE_URL": url}).secret
    result = decisions.take_decision(engine, actor, insp, "release", confirmed=True, secret=secret)
    engine.dispose()
    return result["token"]


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


def let_out(at, plate: str, seal: str | None = None, container: str | None = None, typed: str | None = None):
    if container is not None:
        at.selectbox(key="gate.container").set_value(container)
    if typed is not None:  # as a container-number scanner types it
        at.text_input(key="gate.container_typed").input(typed)
    at.text_input(key="gate.plate").input(plate)
    if seal is not None:
        at.text_input(key="gate.seal").input(seal)
    at.button(key="gate.let_out").click().run()
    assert not at.exception, at.exception
    return at


def gate_page(new_app):
    at = login(new_app().run(), "gate")
    at.switch_page(PAGE).run()
    at.text_input(key="gate.gate").input("Gate 7")
    return at


def test_two_containers_leave_one_by_one_then_the_receipt_reads_as_used(new_app, app_db):
    first, second = box_number(101), box_number(102)
    code = released_containers_token(*app_db, "DEC-SEA-GATE", [first, second])
    at = check(gate_page(new_app), code)
    assert len(at.success) == 1 and "GENUINE and unused" in at.success[0].value
    assert "DEC-SEA-GATE" in at.success[0].value
    assert at.selectbox(key="gate.container").options == [first, second]

    let_out(at, "沪A 12345", new_seal(first).lower(), first)
    assert not errors(at), errors(at)
    assert f"{first} left on truck 沪A12345 at Gate 7" in at.success[0].value
    assert "1 of 2 still to leave" in at.success[1].value
    assert at.selectbox(key="gate.container").options == [second]
    assert at.text_input(key="gate.plate").value == ""  # ready for the next truck

    let_out(at, "沪B54321", new_seal(first), typed=first.lower())  # a container that has left already
    assert "has already left" in errors(at)[0] and "沪A12345" in errors(at)[0]

    at.text_input(key="gate.container_typed").input("")
    let_out(at, "沪B54321", f"CN{second[4:10]}1", second)  # the cut seal, not the new one
    assert "is not the seal it was released under" in errors(at)[0]

    let_out(at, "沪B54321", new_seal(second), second)
    assert not errors(at)
    assert f"{second} left on truck 沪B54321" in at.success[0].value and "now used up" in at.success[0].value
    assert len(at.warning) == 1 and "ALREADY USED at Gate 7" in at.warning[0].value
    table = at.dataframe[0].value
    assert sorted(table.iloc[:, 1]) == [first, second] and set(table.iloc[:, 2]) == {"沪A12345", "沪B54321"}


def test_a_refused_plate_says_why_and_lets_nothing_out(new_app, app_db):
    code = released_receipt_token(*app_db, number="DEC-AIR-PLATE")
    at = check(gate_page(new_app), code)
    let_out(at, "AB-1234")
    assert len(errors(at)) == 1 and "Not a Chinese plate" in errors(at)[0]
    at.checkbox(key="gate.foreign").check()
    let_out(at, "AB-1234")
    assert not errors(at) and "The cargo left on truck AB-1234" in at.success[0].value


def test_already_used_says_when_in_china_time(new_app, app_db):
    """SQLite hands the stored time back without its zone (UTC): the gate shows it in the port's time."""
    code = released_receipt_token(*app_db, number="DEC-AIR-TIME")
    at = check(gate_page(new_app), code)
    let_out(at, "沪A12345")
    check(at, code)
    engine = make_engine(app_db[1])
    with unit_of_work(engine) as s:
        used_at = s.scalar(select(ReleaseReceipt.used_at).where(ReleaseReceipt.used_gate == "Gate 7"))
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
    assert token in [c.value for c in at.code]  # checked, nothing has left yet
    let_out(at, "沪A12345")
    assert token not in [c.value for c in at.code]  # used up: never offered again
