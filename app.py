"""PortSight: page config, login gate, navigation by role, shared sidebar.

Run with `make run` (or `streamlit run app.py`). Pages are registered in components/shell/navigation.py.
"""

from __future__ import annotations

import logging

import streamlit as st

from components.shell import state
from components.shell.background import start_alert_checks_once
from components.shell.login import render_login
from components.shell.navigation import build_pages, signed_out_pages
from components.shell.runtime import database_problem, ensure_rule_catalogue, start_simulator_once
from components.shell.sidebar import render_sidebar

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="PortSight", page_icon=":material/directions_boat:", layout="wide")
state.init()
ensure_rule_catalogue()  # a malformed rule file stops start-up, naming file, rule and field

signed_in = st.session_state[state.SIGNED_IN]
if signed_in is None:
    page = st.navigation(signed_out_pages(render_login), position="hidden")
else:
    if database_problem() is None:
        start_simulator_once()
        start_alert_checks_once()  # overdue and pattern checks run whoever is signed in
    render_sidebar(signed_in)
    page = st.navigation(build_pages(signed_in.actor.role))
page.run()
