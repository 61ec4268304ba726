"""Remote assistance: the inspector asks, an expert joins, they talk and see; marks, snapshots, chat, record.

Layout only: reads and writes go through components.remote_assist.data, media through
components.remote_assist.webrtc (the room registry shared by every session).
"""

from __future__ import annotations

import cv2
import numpy as np
import streamlit as st

from components.remote_assist import webrtc
from components.remote_assist.data import (
    MAX_QUESTION,
    cancel_assist,
    end_assist,
    ice_servers,
    join_assist,
    load_active_sessions,
    load_case_of_session,
    load_chat_messages,
    load_inspections_for_assist,
    load_open_session_for_user,
    load_session_record,
    load_waiting_queue,
    post_chat_message,
    read_snapshot_numbers,
    recording_on,
    request_assist,
    room_registry,
    save_snapshot,
    snapshot_file,
)
from components.shell.formatting import as_text, step_title
from components.shell.photos import render_photo
from components.shell.state import current_scope, lang, require_page, tr
from components.shell.widgets import guarded, localise_times, render_empty
from portsight.domain.access import Role
from portsight.domain.annotations import KINDS, Mark
from portsight.i18n import fmt_duration_minutes, fmt_percent

actor = require_page("remote_assist")

K_INSPECTION = "assist.inspection"
K_STEP = "assist.step"
K_QUESTION = "assist.question"
K_EXPERTISE = "assist.expertise"
K_REQUEST = "assist.request"
K_CANCEL = "assist.cancel"
K_END = "assist.end"
K_SNAPSHOT = "assist.snapshot"
K_READ = "assist.read_number"  # + the snapshot's id: its "read a number" button
K_READINGS = "assist.readings"  # session state: snapshot id -> the numbers read from it
K_CHAT_FORM = "assist.chat_form"
K_CHAT_TEXT = "assist.chat_text"
K_FREEZE = "assist.freeze"
K_FROZEN = "assist.frozen"  # session state: (session id, BGR array) of the frozen frame
K_KIND = "assist.mark_kind"
K_X1, K_Y1, K_X2, K_Y2 = "assist.x1", "assist.y1", "assist.x2", "assist.y2"
K_LABEL = "assist.label"
K_COLOUR = "assist.colour"
K_ADD_MARK = "assist.add_mark"
K_CLEAR_MARKS = "assist.clear_marks"
K_NOTE = "assist.note"
K_CONCLUSION = "assist.conclusion"
K_CONCLUDE = "assist.conclude"
K_WATCH = "assist.watch"
K_LAST_STATE = "assist.last_state"  # (session id, state) the page last showed
K_LAST_SESSION = "assist.last_session"  # the call this tab last took part in (its record is shown after)
ROUTE_COOKIE = "portsight_route"  # nginx's pin cookie in front of several replicas (deploy/nginx)

registry = room_registry()

st.title(tr("nav.remote_assist"))


def succeeded(action) -> bool:
    """guarded() for services that return nothing (cancel, join, end): True unless an error was shown."""
    return guarded(lambda: (action(), True)[1]) is not None


def _rerun_when_state_changes(session_id: int | None, state: str | None) -> None:
    """The live panels run as fragments; the call itself follows the state through a full rerun."""
    key = (session_id, state)
    if st.session_state.get(K_LAST_STATE, key) != key:
        st.session_state[K_LAST_STATE] = key
        st.rerun(scope="app")
    st.session_state[K_LAST_STATE] = key


def render_record(record: dict, *, header: bool = True) -> None:
    if header:
        st.subheader(tr("assist.record_title", id=record["id"]))
    minutes = None if record["duration_seconds"] is None else record["duration_seconds"] / 60.0
    cols = st.columns(4)
    cols[0].metric(tr("assist.inspector"), as_text(record["requested_by"]))
    cols[1].metric(tr("assist.expert"), as_text(record["expert"] or "—"))
    cols[2].metric(tr("assist.state"), tr(f"assist.state_{record['state']}"))
    cols[3].metric(tr("assist.duration"), fmt_duration_minutes(st.session_state.get("app.lang", "zh_CN"), minutes))
    st.markdown(f"**{tr('assist.question_label')}** {as_text(record['question'])}")
    if record["note"]:
        st.markdown(f"**{tr('assist.note')}** {as_text(record['note'])}")
    if record["conclusion"]:
        st.markdown(f"**{tr('assist.conclusion')}** {as_text(record['conclusion'])}")
        case = load_case_of_session(record["id"])
        if case is not None:
            step = step_title(lang(), case["step_key"])
            st.caption(tr("cases.kept", id=case["id"], heading=case["heading"], step=step))
    render_gallery(record["snapshots"])
    render_messages(record["chat"])


def render_gallery(snapshots: list[dict]) -> None:
    st.markdown(f"**{tr('assist.snapshots')}** ({len(snapshots)})")
    if not snapshots:
        return
    cols = st.columns(4)
    for i, shot in enumerate(snapshots):
        path = snapshot_file(shot["sha256"])
        with cols[i % 4]:
            render_photo(path, shot["id"], caption=f"#{shot['id']} · {shot['taken_by'] or ''}")
            if actor.role == Role.EXPERT:
                render_snapshot_reading(shot)


def _read_snapshot(shot_id: int, sha256: str) -> None:
    reading = guarded(lambda: read_snapshot_numbers(sha256))
    if reading is not None:
        st.session_state.setdefault(K_READINGS, {})[shot_id] = reading


def render_snapshot_reading(shot: dict) -> None:
    """The expert reads a container or seal number off a snapshot: proposed only when it checks out."""
    reading = st.session_state.get(K_READINGS, {}).get(shot["id"])
    if reading is None:
        st.button(
            tr("readings.read_snapshot"),
            key=f"{K_READ}.{shot['id']}",
            on_click=_read_snapshot,
            args=(shot["id"], shot["sha256"]),
            icon=":material/document_scanner:",
        )
        return
    language = lang()
    for key, found in (("readings.snapshot_container", reading.container), ("readings.snapshot_seal", reading.seal)):
        if found is not None:
            st.markdown(tr(key, number=as_text(found.number), confidence=fmt_percent(language, found.confidence, 0)))
    if reading.container is None and reading.seal is None:
        read = as_text(reading.read) if reading.read else tr("readings.nothing_read")
        st.markdown(tr("readings.snapshot_none", read=read))


def render_messages(messages: list[dict]) -> None:
    box = st.container(key="assist.chat_log")
    with box:
        if not messages:
            st.caption(tr("assist.no_messages"))
        for message in messages:
            st.markdown(f"**{as_text(message['sender'])}**: {as_text(message['text'])}")


@st.fragment(run_every=2)
def render_live_panel(session_id: int) -> None:
    """Who is there, and the chat, refreshed every two seconds."""
    record = load_session_record(session_id, actor.port_ids)
    if record is None:
        render_empty("assist.not_found")
        return
    _rerun_when_state_changes(session_id, record["state"])
    if record["state"] == "waiting":
        st.info(tr("assist.waiting_for_expert"), icon=":material/hourglass_top:")
    elif record["state"] == "active":
        st.success(tr("assist.joined_by", name=as_text(record["expert"])), icon=":material/support_agent:")
    st.markdown(f"**{tr('assist.chat')}**")
    log_box = st.container()
    messages = record["chat"]
    if record["state"] in ("waiting", "active"):
        with st.form(K_CHAT_FORM, clear_on_submit=True, border=False):
            text = st.text_input(tr("assist.chat_placeholder"), key=K_CHAT_TEXT)
            if st.form_submit_button(tr("assist.send")) and text.strip():
                if guarded(lambda: post_chat_message(actor, session_id, text)) is not None:
                    messages = load_chat_messages(session_id)
    with log_box:
        render_messages(messages)
    render_gallery(record["snapshots"])


def pin_to_room(session_id: int) -> None:
    """Several replicas behind nginx: both parties must reach the room's replica (docs/deployment.md).

    The URL names the room (nginx routes /remote_assist?room=<id> by it), so a reload lands there;
    a tab pinned to another replica by nginx's cookie gets the link. Without nginx: no cookie, no-op.
    """
    if st.query_params.get("room") != str(session_id):
        st.query_params["room"] = str(session_id)
    pin = st.context.cookies.get(ROUTE_COOKIE)
    if pin is not None and pin != f"room-{session_id}":
        st.warning(tr("assist.room_elsewhere"), icon=":material/dns:")
        st.link_button(tr("assist.open_room"), f"remote_assist?room={session_id}", icon=":material/open_in_new:")


def render_call(session_id: int, role: str, record: dict) -> None:
    st.session_state[K_LAST_SESSION] = session_id
    st.session_state[K_LAST_STATE] = (session_id, record["state"])
    pin_to_room(session_id)
    room = registry.room(session_id)
    if recording_on() and role == webrtc.INSPECTOR:
        st.warning(tr("assist.recording_on"), icon=":material/radio_button_checked:")
    video_col, side_col = st.columns([3, 2]) if role != webrtc.INSPECTOR else (st.container(), st.container())
    with video_col:
        webrtc.streamer(
            f"assist.call.{session_id}",
            room,
            role,
            actor,
            ice_servers(),
            desired_playing_state=True,
        )
        if role != webrtc.WATCHER and st.button(
            tr("assist.take_snapshot"), key=K_SNAPSHOT, icon=":material/photo_camera:"
        ):
            jpeg = room.snapshot_jpeg()
            if jpeg is None:
                st.warning(tr("assist.no_picture_yet"))
            elif guarded(lambda: save_snapshot(actor, session_id, jpeg)):
                st.toast(tr("assist.snapshot_saved"))
        if role == webrtc.EXPERT:
            render_annotation_tools(session_id, room)
    with side_col:
        render_live_panel(session_id)
        if role == webrtc.INSPECTOR:
            if record["state"] == "waiting" and st.button(tr("assist.cancel"), key=K_CANCEL):
                if succeeded(lambda: cancel_assist(actor, session_id)):
                    registry.close(session_id)
                    st.rerun()
            if record["state"] == "active" and st.button(tr("assist.end_call"), key=K_END, type="primary"):
                if succeeded(lambda: end_assist(actor, session_id)):
                    registry.close(session_id)
                    st.rerun()
        if role == webrtc.EXPERT:
            with st.form("assist.end_form"):
                note = st.text_area(tr("assist.note"), key=K_NOTE)
                conclusion = st.text_area(tr("assist.conclusion"), key=K_CONCLUSION, help=tr("cases.conclusion_help"))
                if st.form_submit_button(tr("assist.end_call"), type="primary"):
                    ended = succeeded(lambda: end_assist(actor, session_id, note, conclusion))
                    if ended or _state(session_id) == "ended":
                        registry.close(session_id)
                        st.rerun()


def _state(session_id: int) -> str | None:
    record = load_session_record(session_id, actor.port_ids)
    return None if record is None else record["state"]


def render_annotation_tools(session_id: int, room: webrtc.Room) -> None:
    st.markdown(f"**{tr('assist.annotate')}**")
    if st.button(tr("assist.freeze"), key=K_FREEZE, icon=":material/pause_circle:"):
        frame = room.latest_frame()
        if frame is None:
            st.warning(tr("assist.no_picture_yet"))
        else:
            st.session_state[K_FROZEN] = (session_id, frame.to_ndarray(format="bgr24"))
    frozen = st.session_state.get(K_FROZEN)
    kind = (
        st.segmented_control(
            tr("assist.mark_kind"), KINDS, default="circle", key=K_KIND, format_func=lambda k: tr(f"assist.kind_{k}")
        )
        or "circle"
    )
    c1, c2 = st.columns(2)
    x1 = c1.slider(tr("assist.x1"), 0, 100, 50, key=K_X1)
    y1 = c2.slider(tr("assist.y1"), 0, 100, 50, key=K_Y1)
    if kind != "text":
        x2 = c1.slider(tr("assist.x2"), 0, 100, 65, key=K_X2)
        y2 = c2.slider(tr("assist.y2"), 0, 100, 50, key=K_Y2)
    else:
        x2 = y2 = 0
    label = st.text_input(tr("assist.label"), key=K_LABEL, max_chars=60)
    colour = st.color_picker(tr("assist.colour"), "#FF0000", key=K_COLOUR)
    candidate = guarded(lambda: Mark(kind, x1 / 100, y1 / 100, x2 / 100, y2 / 100, colour, label))
    if frozen is not None and frozen[0] == session_id:
        marks = list(room.marks()) + ([candidate] if candidate else [])
        preview = webrtc.draw_annotations(frozen[1], marks)
        st.image(cv2.cvtColor(np.ascontiguousarray(preview), cv2.COLOR_BGR2RGB), caption=tr("assist.preview"))
    add, clear = st.columns(2)
    if add.button(tr("assist.add_mark"), key=K_ADD_MARK, type="primary", disabled=candidate is None):
        room.add_mark(candidate)
    if clear.button(tr("assist.clear_marks"), key=K_CLEAR_MARKS):
        room.clear_marks()
    st.caption(tr("assist.marks_count", n=len(room.marks())))


def render_request_form() -> None:
    st.subheader(tr("assist.ask_title"))
    options = load_inspections_for_assist(actor.user_id, current_scope())
    params = st.query_params
    preset = params.get("inspection")
    if options.empty and not preset:
        render_empty("assist.no_inspections")
        return
    ids = [int(v) for v in options["id"]] if not options.empty else []
    if preset and preset.isdigit() and int(preset) not in ids:
        ids.insert(0, int(preset))
    labels = {row.id: f"#{row.id} · {row.declaration} · {row.port}" for row in options.itertuples()}
    with st.form(K_REQUEST):
        inspection_id = st.selectbox(
            tr("assist.inspection"), ids, key=K_INSPECTION, format_func=lambda i: labels.get(i, f"#{i}")
        )
        step = st.text_input(tr("assist.step"), value=params.get("step", ""), key=K_STEP)
        question = st.text_area(tr("assist.question_label"), key=K_QUESTION, max_chars=MAX_QUESTION)
        expertise = st.text_input(tr("assist.expertise"), key=K_EXPERTISE)
        if st.form_submit_button(tr("assist.ask"), type="primary"):
            created = guarded(lambda: request_assist(actor, inspection_id, step or None, question, expertise or None))
            if created is not None:
                st.rerun()


def render_inspector() -> None:
    mine = load_open_session_for_user(actor.user_id)
    if mine is None:
        st.session_state[K_LAST_STATE] = (None, None)
        render_request_form()
        render_history()
        return
    record = load_session_record(mine["id"], actor.port_ids)
    st.caption(tr("assist.request_caption", id=record["id"], question=as_text(record["question"])))
    render_call(mine["id"], webrtc.INSPECTOR, record)


def render_history() -> None:
    session_id = st.session_state.get(K_LAST_SESSION)
    if session_id:
        record = load_session_record(session_id, actor.port_ids)
        if record is not None and record["state"] not in ("waiting", "active"):
            registry.close(session_id)
            render_record(record)
            if actor.role == Role.EXPERT and record["expert_id"] == actor.user_id:
                render_conclusion_form(record)


def render_conclusion_form(record: dict) -> None:
    with st.form(K_CONCLUDE):
        note = st.text_area(tr("assist.note"), value=record["note"] or "", key=f"{K_NOTE}.after")
        conclusion = st.text_area(
            tr("assist.conclusion"),
            value=record["conclusion"] or "",
            key=f"{K_CONCLUSION}.after",
            help=tr("cases.conclusion_help"),
        )
        if st.form_submit_button(tr("assist.save_conclusion")):
            if succeeded(lambda: end_assist(actor, record["id"], note, conclusion)):
                st.rerun()


@st.fragment(run_every=3)
def render_queue() -> None:
    st.subheader(tr("assist.queue_title"))
    queue = load_waiting_queue(current_scope())
    if queue.empty:
        render_empty("assist.queue_empty")
        return
    shown = localise_times(queue, "requested_at")
    shown["step_key"] = shown["step_key"].map(lambda key: step_title(lang(), key))  # the step's title, not its key
    st.dataframe(
        shown,
        hide_index=True,
        column_order=[
            "id",
            "port",
            "declaration",
            "step_key",
            "expertise",
            "question",
            "requested_by",
            "waiting_minutes",
        ],
        column_config={
            "id": tr("assist.col_request"),
            "port": tr("common.port"),
            "declaration": tr("assist.col_declaration"),
            "step_key": tr("assist.step"),
            "expertise": tr("assist.expertise"),
            "question": tr("assist.question_label"),
            "requested_by": tr("assist.inspector"),
            "waiting_minutes": st.column_config.NumberColumn(tr("assist.col_waiting"), format="%.1f"),
        },
        key="assist.queue_table",
    )
    if actor.role != Role.EXPERT:
        return
    for row in queue.itertuples():
        if st.button(tr("assist.join", id=row.id, question=as_text(row.question[:40])), key=f"assist.join.{row.id}"):
            if succeeded(lambda sid=row.id: join_assist(actor, sid)):
                st.rerun(scope="app")


def render_expert() -> None:
    mine = load_open_session_for_user(actor.user_id)
    if mine is not None and mine["state"] == "active" and mine["expert_id"] == actor.user_id:
        record = load_session_record(mine["id"], actor.port_ids)
        st.caption(tr("assist.request_caption", id=record["id"], question=as_text(record["question"])))
        render_call(mine["id"], webrtc.EXPERT, record)
        return
    st.session_state[K_LAST_STATE] = (None, None)
    render_history()
    render_queue()


def render_supervisor() -> None:
    render_queue()
    st.subheader(tr("assist.active_title"))
    active = load_active_sessions(current_scope())
    if active.empty:
        render_empty("assist.no_active")
        return
    watch = st.selectbox(
        tr("assist.watch"),
        [None, *active["id"].tolist()],
        key=K_WATCH,
        format_func=lambda i: "—" if i is None else f"#{i}",
    )
    if watch is not None:
        record = load_session_record(int(watch), actor.port_ids)
        if record is not None and record["state"] == "active":
            render_call(int(watch), webrtc.WATCHER, record)


PANELS = {
    Role.INSPECTOR: render_inspector,
    Role.EXPERT: render_expert,
    Role.SUPERVISOR: render_supervisor,
}

guarded(PANELS[actor.role])
