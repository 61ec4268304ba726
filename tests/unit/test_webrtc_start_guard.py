"""Starting the browser's side of a call so that the server answers the connection that gets the answer.

streamlit-webrtc 0.79's frontend starts one more peer connection for every rerun that reaches
it while it loads a script; the server answered the first offer and the answer went to the
last connection (ICE then failed after 15 s). plan_start decides, per render, what to ask of
the frontend; the browser e2e (tests/e2e/test_remote_assist.py) shows the calls connecting.
"""

from __future__ import annotations

from portsight.calls.start import StartPlan, offer_ufrag, plan_start


def offer(ufrag: str) -> dict:
    lines = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "m=audio 9 UDP/TLS/RTP/SAVPF 111", f"a=ice-ufrag:{ufrag}"]
    sdp = "\r\n".join(lines) + "\r\n"
    return {"type": "offer", "sdp": sdp}


MOUNTED = {"playing": False, "sdpOffer": "", "iceCandidates": {}}


def test_offer_ufrag_reads_the_username_fragment_of_a_description_or_sdp_text():
    assert offer_ufrag(offer("K53F")) == "K53F"
    assert offer_ufrag(offer("K53F")["sdp"]) == "K53F"
    assert offer_ufrag("") is None
    assert offer_ufrag(None) is None
    assert offer_ufrag({"type": "offer"}) is None


def test_nothing_is_started_before_the_frontend_has_reported():
    # asking at the first render lets the rerun of the frontend's first value start a second connection
    assert plan_start(None, None, False, False) == StartPlan(None)


def test_once_mounted_the_frontend_is_asked_to_play():
    assert plan_start(MOUNTED, None, False, False) == StartPlan(True)


def test_the_offer_the_worker_answered_keeps_playing():
    value = {"playing": True, "sdpOffer": offer("aaaa"), "iceCandidates": {}}
    assert plan_start(value, "aaaa", True, False) == StartPlan(True)


def test_a_newer_offer_before_the_answer_was_sent_gets_a_new_worker():
    value = {"playing": False, "sdpOffer": offer("cccc"), "iceCandidates": {}}
    assert plan_start(value, "aaaa", False, False) == StartPlan(True, replace_worker=True)


def test_a_newer_offer_after_the_answer_was_sent_restarts_the_frontend():
    value = {"playing": False, "sdpOffer": offer("cccc"), "iceCandidates": {}}
    assert plan_start(value, "aaaa", True, False) == StartPlan(False, restarting=True)


def test_a_restart_holds_the_frontend_stopped_until_it_reports_stopped_then_plays():
    signalling = {"playing": False, "sdpOffer": offer("cccc"), "iceCandidates": {}}
    assert plan_start(signalling, "aaaa", True, True) == StartPlan(False, restarting=True)
    assert plan_start(MOUNTED, None, False, True) == StartPlan(True)


def test_a_restart_waits_for_a_frontend_that_has_not_reported():
    assert plan_start(None, None, False, True) == StartPlan(None, restarting=True)
