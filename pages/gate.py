"""Gate check: type, paste or scan a release receipt's code; genuine and unused / already used / forged
(an empty code asks for one).

Layout only: the check and the marking are components.gate.data.verify_receipt.
"""

from __future__ import annotations

import streamlit as st

from components.gate.data import GENUINE, USED, CodeMissing, decode_qr_image, demo_code_to_try, verify_receipt
from components.shell.formatting import as_text
from components.shell.state import require_page, tr
from components.shell.widgets import fmt_time, show_error

actor = require_page("gate")

K_GATE = "gate.gate"
K_CODE = "gate.code"
K_CHECK = "gate.check"
K_SCAN = "gate.scan"
K_SCAN_GEN = "gate.scan_gen"
K_RESULT = "gate.result"  # session: the last Verification, or an exception to show
K_DEMO_FILL = "gate.demo_fill"

st.session_state.setdefault(K_GATE, tr("gate.default_gate"))
st.session_state.setdefault(K_SCAN_GEN, 0)


def _check(code: str | None = None) -> None:
    token = code if code is not None else st.session_state.get(K_CODE, "")
    try:
        st.session_state[K_RESULT] = verify_receipt(actor, token or "", st.session_state.get(K_GATE, ""))
    except CodeMissing:
        st.session_state[K_RESULT] = "code_missing"
    except Exception as exc:  # noqa: BLE001 - shown by show_error (ours as a message, others logged)
        st.session_state[K_RESULT] = exc


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
if isinstance(result, Exception):
    show_error(result)
elif result == "no_code":
    st.warning(tr("gate.no_code"), icon=":material/qr_code:")
elif result == "code_missing":
    st.info(tr("gate.code_missing"), icon=":material/keyboard:")
elif result is not None:
    when = fmt_time(result.used_at)  # stored as UTC (naive from SQLite): shown in the port's time
    facts = tr(
        "gate.facts",
        receipt=as_text(result.receipt_no or "—"),
        declaration=as_text(result.declaration or "—"),
        containers=as_text(", ".join(result.containers) or "—"),
    )
    if result.status == GENUINE:
        st.success(
            tr("gate.genuine", gate=as_text(result.used_gate), when=when) + "\n\n" + facts,
            icon=":material/check_circle:",
        )
    elif result.status == USED:
        st.warning(tr("gate.used", gate=as_text(result.used_gate), when=when) + "\n\n" + facts, icon=":material/block:")
    else:
        st.error(tr("gate.forged"), icon=":material/gpp_bad:")
