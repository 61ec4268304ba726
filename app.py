"""PortSight: page config, login gate, navigation by role, shared sidebar.

Run with `make run` (or `streamlit run app.py`). Pages are registered in components/navigation.py.
"""

from __future__ import annotations

import logging

import streamlit as st

from components import state
from components.data import database_problem, start_simulator_once
from components.login import render_login
from components.navigation import build_pages, signed_out_pages
from components.readers_rules import ensure_rule_catalogue
from components.sidebar import render_sidebar
from components.supervision_runner import start_supervision_once

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
        start_supervision_once()  # overdue and pattern checks run whoever is signed in
    render_sidebar(signed_in)
    page = st.navigation(build_pages(signed_in.actor.role))
page.run()
