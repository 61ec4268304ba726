"""Redraw the board's fragment alone, from the watcher's fragment.

A page rerun per move would cost each board ~25 ms (app.py's sign-in check, the sidebar, the
navigation, then the board), and every board moves at the same moment: 100 boards would queue
~2.5 s of work behind one interpreter lock (bench/README.md, "Many sessions"). Streamlit reruns
a keyed fragment alone (`st.rerun("<key>")`) only from a widget callback; the watcher's timer is
no widget, so this asks the script runner for the same rerun the way st.rerun does: a rerun
request naming the board fragment, then a yield point that ends the watcher's run. Written
against Streamlit 1.67's runner; tests/e2e/test_overview.py sees the board move by it.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import RerunData, get_script_run_ctx


def rerun_fragment(key: str) -> None:
    """End this run and rerun the fragment `@st.fragment(key=key)` of the page alone."""
    ctx = get_script_run_ctx()
    if ctx is None or ctx.script_requests is None:
        st.rerun()
    ctx.script_requests.request_rerun(
        RerunData(
            query_string=ctx.query_string,
            page_script_hash=ctx.page_script_hash,
            fragment_id_queue=ctx.fragment_storage.resolve_target(key),
            is_fragment_scoped_rerun=True,
            cached_message_hashes=ctx.cached_message_hashes,
            context_info=ctx.context_info,
        )
    )
    st.empty()  # a yield point: the runner acts on the request before this element is sent
