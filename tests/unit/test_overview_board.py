"""The live board's shared view and the watcher's decision: a refresh redraws only when what the
board shows moved, and asks for new high alerts only when the change token moved."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from components.overview.board import (
    TABLE_COLUMNS,
    Link,
    alerts_may_be_new,
    board_moved,
    board_view,
    cards_html,
    next_toast_since,
    picked_list,
    picked_port,
    port_link,
)
from portsight.i18n import t
from portsight.queries.overview import FEED_COLUMNS, PORT_COLUMNS, Overview, kpis_from

TOKEN = (120, "2026-11-16T07:59:00+00:00")


def overview(waiting: int = 2, events: int = 2) -> Overview:
    rows = [
        dict.fromkeys(PORT_COLUMNS, 0) | {"port": p, "name_en": n, "name_zh": z, "lat": 31.0, "lon": 121.0}
        for p, n, z in (("CNSGH", "Shanghai", "上海"), ("CNNGB", "Ningbo", "宁波"))
    ]
    rows[0] |= {"declarations": 30, "inspected_today": 3, "waiting": waiting, "alerts_high": 1}
    ports = pd.DataFrame(rows, columns=PORT_COLUMNS)
    feed = pd.DataFrame(
        [
            (
                119 - i,
                datetime(2026, 11, 16, 7, 58, tzinfo=UTC),
                "sim",
                "Wang Wei",
                "register",
                "declaration",
                str(i),
                "CNSGH",
                "上海",
                "Shanghai",
                None,
                False,
            )
            for i in range(events)
        ],
        columns=FEED_COLUMNS,
    )
    return Overview(
        kpis=kpis_from(ports, [30.0]),
        ports=ports,
        alerts_by_severity={"high": 1, "medium": 0, "low": 4},
        events=feed,
        latest_event_id=TOKEN[0],
        at=datetime(2026, 11, 16, 8, 0, tzinfo=UTC),
    )


def test_view_holds_twelve_cards_the_port_table_and_the_feed_in_the_sessions_language():
    view = board_view(overview(), "en", TOKEN, 1.0)
    assert len(view.cards) == 12
    assert view.cards[1] == (t("en", "overview.waiting"), "2")
    assert view.cards[-2][1] == 1  # open high alerts, a count as the page showed it
    assert tuple(view.ports.column_names) == TABLE_COLUMNS
    assert view.ports["name"].to_pylist() == ["Shanghai", "Ningbo"]
    assert len(set(view.ports["status"].to_pylist())) == 2  # alert vs idle
    assert view.feed.count("\n- ") == 1 and "Wang Wei registered declaration #0" in view.feed
    assert "**Shanghai**" in view.feed
    assert "120" in view.as_of
    assert set(view.figures) == {"map", "alerts", "pipeline"}
    assert board_view(overview(), "zh_CN", TOKEN, 1.0).ports["name"].to_pylist() == ["上海", "宁波"]


def test_no_events_means_no_feed():
    assert board_view(overview(events=0), "en", TOKEN, 1.0).feed is None


def test_board_is_not_redrawn_when_nothing_it_shows_moved():
    shown = board_view(overview(), "en", TOKEN, 1.0)
    # the same data again, e.g. the minute turned and no overdue count moved: a new view, same content
    assert not board_moved(shown.content, board_view(overview(), "en", TOKEN, 1.0))


@pytest.mark.parametrize(
    ("changed", "token"),
    [
        ({"waiting": 3}, TOKEN),  # a count moved
        ({"events": 1}, TOKEN),  # the feed moved
        ({}, (121, TOKEN[1])),  # a new event
        ({}, (TOKEN[0], "2026-11-16T08:00:00+00:00")),  # an alert raised again: nothing counted moved, its toast shows
    ],
)
def test_board_is_redrawn_when_what_it_shows_or_the_token_moved(changed, token):
    shown = board_view(overview(), "en", TOKEN, 1.0)
    assert board_moved(shown.content, board_view(overview(**changed), "en", token, 1.0))


def test_first_look_redraws():
    assert board_moved(None, board_view(overview(), "en", TOKEN, 1.0))


def test_high_alerts_are_asked_only_when_the_token_moved_to_a_raise_after_the_last_look():
    before = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    assert alerts_may_be_new(None, TOKEN, before)
    assert not alerts_may_be_new(TOKEN, TOKEN, before)
    assert alerts_may_be_new(TOKEN, (TOKEN[0], "2026-11-16T08:00:00+00:00"), before)
    # an event moved the token, but no alert was raised after the board opened: nothing to ask
    assert not alerts_may_be_new(TOKEN, (121, TOKEN[1]), datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    assert not alerts_may_be_new(None, (121, ""), before)  # no alert at all


def test_next_look_for_high_alerts_starts_after_the_newest_raise_the_token_had_seen():
    opened = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
    # nothing new: every raise up to the token's has been looked at, so sessions that saw this
    # token share the next question
    assert next_toast_since(opened, TOKEN, None) == datetime(2026, 11, 16, 7, 59, tzinfo=UTC)
    # an alert raised after the token was read and toasted now
    later = pd.Timestamp("2026-11-16T08:00:05Z")
    assert next_toast_since(opened, TOKEN, later) == datetime(2026, 11, 16, 8, 0, 5, tzinfo=UTC)
    # no alert at all yet, or a token older than the last toast: the start does not go back
    assert next_toast_since(opened, (1, ""), None) == opened
    assert next_toast_since(datetime(2026, 11, 16, 9, 0, tzinfo=UTC), TOKEN, None).hour == 9


def test_every_card_opens_the_list_it_counts():
    view = board_view(overview(), "en", TOKEN, 1.0)  # 2026-11-16 08:00 UTC: 16:00 in China
    links = dict(zip((label for label, _ in view.cards), view.card_links, strict=True))
    assert links[t("en", "overview.declarations")].url == "/selection"  # today's pool of declarations
    assert links[t("en", "overview.overdue")].url == "/inspections?overdue=1"
    assert links[t("en", "overview.waiting")].url == "/inspections?state=pending&state=assigned"
    # counted by the day of the decision (portsight.queries.overview), listed by the same day
    assert links[t("en", "overview.released")].url == (
        "/inspections?state=released&decided_from=2026-11-16&decided_to=2026-11-16"
    )
    high = t("en", "overview.open_alerts", severity=t("en", "common.severity_high"))
    assert links[high].url == "/alerts?severity=high"
    assert {link.page for link in view.card_links} == {"selection", "inspections", "alerts"}


def test_the_cards_are_one_block_of_links_whose_text_is_shown_as_text():
    html = cards_html((("<b>Overdue</b>", "3"), ("Held", 1)), (Link.of("/inspections?overdue=1&port=X"), Link.of("/a")))
    assert html.count('<a class="ps-card"') == 2
    assert 'href="/inspections?overdue=1&amp;port=X"' in html
    assert "&lt;b&gt;Overdue&lt;/b&gt;" in html and "<b>" not in html
    assert '<span class="ps-card-value">1</span>' in html
    view = board_view(overview(), "en", TOKEN, 1.0)
    assert view.cards_html.count('<a class="ps-card"') == len(view.cards) == 12


def test_the_board_of_chosen_ports_links_to_their_lists():
    view = board_view(overview(), "en", TOKEN, 1.0, ports=("CNSGH",))
    assert view.links["overdue"].url == "/inspections?port=CNSGH&overdue=1"
    assert view.links["overdue"].params == (("port", "CNSGH"), ("overdue", "1"))  # what st.page_link takes
    assert view.links["alerts_medium"].url == "/alerts?port=CNSGH&severity=medium"


def test_a_china_day_starts_at_16_utc():
    late = overview()
    late.at = datetime(2026, 11, 16, 16, 30, tzinfo=UTC)  # already the 17th in China
    assert "decided_from=2026-11-17" in board_view(late, "en", TOKEN, 1.0).links["held"].url


def selection(**point) -> dict:
    return {"selection": {"points": [point], "point_indices": [0], "box": [], "lasso": []}}


def test_a_click_on_the_map_reads_the_port_and_one_on_a_bar_its_list():
    view = board_view(overview(), "en", TOKEN, 1.0)
    assert picked_port(selection(customdata="CNNGB", lat=29.9, lon=121.6)) == "CNNGB"
    assert picked_port({"selection": {"points": []}}) is None and picked_port(None) is None
    # a pipeline bar: its series and port
    assert picked_list(view, selection(customdata="under_inspection", x="CNNGB", y=3)) == port_link(
        view.links["under_inspection"], "CNNGB"
    )
    assert picked_list(view, selection(customdata="overdue", x="CNNGB")).url == "/inspections?overdue=1&port=CNNGB"
    # an alerts bar: its severity
    assert picked_list(view, selection(customdata="high", x=1)).url == "/alerts?severity=high"
    assert picked_list(view, selection(x=1)) is None
