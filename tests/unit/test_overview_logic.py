"""Pure pieces of the overview and the alert badge: percentiles, board totals, badge text."""

from __future__ import annotations

import pandas as pd
import pytest

from components.alerts.badge import badge_markdown
from portsight.domain.stats import percentile
from portsight.queries.overview import COUNT_COLUMNS, PORT_COLUMNS, kpis_from


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([], 0.5, None), ([7.0], 0.9, 7.0), ([1, 2, 3, 4], 0.5, 2.5), ([10, 20, 30, 40, 50], 0.9, 46.0)],
)
def test_percentile_interpolates_like_numpy(values, q, expected):
    assert percentile(values, q) == expected


def test_board_totals_add_up_the_ports_and_rate_is_inspected_over_declared():
    rows = [dict.fromkeys(PORT_COLUMNS, 0) | {"port": p} for p in ("A", "B")]
    rows[0] |= {"declarations": 30, "inspected_today": 3, "waiting": 2, "overdue": 1}
    rows[1] |= {"declarations": 10, "inspected_today": 1, "released": 5}
    kpis = kpis_from(pd.DataFrame(rows), [30.0, 60.0, 90.0])
    assert (kpis["declarations"], kpis["waiting"], kpis["overdue"], kpis["released"]) == (40, 2, 1, 5)
    assert kpis["inspection_rate"] == pytest.approx(0.1)
    assert (kpis["release_p50_minutes"], kpis["release_p90_minutes"]) == (60.0, 84.0)


def test_empty_board_has_zero_counts_and_no_rate():
    kpis = kpis_from(pd.DataFrame(columns=PORT_COLUMNS), [])
    assert all(kpis[k] == 0 for k in COUNT_COLUMNS if k in kpis)
    assert kpis["inspection_rate"] is None and kpis["release_p50_minutes"] is None


def test_badge_shows_nonzero_severities_high_first():
    labels = {"high": "High", "medium": "Medium", "low": "Low"}
    assert badge_markdown({"high": 2, "medium": 0, "low": 5}, labels) == ":red-badge[2 High] :blue-badge[5 Low]"
    assert badge_markdown({"high": 0, "medium": 0, "low": 0}, labels) == ""
