"""Ringing experts on every page, and "who is coming" for the inspector who asked.

`render_ringer(actor)` is called by app.py on every page: for a signed-in expert it is a fragment
that asks every RING_PERIOD seconds which requests ring them (portsight.queries.assist_rings),
shows each as a banner with Join and Decline, and, when a new one rings, sounds a short tone and
shows a browser notification if the tab is in the background (the small component in
ringer_frontend/, served from this site: the page's Content-Security-Policy allows only 'self'
scripts). Who is rung and when it escalates is decided by portsight.services.assist_rings.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from components.shell.formatting import as_text, step_title
from components.shell.runtime import get_engine
from components.shell.state import lang, tr
from components.shell.widgets import guarded
from portsight.domain.access import Actor, Role
from portsight.domain.assist_routing import LOCAL, ON_DUTY
from portsight.queries import assist_rings as ring_queries
from portsight.services import assist as assist_services
from portsight.services import assist_rings as ring_services

RING_PERIOD = 5  # seconds between two looks: a ring is heard within this of being rung
MAX_BANNERS = 3  # more ringing at once are on the remote assistance page's queue
REMOTE_ASSIST_PAGE = "pages/remote_assist.py"
K_DECLINED = "ringing.declined"  # session state: the request just declined, said once after the rerun

_chime = components.declare_component("portsight_ringer", path=str(Path(__file__).parent / "ringer_frontend"))


# ------------------------------------------------------------------ readers and writes


@st.cache_data(ttl=RING_PERIOD - 1, show_spinner=False)
def load_rings(user_id: int) -> list[dict]:
    """Requests ringing this expert now; every open page of theirs shares one query per period."""
    return ring_queries.rings_for(get_engine(), user_id)


def load_who_is_coming(session_id: int) -> dict:
    return ring_queries.who_is_coming(get_engine(), session_id)


def join_assist(actor: Actor, session_id: int) -> None:
    """Join a request, from its banner or the remote assistance page's queue: it stops ringing on the
    expert's pages at once, not a ring period later (its banner would sit above the call)."""
    assist_services.join_assist(get_engine(), actor, session_id)
    load_rings.clear()


def decline_ring(actor: Actor, session_id: int) -> None:
    ring_services.decline_ring(get_engine(), actor, session_id)
    load_rings.clear()


# ------------------------------------------------------------------ the expert's ringer


def render_ringer(actor: Actor) -> None:
    """The ringing banner for a signed-in expert (nothing for other roles)."""
    if actor.role != Role.EXPERT or actor.user_id is None:
        return
    # One container whatever the number of banners: the page below keeps its place, and a call's
    # video on it is not reloaded when a request stops ringing.
    with st.container(key="ringing.banners"):
        _ringer(actor, actor.user_id)


@st.fragment(run_every=RING_PERIOD)
def _ringer(actor: Actor, user_id: int) -> None:
    declined = st.session_state.pop(K_DECLINED, None)
    if declined is not None:
        st.toast(tr("assist.ring_declined", id=declined))
    rings = load_rings(user_id)
    if not rings:
        return
    language = lang()
    for ring in rings[:MAX_BANNERS]:
        sid = ring["id"]
        with st.container(border=True, key=f"ringing.banner.{sid}"):
            st.markdown(f":material/ring_volume: **{tr('assist.ring_title', id=sid)}**")
            st.markdown(
                tr(
                    "assist.ring_banner",
                    inspector=as_text(ring["requested_by"]),
                    port=ring["port"],
                    declaration=as_text(ring["declaration"]),
                    step=as_text(step_title(language, ring["step_key"]) if ring["step_key"] else "—"),
                    question=as_text(ring["question"]),
                )
            )
            join, decline = st.columns(2)
            if join.button(tr("assist.ring_join"), key=f"ringing.join.{sid}", type="primary", icon=":material/call:"):
                if guarded(lambda sid=sid: (join_assist(actor, sid), True)[1]):
                    st.switch_page(REMOTE_ASSIST_PAGE)
            if decline.button(tr("assist.ring_decline"), key=f"ringing.decline.{sid}", icon=":material/call_end:"):
                if guarded(lambda sid=sid: (decline_ring(actor, sid), True)[1]):
                    st.session_state[K_DECLINED] = sid
                    st.rerun()
    if len(rings) > MAX_BANNERS:
        st.caption(tr("assist.ring_more", count=len(rings) - MAX_BANNERS))
    newest = rings[0]
    _chime(
        token=max(r["ring_id"] for r in rings),  # a new ring, even for an older request, sounds
        title=tr("assist.ring_notification_title"),
        body=f"{newest['port']} · {newest['declaration']}: {newest['question'][:120]}",
        allow_label=tr("assist.ring_allow_notifications"),
        key="ringing.chime",
        default=None,
    )


# ------------------------------------------------------------------ the inspector's "who is coming"


def _circle_text(circle: int) -> str:
    if circle == LOCAL:
        return tr("assist.circle_local")
    if circle == ON_DUTY:
        return tr("assist.circle_on_duty")
    return tr("assist.circle_national")


def render_who_is_coming(session_id: int) -> None:
    """Whom the request rings now, who declined, and who joined; for the inspector waiting (no fragment of its own)."""
    coming = load_who_is_coming(session_id)
    if not coming:
        return
    with st.container(key=f"ringing.coming.{session_id}"):
        if coming["expert"] is not None:
            st.caption(tr("assist.coming_joined", name=as_text(coming["expert"])))
            return
        st.caption(_circle_text(coming["circle"]))
        if not coming["rung"]:
            st.caption(tr("assist.coming_nobody"))
        for rung in coming["rung"]:
            name = as_text(rung["name"])
            if rung["declined_at"] is not None:
                st.caption(tr("assist.coming_declined", name=name))
            else:
                st.caption(tr("assist.coming_ringing", name=name))
