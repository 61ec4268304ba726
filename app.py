"""PortSight: page config, sign-in gate, navigation by role, shared sidebar.

Served by serve.py (`streamlit run serve.py`, or `make run`), which adds the sign-in page and the
session middleware around Streamlit. Pages are registered in components/shell/navigation.py.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from components.remote_assist.ringing import render_ringer
from components.shell import state
from components.shell.background import start_alert_checks_once
from components.shell.demo_passwords import warn_about_demo_passwords
from components.shell.login import render_login, render_password_change_view
from components.shell.navigation import build_pages, signed_out_pages
from components.shell.notifier import start_notifier_once
from components.shell.runtime import database_problem, start_simulator_once
from components.shell.sidebar import render_sidebar
from components.shell.state import ensure_rule_catalogue

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

# The tab icon is the app's own drawing, sent inline as a data: URL: no request, so it shows on a closed
# network and signed out (a Material icon would come from fonts.gstatic.com, an emoji needs an emoji font).
ICON = Path(__file__).parent / "components" / "shell" / "icon.svg"
st.set_page_config(page_title="PortSight", page_icon=str(ICON), layout="wide")
signed_in = state.gate()  # the browser's session cookie, resolved for this run; never session state
ensure_rule_catalogue()  # a malformed rule file stops start-up, naming file, rule and field

if signed_in is None:
    page = st.navigation(signed_out_pages(render_login), position="hidden")
elif getattr(signed_in, "must_change_password", False):
    page = st.navigation(signed_out_pages(lambda: render_password_change_view(signed_in)), position="hidden")
else:
    if database_problem() is None:
        start_simulator_once()
        start_alert_checks_once()  # overdue and pattern checks run whoever is signed in
        start_notifier_once()  # alert notifications by mail, webhook and chat robot
    render_sidebar(signed_in)
    if database_problem() is None:
        render_ringer(signed_in.actor)  # experts hear a request ring on whatever page they are
    warn_about_demo_passwords(signed_in.actor)  # administrators, outside the demo: accounts still on `demo`
    # An administrator has more pages than the menu shows before "View more": show them all.
    page = st.navigation(build_pages(signed_in.actor.role), expanded=True)
page.run()
