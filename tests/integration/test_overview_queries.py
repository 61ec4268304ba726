"""Overview and inspection queries: today's figures per port, change detection, filters,
pagination, export and the inspection record — and port scope at the query level."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import insert

from portsight.db.models import InspectorAssignment
from portsight.db.sql import day_bounds
from portsight.documents.cells import frame_csv_bytes, frame_xlsx_bytes
from portsight.domain.access import AccessDenied
from portsight.domain.stats import percentile
from portsight.errors import NotFound
from portsight.queries.inspection_record import inspection_record
from portsight.queries.inspections import (
    InspectionFilter,
    count_inspections,
    export_inspections,
    search_inspections,
)
from portsight.queries.overview import latest_event_id, latest_events, overview
from tests.integration.supervision_world import NBO, SGH, make_world


@pytest.fixture
def w(db):
    # Noon local time, so "today" has room on both sides.
    start, _ = day_bounds(datetime.now().astimezone())
    return make_world(db, now=start + timedelta(hours=12))


def busy_day(w):
    """SGH: 5 declarations today, 1 waiting (overdue), 1 under inspection, 1 completed, 2 released, 1 held.
    NBO: 2 declarations today, 1 released, 1 high alert."""
    now = w.now
    w.inspection(
        port_id=SGH, state="pending", created_at=now - timedelta(minutes=300), declared_at=now - timedelta(minutes=310)
    )
    w.inspection(
        port_id=SGH,
        state="in_progress",
        created_at=now - timedelta(minutes=60),
        declared_at=now - timedelta(minutes=70),
    )
    w.inspection(
        port_id=SGH, state="completed", created_at=now - timedelta(minutes=50), declared_at=now - timedelta(minutes=55)
    )
    w.inspection(
        port_id=SGH,
        state="released",
        created_at=now - timedelta(days=1),
        decided_at=now - timedelta(hours=1),
        decision="release",
        declared_at=now - timedelta(hours=1, minutes=100),
    )  # 100 min to release
    w.inspection(
        port_id=SGH,
        state="released",
        created_at=now - timedelta(days=1),
        decided_at=now - timedelta(hours=2),
        decision="release",
        declared_at=now - timedelta(days=2),
    )
    w.inspection(
        port_id=SGH,
        state="held",
        created_at=now - timedelta(days=1),
        decided_at=now - timedelta(hours=2),
        decision="hold",
        declared_at=now - timedelta(days=2),
    )
    w.declaration(port_id=SGH, declared_at=now - timedelta(minutes=5))
    w.inspection(
        port_id=NBO,
        state="released",
        created_at=now - timedelta(hours=3),
        decided_at=now - timedelta(hours=1),
        decision="release",
        declared_at=now - timedelta(hours=1, minutes=300),
    )
    w.declaration(port_id=NBO, declared_at=now - timedelta(minutes=5))
    w.declaration(port_id=NBO, declared_at=now - timedelta(days=3))  # not today
    w.alert(port_id=NBO, severity="high")
    w.alert(port_id=SGH, severity="low", state="resolved")


def test_overview_counts_today_for_every_port(w):
    busy_day(w)
    board = overview(w.db, None, w.now, overdue_minutes=240)
    k = board.kpis
    assert (k["declarations"], k["waiting"], k["under_inspection"], k["completed"]) == (7, 1, 1, 1)
    assert (k["released"], k["held"], k["overdue"]) == (3, 1, 1)
    assert k["inspected_today"] == 4  # created today: the 3 open at SGH and the released one at NBO
    assert k["inspection_rate"] == pytest.approx(4 / 7)
    # Released today: SGH 100 min and 2 days - 2 h = 2760 min, NBO 300 min.
    assert board.release_minutes == pytest.approx([100, 300, 2760])
    assert k["release_p50_minutes"] == pytest.approx(300)
    assert k["release_p90_minutes"] == pytest.approx(percentile([100, 300, 2760], 0.9))
    assert board.alerts_by_severity == {"high": 1, "medium": 0, "low": 0}
    ports = board.ports.set_index("port")
    assert ports.loc["CNSGH", "declarations"] == 5 and ports.loc["CNNBO", "declarations"] == 2
    assert ports.loc["CNNBO", "alerts_high"] == 1 and ports.loc["CNSGH", "overdue"] == 1


def test_a_supervisor_scoped_to_one_port_never_sees_another_ports_counts(w):
    busy_day(w)
    board = overview(w.db, w.sup_sgh.scope(), w.now, overdue_minutes=240)
    assert list(board.ports["port"]) == ["CNSGH"]
    assert board.kpis["declarations"] == 5 and board.kpis["released"] == 2
    assert board.alerts_by_severity["high"] == 0
    nbo_event = w.event(port_id=NBO)
    assert latest_event_id(w.db, w.sup_sgh.scope()) < nbo_event
    assert nbo_event not in set(latest_events(w.db, w.sup_sgh.scope())["id"])
    assert latest_event_id(w.db, w.sup_nbo.scope()) == nbo_event


def test_overdue_follows_the_configured_service_time(w):
    busy_day(w)
    assert overview(w.db, None, w.now, overdue_minutes=30).kpis["overdue"] == 3
    assert overview(w.db, None, w.now, overdue_minutes=600).kpis["overdue"] == 0


def test_latest_event_id_moves_when_a_port_event_is_written(w):
    before = latest_event_id(w.db, None)
    w.event(port_id=None, action="login", entity="user")  # not a port event
    assert latest_event_id(w.db, None) == before
    new = w.event(port_id=SGH)
    assert latest_event_id(w.db, None) == new
    feed = latest_events(w.db, None, limit=5)
    assert feed.iloc[0]["id"] == new and feed.iloc[0]["port"] == "CNSGH"
    assert list(latest_events(w.db, None, after_id=new)["id"]) == []


def test_empty_board_has_no_rate_and_no_release_times(w):
    board = overview(w.db, None, w.now)
    assert board.kpis["inspection_rate"] is None and board.kpis["release_p50_minutes"] is None
    assert list(board.ports["port"]) == ["CNNBO", "CNSGH"]


# ------------------------------------------------------------------ inspection query


@pytest.fixture
def many(w):
    ids = {}
    ids["a"] = w.inspection(
        port_id=SGH,
        state="released",
        decision="release",
        enterprise_id=1,
        hs="0202300000",
        container="MSCU1234565",
        created_at=w.now - timedelta(days=2),
        decided_at=w.now - timedelta(days=1),
    )
    ids["b"] = w.inspection(
        port_id=SGH,
        state="held",
        decision="hold",
        enterprise_id=3,
        hs="7204100000",
        container="TGHU9876543",
        created_at=w.now - timedelta(days=1),
        decided_at=w.now - timedelta(hours=5),
    )
    ids["c"] = w.inspection(
        port_id=SGH,
        state="pending",
        enterprise_id=1,
        hs="8471300000",
        container="CSQU3054383",
        created_at=w.now - timedelta(hours=2),
    )
    ids["d"] = w.inspection(
        port_id=NBO,
        state="pending",
        enterprise_id=2,
        hs="0303000000",
        container="MSCU7777777",
        created_at=w.now - timedelta(hours=1),
    )
    w.db.execute(insert(InspectorAssignment), [{"inspection_id": ids["b"], "user_id": 4, "assigned_at": w.now}])
    return ids


def ids_of(page):
    return list(page.rows["inspection_id"])


def test_filters_narrow_the_list(w, many):
    def find(**f):
        return set(ids_of(search_inspections(w.db, None, InspectionFilter(**f))))

    assert find(states=("pending",)) == {many["c"], many["d"]}
    assert find(port_id=NBO) == {many["d"]}
    assert find(enterprise="hengda") == {many["a"], many["c"]}
    assert find(container="mscu") == {many["a"], many["d"]}
    assert find(hs_chapter="72") == {many["b"]}
    assert find(inspector_id=4) == {many["b"]}
    assert find(decision="hold") == {many["b"]}
    today = (w.now.astimezone() if w.now.tzinfo else w.now).date()
    assert many["a"] not in find(date_from=today)


def test_scoped_supervisor_never_gets_another_ports_inspections(w, many):
    seen = set(ids_of(search_inspections(w.db, w.sup_sgh.scope(), InspectionFilter(port_id=NBO))))
    assert seen == set()
    assert count_inspections(w.db, w.sup_sgh.scope()) == 3
    assert many["d"] not in set(export_inspections(w.db, w.sup_sgh.scope())["inspection_id"])
    with pytest.raises(AccessDenied):
        inspection_record(w.db, w.sup_sgh.scope(), many["d"])


def test_keyset_and_offset_pages_walk_the_same_order(w, many):
    first = search_inspections(w.db, None, sort="created_at", limit=2)
    assert ids_of(first) == [many["d"], many["c"]]
    second = search_inspections(w.db, None, sort="created_at", limit=2, after=first.next_after)
    assert ids_of(second) == [many["b"], many["a"]] and second.next_after is None
    assert ids_of(search_inspections(w.db, None, sort="created_at", limit=2, offset=2)) == ids_of(second)
    asc = search_inspections(w.db, None, sort="port", descending=False, limit=10)
    assert list(asc.rows["port"]) == ["CNNBO", "CNSGH", "CNSGH", "CNSGH"]


def test_export_as_csv_and_excel_holds_the_filtered_rows(w, many):
    df = export_inspections(w.db, None, InspectionFilter(states=("pending",)))
    csv = pd.read_csv(io.BytesIO(frame_csv_bytes(df)), encoding="utf-8-sig")
    assert sorted(csv["inspection_id"]) == sorted([many["c"], many["d"]])
    xlsx = pd.read_excel(io.BytesIO(frame_xlsx_bytes(df, "inspections")))
    assert sorted(xlsx["inspection_id"]) == sorted([many["c"], many["d"]])


def test_inspection_record_gathers_everything(w, many):
    insp = many["b"]
    box = w.container_of(w.declaration_of(insp))
    w.step(insp, "seal", "non_conforming", {"seal_number": "X1"}, at=w.now, container_id=box)
    w.finding(insp, at=w.now)
    w.photo(insp, at=w.now)
    w.alert(port_id=SGH, key="seal_mismatch:test")
    record = inspection_record(w.db, w.sup_sgh.scope(), insp)
    assert record["inspection"]["state"] == "held"
    assert record["goods"][0]["hs_code"] == "7204100000"
    assert record["containers"][0]["number"] == "TGHU9876543"
    assert record["inspectors"][0]["username"] == "inspector"
    assert record["steps"][0]["values"] == {"seal_number": "X1"}
    assert len(record["findings"]) == 1 and len(record["evidence"]) == 1
    assert record["enterprise"]["name"] == "Pudong Metals"
    with pytest.raises(NotFound):
        inspection_record(w.db, None, 999_999)
