"""The selection and roster pages under AppTest: open by role, draw, dispatch, roster and conflicts."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portsight.clock import utcnow
from portsight.db.models import Declaration, DutyShift, Enterprise, Port, Selection
from portsight.db.session import make_engine, unit_of_work
from tests.pages.conftest import errors, login

SELECTION = "pages/selection.py"
ROSTER = "pages/roster.py"


def open_page(new_app, username, page):
    at = login(new_app().run(), username)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def add_declaration(url: str, number: str, under_investigation: bool = False) -> None:
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        port = s.scalar(select(Port).where(Port.code == "CNSGH"))
        ent = Enterprise(
            uscc=f"9131000{number[-4:]:0>4}MA1FL8X",
            name=f"Page Test {number}",
            credit_tier="general",
            under_investigation=under_investigation,
        )
        s.add(ent)
        s.flush()
        s.add(
            Declaration(
                number=number,
                port_id=port.id,
                enterprise_id=ent.id,
                direction="import",
                transport_mode="sea",
                origin_country="DE",
                declared_at=utcnow() - timedelta(minutes=5),
            )
        )
    engine.dispose()


def table_with(at, column: str):
    """The first dataframe on the page that has the column (AppTest does not expose dataframe keys)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def count(url: str, stmt) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(stmt)
    engine.dispose()
    return n


def test_supervisor_sees_the_selection_page_with_the_rates_chart(new_app):
    at = open_page(new_app, "supervisor", SELECTION)
    assert at.title[0].value == "Double random selection"
    assert not errors(at)
    assert at.get("plotly_chart"), "the realised-vs-target chart is shown"


def test_drawing_the_waiting_declarations_records_and_shows_them(new_app, app_db):
    url = app_db[1]
    add_declaration(url, "PAGE-0001", under_investigation=True)  # forced: opens an inspection
    add_declaration(url, "PAGE-0002")
    at = open_page(new_app, "supervisor.sgh", SELECTION)
    at.button(key="selection.draw").click().run()
    assert not errors(at) and not at.exception
    assert "2 declaration(s) drawn." in [s.value for s in at.success]
    assert count(url, select(func.count()).select_from(Selection)) == 2
    draws = table_with(at, "reasons")
    assert set(draws["declaration"]) == {"PAGE-0001", "PAGE-0002"}
    assert "Rule hit: enterprise_under_investigation" in set(draws["reasons"])


def test_dispatch_without_anyone_on_duty_says_what_to_do(new_app):
    at = open_page(new_app, "supervisor", SELECTION)
    assert at.selectbox(key="selection.dispatch_pick").options, "the forced inspection waits for inspectors"
    at.button(key="selection.dispatch").click().run()
    assert any("Add a shift in the roster" in e for e in errors(at)), errors(at)


def test_roster_adds_a_shift_then_dispatch_succeeds(new_app, app_db):
    url = app_db[1]
    at = open_page(new_app, "supervisor.sgh", ROSTER)
    assert at.title[0].value == "Duty roster"
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    at.date_input(key="roster.day").set_value(now.date())
    at.time_input(key="roster.start").set_value(time(now.hour, 0))
    at.number_input(key="roster.hours").set_value(2)
    next(b for b in at.button if b.label == "Add the shift").click().run()
    assert not errors(at), errors(at)
    assert count(url, select(func.count()).select_from(DutyShift)) == 1
    assert "Shift added." in [s.value for s in at.success]

    at = open_page(new_app, "supervisor", SELECTION)
    at.button(key="selection.dispatch").click().run()
    assert not errors(at), errors(at)
    assert "Inspector" in set(table_with(at, "inspector")["inspector"])


def test_roster_records_a_declared_conflict(new_app):
    at = open_page(new_app, "supervisor.sgh", ROSTER)
    at.text_input(key="roster.conflict_search").input("Demo Trading").run()
    at.text_input(key="roster.conflict_reason").input("former employer").run()
    at.button(key="roster.conflict_save").click().run()
    assert not errors(at), errors(at)
    assert "Demo Trading Co." in set(table_with(at, "reason")["enterprise"])


def test_selection_and_roster_are_in_the_menu_of_supervisors_and_admins_only():
    from components.shell.navigation import visible_pages

    for role in ("supervisor", "admin"):
        assert {"selection", "roster"} <= set(visible_pages(role))
    for role in ("inspector", "expert", "gate"):
        assert not {"selection", "roster"} & set(visible_pages(role))
