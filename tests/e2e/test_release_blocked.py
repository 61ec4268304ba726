"""In Chromium at phone size: an inspector cannot release a declaration with an open prohibited-goods alert,
and the decision control says why.

Copper waste and scrap declared an hour ago (the solid-waste ban has forbidden its import since 2021): the
inspection is done and completed through the services, the alert checks raise the prohibited-goods alert
on the declaration, and the inspector opens the decision.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from portsight.alert_checks import run_alert_checks
from portsight.clock import utcnow
from portsight.db.checklists import load_checklist
from portsight.db.models import Alert, Enterprise, Port, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM, Actor, Role
from portsight.services import evidence, field
from portsight.services.declarations import register_declaration
from portsight.services.inspections import assign_inspectors, open_inspection
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, settled
from tests.e2e.test_field_inspection import PHONE, WAIT, open_task
from tests.pages.appdb import prepare_app_database

pytestmark = pytest.mark.browser

BOX = "TCNU7200794"
SEAL = "CN7654321"
SEVEN = ("front_wall", "left_side", "right_side", "floor", "ceiling_roof", "doors", "undercarriage")
# What the inspector recorded; a step the rules add later gets plausible values by input type.
VALUES = {
    "container_number": {"number": BOX},
    "seal": {"seal_number": SEAL, "seal_class": "H"},
    "seal_integrity": {"seal_view": True, "seal_tug": True, "seal_twist": True, "seal_turn": True},
    "radiation": {"dose_rate_ugy_h": 0.12, "background_ugy_h": 0.1},
    "goods": {"description_matches": True, "quantity": 20, "gross_weight_kg": 20000},
    "packaging": {"packaging_intact": True, "wood_packaging": False},
    "container_body": dict.fromkeys(SEVEN, True),
    "reseal": {"new_seal_number": "CN7654399", "new_seal_class": "H"},
}


def _plausible(step) -> dict:
    out = {}
    for spec in step.inputs:
        if spec.type == "number":
            out[spec.name] = spec.min if spec.min is not None else 0
        elif spec.type == "bool":
            out[spec.name] = True
        elif spec.type == "choice":
            out[spec.name] = spec.choices[-1]
        else:
            out[spec.name] = "OK"
    return out


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 90, 60)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def blocked_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("release_blocked_e2e")
    url = prepare_app_database(data_dir)
    engine = make_engine(url)
    now = utcnow()
    with unit_of_work(engine) as s:
        enterprise = s.scalar(select(Enterprise.id).limit(1))
        inspector = s.scalar(select(User.id).where(User.username == "inspector"))
        port = s.scalar(select(Port.id).where(Port.code == "CNSGH"))
    declaration = register_declaration(
        engine, SYSTEM,
        {"number": "DEC-E2E-CU", "port_code": "CNSGH", "enterprise_id": enterprise, "direction": "import",
         "transport_mode": "sea", "origin_country": "US", "declared_at": now - timedelta(hours=1),
         "goods": [{"hs_code": "7404000090", "description": "Copper waste and scrap", "quantity": 20, "unit": "t",
                    "gross_weight_kg": 20000, "value": 90000}],
         "containers": [{"number": BOX, "size_type": "22G1", "declared_seal": SEAL, "declared_seal_class": "H"}]},
        now=now - timedelta(hours=1),
    )  # fmt: skip
    inspection = open_inspection(engine, SYSTEM, declaration, priority=3, now=now - timedelta(minutes=50))
    assign_inspectors(engine, SYSTEM, inspection, [inspector], now=now - timedelta(minutes=45))
    actor = Actor(inspector, "inspector", Role.INSPECTOR, frozenset({port}))
    field.accept_task(engine, actor, inspection, now=now - timedelta(minutes=40))
    for slot in load_checklist(engine, inspection).slots:
        values = VALUES.get(slot.step.key) or _plausible(slot.step)
        outcome = field.record_step_result(engine, actor, inspection, slot.step.key, values, slot.container_id)
        assert outcome.saved, (slot.id, outcome)
        for n in range(slot.photos_required):
            evidence.attach_photo(
                engine, actor, inspection, slot.step.key, _png(), f"{slot.id}-{n}.png", "image/png",
                slot.container_id, media_dir=data_dir / "media", max_bytes=2_000_000,
            )  # fmt: skip
    field.complete_checklist(engine, actor, inspection, now=now - timedelta(minutes=10))
    run_alert_checks(engine, now)
    with unit_of_work(engine) as s:
        alert = s.scalar(select(Alert.id).where(Alert.declaration_id == declaration, Alert.kind == "prohibited_goods"))
    assert alert is not None, "the prohibited-goods check raised no alert on the copper waste"
    engine.dispose()
    base, proc = start_streamlit(data_dir, url)
    yield {"base": base, "inspection": inspection, "alert": alert}
    stop(proc)


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    yield page
    context.close()


def test_an_inspector_cannot_release_with_an_open_prohibited_goods_alert_and_sees_why(phone, blocked_server):
    page, base = phone, blocked_server["base"]
    open_task(page, base, blocked_server["inspection"])
    expect(page.get_by_role("heading", name="Decision")).to_be_visible(timeout=WAIT)
    settled(page)
    blocked = page.get_by_test_id("stAlertContentError").filter(has_text="Release is blocked:")
    expect(blocked).to_be_visible()
    expect(blocked).to_contain_text(f"Open prohibited-goods alert #{blocked_server['alert']} on the declaration")
    expect(blocked).to_contain_text("a supervisor resolves it first")
    expect(blocked).to_contain_text("[solid_waste_import_ban]")
    page.screenshot(path="/tmp/field_release_blocked.png", full_page=True)

    control = by_key(page, "field.decision")
    expect(control.get_by_text("Hold", exact=True)).to_be_visible()
    expect(control.get_by_text("Return", exact=True)).to_be_visible()
    expect(control.get_by_text("Release", exact=True)).to_have_count(0)  # not offered while anything blocks it
    control.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/field_release_blocked_control.png")
    expect(page.get_by_text(re.compile(r"Attribute identification .*called for by"))).to_be_visible()
