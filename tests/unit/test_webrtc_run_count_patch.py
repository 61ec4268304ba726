"""The streamlit-webrtc 0.79 orphaned-context race and the small patch that avoids it.

Streamlit bumps script_run_count asynchronously, so the quick reruns after START can read the
same value twice and then a jump of two; streamlit-webrtc then stops the live worker. The
patch feeds the check a counter that moves by one per render and by two only after a page
switch (the component's frontend state was dropped).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import streamlit_webrtc.component as component

from components.remote_assist import webrtc_patches


class FakeWorker:
    def __init__(self):
        self.stopped = False

    def stop(self, timeout=None):
        self.stopped = True


@pytest.fixture
def fake_session(monkeypatch):
    info = SimpleNamespace(script_run_count=10)
    state: dict = {}
    monkeypatch.setattr(component, "get_this_session_info", lambda: info)
    monkeypatch.setattr(component, "st", SimpleNamespace(session_state=state))
    monkeypatch.setattr(webrtc_patches, "st", SimpleNamespace(session_state=state))
    monkeypatch.setattr(component, "get_script_run_count", component.get_script_run_count)
    return info, state


def render(key, state, with_patch: bool):
    """What webrtc_streamer does first in each run, with the component's frontend value present."""
    if with_patch:
        webrtc_patches._StableRunCount.before_render(key)
    try:
        context = component._get_or_create_context(key)
    finally:
        if with_patch:
            webrtc_patches._StableRunCount.after_render()
    state[component.generate_frontend_component_key(key)] = {"playing": True}
    return context


def racing_reruns(info, state, with_patch):
    key = "assist.call"
    context = render(key, state, with_patch)
    worker = FakeWorker()
    context._set_worker(worker)
    for count in (10, 10, 12, 13):  # two runs read the same count, then it jumps by two
        info.script_run_count = count
        render(key, state, with_patch)
    return worker


def test_without_the_patch_the_race_stops_the_live_worker(fake_session):
    info, state = fake_session
    assert racing_reruns(info, state, with_patch=False).stopped


def test_with_the_patch_the_live_worker_survives_the_race(fake_session):
    info, state = fake_session
    webrtc_patches.install_run_count_patch()
    assert not racing_reruns(info, state, with_patch=True).stopped


def test_with_the_patch_a_page_switch_still_resets_the_stale_context(fake_session):
    info, state = fake_session
    webrtc_patches.install_run_count_patch()
    key = "assist.call"
    context = render(key, state, with_patch=True)
    worker = FakeWorker()
    context._set_worker(worker)
    # another page ran: Streamlit dropped the component's frontend widget state
    del state[component.generate_frontend_component_key(key)]
    render(key, state, with_patch=True)
    assert worker.stopped


def test_install_is_idempotent(monkeypatch):
    monkeypatch.setattr(component, "get_script_run_count", component.get_script_run_count)
    webrtc_patches.install_run_count_patch()
    once = component.get_script_run_count
    webrtc_patches.install_run_count_patch()
    assert component.get_script_run_count is once
