"""The alerts page grouped by kind, port and enterprise, in the reader's language, with its filters
read from the URL and ?alert=<id> opening that alert."""

from __future__ import annotations

import re

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from portsight.db.alert_store import raise_alert
from portsight.db.models import Enterprise, Port
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import SYSTEM
from portsight.services.alerts import acknowledge_alert, resolve_alert
from tests.pages.appdb import app_env, prepare_app_database
from tests.pages.conftest import APP, login

CJK = re.compile(r"[\u3400-\u9fff]")
FIRM = "上海铜源再生资源有限公司"
FIRM_EN = "Shanghai Tongyuan Recycling Co., Ltd."


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    """Four overdue alerts at Shanghai (one acknowledged, one resolved), two repeated non-conformity
    alerts about one enterprise at Shanghai, one seal mismatch at Ningbo."""
    data_dir = tmp_path_factory.mktemp("alerts_page")
    url = prepare_app_database(data_dir, with_data=False)
    engine = make_engine(url)
    ids: dict[str, list[int]] = {"overdue": [], "repeat": [], "seal": []}
    with unit_of_work(engine) as s:
        firm = Enterprise(uscc="91310000MA1FL8LQ35", name=FIRM, name_en=FIRM_EN, credit_tier="general")
        s.add(firm)
        s.flush()
        port = {p.code: p.id for p in s.scalars(select(Port))}
        for i in range(4):
            ids["overdue"].append(
                raise_alert(
                    s,
                    dedupe_key=f"o{i}",
                    kind="overdue",
                    severity="high",
                    port_id=port["CNSGH"],
                    title=f"Inspection {i} is overdue",
                ).id  # fmt: skip
            )
        for i in range(2):
            ids["repeat"].append(
                raise_alert(
                    s,
                    dedupe_key=f"r{i}",
                    kind="repeat_nc_enterprise",
                    severity="medium",
                    port_id=port["CNSGH"],
                    title=f"Repeat {i}",
                    enterprise_id=firm.id,
                ).id  # fmt: skip
            )
        ids["seal"].append(
            raise_alert(
                s,
                dedupe_key="s0",
                kind="seal_mismatch",
                severity="high",
                port_id=port["CNNGB"],
                title="Seal TGHU9876543 differs",
            ).id  # fmt: skip
        )
    admin = SYSTEM
    acknowledge_alert(engine, admin, ids["overdue"][0])
    resolve_alert(engine, admin, ids["overdue"][1], "released")
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


def open_alerts(new_app, lang: str, params: dict[str, str | list[str]] | None = None, user: str = "supervisor"):
    at = login(new_app(), user)
    if at.session_state["app.lang"] != lang:
        at.radio(key="sidebar.lang").set_value(lang).run()
    at.switch_page("pages/alerts.py")
    for name, value in (params or {}).items():
        at.query_params[name] = value
    at = at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def groups_table(at: AppTest):
    return next(d.value for d in at.dataframe if "heading" in d.value.columns)


def alerts_table(at: AppTest):
    return next(d.value for d in at.dataframe if "title" in d.value.columns)


def test_groups_in_chinese_name_kind_port_and_enterprise_with_their_counts(new_app):
    at = open_alerts(new_app, "zh_CN")
    groups = groups_table(at)
    rows = {r["heading"]: (r["open"], r["acknowledged"]) for r in groups.to_dict("records")}
    assert rows == {
        "查验超时 · 上海 (CNSGH)": ("2", "1"),
        f"同一企业多次不合格 · 上海 (CNSGH) · {FIRM}": ("2", "0"),
        "封识不符 · 宁波 (CNNGB)": ("1", "0"),
    }
    assert any(h.value == "分组（3）" for h in at.subheader)
    assert {c.label for c in at.multiselect} >= {"状态", "级别", "类型", "口岸"}


def test_groups_in_english_have_no_chinese_but_the_enterprise_english_name(new_app):
    at = open_alerts(new_app, "en")
    headings = list(groups_table(at)["heading"])
    assert headings == [
        "Inspection overdue · Shanghai (CNSGH)",
        f"Repeated non-conformity: enterprise · Shanghai (CNSGH) · {FIRM_EN}",
        "Seal mismatch · Ningbo (CNNGB)",
    ]
    assert not [h for h in headings if CJK.search(h)]
    assert len(alerts_table(at)) == 6  # open and acknowledged: the resolved one is not listed


def test_filters_are_read_from_the_url(new_app, app_db):
    at = open_alerts(new_app, "en", {"state": ["open", "resolved"], "kind": "overdue", "port": "CNSGH"})
    assert at.multiselect(key="alerts.states").value == ["open", "resolved"]
    assert at.multiselect(key="alerts.kinds").value == ["overdue"]
    assert at.multiselect(key="alerts.ports").value == ["CNSGH"]
    listed = alerts_table(at)
    assert set(listed["state"]) == {"Open", "Resolved"} and len(listed) == 3
    assert [tuple(r) for r in groups_table(at)[["heading", "open", "resolved"]].itertuples(index=False)] == [
        ("Inspection overdue · Shanghai (CNSGH)", "2", "1")
    ]


def test_a_changed_filter_is_written_to_the_url(new_app):
    at = open_alerts(new_app, "en")
    at.multiselect(key="alerts.severity").set_value(["medium"]).run()
    assert at.query_params["severity"] == "medium"
    assert set(alerts_table(at)["severity"]) == {"Medium"}
    at.text_input(key="alerts.search").input("TGHU98").run()
    assert at.query_params["search"] == "TGHU98"


def test_a_group_in_the_url_lists_only_its_alerts(new_app, app_db):
    _, _, ids = app_db
    engine = make_engine(app_db[1])
    with engine.connect() as conn:
        sgh = conn.scalar(select(Port.id).where(Port.code == "CNSGH"))
        firm = conn.scalar(select(Enterprise.id).where(Enterprise.uscc == "91310000MA1FL8LQ35"))
    engine.dispose()
    at = open_alerts(new_app, "zh_CN", {"group": f"repeat_nc_enterprise.{sgh}.{firm}"})
    assert sorted(alerts_table(at)["id"]) == sorted(ids["repeat"])
    shown = [h.value.replace("\\", "") for h in at.subheader]  # Markdown's escapes are not seen
    assert f"同一企业多次不合格 · 上海 (CNSGH) · {FIRM}" in shown
    assert "2 条未处理" in [c.value for c in at.caption]


def test_an_alert_in_the_url_opens_even_when_the_filters_leave_it_out(new_app, app_db):
    resolved = app_db[2]["overdue"][1]
    at = open_alerts(new_app, "en", {"alert": str(resolved)})
    assert at.selectbox(key="alerts.selected").value == resolved
    assert any(h.value.startswith(f"#{resolved} · ") for h in at.subheader)
    assert any("Resolved" in str(m.value) for m in at.metric)
    assert any("- Why resolved: by hand" in m.value for m in at.markdown)


def test_a_port_supervisor_sees_only_the_groups_of_their_port(new_app):
    at = open_alerts(new_app, "en", user="supervisor.sgh")
    assert all("CNSGH" in h for h in groups_table(at)["heading"])
