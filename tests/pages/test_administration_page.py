"""The administration page under AppTest, by widget key: an administrator opens an enterprise from
the URL, records a dated credit change and sees it in the timeline and the audit; imports a file
of changes with a refused row; adds and changes a port; other roles are refused."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from components.administration.data import import_credit_file
from components.shell.navigation import refused_pages, visible_pages
from portsight.db.models import Enterprise, EnterpriseCreditHistory, Port
from portsight.db.session import make_engine, unit_of_work
from tests.pages.conftest import errors, login

PAGE = "pages/administration.py"
USCC = "91310000MA1FL8XQ3C"  # tests/pages/appdb.py: Demo Trading Co.


def enterprise_id(app_db) -> int:
    engine = make_engine(app_db[1])
    try:
        with unit_of_work(engine) as s:
            return s.scalars(select(Enterprise.id).where(Enterprise.uscc == USCC)).one()
    finally:
        engine.dispose()


def open_page(new_app, enterprise: int | None = None) -> AppTest:
    at = login(new_app().run(), "admin")
    at.switch_page(PAGE)
    if enterprise is not None:
        at.query_params["enterprise"] = str(enterprise)
    at.run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_only_administrators_have_the_administration_page():
    assert "administration" in visible_pages("admin")
    for role in ("supervisor", "expert", "inspector", "gate"):
        assert "administration" in refused_pages(role)


def test_a_link_opens_the_enterprise_and_a_change_shows_in_the_timeline_and_the_audit(new_app, app_db):
    eid = enterprise_id(app_db)
    at = open_page(new_app, eid)
    assert at.selectbox(key="administration.enterprise").value == eid
    later = date.today() + timedelta(days=30)
    at.selectbox(key="administration.tier").select("dishonest")
    at.date_input(key="administration.valid_from").set_value(later)
    at.text_input(key="administration.reason").input("Serious violation found at audit")
    at.button(key="administration.record").click()
    at.run()
    assert not at.exception and not errors(at), errors(at)
    assert any("Dishonest" in s.value for s in at.success)
    timeline = table(at, "valid_from")
    assert list(timeline["reason"]) == ["Serious violation found at audit"]
    assert list(timeline["state"]) == ["from a later day"]
    assert any("recorded a credit tier change of enterprise" in m.value for m in at.markdown)
    assert at.query_params["enterprise"] == str(eid)
    engine = make_engine(app_db[1])
    try:
        with unit_of_work(engine) as s:
            row = s.scalars(select(EnterpriseCreditHistory).where(EnterpriseCreditHistory.enterprise_id == eid)).one()
            assert (row.credit_tier, row.valid_from, row.source) == ("dishonest", later, "admin")
            assert s.get_one(Enterprise, eid).credit_tier == "general"  # from a later day
    finally:
        engine.dispose()


def test_a_change_without_a_reason_is_not_recorded(new_app, app_db):
    at = open_page(new_app, enterprise_id(app_db))
    at.button(key="administration.record").click()
    at.run()
    assert [w.value for w in at.warning] == ["Say why the tier changes."]


def test_an_import_with_a_refused_row_says_which_and_why(new_app):
    at = open_page(new_app)
    data = b"uscc,tier,valid_from,reason\n91310000MA1FL8LQ34,platinum,2026-01-01,x\n"
    actor = at.session_state["app.signed_in"].actor
    at.session_state["administration.import_result"] = import_credit_file(actor, "credit.csv", data)
    at.run()
    assert not at.exception
    report = table(at, "status")
    assert list(report["status"]) == ["refused"] and list(report["column"]) == ["tier"]
    assert list(report["reason"]) == ["'platinum' is not a credit tier."]
    assert [e.value for e in at.error] == [
        "Nothing was imported: 1 row(s) are refused. Correct them and import the file again."
    ]


def test_an_administrator_adds_a_port_and_changes_it(new_app, app_db):
    at = open_page(new_app)
    at.text_input(key="administration.new.code").input("cntao")
    at.text_input(key="administration.new.zh").input("青岛")
    at.text_input(key="administration.new.en").input("Qingdao")
    at.number_input(key="administration.new.lat").set_value(36.07)
    at.number_input(key="administration.new.lon").set_value(120.38)
    at.button[[b.label for b in at.button].index("Add the port")].click()
    at.run()
    assert not at.exception and not errors(at), errors(at)
    assert "CNTAO" in set(table(at, "code")["code"])
    engine = make_engine(app_db[1])
    try:
        with unit_of_work(engine) as s:
            port = s.scalars(select(Port).where(Port.code == "CNTAO")).one()
            port_id = port.id
    finally:
        engine.dispose()
    at.selectbox(key="administration.port").select(port_id)
    at.run()
    at.text_input(key=f"administration.edit.{port_id}.zh").input("青岛港")
    at.button[[b.label for b in at.button].index("Save the port")].click()
    at.run()
    assert not errors(at), errors(at)
    assert any("Port CNTAO saved." in s.value for s in at.success)


def test_a_port_out_of_range_is_refused_in_the_readers_words(new_app):
    at = open_page(new_app)
    at.text_input(key="administration.new.code").input("CNDLC")
    at.text_input(key="administration.new.zh").input("大连")
    at.text_input(key="administration.new.en").input("Dalian")
    at.number_input(key="administration.new.lat").set_value(95.0)
    at.number_input(key="administration.new.lon").set_value(121.6)
    at.button[[b.label for b in at.button].index("Add the port")].click()
    at.run()
    assert errors(at) == ["The latitude 95.0 is out of range (-90 to 90)."]
