"""The demo as a visitor meets it, at whatever hour the test runs: the app over the demo seed with the
simulator on (a round a second). The demo `inspector` signs in with the demo password, finds a task waiting,
walks it on the field page (every step, its photos uploaded) to the release and its receipt; then the
audit shows that after the task was given, everything done on that inspection was the person's: the
simulator, busy all along, never touched it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, func, select

from portsight.config import load_settings
from portsight.db import models as m
from portsight.db.checklists import load_checklist
from portsight.db.migrate import upgrade
from portsight.db.session import make_engine
from portsight.demo.seed import seed_demo
from portsight.demo.visitors import RELEASE
from portsight.domain.checklist import Slot
from portsight.i18n import t
from portsight.security import hash_password
from portsight.services.accounts import DEMO_PASSWORD
from tests.e2e.conftest import start_streamlit, stop
from tests.e2e.helpers import by_key, expect_signed_in, login, settled
from tests.pages.appdb import app_env

pytestmark = pytest.mark.browser

WAIT = 30_000
expect.set_options(timeout=WAIT)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[tuple[str, Engine]]:
    """The app over a week of demo data, seeded for the current hour, with the simulator on."""
    data_dir = tmp_path_factory.mktemp("e2e_demo")
    url = f"sqlite:///{data_dir / 'portsight.db'}"
    upgrade(url)
    with pytest.MonkeyPatch.context() as env:  # the app's own media directory and receipt keys
        for name, value in app_env(data_dir, url).items():
            env.setenv(name, value)
        settings = load_settings()
    engine = make_engine(url)
    seed_demo(
        engine, weeks=1, seed=7, demo=True, password_hash=hash_password(DEMO_PASSWORD),
        media_dir=settings.media_dir, secret=settings.receipt_keys,
    )  # fmt: skip
    base, proc = start_streamlit(
        data_dir, url, {"PORTSIGHT_SIMULATOR": "on", "PORTSIGHT_SIMULATOR_SECONDS": "1", "PORTSIGHT_SUPERVISION": "off"}
    )
    yield base, engine
    stop(proc)
    engine.dispose()


def _until(found, what: str, seconds: float = 120):
    """Poll the database for what the app's simulator writes (a wait, not a measure of speed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"not found within {seconds} s: {what}")


def _waiting_release_task(engine: Engine, inspector: int) -> int | None:
    """A task of the inspector's, not started, whose goods end in a release (demo.visitors.RELEASE)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.Inspection.id, m.GoodsLine.hs_code)
            .join(m.InspectorAssignment, m.InspectorAssignment.inspection_id == m.Inspection.id)
            .join(m.GoodsLine, m.GoodsLine.declaration_id == m.Inspection.declaration_id)
            .where(m.InspectorAssignment.user_id == inspector, m.Inspection.state == "assigned")
        ).all()
    codes: dict[int, list[str]] = {}
    for inspection_id, code in rows:
        codes.setdefault(inspection_id, []).append(code)
    return next((i for i, c in sorted(codes.items()) if all(x.startswith(RELEASE.codes) for x in c)), None)


def _key(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in key)


def _photos_shown(lang: str, have: int, need: int) -> re.Pattern[str]:
    """The step's photo count as the page shows it (its message without the markdown and what to take)."""
    head = t(lang, "field.photos_count", have=have, need=need, what="").replace("**", "").rstrip(" —")
    return re.compile(r"\s*".join(re.escape(part) for part in head.split()))


def _press(page: Page, key: str, done, what: str) -> None:
    """Press a button and wait for its write; pressed again when nothing was written (a press that lands
    while the page is still rendering the previous run is sometimes lost, and a person presses again)."""
    for attempt in range(3):
        settled(page)
        button = by_key(page, key).locator("button")
        expect(button).to_be_enabled()
        button.click()
        try:
            _until(done, what, 15)
            return
        except AssertionError:
            if attempt == 2:
                raise
            print(f"\n{key} pressed again: {what} not written")


def _choose(page: Page, key: str, label: str) -> None:
    settled(page)
    by_key(page, key).get_by_text(label, exact=True).click()


def _type(page: Page, key: str, value: str) -> None:
    settled(page)
    box = by_key(page, key).locator("input")
    box.fill(value)
    box.press("Enter")


def _upload_photos(page: Page, lang: str, slot: Slot, photo: Path) -> None:
    for n in range(slot.photos_required):
        settled(page)
        uploader = page.locator(f'[class*="st-key-{_key(f"field.upload.{slot.id}.")}"] input[type="file"]')
        uploader.set_input_files(str(photo))
        shown = page.get_by_test_id("stMarkdownContainer").filter(
            has_text=_photos_shown(lang, n + 1, slot.photos_required)
        )
        expect(shown).to_be_visible()


def _enter(page: Page, lang: str, slot: Slot, facts) -> None:
    """What the inspector finds at a step of goods and containers that are as declared."""
    yes, no = t(lang, "field.yes"), t(lang, "field.no")
    key = f"field.in.{slot.id}"
    box = next((c for c in facts.containers if c.number == slot.container_number), None)
    if slot.step.key == "container_number":
        _type(page, f"{key}.number", slot.container_number)
    elif slot.step.key == "seal":
        _type(page, f"{key}.seal_number", box.declared_seal)
        _choose(page, f"{key}.seal_class", box.declared_seal_class or "H")
    elif slot.step.key == "reseal":
        _type(page, f"{key}.new_seal_number", "HG7654321")
        _choose(page, f"{key}.new_seal_class", "H")
    elif slot.step.key == "goods":
        _choose(page, f"{key}.description_matches", yes)
        _type(page, f"{key}.quantity", f"{facts.declared_quantity:g}")
        _type(page, f"{key}.gross_weight_kg", f"{facts.declared_gross_weight_kg:g}")
    elif slot.step.key == "packaging":
        _choose(page, f"{key}.packaging_intact", yes)
        _choose(page, f"{key}.wood_packaging", no)
    else:  # seal integrity, the container body: every check holds
        for spec in slot.step.inputs:
            _choose(page, f"{key}.{spec.name}", yes)


def test_the_demo_inspector_walks_a_waiting_task_to_its_receipt_and_the_simulator_never_touches_it(
    demo_server, browser, tmp_path
):
    base, engine = demo_server
    with engine.connect() as conn:
        inspector, lang = conn.execute(select(m.User.id, m.User.language).where(m.User.username == "inspector")).one()
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (320, 240), (90, 120, 150)).save(photo, "JPEG")

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        # The app starts its simulator once somebody has signed in; its first round tops up the waiting work.
        login(page, base, "inspector", DEMO_PASSWORD, path="field_inspection")
        expect_signed_in(page)
        task = _until(lambda: _waiting_release_task(engine, inspector), "a waiting task that ends in a release")
        with engine.connect() as conn:
            given = conn.scalar(
                select(func.max(m.AuditEntry.id)).where(
                    m.AuditEntry.entity == "inspection",
                    m.AuditEntry.entity_id == str(task),
                    m.AuditEntry.action == "assign",
                )
            )
        checklist = load_checklist(engine, task)
        page.reload()
        expect_signed_in(page)
        settled(page)
        by_key(page, f"field.open.{task}").locator("button").click()
        settled(page)
        by_key(page, "field.accept").locator("button").click()
        for slot in checklist.slots:
            _enter(page, lang, slot, checklist.facts)
            _upload_photos(page, lang, slot, photo)
            _press(page, "field.save", lambda slot=slot: _recorded(engine, task, slot), f"step {slot.id} recorded")
        _press(page, "field.complete", lambda: _state(engine, task) == "completed", "the checklist completed")
        _choose(page, "field.decision", t(lang, "field.decision_release"))
        settled(page)
        by_key(page, "field.confirm").get_by_text(t(lang, "field.confirm")).click()
        _press(page, "field.decide", lambda: _state(engine, task) == "released", "the release")
        expect(page.get_by_test_id("stCode").filter(has_text=re.compile(r"RR-CNSGH-\d{8}-"))).to_be_visible()
    except Exception:
        page.screenshot(path="/tmp/demo_walkthrough_failed.png", full_page=True)
        print("alerts on the page:", page.get_by_test_id("stAlert").all_inner_texts())
        raise
    finally:
        context.close()

    state = _state(engine, task)
    with engine.connect() as conn:
        receipt = conn.scalar(select(m.ReleaseReceipt.receipt_no).where(m.ReleaseReceipt.inspection_id == task))
        since = conn.execute(
            select(m.AuditEntry.actor, m.AuditEntry.simulated, m.AuditEntry.action, m.AuditEntry.entity,
                   m.AuditEntry.entity_id, m.AuditEntry.after)
            .where(m.AuditEntry.id > given)
            .order_by(m.AuditEntry.id)
        ).all()  # fmt: skip
    assert state == "released" and receipt
    on_task = [
        e
        for e in since
        if (e.entity == "inspection" and e.entity_id == str(task)) or (e.after or {}).get("inspection_id") == task
    ]
    actions = {e.action for e in on_task}
    assert {"start", "field.step", "field.photo", "complete", "field.decide", "decide", "receipt.issue"} <= actions
    assert {(e.actor, e.simulated) for e in on_task} == {("inspector", False)}
    # The simulator was at work meanwhile, elsewhere.
    assert any(e.simulated for e in since)


def _state(engine: Engine, inspection_id: int) -> str | None:
    with engine.connect() as conn:
        return conn.scalar(select(m.Inspection.state).where(m.Inspection.id == inspection_id))


def _recorded(engine: Engine, inspection_id: int, slot: Slot) -> bool:
    with engine.connect() as conn:
        return (
            conn.scalar(
                select(func.count())
                .select_from(m.StepResult)
                .where(
                    m.StepResult.inspection_id == inspection_id,
                    m.StepResult.step_key == slot.step.key,
                    m.StepResult.container_id.is_(None)
                    if slot.container_id is None
                    else m.StepResult.container_id == slot.container_id,
                    m.StepResult.outcome == "conforming",
                )
            )
            == 1
        )
