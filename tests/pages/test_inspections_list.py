"""The inspections list reads its filters from the URL (the links of the board, the weekly review
and the feed): the rows match each filter, the widgets show it, a widget's change writes the URL,
and a record opened from the list keeps the filters for the way back."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from portsight.clock import utcnow
from portsight.db.models import (
    Declaration,
    Enterprise,
    Finding,
    GoodsLine,
    Inspection,
    InspectionTransition,
    Port,
    User,
)
from portsight.db.session import make_engine, unit_of_work
from portsight.i18n import t
from tests.pages.appdb import app_env, prepare_app_database
from tests.pages.conftest import APP, login

FIRM = "Hostile <b>Firm</b> ](javascript:x)"
RULE = "seal_mismatch"


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    """The page-test day of work (tests/pages/appdb.py: at Shanghai one in progress, one pending, one
    released; at Ningbo one held, all opened 2 hours ago) and, at Shanghai, for a second enterprise:
    one assigned 6 hours ago (overdue), one awaiting a laboratory 6 hours ago (outside work: not
    overdue), one released 10 days ago with a finding of RULE and one finding without a rule, one
    opened 50 hours ago and held an hour ago ("late": decided on another day than opened)."""
    data_dir = tmp_path_factory.mktemp("inspections_list")
    url = prepare_app_database(data_dir)
    engine = make_engine(url)
    now = utcnow()
    ids: dict[str, int] = {}
    with unit_of_work(engine) as s:
        port = {p.code: p.id for p in s.scalars(select(Port))}
        inspector = s.scalar(select(User.id).where(User.username == "inspector"))
        firm = Enterprise(uscc="91310000MA1FL8XQ9X", name=FIRM, credit_tier="general")
        s.add(firm)
        s.flush()
        ids["firm"] = firm.id
        for name, state, hours in (("overdue", "assigned", 6), ("lab", "awaiting_lab", 6), ("old", "released", 240),
                                   ("late", "held", 50)):  # fmt: skip
            dec = Declaration(number=f"DEC-LIST-{name}", port_id=port["CNSGH"], enterprise_id=firm.id,
                              direction="import", transport_mode="sea", origin_country="JP",
                              declared_at=now - timedelta(hours=hours + 1))  # fmt: skip
            s.add(dec)
            s.flush()
            insp = Inspection(declaration_id=dec.id, port_id=port["CNSGH"], state=state, priority=1,
                              created_at=now - timedelta(hours=hours),
                              decision={"released": "release", "held": "hold"}.get(state),
                              decided_at={"released": now - timedelta(hours=hours - 1),
                                          "held": now - timedelta(hours=1)}.get(state))  # fmt: skip
            s.add(insp)
            s.flush()
            ids[name], ids[f"{name}_declaration"] = insp.id, dec.id
        for rule in (RULE, None):
            s.add(Finding(inspection_id=ids["old"], step_key="seal", rule_id=rule, severity="high",
                          description="Seal differs", created_at=now - timedelta(hours=230),
                          created_by_id=inspector))  # fmt: skip
    engine.dispose()
    return data_dir, url, ids


@pytest.fixture
def new_app(app_db, monkeypatch):
    data_dir, url, _ = app_db
    for key, value in {**app_env(data_dir, url), "PORTSIGHT_SUPERVISION": "off"}.items():
        monkeypatch.setenv(key, value)
    st.cache_data.clear()
    yield lambda: AppTest.from_file(APP, default_timeout=90)
    st.cache_data.clear()


def open_list(new_app, params: dict[str, str | list[str]], user: str = "supervisor", lang: str = "en") -> AppTest:
    at = login(new_app(), user)
    if at.session_state["app.lang"] != lang:
        at.radio(key="sidebar.lang").set_value(lang).run()
    at.switch_page("pages/inspections.py")
    for name, value in params.items():
        at.query_params[name] = value
    at = at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def param(at: AppTest, name: str) -> list[str]:
    value = at.query_params.get(name)
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def shown_ids(at: AppTest) -> set[int]:
    tables = [d.value for d in at.dataframe if "inspection_id" in d.value.columns]
    return {int(i) for i in tables[0]["inspection_id"]} if tables else set()


def all_ids(app_db) -> dict[str, set[int]]:
    _, url, ids = app_db
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        rows = s.execute(select(Inspection.id, Inspection.state, Port.code).join(Port)).all()
    engine.dispose()
    return {
        "all": {r.id for r in rows},
        "sgh": {r.id for r in rows if r.code == "CNSGH"},
        "ngb": {r.id for r in rows if r.code == "CNNGB"},
        "in_progress_or_pending": {r.id for r in rows if r.state in ("in_progress", "pending")},
    }


def test_without_parameters_every_inspection_is_listed(new_app, app_db):
    at = open_list(new_app, {})
    assert shown_ids(at) == all_ids(app_db)["all"]
    assert at.toggle(key="inspections.f_overdue").value is False


def test_ports_and_states_from_the_url_filter_the_rows_and_set_the_widgets(new_app, app_db):
    known = all_ids(app_db)
    at = open_list(new_app, {"port": "CNNGB"})
    assert shown_ids(at) == known["ngb"]
    assert at.multiselect(key="inspections.f_ports").value == ["CNNGB"]
    at = open_list(new_app, {"port": ["CNSGH", "CNNGB"], "state": ["in_progress", "pending"]})
    assert shown_ids(at) == known["in_progress_or_pending"]
    assert at.multiselect(key="inspections.f_states").value == ["pending", "in_progress"]


def test_a_port_outside_the_readers_scope_widens_nothing(new_app, app_db):
    at = open_list(new_app, {"port": "CNNGB"}, user="supervisor.sgh")
    assert shown_ids(at) == all_ids(app_db)["sgh"]
    assert at.multiselect(key="inspections.f_ports").value == []


def test_overdue_lists_what_the_board_counts_as_overdue(new_app, app_db):
    ids = app_db[2]
    at = open_list(new_app, {"overdue": "1"})
    assert shown_ids(at) == {ids["overdue"]}  # not the one awaiting a laboratory, opened as long ago
    assert at.toggle(key="inspections.f_overdue").value is True
    assert any(t("en", "inspection_filters.overdue") == tg.label for tg in at.toggle)


def test_enterprise_id_shows_the_name_as_a_chip_that_clears_the_filter(new_app, app_db):
    ids = app_db[2]
    at = open_list(new_app, {"enterprise_id": str(ids["firm"]), "state": "released"})
    assert shown_ids(at) == {ids["old"]}
    chip = at.button(key="inspections.f_enterprise_id")
    assert "<b>" not in chip.label.replace("\\<b\\>", "") and "Firm" in chip.label
    at = chip.click().run()
    assert "enterprise_id" not in at.query_params and param(at, "state") == ["released"]
    assert len(shown_ids(at)) > 1


def test_finding_by_rule_or_any(new_app, app_db):
    ids = app_db[2]
    assert shown_ids(open_list(new_app, {"finding": RULE})) == {ids["old"]}
    assert shown_ids(open_list(new_app, {"finding": "any"})) == {ids["old"]}
    assert shown_ids(open_list(new_app, {"finding": "no_such_rule"})) == set()


def test_days_are_china_time_and_inclusive(new_app, app_db):
    ids = app_db[2]
    day = (utcnow() - timedelta(hours=240)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    at = open_list(new_app, {"from": day.isoformat(), "to": day.isoformat()})
    assert shown_ids(at) == {ids["old"]}


def test_a_declarations_inspections_and_the_chip_naming_it(new_app, app_db):
    ids = app_db[2]
    at = open_list(new_app, {"declaration_id": str(ids["lab_declaration"])})
    assert shown_ids(at) == {ids["lab"]}
    assert "DEC-LIST-lab" in at.button(key="inspections.f_declaration_id").label.replace("\\", "")


def test_a_widget_change_writes_the_url_in_codes(new_app, app_db):
    at = open_list(new_app, {"port": "CNSGH", "page": "1"}, lang="zh_CN")
    at = at.multiselect(key="inspections.f_states").select("pending").run()
    assert param(at, "state") == ["pending"] and param(at, "port") == ["CNSGH"]
    assert "page" not in at.query_params  # a filter's change starts at the first page
    at = at.toggle(key="inspections.f_overdue").set_value(True).run()
    assert param(at, "overdue") == ["1"]
    at = at.selectbox(key="inspections.f_finding").set_value("any").run()
    assert param(at, "finding") == ["any"]
    at = at.toggle(key="inspections.desc").set_value(False).run()
    assert param(at, "order") == ["asc"]


def test_a_record_opened_from_the_list_keeps_the_filters_for_the_way_back(new_app, app_db):
    ids = app_db[2]
    at = open_list(new_app, {"overdue": "1", "port": "CNSGH"})
    at.query_params["id"] = str(ids["overdue"])
    at = at.run()
    assert any("DEC-LIST-overdue" in title.value for title in at.title)
    at = at.button(key="inspections.back").click().run()
    assert "id" not in at.query_params
    assert param(at, "overdue") == ["1"] and param(at, "port") == ["CNSGH"]
    assert shown_ids(at) == {ids["overdue"]}


def test_a_picked_day_range_goes_into_the_url_once_both_days_are_picked(new_app, app_db):
    ids = app_db[2]
    day = (utcnow() - timedelta(hours=240)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    at = open_list(new_app, {})
    at = at.date_input(key="inspections.f_dates.opened..").set_value((day,)).run()
    assert "from" not in at.query_params  # half a range: still being picked
    at = at.date_input(key="inspections.f_dates.opened..").set_value((day, day)).run()
    assert param(at, "from") == [day.isoformat()] and param(at, "to") == [day.isoformat()]
    assert shown_ids(at) == {ids["old"]}
    assert at.date_input(key=f"inspections.f_dates.opened.{day}.{day}").value == (day, day)


def test_decided_days_list_what_was_decided_then_whatever_day_it_was_opened(new_app, app_db):
    ids = app_db[2]
    today = (utcnow() - timedelta(hours=1)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    days = {"decided_from": today.isoformat(), "decided_to": today.isoformat(), "state": "held"}
    at = open_list(new_app, days)
    assert ids["late"] in shown_ids(at)
    assert at.selectbox(key="inspections.f_dated").value == "decided"
    assert at.date_input(key=f"inspections.f_dates.decided.{today}.{today}").value == (today, today)
    assert ids["late"] not in shown_ids(open_list(new_app, {"from": today.isoformat(), "to": today.isoformat()}))
    # The same days, now of the opening: the range moves to from/to, and the list with it.
    at = at.selectbox(key="inspections.f_dated").set_value("opened").run()
    assert param(at, "from") == [today.isoformat()] and param(at, "to") == [today.isoformat()]
    assert "decided_from" not in at.query_params and "decided_to" not in at.query_params
    assert ids["late"] not in shown_ids(at)


def test_completed_days_pick_a_range_of_that_date(new_app, app_db):
    day = (utcnow() - timedelta(hours=240)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    at = open_list(new_app, {"completed_from": day.isoformat()}, lang="zh_CN")
    assert at.selectbox(key="inspections.f_dated").value == "completed"
    assert any(t("zh_CN", "inspection_filters.completed_between") == d.label for d in at.date_input)
    at = at.date_input(key=f"inspections.f_dates.completed.{day}.").set_value((day, day)).run()
    assert param(at, "completed_from") == [day.isoformat()] and param(at, "completed_to") == [day.isoformat()]
    assert "from" not in at.query_params


def test_the_weekly_reviews_holds_and_groups_open_from_the_url_with_chips(new_app, app_db):
    """held_from/held_to: put on hold those days, whatever its decision now; tier, origin and section
    (of the first goods line) as the weekly review groups declarations, each a chip that clears it."""
    _, url, ids = app_db
    now = utcnow()
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        s.add(InspectionTransition(inspection_id=ids["late"], from_state="completed", to_state="held",
                                   at=now - timedelta(hours=1)))  # fmt: skip
        s.add(GoodsLine(declaration_id=ids["old_declaration"], line_no=1, hs_code="8471300000",
                        description="Laptops", quantity=1, unit="035", gross_weight_kg=2, value=100))  # fmt: skip
    engine.dispose()
    today = (now - timedelta(hours=1)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    at = open_list(new_app, {"held_from": today.isoformat(), "held_to": today.isoformat()})
    assert shown_ids(at) == {ids["late"]}
    assert at.selectbox(key="inspections.f_dated").value == "held"
    assert any(t("en", "inspection_filters.held_between") == d.label for d in at.date_input)
    yesterday = today - timedelta(days=1)
    assert shown_ids(open_list(new_app, {"held_to": yesterday.isoformat()})) == set()

    firm = str(ids["firm"])
    at = open_list(new_app, {"enterprise_id": firm, "tier": "general", "origin": "jp"}, lang="zh_CN")
    assert shown_ids(at) == {ids[n] for n in ("overdue", "lab", "old", "late")}
    assert "日本" in at.button(key="inspections.f_origin").label
    assert shown_ids(open_list(new_app, {"enterprise_id": firm, "origin": "DE"})) == set()
    assert shown_ids(open_list(new_app, {"enterprise_id": firm, "tier": "dishonest"})) == set()
    at = open_list(new_app, {"section": "XVI"})
    assert shown_ids(at) == {ids["old"]}
    assert "Machinery" in at.button(key="inspections.f_section").label
    at = at.button(key="inspections.f_section").click().run()
    assert "section" not in at.query_params and len(shown_ids(at)) > 1
