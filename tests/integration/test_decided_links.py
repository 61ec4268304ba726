"""What a decided figure counts is what its link lists, on SQLite and PostgreSQL, in the seeded
world: the board's released and held today (counted by the day of the decision), the weekly
review's inspections, findings, releases and holds of a week (counted by the day an inspection
was completed, decided or put on hold), and the marks of its charts by credit tier, origin and
HS section (the inspections of a group's declarations of the week, or its non-conformities). The
link is read back as the inspections page reads its URL."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, update

from components.inspections.data import filter_of
from components.inspections.filters import parse_filters
from components.overview.board import figure_links
from components.statistics import charts
from components.statistics.drill import card_links, picked_url
from portsight.clock import LOCAL_TZ
from portsight.db.models import Inspection, InspectionTransition, Port
from portsight.demo.seed import seed_demo
from portsight.domain.stats import IsoWeek, local_day
from portsight.queries.inspections import InspectionFilter, count_inspections
from portsight.queries.overview import overview
from portsight.queries.statistics import week_review, weekly_totals
from portsight.queries.weeks import scope_ports

NOW = datetime(2025, 6, 4, 9, 0, tzinfo=UTC)  # 17:00 in China: most of the day's decisions are made
TODAY = local_day(NOW, LOCAL_TZ)


@pytest.fixture(scope="module")
def seeded(engine, tmp_path_factory):
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            seed_demo(conn, weeks=2, seed=7, now=NOW, password_hash="x", media_dir=tmp_path_factory.mktemp("media"))
            yield conn
        finally:
            outer.rollback()


def listed(conn, url: str, scope: frozenset[int] | None) -> int:
    """How many inspections the list shows for a link (the page narrows the scope to its ports)."""
    url_filters = parse_filters(parse_qs(urlsplit(url).query))
    if url_filters.ports:
        codes = port_ids(conn)
        scope = frozenset(codes[c] for c in url_filters.ports)
    return count_inspections(conn, scope, filter_of(url_filters))


def port_ids(conn) -> dict[str, int]:
    return {code: port_id for port_id, code in conn.execute(select(Port.id, Port.code).order_by(Port.code))}


def test_the_boards_released_and_held_today_open_as_many_inspections(seeded):
    ports = port_ids(seeded)
    boards = [((), None), *(((code,), frozenset({port_id})) for code, port_id in ports.items())]
    for codes, scope in boards:
        kpis = overview(seeded, scope, NOW).kpis
        links = figure_links(codes, TODAY)
        for key in ("released", "held"):
            assert listed(seeded, links[key].url, scope) == kpis[key], (codes, key)
    total = overview(seeded, None, NOW).kpis
    assert total["released"] > 0 and total["held"] > 0
    # Not the inspections opened today: some released today were opened on an earlier day.
    opened_today = InspectionFilter(states=("released",), date_from=TODAY, date_to=TODAY)
    assert count_inspections(seeded, None, opened_today) != total["released"]


def test_the_reviews_week_opens_what_its_cards_count(seeded):
    ports = scope_ports(seeded, None)
    for week in (IsoWeek.of(TODAY), IsoWeek.of(TODAY).previous()):
        totals = weekly_totals(seeded, ports, [week])[week]
        links = card_links(week, None)
        assert totals.inspections > 0
        assert listed(seeded, links["review.open_inspections"], None) == totals.inspections
        assert listed(seeded, links["review.open_non_conforming"], None) == totals.non_conforming
        assert listed(seeded, links["review.open_released"], None) == totals.released
        assert listed(seeded, links["review.open_held"], None) == totals.held


def test_the_weeks_holds_include_those_released_since(seeded):
    """A hold cleared later is still the week's hold: the list finds it though its decision is now another."""
    week = IsoWeek.of(TODAY).previous()
    start, end = week.bounds(str(LOCAL_TZ))
    held = select(InspectionTransition.inspection_id).where(
        InspectionTransition.to_state == "held", InspectionTransition.at >= start, InspectionTransition.at < end
    )
    holds = seeded.scalar(select(func.count()).select_from(held.subquery()))
    moved_on = seeded.scalar(select(func.count()).where(Inspection.id.in_(held), Inspection.state != "held"))
    if not moved_on:  # the seed released none of the week's holds: release one (the module's transaction undoes it)
        first = seeded.scalar(select(func.min(Inspection.id)).where(Inspection.id.in_(held)))
        seeded.execute(update(Inspection).where(Inspection.id == first).values(state="released", decision="release"))
    assert holds > 0 and listed(seeded, card_links(week, None)["review.open_held"], None) == holds


def selected(*customdata) -> dict:
    return {"selection": {"points": [{"customdata": list(customdata)}]}}


def test_the_reviews_chart_marks_open_what_they_count(seeded):
    """Each mark of the charts by tier, origin and HS section lists as many inspections as it
    counts (the count its hover shows), for every port and for the whole scope."""
    week = IsoWeek.of(TODAY).previous()
    ports = port_ids(seeded)
    opened = 0
    for code, scope in ((None, None), *((c, frozenset({p})) for c, p in ports.items())):
        review = week_review(seeded, scope, week)
        figures = {
            "statistics.chart_tiers": charts.tier_target_chart(review.by_tier, {}, {}).data[:1],
            "statistics.chart_origins": charts.origin_chart(review.by_origin, "name_en", {}, top=1000).data[:1],
            "statistics.chart_hs": charts.hs_section_chart(review.by_section, {}, {}).data,
        }
        for key, traces in figures.items():
            for trace in traces:
                for mark in trace.customdata:
                    if not mark[0]:  # declarations without goods lines have no section to list
                        continue
                    url = picked_url(key, selected(*mark), week, code)
                    assert url is not None, (key, mark)
                    assert listed(seeded, url, scope) == mark[2], (code, key, list(mark), url)
                    opened += mark[2]
    assert opened > 0
