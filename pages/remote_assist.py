"""Remote assistance: the inspector asks, an expert joins, they talk and see; marks, snapshots, chat, record.

Layout only: reads and writes go through components.remote_assist.data, media through
components.remote_assist.webrtc (the room registry shared by every session).
"""

from __future__ import annotations

import streamlit as st

from components.remote_assist import webrtc
from components.remote_assist.data import (
    MAX_QUESTION,
    cancel_assist,
    end_assist,
    ice_servers,
    load_active_sessions,
    load_call_context,
    load_case_of_session,
    load_chat_messages,
    load_inspections_for_assist,
    load_open_session_for_user,
    load_session_record,
    load_waiting_queue,
    photo_file,
    post_chat_message,
    propose,
    read_snapshot_numbers,
    recording_on,
    request_assist,
    room_registry,
    save_snapshot,
    snapshot_file,
)
from components.remote_assist.drawing import drawing_surface, stage
from components.remote_assist.link import render_link_notice, snapshots_first
from components.remote_assist.ringing import join_assist, render_who_is_coming
from components.shell.formatting import as_text, country_label, credit_tier_label, goods_text, step_title
from components.shell.hints import render_case, render_history_hints
from components.shell.names import enterprise_name
from components.shell.photos import render_photo
from components.shell.state import current_scope, lang, require_page, tr
from components.shell.widgets import guarded, localise_times, render_empty
from portsight.domain.access import Role
from portsight.domain.annotations import KINDS, MAX_LABEL, InvalidMark, mark_from_gesture
from portsight.domain.proposals import PROPOSED_OUTCOMES
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
K_STAGE = "assist.stage"  # the video and, for the expert, the drawing surface laid over it
K_SURFACE = "assist.surface"
K_DRAWING = "assist.drawing"
K_DRAWN = "assist.drawn"  # session state: the id of the last gesture turned into a mark
K_KIND = "assist.mark_kind"
K_LABEL = "assist.label"
K_COLOUR = "assist.colour"
K_UNDO_MARK = "assist.undo_mark"
K_CLEAR_MARKS = "assist.clear_marks"
SURFACE_EVERY = 2  # seconds: the drawing surface follows the picture's aspect ratio
DEFAULT_ASPECT = 0.75  # height / width before the first frame (640x480, most cameras' default)
K_NOTE = "assist.note"
K_CONCLUSION = "assist.conclusion"
K_CONCLUDE = "assist.conclude"
K_WATCH = "assist.watch"
K_LAST_STATE = "assist.last_state"  # (session id, state) the page last showed
K_LAST_SESSION = "assist.last_session"  # the call this tab last took part in (its record is shown after)
K_PROPOSE = "assist.propose"
K_PROPOSE_WHAT = "assist.propose_what"  # an input of the step, or an outcome
K_PROPOSE_VALUE = "assist.propose_value"
K_PROPOSE_NOTE = "assist.propose_note"
CONTEXT_EVERY = 5  # seconds: the expert sees what the inspector saves and photographs
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
        render_who_is_coming(session_id)
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
        with stage(K_STAGE, K_SURFACE):
            webrtc.streamer(
                f"assist.call.{session_id}",
                room,
                role,
                actor,
                ice_servers(),
                desired_playing_state=True,
            )
            if role == webrtc.EXPERT:
                render_drawing_surface(room)
        render_link_notice(room, role)
        if role != webrtc.WATCHER and st.button(
            tr("assist.take_snapshot"),
            key=K_SNAPSHOT,
            icon=":material/photo_camera:",
            type="primary" if snapshots_first(room) else "secondary",
        ):
            jpeg = room.snapshot_jpeg()
            if jpeg is None:
                st.warning(tr("assist.no_picture_yet"))
            elif guarded(lambda: save_snapshot(actor, session_id, jpeg)):
                st.toast(tr("assist.snapshot_saved"))
        if role == webrtc.EXPERT:
            render_annotation_tools(room)
    with side_col:
        if role == webrtc.EXPERT:
            render_context(session_id)
            render_proposal_form(session_id)
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


@st.fragment(run_every=CONTEXT_EVERY)
def render_context(session_id: int) -> None:
    """What the expert needs beside the video: the step as entered so far, the declaration, the
    photos already taken, the hints and the step's rules."""
    context = load_call_context(session_id, actor.port_ids)
    if context is None:
        render_empty("assist.not_found")
        return
    language = lang()
    step, declaration, photos, hints = st.tabs(
        [tr("assist.ctx_step"), tr("assist.ctx_declaration"), tr("assist.ctx_photos"), tr("assist.ctx_hints")]
    )
    with step:
        render_context_step(context, language)
    with declaration:
        render_context_declaration(context, language)
    with photos:
        render_context_photos(context["photos"])
    with hints:
        render_context_hints(context, language)


def render_context_step(context: dict, language: str) -> None:
    slot = context["slot"]
    if slot is None:
        st.caption(tr("assist.ctx_no_step", step=as_text(context["session"]["step_key"] or "—")))
        return
    where = f" · {slot['container']}" if slot["container"] else ""
    st.markdown(f"**{slot['title'].get(language)}{where}**")
    photos = tr(
        "assist.ctx_photos_what",
        what=slot["photos_what"].get(language),
        have=slot["photos_taken"],
        need=slot["photos_required"],
    )
    st.caption(photos)
    yes_no = {True: tr("field.yes"), False: tr("field.no")}
    for item in slot["inputs"]:
        value = item["value"]
        shown = "—" if value is None else yes_no.get(value, value) if isinstance(value, bool) else as_text(value)
        unit = f" ({item['unit']})" if item["unit"] else ""
        st.markdown(f"- {item['title'].get(language)}{unit}: **{shown}**")
    outcome = tr(f"assist.ctx_outcome_{slot['outcome']}") if slot["outcome"] else tr("assist.ctx_not_saved")
    st.caption(outcome + (f" · {as_text(slot['note'])}" if slot["note"] else ""))
    for rule in context["rules"]:
        st.caption(
            f"{rule['title'].get(language)} — {tr('field.citation')}: {rule['citation'].get(language)} [{rule['id']}]"
        )
    for proposal in context["proposals"]:
        what = proposal["field"] or tr(f"assist.propose_{proposal['outcome']}")
        value = f" = {as_text(proposal['value'])}" if proposal["value"] is not None else ""
        st.caption(
            tr("assist.ctx_proposal", what=as_text(what) + value, state=tr(f"assist.proposal_{proposal['state']}"))
        )


def render_context_declaration(context: dict, language: str) -> None:
    decl = context["declaration"]
    st.markdown(f"**{as_text(decl['number'])}** · {decl['port_code']}")
    st.caption(
        " · ".join(
            [
                as_text(enterprise_name(decl["enterprise"])),
                credit_tier_label(language, decl["credit_tier"]),
                as_text(country_label(language, decl["origin_country"])),
            ]
        )
    )
    for g in context["goods"]:
        st.markdown(
            tr(
                "field.declared_goods",
                hs=as_text(g["hs_code"]),
                description=as_text(goods_text(language, g["hs_code"], g["description"])),
                quantity=f"{g['quantity']:g}",
                unit=as_text(g["unit"]),
                weight=f"{g['gross_weight_kg']:g}",
            )
        )
    for box in context["containers"]:
        st.markdown(
            tr(
                "field.declared_container",
                number=as_text(box["number"]),
                size_type=as_text(box["size_type"]),
                seal=as_text(box["declared_seal"] or "—"),
            )
        )


def render_context_photos(photos: list[dict]) -> None:
    if not photos:
        st.caption(tr("field.no_photos"))
        return
    ordered = sorted(photos, key=lambda p: not p["this_step"])  # the step's own photos first
    cols = st.columns(3)
    for i, photo in enumerate(ordered):
        where = step_title(lang(), photo["step_key"]) if photo["step_key"] else "—"
        where += f" · {photo['container']}" if photo["container"] else ""
        with cols[i % 3]:
            render_photo(photo_file(photo["sha256"], photo["media_type"]), photo["id"], caption=where)


def render_context_hints(context: dict, language: str) -> None:
    if context["hints"] is not None:
        render_history_hints(context["hints"], language)
    for case in context["cases"]:
        render_case(case)
    if context["hints"] is None and not context["cases"]:
        st.caption(tr("assist.ctx_no_hints"))


def render_proposal_form(session_id: int) -> None:
    """The expert proposes a value for one of the step's inputs, or its outcome; the inspector confirms it."""
    context = load_call_context(session_id, actor.port_ids)
    slot = None if context is None else context["slot"]
    if slot is None:
        return
    language = lang()
    titles = {item["name"]: item["title"].get(language) for item in slot["inputs"]}
    titles |= {outcome: tr(f"assist.propose_{outcome}") for outcome in PROPOSED_OUTCOMES}
    with st.form(K_PROPOSE, clear_on_submit=True):
        st.markdown(f"**{tr('assist.propose_title')}**")
        what = st.selectbox(tr("assist.propose_what"), list(titles), format_func=titles.get, key=K_PROPOSE_WHAT)
        value = st.text_input(tr("assist.propose_value"), key=K_PROPOSE_VALUE, max_chars=200)
        note = st.text_area(tr("assist.propose_note"), key=K_PROPOSE_NOTE, height=68, max_chars=1000)
        if st.form_submit_button(tr("assist.propose_send"), icon=":material/assignment_turned_in:"):
            if what in PROPOSED_OUTCOMES:
                sent = guarded(lambda: propose(actor, session_id, outcome=what, note=note))
            else:
                sent = guarded(lambda: propose(actor, session_id, field=what, value=value, note=note))
            if sent is not None:
                st.toast(tr("assist.proposal_sent"))


def _state(session_id: int) -> str | None:
    record = load_session_record(session_id, actor.port_ids)
    return None if record is None else record["state"]


def render_annotation_tools(room: webrtc.Room) -> None:
    """What the next mark is (kind, colour, label), and undo and clear: the expert draws on the video itself."""
    st.markdown(f"**{tr('assist.annotate')}**")
    st.caption(tr("assist.draw_hint"))
    kind_col, colour_col = st.columns([5, 1], vertical_alignment="bottom")
    kind_col.segmented_control(
        tr("assist.mark_kind"), KINDS, default="circle", key=K_KIND, format_func=lambda k: tr(f"assist.kind_{k}")
    )
    colour_col.color_picker(tr("assist.colour"), "#FF0000", key=K_COLOUR)
    st.text_input(tr("assist.label"), key=K_LABEL, max_chars=MAX_LABEL)
    undo, clear = st.columns(2)
    if undo.button(tr("assist.undo_mark"), key=K_UNDO_MARK, icon=":material/undo:"):
        room.remove_last_mark()
    if clear.button(tr("assist.clear_marks"), key=K_CLEAR_MARKS, icon=":material/ink_eraser:"):
        room.clear_marks()


@st.fragment(run_every=SURFACE_EVERY)
def render_drawing_surface(room: webrtc.Room) -> None:
    """The expert's canvas over the live video; each gesture drawn on it becomes a mark in the room.

    A fragment: a mark added reruns only this, and the canvas follows the picture's aspect ratio
    once the inspector's first frame has come (and when the camera turns).
    """
    frame = room.latest_frame()
    aspect = DEFAULT_ASPECT if frame is None else frame.height / frame.width
    kind = st.session_state.get(K_KIND) or "circle"
    colour = st.session_state.get(K_COLOUR, "#FF0000")
    label = st.session_state.get(K_LABEL, "")
    with st.container(key=K_SURFACE):
        gesture = drawing_surface(K_DRAWING, aspect=aspect, kind=kind, colour=colour, label=label)
    if gesture is not None and gesture.get("id") != st.session_state.get(K_DRAWN):
        st.session_state[K_DRAWN] = gesture.get("id")
        if kind == "text" and not label.strip():
            st.warning(tr("assist.label_first"), icon=":material/edit:")
        else:
            try:
                room.add_mark(mark_from_gesture(kind, gesture.get("points"), colour, label))
            except InvalidMark as exc:
                st.error(tr("assist.mark_refused", reason=as_text(str(exc))), icon=":material/error:")
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
