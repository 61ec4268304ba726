"""What a decided figure counts is what its link lists, on SQLite and PostgreSQL, in the seeded
world: the board's released and held today (counted by the day of the decision), and the weekly
review's inspections, findings and releases of a week (counted by the day an inspection was
completed or decided). The link is read back as the inspections page reads its URL."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from components.inspections.data import filter_of
from components.inspections.filters import parse_filters
from components.overview.board import figure_links
from components.statistics.drill import card_links
from portsight.clock import LOCAL_TZ
from portsight.db.models import Port
from portsight.demo.seed import seed_demo
from portsight.domain.stats import IsoWeek, local_day
from portsight.queries.inspections import InspectionFilter, count_inspections
from portsight.queries.overview import overview
from portsight.queries.statistics import weekly_totals
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
