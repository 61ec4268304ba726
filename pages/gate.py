"""Gate check: type, paste or scan a release receipt's code; genuine (its containers, what has left and
what is left to leave) / used up / forged (an empty code asks for one). A genuine receipt's containers
leave one by one: the container, the truck's plate and the seal seen on it. Below, the day's exits.

Layout only: the check and the exits are components.gate.data.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.gate.data import (
    GENUINE,
    USED,
    CodeMissing,
    Verification,
    decode_qr_image,
    demo_code_to_try,
    exits_today,
    record_exit,
    verify_receipt,
)
from components.shell.formatting import as_text
from components.shell.state import require_page, tr
from components.shell.widgets import fmt_time, guarded, show_error

actor = require_page("gate")

K_GATE = "gate.gate"
K_CODE = "gate.code"
K_CHECK = "gate.check"
K_SCAN = "gate.scan"
K_SCAN_GEN = "gate.scan_gen"
K_RESULT = "gate.result"  # session: the last Verification, or an exception to show
K_OPEN = "gate.open"  # session: the code of the genuine receipt whose containers are being let out
K_DEMO_FILL = "gate.demo_fill"
K_CONTAINER = "gate.container"
K_TYPED = "gate.container_typed"  # a container number typed or scanned: it goes before the one picked
K_PLATE = "gate.plate"
K_FOREIGN = "gate.foreign"
K_SEAL = "gate.seal"
K_LET_OUT = "gate.let_out"
K_EXIT = "gate.exit"  # session: the last exit (GateExitDone), or the exception refusing it

st.session_state.setdefault(K_GATE, tr("gate.default_gate"))
st.session_state.setdefault(K_SCAN_GEN, 0)


def _check(code: str | None = None) -> None:
    token = code if code is not None else st.session_state.get(K_CODE, "")
    st.session_state.pop(K_EXIT, None)
    st.session_state.pop(K_OPEN, None)
    try:
        result = verify_receipt(actor, token or "", st.session_state.get(K_GATE, ""))
    except CodeMissing:
        st.session_state[K_RESULT] = "code_missing"
    except Exception as exc:  # noqa: BLE001 - shown by show_error (ours as a message, others logged)
        st.session_state[K_RESULT] = exc
    else:
        st.session_state[K_RESULT] = result
        if result.status == GENUINE:
            st.session_state[K_OPEN] = token


def _scanned(widget_key: str) -> None:
    photo = st.session_state.get(widget_key)
    st.session_state[K_SCAN_GEN] += 1
    if photo is None:
        return
    text = decode_qr_image(photo.getvalue())
    if text is None:
        st.session_state[K_RESULT] = "no_code"
        return
    st.session_state[K_CODE] = text
    _check(text)


def _fill(code: str) -> None:
    st.session_state[K_CODE] = code


def _let_out() -> None:
    try:
        done = record_exit(
            actor,
            st.session_state.get(K_OPEN, ""),
            st.session_state.get(K_GATE, ""),
            container=st.session_state.get(K_TYPED, "").strip() or st.session_state.get(K_CONTAINER),
            truck_plate=st.session_state.get(K_PLATE, ""),
            seal_seen=st.session_state.get(K_SEAL, ""),
            foreign_plate=bool(st.session_state.get(K_FOREIGN)),
        )
    except Exception as exc:  # noqa: BLE001 - shown by show_error (ours as a message, others logged)
        st.session_state[K_EXIT] = exc
        return
    st.session_state[K_EXIT] = done
    st.session_state[K_RESULT] = done.receipt
    for key in (K_CONTAINER, K_TYPED, K_PLATE, K_SEAL, K_FOREIGN):
        st.session_state.pop(key, None)
    if done.used_up:
        st.session_state.pop(K_OPEN, None)


def _boxes(result: Verification) -> None:
    st.markdown(f"**{tr('gate.boxes')}**")
    for box in result.boxes:
        name = as_text(box.number) if box.number is not None else tr("gate.cargo")
        if box.left:
            state = tr("gate.box_left", when=fmt_time(box.exited_at), truck=as_text(box.truck_plate),
                       gate=as_text(box.gate))  # fmt: skip
            st.markdown(f":material/local_shipping: {name} — {state}")
        else:
            st.markdown(f":material/hourglass_empty: **{name}** — {tr('gate.box_waiting')}")


def _exit_form(result: Verification) -> None:
    waiting = [b.number for b in result.waiting if b.number is not None]
    with st.container(border=True):
        if waiting:
            st.selectbox(tr("gate.container"), waiting, key=K_CONTAINER)
            st.text_input(tr("gate.container_typed"), key=K_TYPED, max_chars=32)
        st.text_input(tr("gate.plate"), key=K_PLATE, max_chars=32)
        st.checkbox(tr("gate.foreign_plate"), key=K_FOREIGN)
        if waiting:
            st.text_input(tr("gate.seal_seen"), key=K_SEAL, max_chars=64)
        st.button(tr("gate.let_out"), key=K_LET_OUT, on_click=_let_out, type="primary", width="stretch",
                  icon=":material/local_shipping:")  # fmt: skip


def _last_exit() -> None:
    done = st.session_state.get(K_EXIT)
    if isinstance(done, Exception):
        show_error(done)
    elif done is not None:
        when, truck, gate = fmt_time(done.exited_at), as_text(done.truck_plate), as_text(done.gate)
        text = (
            tr("gate.left_now", container=as_text(done.container), truck=truck, gate=gate, when=when)
            if done.container
            else tr("gate.cargo_left_now", truck=truck, gate=gate, when=when)
        )
        if done.used_up:
            text += "\n\n" + tr("gate.used_up_now", receipt=as_text(done.receipt.receipt_no or ""))
        st.success(text, icon=":material/local_shipping:")


st.title(tr("nav.gate"))
demo = demo_code_to_try(actor)
if demo is not None:
    with st.container(border=True):
        st.caption(tr("gate.demo_receipt", declaration=as_text(demo["declaration"])))
        st.code(demo["code"], language=None)
        st.button(tr("gate.demo_fill"), key=K_DEMO_FILL, on_click=_fill, args=(demo["code"],),
                  icon=":material/input:")  # fmt: skip
st.text_input(tr("gate.gate_name"), key=K_GATE)
st.text_input(tr("gate.code"), key=K_CODE, placeholder="RR-CNSGH-20250303-A1B2C3.…")
st.button(tr("gate.check"), key=K_CHECK, on_click=_check, type="primary", width="stretch",
          icon=":material/verified:")  # fmt: skip
with st.expander(tr("gate.scan"), icon=":material/qr_code_scanner:"):
    scan_key = f"{K_SCAN}.{st.session_state[K_SCAN_GEN]}"
    st.camera_input(tr("gate.scan_hint"), key=scan_key, on_change=_scanned, args=(scan_key,))

result = st.session_state.get(K_RESULT)
_last_exit()
if isinstance(result, Exception):
    show_error(result)
elif result == "no_code":
    st.warning(tr("gate.no_code"), icon=":material/qr_code:")
elif result == "code_missing":
    st.info(tr("gate.code_missing"), icon=":material/keyboard:")
elif isinstance(result, Verification):
    facts = tr(
        "gate.facts",
        receipt=as_text(result.receipt_no or "—"),
        declaration=as_text(result.declaration or "—"),
        containers=as_text(", ".join(result.containers) or "—"),
    )
    if result.status == GENUINE:
        left, total = len(result.waiting), len(result.boxes)
        if not result.containers:
            said = tr("gate.genuine_cargo")
        elif left == total:
            said = tr("gate.genuine")
        else:
            said = tr("gate.genuine_partly", left=left, total=total)
        st.success(said + "\n\n" + facts, icon=":material/check_circle:")
        _boxes(result)
        _exit_form(result)
    elif result.status == USED:
        # stored as UTC (naive from SQLite): shown in the port's time
        used = tr("gate.used", gate=as_text(result.used_gate), when=fmt_time(result.used_at))
        st.warning(used + "\n\n" + facts, icon=":material/block:")
        _boxes(result)
    else:
        st.error(tr("gate.forged"), icon=":material/gpp_bad:")

st.subheader(tr("gate.today"))
exits = guarded(lambda: exits_today(actor))
if exits:
    table = pd.DataFrame(exits)
    table["exited_at"] = table["exited_at"].map(fmt_time)
    table["container"] = table["container"].fillna(tr("gate.cargo"))
    table["seal_matches"] = table["seal_matches"].map(
        lambda ok: tr("gate.seal_checked") if ok is True else tr("gate.seal_none")
    )
    columns = ("exited_at", "container", "truck_plate", "gate", "seal_matches", "receipt_no", "declaration")
    labels = ("col_time", "col_container", "col_truck", "col_gate", "col_seal", "col_receipt", "col_declaration")
    st.dataframe(
        table[list(columns)],
        hide_index=True,
        column_config={c: tr(f"gate.{label}") for c, label in zip(columns, labels, strict=True)},
    )
elif exits is not None:
    st.caption(tr("gate.today_none"))
