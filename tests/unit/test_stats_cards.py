"""A statistics card's duration in one short unit, so five cards a row fit a 1440 px screen
(tests/e2e/test_statistics_cards.py measures them in Chromium)."""

from __future__ import annotations

import pytest

from components.statistics.data import card_text


@pytest.mark.parametrize(
    ("minutes", "en", "zh"),
    [
        (45, "45 min", "45分钟"),
        (215, "3.6 h", "3.6小时"),
        (1500, "25 h", "25小时"),
        (39_300, "27.3 d", "27.3天"),
        (200 * 24 * 60, "200 d", "200天"),
        (None, "—", "—"),
        (float("nan"), "—", "—"),
    ],
)
def test_durations_in_one_short_unit(minutes, en, zh):
    assert card_text("en", "release_median_min", minutes) == en
    assert card_text("zh_CN", "release_p90_min", minutes) == zh


def test_other_figures_as_the_report_writes_them():
    assert card_text("en", "declarations", 12345) == "12,345"
    assert card_text("zh_CN", "inspection_rate", 0.125) == "12.5%"
