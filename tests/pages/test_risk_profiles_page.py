"""The risk profiles page under AppTest, by widget key: an administrator creates a profile (and is told
what is wrong when the form is incomplete), extends and deactivates it; a supervisor reads it; an
inspector is refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from components.shell.navigation import refused_pages, visible_pages
from portsight.clock import utcnow
from portsight.db.models import AuditEntry, Enterprise, RiskProfile
from portsight.db.session import make_engine
from portsight.domain.access import SYSTEM
from portsight.i18n import t
from portsight.services.declarations import register_declaration
from portsight.services.selection import select_declaration
from tests.pages.conftest import errors, login

PAGE = "pages/risk_profiles.py"
ROOT = Path(__file__).resolve().parents[2]


def open_page(new_app, username):
    at = login(new_app().run(), username)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def rows_of(url: str, stmt) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    engine.dispose()
    return rows


def profiles_table(at):
    return next(df.value for df in at.dataframe if "scope" in df.value.columns)


def create(at, name="Copper scrap from JP", reason="Intelligence note 2026-41", hs="7404", origin="JP"):
    at.text_input(key="risk_profiles.name").input(name)
    at.text_area(key="risk_profiles.reason").input(reason)
    at.text_input(key="risk_profiles.hs_prefix").input(hs)
    at.text_input(key="risk_profiles.origin").input(origin)
    at.button(key="risk_profiles.create").click()
    return at.run()


def test_an_administrator_creates_a_profile_and_sees_it_with_its_hits(new_app, app_db):
    url = app_db[1]
    at = create(open_page(new_app, "admin"))
    assert not at.exception and not errors(at)
    [profile] = rows_of(url, select(RiskProfile.id, RiskProfile.action, RiskProfile.hs_prefix, RiskProfile.reason))
    assert [s.value for s in at.success] == [f"Risk profile {profile.id} created."]
    assert (profile.action, profile.hs_prefix, profile.reason) == ("force", "7404", "Intelligence note 2026-41")
    table = profiles_table(at)
    assert table["name"].tolist() == ["Copper scrap from JP"]
    assert table["status"].tolist() == ["In force"] and table["hits"].tolist() == [0]
    assert "HS 7404…" in table["scope"].iloc[0] and "origin Japan" in table["scope"].iloc[0]
    assert rows_of(url, select(AuditEntry.action).where(AuditEntry.entity == "risk_profile")) == [
        ("risk_profile.create",)
    ]


def test_an_incomplete_form_says_what_is_missing_in_the_users_language(new_app, app_db):
    at = create(open_page(new_app, "admin"), name="", hs="", origin="")
    assert not at.exception
    [shown] = errors(at)
    message = shown.replace("\\", "")  # the Markdown source escapes ':'; the reader sees none
    assert t("en", "risk_profiles.error_name_required") in message
    assert t("en", "risk_profiles.error_scope_empty") in message
    assert "Traceback" not in message


def test_an_administrator_extends_and_then_deactivates_a_profile(new_app, app_db):
    url = app_db[1]
    at = create(open_page(new_app, "admin"), name="Phones", hs="8517")
    [(profile_id, expires_at)] = rows_of(
        url, select(RiskProfile.id, RiskProfile.expires_at).where(RiskProfile.name == "Phones")
    )
    at.selectbox(key="risk_profiles.pick").select(profile_id).run()
    later = at.date_input(key="risk_profiles.new_expiry").value + timedelta(days=10)
    at.date_input(key="risk_profiles.new_expiry").set_value(later).run()
    at.button(key="risk_profiles.change_expiry").click().run()
    assert not at.exception and not errors(at)
    [(moved,)] = rows_of(url, select(RiskProfile.expires_at).where(RiskProfile.id == profile_id))
    assert moved - expires_at == timedelta(days=10)
    at.selectbox(key="risk_profiles.pick").select(profile_id).run()
    at.button(key="risk_profiles.deactivate").click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == [f"Risk profile {profile_id} deactivated; its hits stay on record."]
    assert rows_of(url, select(RiskProfile.active).where(RiskProfile.id == profile_id)) == [(False,)]


def draw_a_matching_declaration(url: str, number: str, hs: str) -> None:
    """A declaration at CNSGH with a goods line under hs, drawn now (the profile forces it)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        enterprise_id = conn.scalar(select(Enterprise.id).where(Enterprise.name == "Demo Trading Co."))  # appdb's
    declaration_id = register_declaration(
        engine,
        SYSTEM,
        {
            "number": number,
            "port_code": "CNSGH",
            "enterprise_id": enterprise_id,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": "CL",
            "declared_at": utcnow() - timedelta(minutes=5),
            "goods": [{"hs_code": hs + "100000"[: 10 - len(hs)], "description": "fresh grapes", "quantity": 100,
                       "gross_weight_kg": 900, "value": 3000}],
        },
    )  # fmt: skip
    select_declaration(engine, SYSTEM, declaration_id, seed="page-test")
    engine.dispose()


def test_a_supervisor_sees_the_profiles_and_their_hits_read_only(new_app, app_db):
    admin = create(open_page(new_app, "admin"), name="Seen by supervisors", hs="0806", origin="")
    assert not errors(admin)
    draw_a_matching_declaration(app_db[1], "RP-PAGE-1", "0806")
    st.cache_data.clear()  # the draw ran outside the app: its readers would see it after their ttl
    at = open_page(new_app, "supervisor")
    assert at.title[0].value == "Risk profiles" and not errors(at)
    table = profiles_table(at).set_index("name")
    assert (table.loc["Seen by supervisors", "hits"], table.loc["Seen by supervisors", "fired"]) == (1, 1)
    assert t("en", "risk_profiles.read_only") in [i.value for i in at.info]
    for key in ("risk_profiles.name", "risk_profiles.hs_prefix"):
        assert not [w for w in at.text_input if w.key == key]
    assert not [b for b in at.button if b.key in ("risk_profiles.create", "risk_profiles.deactivate")]
    [profile_id] = [o for o in at.selectbox(key="risk_profiles.hits_pick").options if "Seen by supervisors" in o]
    at.selectbox(key="risk_profiles.hits_pick").set_value(int(profile_id.split(" · ")[0])).run()
    hits = next(df.value for df in at.dataframe if "declaration" in df.value.columns)
    assert hits["declaration"].tolist() == ["RP-PAGE-1"] and hits["fired"].tolist() == [True]


def _page_as_inspector(page_file: str) -> None:
    """Sign an inspector in directly in session state and run the page (an AppTest script)."""
    import runpy

    import streamlit as st

    from portsight.domain.access import Actor, Role
    from portsight.services.accounts import SignedIn

    st.session_state["app.signed_in"] = SignedIn(
        Actor(5, "inspector", Role.INSPECTOR, frozenset({1})), "inspector", "en"
    )
    st.session_state["app.lang"] = "en"
    runpy.run_path(page_file)


def test_an_inspector_is_refused():
    assert "risk_profiles" not in visible_pages("inspector")  # not in the menu; by URL a hidden refusal
    assert "risk_profiles" in refused_pages("inspector")
    at = AppTest.from_function(_page_as_inspector, args=(str(ROOT / PAGE),), default_timeout=30).run()
    assert not at.exception
    assert any("may not open this page" in e for e in errors(at))
    assert not [x for x in at.title if x.value == "Risk profiles"] and not at.dataframe
