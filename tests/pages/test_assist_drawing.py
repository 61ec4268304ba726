"""The expert's drawing tools under AppTest: the call and the drawing surface are stubbed (no browser)."""

from __future__ import annotations

import pytest

from components.remote_assist import drawing, webrtc
from tests.pages.conftest import errors, login

PAGE = "pages/remote_assist.py"


@pytest.fixture
def rooms(monkeypatch):
    """The rooms the page's call was wired to (newest last)."""
    seen = []
    monkeypatch.setattr(webrtc, "streamer", lambda key, room, *args, **kwargs: seen.append(room))
    return seen


@pytest.fixture
def gesture(monkeypatch):
    """What the drawing surface returns on the next run; the arguments it was rendered with."""
    state = {"value": None, "args": []}

    def fake_surface(*, key, default, **kwargs):
        state["args"].append({"key": key, **kwargs})
        return state["value"]

    monkeypatch.setattr(drawing, "_surface", fake_surface)
    return state


def expert_in_a_call(new_app):
    at = login(new_app().run(), "expert")
    at.switch_page(PAGE).run()
    if any(b.key == "assist.undo_mark" for b in at.button):  # still in the call of an earlier test
        return at
    waiting_id = int(at.dataframe[0].value["id"].iloc[0])
    at.button(key=f"assist.join.{waiting_id}").click().run()
    at.run()  # the queue's st.rerun(scope="app") is followed by the server, not by AppTest
    assert not at.exception and not errors(at), (at.exception, errors(at))
    return at


def pick_kind(at, kind: str) -> None:
    """Pick a kind of mark. AppTest formats the options in the test's thread, where the labels come
    out in the default language (Chinese), so the page is switched to it for the click."""
    at.session_state["app.lang"] = "zh_CN"
    at.run()
    at.segmented_control(key="assist.mark_kind").set_value(kind).run()
    at.session_state["app.lang"] = "en"
    at.run()


def test_the_tools_render_and_a_drawn_gesture_becomes_a_mark_in_the_room(new_app, rooms, gesture):
    at = expert_in_a_call(new_app)
    room = rooms[-1]
    room.clear_marks()
    assert at.button(key="assist.undo_mark") is not None and at.button(key="assist.clear_marks") is not None
    assert at.text_input(key="assist.label") is not None and at.color_picker(key="assist.colour") is not None
    drawn = gesture["args"][-1]
    assert drawn["key"] == "assist.drawing" and drawn["kind"] == "circle" and drawn["aspect"] == 0.75

    gesture["value"] = {"id": "1-1", "points": [[0.3, 0.4]]}  # a tap
    at.run()
    assert not errors(at)
    (mark,) = room.marks()
    assert (mark.kind, mark.x1, mark.y1) == ("circle", 0.3, 0.4)
    at.run()  # the component keeps returning its last gesture: it is not added twice
    assert len(room.marks()) == 1

    pick_kind(at, "line")
    gesture["value"] = {"id": "1-2", "points": [[0.1, 0.1], [0.2, 0.15], [0.4, 0.3]]}
    at.run()
    assert [m.kind for m in room.marks()] == ["circle", "line"]
    assert gesture["args"][-1]["kind"] == "line"

    at.button(key="assist.undo_mark").click().run()
    assert [m.kind for m in room.marks()] == ["circle"]
    at.button(key="assist.clear_marks").click().run()
    assert room.marks() == ()


def test_a_hostile_gesture_is_refused_with_a_message_and_adds_nothing(new_app, rooms, gesture):
    at = expert_in_a_call(new_app)
    room = rooms[-1]
    room.clear_marks()
    gesture["value"] = {"id": "2-1", "points": [[0.1, 0.1]] * 5000}
    at.run()
    assert room.marks() == ()
    assert any("could not be placed" in e for e in errors(at)), errors(at)


def test_a_label_tap_without_a_label_asks_for_the_label_first(new_app, rooms, gesture):
    at = expert_in_a_call(new_app)
    room = rooms[-1]
    room.clear_marks()
    pick_kind(at, "text")
    gesture["value"] = {"id": "3-1", "points": [[0.5, 0.5]]}
    at.run()
    assert room.marks() == ()
    assert any("Type the label first" in w.value for w in at.warning)
    at.text_input(key="assist.label").input("铅封 here").run()
    gesture["value"] = {"id": "3-2", "points": [[0.5, 0.5]]}
    at.run()
    assert [(m.kind, m.text) for m in room.marks()] == [("text", "铅封 here")]
