"""Remote assist inside the inspection, in two browsers: the inspector (a phone) on the field page asks
for help on a step; the expert (desktop, on another page) is rung and joins from the ring, sees the
inspection behind the call, taps on the live picture (the mark shows at that spot on the
inspector's picture), takes a snapshot that lands in the step's evidence and proposes the step's
value; the inspector confirms it and saves the step while the call goes on.

Runs inside a loopback-only network namespace like tests/e2e/test_remote_assist.py, whose server,
browser and video helpers it uses.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from portsight.db.models import AssistProposal, AssistSession, Container, Evidence, StepResult
from portsight.db.session import unit_of_work
from tests.e2e import test_remote_assist as remote
from tests.e2e.helpers import by_key, expect_signed_in, login, settled
from tests.e2e.test_assist_drawing import RING_RED_JS
from tests.e2e.test_remote_assist import (
    DESKTOP,
    IN_NETNS,
    IS_RED_JS,
    KEEP_PEER_CONNECTIONS,
    PHONE,
    diagnose,
    draw_on_video,
    inner,
    open_side,
    run_in_loopback_namespace,
    session_of,
    wait_video_playing,
    webrtc_frame,
)
from tests.pages.appdb import recovered_paper_task

server = remote.server  # the same server (loopback site, no file watcher) and browser fixtures
chromium = remote.chromium
BOX = "TGHU8837428"
QUESTION = "Is the number on this door the declared one?"
# The call's iframe was not reloaded (its mark is still there), it opened no new connection (the
# start may have opened two: see components/remote_assist/webrtc_patches.py) and the last one is up.
MARK_CALL = "() => { window.__call_mark = window.__pcs.length; return window.__pcs.length; }"
CALL_STAYS = """() => window.__call_mark === window.__pcs.length
    && window.__pcs[window.__pcs.length - 1].connectionState === 'connected'"""


@pytest.mark.browser
@pytest.mark.slow
def test_remote_assist_in_the_field_page_in_a_loopback_only_network_namespace():
    if IN_NETNS:
        pytest.skip("already inside the namespace")
    run_in_loopback_namespace("test_inner_call_beside_the_step", timeout=600, module=__file__)


def open_field_page(chromium, base, task: int):
    """The inspector's phone on the field page, the task opened and started."""
    from playwright.sync_api import expect

    context = chromium.new_context(**PHONE, locale="en-US", permissions=["camera", "microphone"])
    context.add_init_script(KEEP_PEER_CONNECTIONS)
    page = context.new_page()
    page.assist_log = []
    page.on("console", lambda m: "assist-pc" in m.text and page.assist_log.append(f"{time.monotonic():.1f} {m.text}"))
    page.set_default_timeout(30_000)
    login(page, base, "inspector", "demo")
    expect_signed_in(page)
    page.get_by_test_id("stExpandSidebarButton").click()
    page.locator('[data-testid="stSidebarNav"] a', has_text="Field inspection").click()
    by_key(page, f"field.open.{task}").locator("button").click()
    by_key(page, "field.accept").locator("button").click()
    expect(by_key(page, "field.save")).to_be_visible()
    return context, page


@inner
def test_inner_call_beside_the_step(server, chromium):
    from playwright.sync_api import expect

    base, engine, _ = server
    task = recovered_paper_task(engine, number="DEC-E2E-CALL", container=BOX, priority=5)
    insp_ctx, inspector = open_field_page(chromium, base, task)
    exp_ctx, expert = open_side(chromium, base, "expert", DESKTOP)
    expert.goto(f"{base}/")  # the home page, away from the queue: the ring must find the expert

    # the inspector asks on the step open (the container number); the call opens above the step
    inspector.get_by_text("Request help from an expert").click()
    question = by_key(inspector, "field.help_question").locator("input")
    question.fill(QUESTION)
    question.press("Enter")
    settled(inspector)
    by_key(inspector, "field.help_send").locator("button").click()
    expect(inspector.get_by_text("Waiting for an expert to join")).to_be_visible()
    sid = session_of(engine, QUESTION)[0]
    expect(by_key(expert, f"ringing.banner.{sid}")).to_contain_text(QUESTION, timeout=20_000)
    expect(expert.locator("body")).to_have_attribute("data-ring-sound", "played")
    by_key(expert, f"ringing.join.{sid}").get_by_role("button").click()
    expect(by_key(expert, "assist.undo_mark")).to_be_visible()
    expect(inspector.get_by_text("has joined and sees your camera")).to_be_visible()
    inspector_video, expert_video = webrtc_frame(inspector), webrtc_frame(expert)
    try:
        wait_video_playing(expert_video)
        wait_video_playing(inspector_video)
    except Exception:
        remote.dump_server_stacks()
        print(f"expert:\n{diagnose(expert, 'field-expert')}\ninspector:\n{diagnose(inspector, 'field-inspector')}")
        raise

    # the expert taps on the live picture: the inspector's own picture shows the mark at that spot
    fx, fy, radius = 0.3, 0.7, 0.04
    assert not inspector_video.evaluate(IS_RED_JS, [0.8, 0.2])
    draw_on_video(expert, (fx, fy), (fx, fy))
    expect(expert.get_by_text("1 mark(s) on the inspector's picture")).to_be_visible()
    inspector_video.wait_for_function(f"() => ({RING_RED_JS})([{fx}, {fy}, {radius}]) > 0.5", timeout=20_000)
    assert not inspector_video.evaluate(IS_RED_JS, [0.8, 0.2])  # and nowhere else

    # the expert sees the inspection behind the call
    expect(expert.get_by_text(f"Container number · {BOX}")).to_be_visible()  # the step asked about, first
    expert.get_by_role("tab", name="Declaration").click()
    expect(expert.get_by_text("DEC-E2E-CALL")).to_be_visible()
    expect(expert.get_by_text("Recovered kraft paper")).to_be_visible()

    # a snapshot lands in the evidence of the step asked about
    by_key(expert, "assist.snapshot").locator("button").click()
    expect(expert.get_by_text("Snapshots (1)")).to_be_visible()
    with unit_of_work(engine) as s:
        box_id = s.scalar(
            select(Container.id).join(AssistSession, AssistSession.id == sid).where(Container.number == BOX)
        )
        shots = [(e.source, e.step_key, e.container_id) for e in s.scalars(select(Evidence).where(
            Evidence.assist_session_id == sid))]  # fmt: skip
    assert shots == [("snapshot", "container_number", box_id)]

    # the expert proposes the number; the inspector confirms it with one tap and saves the step
    by_key(expert, "assist.propose_value").locator("input").fill(BOX.lower())
    expert.get_by_role("button", name="Propose", exact=True).click()
    confirm = inspector.locator("[class*='st-key-field-proposal_confirm-'] button")
    expect(confirm).to_be_visible()  # the panel refreshes every 2 s
    for frame in (inspector_video, expert_video):
        frame.evaluate(MARK_CALL)
    confirm.click()
    number = by_key(inspector, f"field.in.container_number@{BOX}.number").locator("input")
    expect(number).to_have_value(BOX)
    by_key(inspector, "field.save").locator("button").click()
    settled(inspector)
    expect(inspector.get_by_text("Saved: conforming. Next step.")).to_be_visible()

    # the call goes on: the same connections, frames still advancing on both sides
    for frame in (inspector_video, expert_video):
        assert frame.evaluate(CALL_STAYS), frame.evaluate("() => [window.__call_mark, window.__pcs.length]")
    try:
        wait_video_playing(inspector_video)
        wait_video_playing(expert_video)
    except Exception:
        remote.dump_server_stacks()
        print(f"after the save, expert:\n{diagnose(expert, 'field-expert-saved')}")
        print(f"inspector:\n{diagnose(inspector, 'field-inspector-saved')}")
        raise
    with unit_of_work(engine) as s:
        step = s.scalars(
            select(StepResult).where(StepResult.inspection_id == task, StepResult.step_key == "container_number")
        ).one()
        assert (step.outcome, step.values["number"]) == ("conforming", BOX)
        assert s.scalar(select(AssistProposal.state).where(AssistProposal.session_id == sid)) == "confirmed"
    expect(inspector.get_by_text("Photos by step (1)")).to_be_visible()

    # leaving the inspection ends the call with a record
    by_key(inspector, "field.back").locator("button").click()
    expect(expert.get_by_text(f"Record of request #{sid}")).to_be_visible(timeout=15_000)
    with unit_of_work(engine) as s:
        assert s.get(AssistSession, sid).state == "ended"
    insp_ctx.close()
    exp_ctx.close()
