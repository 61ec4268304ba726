"""The enterprise page under AppTest: one enterprise's record within the reader's ports, reached from
the weekly review's ranking; an unknown or out-of-scope id says so and shows nothing of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from components.shell.navigation import refused_pages, visible_pages
from portsight.clock import utcnow
from portsight.db.models import Declaration, Enterprise, Port
from portsight.db.rollups import rebuild_rollups
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.stats import IsoWeek
from portsight.i18n import t
from tests.pages.appdb import prepare_app_database
from tests.pages.conftest import errors, login
from tests.pages.test_languages import problems

NINGBO_ONLY = "宁波独有贸易有限公司"


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    """The page-test database, one enterprise that declared at Ningbo only, rollups built."""
    data_dir = tmp_path_factory.mktemp("enterprise")
    url = prepare_app_database(data_dir)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        ningbo = s.scalar(select(Port.id).where(Port.code == "CNNGB"))
        ent = Enterprise(uscc="91330200MA2AXXXX1X", name=NINGBO_ONLY, credit_tier="general")
        s.add(ent)
        s.flush()
        s.add(
            Declaration(number="DEC-NGB-ONLY", port_id=ningbo, enterprise_id=ent.id, direction="import",
                        transport_mode="sea", origin_country="DE", declared_at=utcnow() - timedelta(hours=1))
        )  # fmt: skip
    rebuild_rollups(engine)
    engine.dispose()
    return data_dir, url


def enterprise_id(app_db, name: str) -> int:
    engine = make_engine(app_db[1])
    with engine.connect() as conn:
        found = conn.scalar(select(Enterprise.id).where(Enterprise.name == name))
    engine.dispose()
    assert found is not None
    return found


def open_enterprise(new_app, username: str, ident: str):
    at = login(new_app().run(), username)
    at.switch_page("pages/enterprise.py")
    at.query_params["id"] = ident
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at) -> str:
    return "\n".join(
        [h.value for h in at.header] + [h.value for h in at.subheader] + [m.value for m in at.markdown]
        + [w.value for w in at.warning] + [i.value for i in at.info]
    )  # fmt: skip


def test_a_supervisor_sees_the_record_of_an_enterprise(new_app, app_db):
    at = open_enterprise(new_app, "supervisor", str(enterprise_id(app_db, "Demo Trading Co.")))
    assert not errors(at)
    shown = texts(at)
    assert "Demo Trading Co." in shown
    for key in ("history", "recent", "credit", "findings", "profiles", "alerts"):
        assert t("en", f"enterprise.{key}") in shown
    assert next(m.value for m in at.metric if m.label == t("en", "enterprise.declarations")) == "4"
    recent = next(d.value for d in at.dataframe if "declaration" in d.value.columns)
    assert sorted(recent["declaration"]) == [f"DEC-TEST-{i}" for i in range(4)]
    assert len(at.get("plotly_chart")) == 1


def test_a_port_supervisor_sees_only_the_port_and_nothing_of_other_enterprises(new_app, app_db):
    at = open_enterprise(new_app, "supervisor.sgh", str(enterprise_id(app_db, "Demo Trading Co.")))
    assert next(m.value for m in at.metric if m.label == t("en", "enterprise.declarations")) == "3"  # not Ningbo's
    recent = next(d.value for d in at.dataframe if "declaration" in d.value.columns)
    assert "DEC-TEST-3" not in set(recent["declaration"])
    for ident in (str(enterprise_id(app_db, NINGBO_ONLY)), "999999"):
        at = open_enterprise(new_app, "supervisor.sgh", ident)
        assert [w.value for w in at.warning] == [t("en", "enterprise.not_found")]
        assert NINGBO_ONLY not in texts(at) and not at.metric and not at.dataframe
    at = open_enterprise(new_app, "supervisor.sgh", "12abc")
    assert [i.value for i in at.info] == [t("en", "enterprise.no_id")]


def test_the_enterprise_page_is_for_supervisors_and_administrators(new_app, app_db):
    at = open_enterprise(new_app, "admin", str(enterprise_id(app_db, NINGBO_ONLY)))
    assert NINGBO_ONLY in texts(at)
    # reached by its links only: in no menu, refused to the other roles
    assert all("enterprise" not in visible_pages(role) for role in ("supervisor", "admin"))
    assert all("enterprise" in refused_pages(role) for role in ("expert", "inspector", "gate"))


def test_a_row_of_the_weekly_ranking_opens_the_enterprise(new_app, app_db):
    at = login(new_app().run(), "supervisor")
    at.switch_page("pages/statistics.py").run()
    at.selectbox(key="statistics.week").select(str(IsoWeek.of(datetime.now(UTC).date()))).run()
    assert not at.exception and not errors(at)
    ranking = at.dataframe(key="statistics.enterprises").value
    assert t("en", "review.enterprises_text", days=30) in [c.value for c in at.caption]
    assert list(ranking["enterprise"]) == ["Demo Trading Co.", NINGBO_ONLY]  # the one with a hold first
    assert ranking["week_inspections"][0].startswith("/inspections?completed_from=")  # as the ranking counts
    assert ranking["week_inspections"][0].endswith(f"&enterprise_id={enterprise_id(app_db, 'Demo Trading Co.')}")

    at.radio(key="sidebar.lang").set_value("zh_CN").run()
    ranking = at.dataframe(key="statistics.enterprises")
    shown = [str(v) for column in ("enterprise", "tier", "gap") for v in ranking.value[column]]
    assert problems("zh_CN", shown) == []
    assert shown[0] == "Demo Trading Co." and shown[2] in ("一般信用企业", "常规企业")  # the tier, in Chinese
