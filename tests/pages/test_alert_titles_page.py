"""The alerts page and the overview's activity feed in the reader's language: alert titles are said
from their message key (no English title on the Chinese page, no Chinese one on the English page)
and each feed line is a sentence (no action codes such as "field.step" or "raise")."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import streamlit as st
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from portsight.alert_checks import AlertCheckLimits, raise_triggers
from portsight.alert_checks.overdue import overdue_trigger
from portsight.alert_checks.patterns import (
    declaration_rule_trigger,
    inspection_rule_trigger,
    repeat_trigger,
    seal_mismatch_trigger,
)
from portsight.catalogue import default_catalogue
from portsight.clock import utcnow
from portsight.db.alert_store import finding_alert_title, raise_alert
from portsight.db.audit import record_audit
from portsight.db.models import Alert, Enterprise, Port, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM, Actor, Role
from portsight.domain.conditions import Text
from portsight.domain.repeats import RepeatTrigger
from portsight.services.declarations import register_declaration
from portsight.services.inspections import open_inspection
from tests.pages.appdb import app_env, prepare_app_database
from tests.pages.conftest import APP, login

NUMBER = "222920260010000077"
NAME = "王伟"  # the inspector's display name: a person's name is the same in both languages
LIMITS = AlertCheckLimits()
# What the English titles and the audit log hold that a Chinese reader must not see.
LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(/[^)\s]*\)")  # [text](/path?query), text escaped
ENGLISH_WORD = re.compile(r"\b(?=[A-Z]*[a-z])[A-Za-z]{2,}\b")
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
# Codes of the audit log (an English sentence has "started", "raised", never "start").
ACTION_CODES = ("field.step", "raise", "register", "start", "assist_session", "release_receipt")


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    """A database with an inspection, one alert of each kind the checks raise (raised as the runner
    does, audited) and a recorded step, a simulated start and a system event for the feed."""
    data_dir = tmp_path_factory.mktemp("alert_titles")
    url = prepare_app_database(data_dir, with_data=False)
    engine = make_engine(url)
    now = utcnow()
    with unit_of_work(engine) as s:
        enterprise = Enterprise(uscc="91310000MA1FL8LQ35", name="上海铜源再生资源有限公司", credit_tier="general")
        s.add(enterprise)
        s.flush()
        enterprise_id = enterprise.id
        s.execute(update(User).where(User.username == "inspector").values(display_name=NAME))
    decl = register_declaration(
        engine,
        SYSTEM,
        {
            "number": NUMBER,
            "port_code": "CNSGH",
            "enterprise_id": enterprise_id,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": "JP",
            "declared_at": now - timedelta(hours=6),
            "goods": [{"hs_code": "4707100000", "quantity": 20, "unit": "kg", "gross_weight_kg": 20, "value": 100}],
            "containers": [{"number": "CSQU3054383", "size_type": "22G1", "declared_seal": "CN1234567"}],
        },
    )  # fmt: skip
    insp = open_inspection(engine, SYSTEM, decl, priority=1)
    rules = {r.id: r for r in default_catalogue().rules}
    with unit_of_work(engine) as s:
        port = s.scalar(select(Port.id).where(Port.code == "CNSGH"))
        ningbo = s.scalar(select(Port.id).where(Port.code == "CNNGB"))
        inspector = s.scalar(select(User.id).where(User.username == "inspector"))
        triggers = [
            overdue_trigger(insp, port, NUMBER, "pending", now - timedelta(hours=5), now, LIMITS),
            seal_mismatch_trigger(insp, None, decl, port, NUMBER, "CSQU3054383", "CN1234567", "CN7654321", now),
            declaration_rule_trigger(rules["solid_waste_import_ban"], decl, port, NUMBER, ["4707100000"], now),
            inspection_rule_trigger(rules["quick_close_without_photo"], insp, port, decl, NUMBER, 3.0, 0, now),
            repeat_trigger(("origin_hs", "JP", "4707", port), RepeatTrigger(at=now, inspections=3), LIMITS, {}),
            repeat_trigger(("origin_hs", "DE", "8471", ningbo), RepeatTrigger(at=now, inspections=3), LIMITS, {}),
        ]
        raise_triggers(s, [t for t in triggers if t is not None])
        title = finding_alert_title(Text(zh="封志号与申报不符", en="Seal differs from the declared one"), "seal")
        raise_alert(
            s,
            dedupe_key=f"finding:{insp}:seal:x",
            kind="finding",
            severity="high",
            port_id=port,
            title=title.text,
            title_key=title.key,
            title_params=title.params,
            inspection_id=insp,
        )
        person = Actor(inspector, "inspector", Role.INSPECTOR, frozenset({port}))
        record_audit(s, person, "field.step", "inspection", insp, after={"step": "seal"}, port_id=port)
        simulated = Actor(inspector, "inspector", Role.INSPECTOR, frozenset({port}), simulated=True)
        record_audit(s, simulated, "start", "inspection", insp, after={"state": "in_progress"}, port_id=port)
    engine.dispose()
    return data_dir, url


@pytest.fixture
def new_app(app_db, monkeypatch):
    data_dir, url = app_db
    # No background checks: they would resolve the alerts above, whose conditions the data does not hold.
    for key, value in {**app_env(data_dir, url), "PORTSIGHT_SUPERVISION": "off"}.items():
        monkeypatch.setenv(key, value)
    st.cache_data.clear()
    st.cache_resource.clear()  # the overview's board view is shared per language
    yield lambda: AppTest.from_file(APP, default_timeout=90)
    st.cache_data.clear()


def open_page(new_app, lang: str, page: str, username: str = "supervisor", alert: int | None = None) -> AppTest:
    at = login(new_app(), username)
    if at.session_state["app.lang"] != lang:
        at.radio(key="sidebar.lang").set_value(lang).run()
    at.switch_page(page)
    if alert is not None:
        at.query_params["alert"] = str(alert)
    at = at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def alert_titles(at: AppTest) -> list[str]:
    table = next(d.value for d in at.dataframe if "title" in d.value.columns)
    return [
        *map(str, table["title"]),
        *map(str, at.selectbox(key="alerts.selected").options),
        *(h.value for h in at.subheader),
    ]


def feed_lines(at: AppTest) -> list[str]:
    feed = [m.value for m in at.markdown if " · **" in m.value]
    assert len(feed) == 1, "the board shows its activity feed"
    # What a reader sees: a link's text without its target, and Markdown's escapes not shown.
    return [LINK.sub(r"\1", line).replace("\\", "") for line in feed[0].splitlines()]


def test_the_alerts_page_in_chinese_shows_every_title_in_chinese(new_app):
    titles = alert_titles(open_page(new_app, "zh_CN", "pages/alerts.py"))
    assert len(titles) >= 7
    assert [t for t in titles if ENGLISH_WORD.search(t)] == []
    assert any("已超时" in t for t in titles) and any("日本" in t for t in titles)


def test_the_alerts_page_in_english_shows_every_title_in_english(new_app):
    titles = alert_titles(open_page(new_app, "en", "pages/alerts.py"))
    assert [t for t in titles if CJK.search(t)] == []
    assert any("is overdue" in t for t in titles) and any("Japan" in t for t in titles)


@pytest.mark.parametrize(
    ("lang", "said"),
    [("zh_CN", "该预警属于你管辖范围以外的口岸。"), ("en", "This alert belongs to a port outside your scope.")],
)
def test_an_alert_outside_the_scope_is_refused_in_the_readers_language(new_app, app_db, lang, said):
    engine = make_engine(app_db[1])
    with engine.connect() as conn:
        ningbo = conn.scalar(select(Alert.id).join(Port, Port.id == Alert.port_id).where(Port.code == "CNNGB"))
    engine.dispose()
    at = open_page(new_app, lang, "pages/alerts.py", username="supervisor.sgh", alert=ningbo)
    assert [e.value for e in at.error] == [said]


def _codes(line: str) -> list[str]:
    return [code for code in ACTION_CODES if re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", line)]


def test_the_feed_in_chinese_is_sentences_without_codes(new_app):
    lines = feed_lines(open_page(new_app, "zh_CN", "pages/overview.py"))
    assert len(lines) >= 8
    assert [line for line in lines if _codes(line) or ENGLISH_WORD.search(line)] == []
    assert any(f"{NAME}记录了查验" in line and "步骤" in line for line in lines)
    assert any("系统发出预警" in line for line in lines)
    assert any(line.endswith("（模拟）") for line in lines)


def test_the_feed_in_english_is_sentences_without_codes(new_app):
    lines = feed_lines(open_page(new_app, "en", "pages/overview.py"))
    assert [line for line in lines if _codes(line) or CJK.search(line.replace(NAME, ""))] == []
    assert any(f"{NAME} recorded the" in line for line in lines)
    assert any("The system raised alert" in line for line in lines)
    assert any(line.endswith("(simulated)") for line in lines)
