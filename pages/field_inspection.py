"""Field inspection on a phone: my tasks, the checklist one step at a time, photos, findings, help, decision, receipt.

Layout and widgets only: reads and writes go through components.field.data. Every write runs in a
button or camera callback (before the script), so the next run already shows the saved state, and
a reload resumes at inspection.current_step.
"""

from __future__ import annotations

import streamlit as st

from components.field.assist import (
    confirm_proposal,
    dismiss_proposal,
    leave_call,
    load_call_record,
    load_open_call,
    load_pending_proposals,
    post_chat_message,
    recording_on,
    render_call_video,
    render_who_is_coming,
)
from components.field.data import (
    NUMBER_INPUTS,
    accept_task,
    add_finding,
    attach_photo,
    complete_checklist,
    in_language,
    load_checklist_state,
    load_decision_state,
    load_findings,
    load_gallery,
    load_hints,
    load_my_tasks,
    load_number_readings,
    load_receipt,
    load_second_inspector_options,
    load_step_cases,
    media_file,
    read_photo_number,
    reading_crop,
    receipt_data,
    receipt_pdf,
    receipt_qr_png,
    record_hold_result,
    record_step_result,
    request_assist,
    set_current_step,
    start_number_reader,
    take_decision,
)
from components.inspections.report import report_file
from components.shell.formatting import as_text, country_label, credit_tier_label, goods_text, step_title
from components.shell.hints import render_case, render_history_hints
from components.shell.names import enterprise_name
from components.shell.photos import render_photo
from components.shell.state import current_scope, lang, require_page, tr
from components.shell.widgets import (
    guarded,
    render_empty,
    severity_label,
    show_error,
    state_label,
    upload_limit_mb,
)
from portsight.domain import iso6346
from portsight.domain.access import may_open
from portsight.domain.checklist import InspectionChecklist, Slot, second_inspector_required, slot_id
from portsight.domain.inspection import AWAITING_RESULT_STATES, HOLD_RESULTS, HOLD_STATE, WAITING_DECISIONS, Decision
from portsight.domain.proposals import field_value
from portsight.domain.rulebook import SEVERITIES
from portsight.domain.rules import NON_CONFORMING
from portsight.domain.seal import class_at_least, seal_matches
from portsight.i18n import fmt_percent

actor = require_page("field_inspection")
start_number_reader()  # the OCR models load while the inspector picks a task

K_TASK = "field.inspection"  # session: the open inspection id, or None for the task list
K_SLOT = "field.slot"  # session: the slot shown
K_FLASH = "field.flash"  # session: (kind, text) shown once after a write
K_OUTCOME = "field.outcome"  # session: the last step outcome, shown under its step
K_GEN = "field.photo_gen"  # session: bumps to give the camera/uploader a fresh widget
K_BACK = "field.back"
K_ACCEPT = "field.accept"
K_STEP_SELECT = "field.step_select"
K_SAVE = "field.save"
K_NEXT = "field.next"
K_NOTE = "field.note"
K_HELP_QUESTION = "field.help_question"
K_HELP_SEND = "field.help_send"
K_FINDING_TEXT = "field.finding_text"
K_FINDING_SEVERITY = "field.finding_severity"
K_FINDING_ADD = "field.finding_add"
K_FINDING_STEP = "field.finding_step"  # + the open slot's id: which step a new finding is about
K_COMPLETE = "field.complete"
K_DECISION = "field.decision"
K_SECOND = "field.second"
K_CONFIRM = "field.confirm"
K_DECIDE = "field.decide"
K_WHAT = "field.decision_what"  # the treatment, sample or identification ordered
K_RESULT = "field.result"
K_RESULT_NOTE = "field.result_note"
K_RESULT_SAVE = "field.result_save"
K_RECEIPT = "field.receipt_download"
K_CALL_SEEN = "field.call_seen"  # session: the call the page showed last (its end is said once)
K_CALL_RERUN = "field.call_rerun"  # session: a callback of the call panel changed the step: rerun the page
K_CALL_CHAT = "field.call_chat"
K_CALL_CHAT_TEXT = "field.call_chat_text"
K_CALL_END = "field.call_end"
K_PROPOSAL_CONFIRM = "field.proposal_confirm"  # + the proposal's id
K_PROPOSAL_DISMISS = "field.proposal_dismiss"  # + the proposal's id
CALL_EVERY = 2  # seconds between refreshes of the call panel (state, proposals, chat)
CALL_CHAT_LINES = 8
DECISIONS = tuple(d.value for d in Decision)
WAITING = tuple(d.value for d in WAITING_DECISIONS)
RESULT_STATES = tuple(s.value for s in AWAITING_RESULT_STATES)
SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
SEAL_STEPS = ("seal", "seal_integrity", "reseal")  # the steps that show the declared seal class

LANG = lang()
st.session_state.setdefault(K_TASK, None)
st.session_state.setdefault(K_GEN, 0)


def _input_key(slot_id: str, name: str) -> str:
    return f"field.in.{slot_id}.{name}"


def _flash(kind: str, text: str) -> None:
    st.session_state[K_FLASH] = (kind, text)


def _run(action) -> object | None:
    """Run a service call in a callback; the project's errors become the flash message."""
    try:
        return action()
    except Exception as exc:  # noqa: BLE001 - shown below; unexpected ones are logged by show_error
        st.session_state[K_FLASH] = ("exception", exc)
        return None


def _show_flash() -> None:
    # Always a container, shown or empty: what follows keeps its place, so an open expander stays open.
    with st.container(key="field.flash"):
        flash = st.session_state.pop(K_FLASH, None)
        if flash is None:
            return
        kind, payload = flash
        if kind == "exception":
            show_error(payload)
        elif kind == "success":
            st.success(payload, icon=":material/check_circle:")
        elif kind == "warning":
            st.warning(payload, icon=":material/warning:")
        else:
            st.info(payload, icon=":material/info:")


# --------------------------------------------------------------------------- callbacks


def _leave_call() -> None:
    """Leaving the inspection (back to the list, another task, finished) ends the inspector's side of
    its call, recorded as the call's end (or the request's cancellation when nobody had joined)."""
    current = st.session_state.get(K_TASK)
    call = None if current is None else load_open_call(int(current), actor.user_id)
    if call is not None:
        _run(lambda: leave_call(actor, call["id"]))


def _open(inspection_id: int | None) -> None:
    if inspection_id != st.session_state.get(K_TASK):
        _leave_call()
        st.session_state.pop(K_CALL_SEEN, None)
    st.session_state[K_TASK] = inspection_id
    st.session_state.pop(K_SLOT, None)
    st.session_state.pop(K_STEP_SELECT, None)
    st.session_state.pop(K_OUTCOME, None)


def _accept(inspection_id: int) -> None:
    if _run(lambda: accept_task(actor, inspection_id)) is not None:
        _flash("success", tr("field.accepted"))


def _choose_slot(inspection_id: int, slot_ids: tuple[str, ...]) -> None:
    slot_id = st.session_state.get(K_STEP_SELECT)
    # The browser answers with the label it shows; a label from before the step's progress changed
    # (a photo or a snapshot came in) matches no step: the step open stays, and the next run shows
    # the label as it is now.
    if slot_id in slot_ids:
        st.session_state[K_SLOT] = slot_id
        st.session_state.pop(K_OUTCOME, None)
        _run(lambda: set_current_step(actor, inspection_id, slot_id))


def _save(inspection_id: int, slot: Slot) -> None:
    values = {spec.name: st.session_state.get(_input_key(slot.id, spec.name)) for spec in slot.step.inputs}
    note = st.session_state.get(f"{K_NOTE}.{slot.id}")
    outcome = _run(lambda: record_step_result(actor, inspection_id, slot.step.key, values, slot.container_id, note))
    if outcome is None:
        return
    st.session_state[K_OUTCOME] = outcome
    if outcome.saved and outcome.outcome == "conforming" and outcome.next_slot:
        # Conforming: straight on to the next open step; a finding stays on screen to be read.
        st.session_state[K_SLOT] = outcome.next_slot
        st.session_state[K_STEP_SELECT] = outcome.next_slot
        _flash("success", tr("field.step_saved_next"))


def _photo(inspection_id: int, slot: Slot, widget_key: str, source: str) -> None:
    upload = st.session_state.get(widget_key)
    if upload is None:
        return
    data = upload.getvalue()
    evidence = _run(
        lambda: attach_photo(
            actor,
            inspection_id,
            slot.step.key,
            data,
            getattr(upload, "name", None),
            getattr(upload, "type", None),
            slot.container_id,
            source=source,
        )
    )
    if evidence is not None:
        _flash("success", tr("field.photo_saved"))
        _read_number(slot, int(evidence))
    st.session_state[K_GEN] += 1  # a fresh camera / uploader for the next photo


def _read_number(slot: Slot, evidence_id: int) -> None:
    """A step asking for a container or seal number gets it filled from its photo, when one checks out.

    What the inspector already typed stays: the proposal is shown beside it, and saving records
    the typed value as a correction of it.
    """
    for spec in slot.step.inputs:
        kind = NUMBER_INPUTS.get(spec.name)
        if kind is None:
            continue
        reading = _run(lambda kind=kind: read_photo_number(actor, evidence_id, kind))
        key = _input_key(slot.id, spec.name)
        if isinstance(reading, dict) and reading["proposed"] and not st.session_state.get(key):
            st.session_state[key] = reading["proposed"]


def _ask_help(inspection_id: int, slot_id: str) -> None:
    question = st.session_state.get(K_HELP_QUESTION) or ""
    request_id = _run(lambda: request_assist(actor, inspection_id, slot_id, question))
    if request_id is not None:
        st.session_state[K_HELP_QUESTION] = ""
        _flash("success", tr("field.help_sent", id=request_id))


def _add_finding(inspection_id: int, checklist: InspectionChecklist, step_widget: str) -> None:
    text = st.session_state.get(K_FINDING_TEXT) or ""
    severity = st.session_state.get(K_FINDING_SEVERITY) or "medium"
    slot = checklist.slot(st.session_state.get(step_widget) or "")
    key = slot.step.key if slot else None
    cid = slot.container_id if slot else None
    if _run(lambda: add_finding(actor, inspection_id, text, severity, key, cid)) is not None:
        st.session_state[K_FINDING_TEXT] = ""
        _flash("success", tr("field.finding_added"))


def _complete(inspection_id: int) -> None:
    if _run(lambda: complete_checklist(actor, inspection_id)) is not None:
        _leave_call()
        _flash("success", tr("field.completed"))


def _decide(inspection_id: int) -> None:
    decision = st.session_state.get(K_DECISION)
    if decision is None:
        _flash("warning", tr("field.choose_decision"))
        return
    result = _run(
        lambda: take_decision(
            actor,
            inspection_id,
            decision,
            confirmed=bool(st.session_state.get(K_CONFIRM)),
            second_inspector_id=st.session_state.get(K_SECOND),
            what=st.session_state.get(K_WHAT) if decision in WAITING else None,
        )
    )
    if result is not None:
        st.session_state[K_CONFIRM] = False
        st.session_state[K_WHAT] = ""
        st.session_state.pop(K_DECISION, None)
        _flash("success", tr("field.decided", decision=tr(f"field.decision_{decision}")))


def _record_result(inspection_id: int) -> None:
    result = st.session_state.get(K_RESULT)
    if result is None:
        _flash("warning", tr("field.choose_result"))
        return
    note = st.session_state.get(K_RESULT_NOTE)
    if _run(lambda: record_hold_result(actor, inspection_id, result, note)) is not None:
        st.session_state[K_RESULT_NOTE] = ""
        st.session_state.pop(K_RESULT, None)
        _flash("success", tr("field.result_recorded", result=tr(f"field.result_{result}")))


def _hang_up(session_id: int) -> None:
    _run(lambda: leave_call(actor, session_id))
    st.session_state[K_CALL_RERUN] = True


def _confirm_proposal(checklist: InspectionChecklist, proposal: dict) -> None:
    """The expert's proposal fills in the step (its input, the finding's text or the note); the
    inspector still saves it, so the step's result stays theirs."""
    st.session_state[K_CALL_RERUN] = True
    decided = _run(lambda: confirm_proposal(actor, proposal["id"]))
    slot = None if decided is None else checklist.slot(slot_id(decided["step_key"], proposal["container"]))
    if decided is None or slot is None:
        return
    st.session_state[K_SLOT] = slot.id
    st.session_state.pop(K_OUTCOME, None)
    spec = slot.step.spec.input(decided["field"]) if decided["field"] else None
    if spec is not None:
        st.session_state[_input_key(slot.id, spec.name)] = field_value(spec, decided["value"])
        _flash("success", tr("field.proposal_filled", input=spec.title.get(LANG)))
    elif decided["outcome"] == NON_CONFORMING:
        st.session_state[K_FINDING_TEXT] = decided["note"] or ""
        _flash("success", tr("field.proposal_finding_filled"))
    else:
        st.session_state[f"{K_NOTE}.{slot.id}"] = decided["note"] or ""
        _flash("success", tr("field.proposal_note_filled"))


def _dismiss_proposal(proposal_id: int) -> None:
    _run(lambda: dismiss_proposal(actor, proposal_id))
    st.session_state[K_CALL_RERUN] = True


# --------------------------------------------------------------------------- blocks


def render_tasks() -> None:
    st.subheader(tr("field.my_tasks"))
    tasks = load_my_tasks(actor.user_id, current_scope())
    if tasks.empty:
        render_empty("field.no_tasks")
        return
    for task in tasks.itertuples():
        with st.container(border=True, key=f"field.task.{task.inspection_id}"):
            st.markdown(f"**{as_text(task.declaration)}** · {state_label(task.state)}")
            goods = f"{task.hs_code or '—'} {goods_text(LANG, task.hs_code, task.goods)}".strip()
            st.caption(
                tr(
                    "field.task_summary",
                    enterprise=as_text(enterprise_name(task.enterprise)),
                    tier=credit_tier_label(LANG, task.credit_tier),
                    origin=as_text(country_label(LANG, task.origin)),
                    goods=as_text(goods),
                    lines=int(task.goods_lines),
                    containers=int(task.containers),
                    minutes=int(task.waiting_minutes),
                )
            )
            st.button(
                tr("field.open_task"),
                key=f"field.open.{task.inspection_id}",
                on_click=_open,
                args=(int(task.inspection_id),),
                type="primary",
                width="stretch",
                icon=":material/assignment:",
            )


def render_hints(inspection_id: int) -> None:
    hint = load_hints(inspection_id)
    if hint is None:
        return
    with st.expander(tr("field.hints"), icon=":material/lightbulb:", expanded=bool(hint["repeat"])):
        render_history_hints(hint, LANG)


def render_step_cases(inspection_id: int, step_key: str) -> None:
    """The step's hints: what experts answered on it at earlier inspections of goods of the same heading."""
    cases = load_step_cases(inspection_id, step_key)
    if not cases:
        return
    with st.container(border=True, key="field.step_cases"):
        st.markdown(f"**{tr('cases.hint_title')}**")
        for case in cases:
            render_case(case)
            # The earlier inspection's record, for a role that opens records, at a port in its scope.
            if may_open(actor.role, "inspections") and (actor.port_ids is None or case["port_id"] in actor.port_ids):
                st.page_link(
                    "pages/inspections.py",
                    label=tr("cases.open_record", id=case["inspection_id"]),
                    query_params={"id": str(case["inspection_id"])},
                    icon=":material/open_in_new:",
                )


def render_declared(checklist: InspectionChecklist, slot: Slot) -> None:
    """What the declaration says, next to what to enter."""
    with st.container(border=True, key="field.declared"):
        st.caption(tr("field.declared"))
        if slot.container_number:
            box = checklist.containers[slot.container_number]
            st.markdown(
                tr(
                    "field.declared_container",
                    number=slot.container_number,
                    size_type=as_text(box["size_type"]),
                    seal=as_text(box["declared_seal"] or "—"),
                )
            )
            if slot.step.key in SEAL_STEPS:
                # Shown to compare with, never filled in for the inspector: a lower class on the door must be seen.
                declared_class = _declared_seal_class(checklist, slot.container_number)
                if declared_class:
                    st.markdown(tr("field.declared_seal_class", cls=declared_class))
                else:
                    st.caption(tr("field.declared_seal_class_none"))
        if slot.step.key in ("goods", "packaging", "impurity", "radiation") or not slot.container_number:
            for g in checklist.goods:
                st.markdown(
                    tr(
                        "field.declared_goods",
                        hs=as_text(g["hs_code"]),
                        description=as_text(g["description"]),
                        quantity=f"{g['quantity']:g}",
                        unit=as_text(g["unit"]),
                        weight=f"{g['gross_weight_kg']:g}",
                    )
                )


def _declared_seal_class(checklist: InspectionChecklist, number: str | None) -> str | None:
    box = next((c for c in checklist.facts.containers if c.number == number), None)
    return box.declared_seal_class if box else None


def _live_check(checklist: InspectionChecklist, slot: Slot, name: str, value: str | None) -> None:
    """Container number, seals and seal class checked as typed or chosen."""
    if not value:
        return
    if name in ("seal_class", "new_seal_class") and slot.container_number:
        declared_class = _declared_seal_class(checklist, slot.container_number)
        if declared_class and not class_at_least(value, declared_class):
            st.warning(tr("field.seal_class_lower", declared=declared_class), icon=":material/lock_open:")
        return
    if name == "new_seal_number" and slot.container_number:
        if seal_matches(checklist.containers[slot.container_number]["declared_seal"], value):
            st.warning(tr("field.new_seal_same"), icon=":material/lock_open:")
        return
    if name == "number":
        problem = iso6346.explain(value)
        declared = slot.container_number
        if problem is None:
            st.success(tr("field.iso_ok", number=iso6346.normalize(value)), icon=":material/check:")
        elif problem.expected is not None:
            st.warning(tr("field.iso_check_digit", expected=problem.expected), icon=":material/pin:")
        else:
            st.warning(problem.zh if LANG == "zh_CN" else problem.en, icon=":material/pin:")
        if declared and iso6346.normalize(value) != declared:
            st.warning(tr("field.number_differs", declared=declared), icon=":material/compare_arrows:")
    elif name == "seal_number" and slot.container_number:
        declared = checklist.containers[slot.container_number]["declared_seal"]
        if seal_matches(declared, value):
            st.success(tr("field.seal_ok"), icon=":material/lock:")
        else:
            st.warning(tr("field.seal_differs", declared=as_text(declared or "—")), icon=":material/lock_open:")


def render_reading(slot: Slot, name: str, readings: dict) -> None:
    """Beside a number field: what was read from the step's latest photo, until the step is saved with it."""
    kind = NUMBER_INPUTS.get(name)
    reading = readings.get((slot.step.key, slot.container_id, kind)) if kind else None
    if reading is None or reading["outcome"] is not None:
        return
    with st.container(border=True, key=f"field.reading.{slot.id}.{name}"):
        if reading["proposed"]:
            confidence = fmt_percent(LANG, reading["confidence"] or 0.0, 0)
            st.markdown(tr("readings.from_photo", number=as_text(reading["proposed"]), confidence=confidence))
            if reading["box"] and reading["sha256"]:
                crop = reading_crop(reading["sha256"], reading["media_type"], tuple(reading["box"]))
                if crop is not None:
                    st.image(crop, caption=tr("readings.crop_caption"))
            st.caption(tr("readings.confirm_hint"))
        else:
            read = as_text(reading["read_text"]) if reading["read_text"] else tr("readings.nothing_read")
            st.markdown(tr("readings.not_proposed", read=read))


def render_inputs(checklist: InspectionChecklist, slot: Slot, previous: dict, readings: dict) -> None:
    # Labels computed now: AppTest may call format_func later, outside this run.
    yes_no = {True: tr("field.yes"), False: tr("field.no")}
    for spec in slot.step.inputs:
        key = _input_key(slot.id, spec.name)
        if key not in st.session_state and spec.name in previous:
            st.session_state[key] = previous[spec.name]
        label = spec.title.get(LANG) + (f" ({spec.unit})" if spec.unit else "")
        if spec.type == "bool":
            st.radio(
                label,
                [True, False],
                format_func=yes_no.get,
                index=None,
                horizontal=True,
                key=key,
            )
        elif spec.type == "choice":
            choice = st.radio(label, list(spec.choices), index=None, horizontal=True, key=key)
            _live_check(checklist, slot, spec.name, choice)
        elif spec.type == "number":
            st.number_input(label, value=None, min_value=spec.min, max_value=spec.max, format="%g", key=key)
        else:
            value = st.text_input(label, key=key)
            render_reading(slot, spec.name, readings)
            _live_check(checklist, slot, spec.name, value)


def render_photos(inspection_id: int, slot: Slot, progress: dict, photos) -> None:
    mine = photos[(photos["step_key"] == slot.step.key)]
    if slot.container_number:
        mine = mine[mine["container"] == slot.container_number]
    have, need = progress["photos"], slot.photos_required
    st.markdown(tr("field.photos_count", have=have, need=need, what=slot.step.photos.what.get(LANG)))
    gen = st.session_state[K_GEN]
    camera_key = f"field.camera.{slot.id}.{gen}"
    st.camera_input(
        tr("field.take_photo"),
        key=camera_key,
        on_change=_photo,
        args=(inspection_id, slot, camera_key, "camera"),
    )
    upload_key = f"field.upload.{slot.id}.{gen}"
    st.file_uploader(
        tr("field.upload_photo", mb=upload_limit_mb()),
        type=["jpg", "jpeg", "png", "webp"],
        max_upload_size=upload_limit_mb(),
        key=upload_key,
        on_change=_photo,
        args=(inspection_id, slot, upload_key, "upload"),
    )
    if len(mine):
        render_thumbnails(mine, columns=4)


def render_thumbnails(rows, columns: int = 4) -> None:
    cols = st.columns(columns)
    for i, row in enumerate(rows.itertuples()):
        path = media_file(row.sha256, SUFFIX.get(row.media_type, ".jpg"))
        with cols[i % columns]:
            render_photo(path, row.id, width=110)


def _go(inspection_id: int, slot_id: str) -> None:
    st.session_state[K_STEP_SELECT] = slot_id
    _choose_slot(inspection_id, (slot_id,))


def render_outcome(inspection_id: int, slot_id: str) -> None:
    outcome = st.session_state.get(K_OUTCOME)
    if outcome is None or outcome.slot_id != slot_id:
        return
    if outcome.outcome == "invalid":
        st.warning(tr("field.invalid") + "\n\n" + "\n".join(f"- {as_text(p.get(LANG))}" for p in outcome.problems))
    elif outcome.outcome == "conforming":
        st.success(tr("field.step_conforming"), icon=":material/check_circle:")
    else:
        for f in outcome.findings:
            detail = f" ({as_text(f.detail.get(LANG))})" if f.detail else ""
            citation = f.citation.get(LANG) if f.citation else "—"
            st.error(
                f"{tr('field.step_non_conforming')} · {severity_label(f.severity)}\n\n{f.text.get(LANG)}{detail}\n\n"
                f"{tr('field.citation')}: {citation} [{f.rule_id}]",
                icon=":material/report:",
            )
    if outcome.saved and outcome.next_slot:
        st.button(
            tr("field.next_step"),
            key=K_NEXT,
            on_click=_go,
            args=(inspection_id, outcome.next_slot),
            width="stretch",
            icon=":material/arrow_forward:",
        )


def render_help(inspection_id: int, slot_id: str) -> None:
    with st.expander(tr("field.help"), icon=":material/support_agent:"):
        st.text_input(tr("field.help_question"), key=K_HELP_QUESTION, placeholder=tr("field.help_placeholder"))
        st.button(
            tr("field.help_send"),
            key=K_HELP_SEND,
            on_click=_ask_help,
            args=(inspection_id, slot_id),
            width="stretch",
            icon=":material/call:",
        )


def render_call(checklist: InspectionChecklist, call: dict) -> None:
    """The call beside the step. The video comes first in its column and the column first on the
    page after the back button, so every rerun (a step saved, a photo taken) renders it at the same
    place and the call goes on."""
    st.session_state[K_CALL_SEEN] = call["id"]
    with st.container(border=True, key="field.call"):
        render_call_video(actor, call["id"])
        if recording_on():
            st.warning(tr("assist.recording_on"), icon=":material/radio_button_checked:")
        render_call_panel(checklist, call["id"])


@st.fragment(run_every=CALL_EVERY)
def render_call_panel(checklist: InspectionChecklist, session_id: int) -> None:
    """Who is there, the expert's proposals and the chat, refreshed every few seconds."""
    if st.session_state.pop(K_CALL_RERUN, False):
        st.rerun(scope="app")
    record = load_call_record(session_id, actor.port_ids)
    if record is None or record["state"] not in ("waiting", "active"):
        st.rerun(scope="app")  # the call is over: the page drops the panel
        return
    if record["state"] == "waiting":
        st.info(tr("assist.waiting_for_expert"), icon=":material/hourglass_top:")
        render_who_is_coming(session_id)
    else:
        st.success(tr("assist.joined_by", name=as_text(record["expert"])), icon=":material/support_agent:")
    st.caption(tr("field.call_question", id=session_id, question=as_text(record["question"])))
    render_proposals(checklist, load_pending_proposals(session_id))
    with st.form(K_CALL_CHAT, clear_on_submit=True, border=False):
        text = st.text_input(tr("assist.chat_placeholder"), key=K_CALL_CHAT_TEXT)
        sent = st.form_submit_button(tr("assist.send"), icon=":material/send:")
    if sent and text.strip() and guarded(lambda: post_chat_message(actor, session_id, text)) is not None:
        record = load_call_record(session_id, actor.port_ids) or record
    with st.container(key="field.call_chat_log"):
        for message in record["chat"][-CALL_CHAT_LINES:]:
            st.markdown(f"**{as_text(message['sender'])}**: {as_text(message['text'])}")
    hang_up = "assist.cancel" if record["state"] == "waiting" else "assist.end_call"
    st.button(tr(hang_up), key=K_CALL_END, on_click=_hang_up, args=(session_id,), icon=":material/call_end:")


def render_proposals(checklist: InspectionChecklist, proposals: list[dict]) -> None:
    """The expert's proposals waiting for the inspector: one tap fills in the step, or sets it aside."""
    for proposal in proposals:
        slot = checklist.slot(slot_id(proposal["step_key"], proposal["container"]))
        where = step_title(LANG, proposal["step_key"]) + (
            f" · {proposal['container']}" if proposal["container"] else ""
        )
        spec = slot.step.spec.input(proposal["field"]) if slot and proposal["field"] else None
        with st.container(border=True, key=f"field.proposal.{proposal['id']}"):
            expert = as_text(proposal["proposed_by"])
            if spec is not None:
                value = as_text(_proposed_text(spec.type, proposal["value"]))
                text = tr("field.proposal_value", expert=expert, step=where, input=spec.title.get(LANG), value=value)
            else:
                text = tr(f"field.proposal_{proposal['outcome']}", expert=expert, step=where)
            st.markdown(text)
            if proposal["note"]:
                st.caption(as_text(proposal["note"]))
            take, drop = st.columns(2)
            take.button(
                tr("field.proposal_confirm"),
                key=f"{K_PROPOSAL_CONFIRM}.{proposal['id']}",
                on_click=_confirm_proposal,
                args=(checklist, proposal),
                type="primary",
                width="stretch",
                icon=":material/check:",
            )
            drop.button(
                tr("field.proposal_dismiss"),
                key=f"{K_PROPOSAL_DISMISS}.{proposal['id']}",
                on_click=_dismiss_proposal,
                args=(proposal["id"],),
                width="stretch",
            )


def _proposed_text(kind: str, value: str | None) -> str:
    if kind == "bool":
        return tr("field.yes") if value == "true" else tr("field.no")
    return value or ""


def photo_short(have: int, need: int) -> str:
    return tr("field.photo_short", have=have, need=need)


def _slot_label(checklist: InspectionChecklist, progress: dict) -> dict[str, str]:
    marks = {None: "○", "conforming": "✓", "non_conforming": "✗", "not_applicable": "–"}
    labels = {}
    for n, slot in enumerate(checklist.slots, start=1):
        p = progress[slot.id]
        where = f" · {slot.container_number}" if slot.container_number else ""
        photo = "" if p["photos"] >= p["photos_required"] else " · " + photo_short(p["photos"], p["photos_required"])
        labels[slot.id] = f"{marks.get(p['outcome'], '○')} {n}. {slot.step.title.get(LANG)}{where}{photo}"
    return labels


def render_checklist(state: dict, *, call_open: bool) -> None:
    checklist: InspectionChecklist = state["checklist"]
    progress = state["progress"]
    inspection_id = checklist.inspection_id
    if not checklist.slots:
        render_empty("field.no_steps")
        return
    ids = [s.id for s in checklist.slots]
    current = st.session_state.get(K_SLOT)
    if current not in ids:
        current = state["resume"] if state["resume"] in ids else ids[0]
        st.session_state[K_SLOT] = current
    st.session_state[K_STEP_SELECT] = current
    st.progress(state["done"] / state["total"], text=tr("field.progress", done=state["done"], total=state["total"]))
    labels = _slot_label(checklist, progress)
    st.selectbox(
        tr("field.step"),
        ids,
        format_func=labels.get,
        key=K_STEP_SELECT,
        on_change=_choose_slot,
        args=(inspection_id, tuple(ids)),
    )
    slot = checklist.slot(current)
    st.subheader(slot.step.title.get(LANG) + (f" · {slot.container_number}" if slot.container_number else ""))
    render_declared(checklist, slot)
    render_step_cases(inspection_id, slot.step.key)
    render_inputs(checklist, slot, progress[slot.id]["values"], load_number_readings(inspection_id))
    photos = load_gallery(inspection_id)
    render_photos(inspection_id, slot, progress[slot.id], photos)
    st.text_area(tr("field.note"), key=f"{K_NOTE}.{slot.id}", height=68)
    st.button(
        tr("field.save"),
        key=K_SAVE,
        on_click=_save,
        args=(inspection_id, slot),
        type="primary",
        width="stretch",
        icon=":material/save:",
    )
    render_outcome(inspection_id, slot.id)
    if not call_open:  # one request at a time: the call's panel is where help goes on
        render_help(inspection_id, slot.id)
    st.divider()
    missing = state["missing"]
    if missing["unrecorded"] or missing["photos"]:
        lines = [tr("field.missing_step", step=labels[sid]) for sid in missing["unrecorded"]]
        lines += [tr("field.missing_photos", step=labels[sid], have=h, need=n) for sid, h, n in missing["photos"]]
        st.caption(tr("field.before_complete") + "\n\n" + "\n".join(f"- {line}" for line in lines))
    st.button(
        tr("field.complete"),
        key=K_COMPLETE,
        on_click=_complete,
        args=(inspection_id,),
        width="stretch",
        disabled=bool(missing["unrecorded"] or missing["photos"]),
        icon=":material/task_alt:",
    )


def render_findings(inspection_id: int, checklist: InspectionChecklist, can_add: bool) -> None:
    findings = load_findings(inspection_id)
    st.subheader(tr("field.findings", count=len(findings)))
    titles = {s.step.key: s.step.title.get(LANG) for s in checklist.slots}
    for row in findings.itertuples():
        with st.container(border=True, key=f"field.finding.{row.id}"):
            # pandas gives NaN, not None, for a finding without a step or container
            step = (
                titles.get(row.step_key, row.step_key) if isinstance(row.step_key, str) else tr("field.finding_no_step")
            )
            where = as_text(step) + (f" · {row.container}" if isinstance(row.container, str) else "")
            st.markdown(f"**{severity_label(row.severity)}** · {where}")
            st.markdown(as_text(in_language(row.description, LANG)))
            if row.citation:
                st.caption(f"{tr('field.citation')}: {in_language(row.citation, LANG)} [{row.rule_id}]")
    if can_add:
        open_slot = st.session_state.get(K_SLOT) or ""
        steps = {
            s.id: s.step.title.get(LANG) + (f" · {s.container_number}" if s.container_number else "")
            for s in checklist.slots
        }
        steps[""] = tr("field.finding_no_step")
        # One widget per open step: the choice starts on the step open now, and follows it when it changes.
        step_widget = f"{K_FINDING_STEP}.{open_slot}"
        with st.expander(tr("field.add_finding"), icon=":material/add_comment:"):
            choices: list[str] = list(steps)
            st.selectbox(
                tr("field.finding_step"),
                choices,
                index=choices.index(open_slot) if open_slot in steps else len(choices) - 1,
                format_func=lambda slot_id: steps[slot_id],
                key=step_widget,
            )
            st.text_area(tr("field.finding_text"), key=K_FINDING_TEXT, height=68)
            severities = {s: severity_label(s) for s in SEVERITIES}
            st.selectbox(
                tr("field.finding_severity"),
                list(severities),
                index=1,
                format_func=severities.get,
                key=K_FINDING_SEVERITY,
            )
            st.button(
                tr("field.finding_add"),
                key=K_FINDING_ADD,
                on_click=_add_finding,
                args=(inspection_id, checklist, step_widget),
                width="stretch",
            )


def render_gallery(inspection_id: int, checklist: InspectionChecklist) -> None:
    photos = load_gallery(inspection_id)
    with st.expander(tr("field.gallery", count=len(photos)), icon=":material/photo_library:"):
        if photos.empty:
            st.caption(tr("field.no_photos"))
            return
        titles = {s.step.key: s.step.title.get(LANG) for s in checklist.slots}
        for (step_key, container), rows in photos.groupby(["step_key", "container"], dropna=False, sort=False):
            where = "" if container is None or container != container else f" · {container}"
            st.markdown(f"**{titles.get(step_key, step_key)}{where}** ({len(rows)})")
            render_thumbnails(rows, columns=4)


def render_blockers(options) -> None:
    """Why release is blocked, each reason with its basis."""
    if not options.blockers:
        return
    lines = []
    for b in options.blockers:
        line = f"- **{b.reason.get(LANG)}**" + (f" — {as_text(b.detail.get(LANG))}" if b.detail else "")
        basis = [f"{tr('field.citation')}: {b.citation.get(LANG)}"] if b.citation else []
        basis += [f"[{b.ref}]"] if b.ref else []
        lines.append(line + ("  \n  " + " ".join(basis) if basis else ""))
    st.error(tr("field.release_blocked") + "\n\n" + "\n".join(lines), icon=":material/block:")


def render_holds(holds: list[dict]) -> None:
    """The treatments, samples and identifications ordered on this inspection, and their results."""
    if not holds:
        return
    with st.expander(tr("field.holds", count=len(holds)), icon=":material/science:"):
        for h in holds:
            result = tr(f"field.result_{h['result']}") if h["result"] else tr("field.hold_pending")
            note = f" · {as_text(h['result_note'])}" if h["result_note"] else ""
            kind = tr(f"field.hold_{h['kind']}")
            st.markdown(f"- **{kind}** · {as_text(h['what'])} · {result}{note}")


def render_decision(inspection_id: int) -> None:
    st.subheader(tr("field.decision"))
    state = load_decision_state(inspection_id, actor.port_ids)
    if state is None:
        render_empty("field.not_found")
        return
    options = state["options"]
    render_blockers(options)
    for decision, rule_ids in options.suggested.items():
        called = [
            f"{state['rules'][rid][0].get(LANG)} ({state['rules'][rid][1].get(LANG)})"
            for rid in rule_ids
            if rid in state["rules"]
        ]
        if called:
            st.info(
                tr("field.called_for", decision=tr(f"field.decision_{decision}"), rules="; ".join(called)),
                icon=":material/rule:",
            )
    render_holds(state["holds"])
    labels = {d: tr(f"field.decision_{d}") for d in DECISIONS if d in options.allowed}
    if st.session_state.get(K_DECISION) not in labels:
        st.session_state.pop(K_DECISION, None)
    st.radio(
        tr("field.decision_choose"),
        list(labels),
        format_func=labels.get,
        index=None,
        horizontal=True,
        key=K_DECISION,
    )
    decision = st.session_state.get(K_DECISION)
    if decision in WAITING:
        st.text_input(tr(f"field.what_{decision}"), key=K_WHAT)
    if decision and second_inspector_required(decision):
        choices = load_second_inspector_options(inspection_id, actor.user_id)
        names = {o["id"]: o["display_name"] for o in choices}
        st.selectbox(tr("field.second_inspector"), list(names), format_func=names.get, index=None, key=K_SECOND)
    st.checkbox(tr("field.confirm"), key=K_CONFIRM)
    st.button(
        tr("field.decide"),
        key=K_DECIDE,
        on_click=_decide,
        args=(inspection_id,),
        type="primary",
        width="stretch",
        icon=":material/gavel:",
    )


def render_awaiting_result(inspection_id: int, current: str) -> None:
    """A treatment, laboratory result or identification is awaited: record it when it is in."""
    state = load_decision_state(inspection_id, actor.port_ids)
    if state is None:
        render_empty("field.not_found")
        return
    kind = next(k for k, s in HOLD_STATE.items() if s.value == current)
    pending = next((h for h in reversed(state["holds"]) if h["kind"] == kind and h["result"] is None), None)
    st.subheader(tr(f"field.hold_{kind}"))
    what = as_text(pending["what"]) if pending else "—"
    st.info(tr(f"field.awaiting_{kind}", what=what), icon=":material/hourglass_top:")
    render_blockers(state["options"])
    render_holds(state["holds"])
    labels = {r: tr(f"field.result_{r}") for r in HOLD_RESULTS[kind]}
    st.radio(tr("field.result_choose"), list(labels), format_func=labels.get, index=None, horizontal=True, key=K_RESULT)
    st.text_input(tr("field.result_note"), key=K_RESULT_NOTE)
    st.button(
        tr("field.result_record"),
        key=K_RESULT_SAVE,
        on_click=_record_result,
        args=(inspection_id,),
        type="primary",
        width="stretch",
        icon=":material/fact_check:",
    )


def render_receipt(inspection_id: int) -> None:
    receipt = load_receipt(inspection_id)
    if receipt is None:
        render_empty("field.no_receipt")
        return
    name, pdf = receipt_pdf(actor, inspection_id)
    data = receipt_data(actor, inspection_id)
    st.success(tr("field.released", receipt=receipt["receipt_no"]), icon=":material/local_shipping:")
    st.caption(tr("field.receipt_code_label"))
    st.code(data["token"], language=None, wrap_lines=True)
    st.image(receipt_qr_png(data["token"]), width=180)
    st.download_button(
        tr("field.receipt_download"),
        data=pdf,
        file_name=name,
        mime="application/pdf",
        key=K_RECEIPT,
        type="primary",
        width="stretch",
        icon=":material/download:",
    )


def render_inspection(inspection_id: int) -> None:
    st.button(tr("field.back"), key=K_BACK, on_click=_open, args=(None,), icon=":material/arrow_back:")
    state = load_checklist_state(inspection_id, actor.port_ids)
    if state is None:
        render_empty("field.not_found")
        return
    call = load_open_call(inspection_id, actor.user_id)
    if call is None:
        st.session_state.pop(K_CALL_RERUN, None)
        if st.session_state.pop(K_CALL_SEEN, None) is not None:
            st.info(tr("field.call_ended"), icon=":material/call_end:")
        render_work(inspection_id, state, call_open=False)
        return
    # Wide screens: the call beside the step; on a phone the columns stack, the call above the step.
    call_col, work_col = st.columns([2, 3], gap="medium")
    with call_col:
        render_call(state["checklist"], call)
    with work_col:
        render_work(inspection_id, state, call_open=True)


def render_work(inspection_id: int, state: dict, *, call_open: bool) -> None:
    checklist: InspectionChecklist = state["checklist"]
    decl = checklist.declaration
    st.markdown(f"### {as_text(decl['number'])}")
    st.caption(
        " · ".join(
            [
                state_label(checklist.state),
                as_text(enterprise_name(decl["enterprise"])),
                credit_tier_label(LANG, decl["credit_tier"]),
                as_text(country_label(LANG, decl["origin_country"])),
                decl["port_code"],
            ]
        )
    )
    _show_flash()
    render_hints(inspection_id)
    if checklist.state == "assigned":
        st.button(
            tr("field.accept"),
            key=K_ACCEPT,
            on_click=_accept,
            args=(inspection_id,),
            type="primary",
            width="stretch",
            icon=":material/play_arrow:",
        )
    elif checklist.state == "in_progress":
        render_checklist(state, call_open=call_open)
    elif checklist.state == "completed":
        render_decision(inspection_id)
    elif checklist.state in RESULT_STATES:
        render_awaiting_result(inspection_id, checklist.state)
    elif checklist.state == "released":
        render_receipt(inspection_id)
    else:
        st.info(tr("field.closed", state=state_label(checklist.state)), icon=":material/lock:")
    if checklist.state != "assigned":
        st.download_button(
            tr("report.download"),
            data=report_file(actor, inspection_id),
            file_name=f"inspection-{inspection_id}.pdf",
            mime="application/pdf",
            key="field.report",
            on_click="ignore",
            width="stretch",
            icon=":material/picture_as_pdf:",
        )
    render_findings(inspection_id, checklist, can_add=checklist.state in ("in_progress", "completed"))
    render_gallery(inspection_id, checklist)


st.title(tr("nav.field_inspection"))
if st.session_state[K_TASK] is None:
    _show_flash()
    render_tasks()
else:
    render_inspection(int(st.session_state[K_TASK]))
