"""How PortSight is served: `streamlit run serve.py` (scripts/run, deploy/, tests).

Streamlit finds the st.App below and serves app.py with it, adding:
- the sign-in page and sign-out (/login, /logout: portsight/web/routes.py), outside Streamlit;
- the session gate and security headers (portsight/web/middleware.py) on every request;
- the app's own message, in the user's language, for an uncaught error in a script run;
- the theme options read once, not at every script run (components/shell/theme_options.py).
`streamlit run app.py` would still start, but without sign-in: every page then shows the
signed-out view.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from components.shell.browser import bound_token_hash, signed_out_message
from components.shell.state import show_unexpected_error
from components.shell.theme_options import keep_theme_options
from portsight.web.middleware import SessionGate, inline_script_hashes
from portsight.web.routes import routes

log = logging.getLogger("portsight.serve")


def _streamlit_index_hashes() -> list[str]:
    """CSP hashes of the inline scripts of Streamlit's own index.html (one today)."""
    index = Path(st.__file__).resolve().parent / "static" / "index.html"
    try:
        return inline_script_hashes(index.read_text(encoding="utf-8"))
    except OSError:
        log.warning("Streamlit's index.html not found at %s: its inline script will be refused", index)
        return []


keep_theme_options()

app = st.App(
    "app.py",
    routes=routes(),
    middleware=[
        Middleware(
            SessionGate,
            bound_token_hash=bound_token_hash,
            signed_out_message=signed_out_message,
            script_hashes=_streamlit_index_hashes(),
        )
    ],
    on_script_error=show_unexpected_error,
)
