"""The open-alert badge shown in the shared sidebar on every page (for roles that handle alerts)."""

from __future__ import annotations

import streamlit as st

from components.alerts.data import load_open_alert_counts
from components.shell.state import scope_key, tr
from portsight.domain.access import Actor, may_open

BADGE_COLOURS = {"high": "red", "medium": "orange", "low": "blue"}


def badge_markdown(counts: dict[str, int], labels: dict[str, str]) -> str:
    """Streamlit badges for the non-zero severities, high first, e.g. ':red-badge[2 High]'."""
    parts = [f":{BADGE_COLOURS[s]}-badge[{counts.get(s, 0)} {labels[s]}]" for s in BADGE_COLOURS if counts.get(s, 0)]
    return " ".join(parts)


def render_alert_badge(actor: Actor) -> None:
    """Open alerts in the user's scope, by severity.

    Called once from the shared sidebar (inside `with st.sidebar`).
    """
    if not may_open(actor.role, "alerts"):
        return
    counts = load_open_alert_counts(scope_key(actor.port_ids))
    total = counts.get("total", 0)
    # A plain badge, not a page link: the shared sidebar is drawn before st.navigation registers
    # the pages, and the menu already links to the alerts page.
    with st.container(key="alerts.badge"):
        st.markdown(f":material/notifications: **{tr('alerts.badge', count=total)}**")
        if total:
            labels = {s: tr(f"common.severity_{s}") for s in BADGE_COLOURS}
            st.markdown(badge_markdown(counts, labels))
