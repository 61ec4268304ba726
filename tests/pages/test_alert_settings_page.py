"""The alert thresholds page under AppTest, by widget key, in Chinese and in English: an
administrator sees the values in force, changes one with a reason (audited, shown in the history),
is told in the page's language what is wrong, and previews a value; a supervisor cannot open it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from components.shell.navigation import refused_pages, visible_pages
from portsight.db.models import AlertParameter, AuditEntry
from portsight.db.session import make_engine
from portsight.i18n import t
from tests.pages.conftest import errors, login

PAGE = "pages/alert_settings.py"


def open_page(new_app, lang: str):
    at = login(new_app().run(), "admin")
    if at.session_state["app.lang"] != lang:
        at.radio(key="sidebar.lang").set_value(lang).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def pick(at, name: str):
    """Choose a threshold by its name (the box shows titles)."""
    return at.selectbox(key="alert_settings.pick").set_value(name)


def table(at, column: str):
    """The page's table with this column (the values in force: "bounds"; a history: "reason")."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def rows_of(url: str, stmt) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    engine.dispose()
    return rows


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_an_administrator_changes_a_threshold_and_sees_it_in_force_and_in_its_history(new_app, app_db, lang):
    at = open_page(new_app, lang)
    assert at.title[0].value == t(lang, "alert_settings.title")
    in_force = table(at, "bounds")
    assert t(lang, "alert_settings.param_overdue_minutes") in in_force["parameter"].tolist()

    pick(at, "repeat_threshold").run()
    at.number_input(key="alert_settings.value.repeat_threshold").set_value(4)
    at.text_area(key="alert_settings.reason").input(f"pilot of stricter repetition ({lang})")
    at.button(key="alert_settings.save").click().run()
    assert not at.exception and not errors(at)
    assert any(t(lang, "alert_settings.param_repeat_threshold") in s.value for s in at.success)

    history = table(at, "reason")
    assert history["reason"].tolist()[0] == f"pilot of stricter repetition ({lang})"
    value = table(at, "bounds").set_index("parameter").loc[t(lang, "alert_settings.param_repeat_threshold"), "value"]
    assert value.startswith("4 ")
    changes = rows_of(
        app_db[1],
        select(AlertParameter.value, AuditEntry.actor)
        .join(AuditEntry, AuditEntry.entity_id == AlertParameter.name)
        .where(AuditEntry.action == "alert_parameter.set"),
    )
    assert (4, "admin") in changes


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_change_without_a_reason_is_refused_in_the_pages_language(new_app, lang):
    at = open_page(new_app, lang)
    pick(at, "overdue_minutes").run()
    at.button(key="alert_settings.save").click().run()
    assert errors(at) == [t(lang, "alert_settings.error_reason")]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_preview_counts_last_weeks_alerts_with_both_values(new_app, lang):
    at = open_page(new_app, lang)
    pick(at, "overdue_minutes").run()
    at.number_input(key="alert_settings.value.overdue_minutes").set_value(60)
    at.button(key="alert_settings.preview").click().run()
    assert not at.exception and not errors(at)
    (shown,) = [i.value for i in at.info]
    assert shown.startswith(t(lang, "alert_settings.preview_result").split("{")[0])

    pick(at, "escalation_minutes").run()
    assert t(lang, "alert_settings.no_preview") in [c.value for c in at.caption]


def test_only_administrators_open_the_page():
    assert "alert_settings" in visible_pages("admin")
    assert "alert_settings" not in visible_pages("supervisor")
    assert "alert_settings" in refused_pages("supervisor")
