"""The statistics definitions on hand-made data with known answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portsight.domain import stats
from portsight.domain.stats import IsoWeek, WeekTotals

SHANGHAI = "Asia/Shanghai"  # UTC+8, no daylight saving
BERLIN = "Europe/Berlin"  # daylight saving: a 23-hour and a 25-hour day each year


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_iso_week_runs_monday_to_sunday():
    week = IsoWeek(2026, 1)
    assert week.monday == date(2025, 12, 29)
    assert week.sunday == date(2026, 1, 4)
    assert week.days()[0].weekday() == 0 and len(week.days()) == 7
    assert str(week) == "2026-W01"


def test_iso_week_of_a_date_at_the_year_boundary_belongs_to_the_iso_year():
    assert IsoWeek.of(date(2027, 1, 1)) == IsoWeek(2026, 53)
    assert IsoWeek.of(date(2024, 12, 30)) == IsoWeek(2025, 1)


def test_iso_week_parses_text_and_rejects_nonsense():
    assert IsoWeek.parse("2026-W05") == IsoWeek(2026, 5)
    assert IsoWeek.parse("2026w5") == IsoWeek(2026, 5)
    with pytest.raises(ValueError):
        IsoWeek.parse("week five")
    with pytest.raises(ValueError):
        IsoWeek(2025, 53)  # 2025 has 52 ISO weeks


def test_previous_week_crosses_the_year():
    assert IsoWeek(2026, 1).previous() == IsoWeek(2025, 52)
    assert IsoWeek(2026, 10).shift(-3) == IsoWeek(2026, 7)


def test_same_week_last_year_keeps_the_number_and_maps_week_53_to_52():
    assert IsoWeek(2026, 10).same_week_last_year() == IsoWeek(2025, 10)
    assert stats.weeks_in_year(2026) == 53
    assert stats.weeks_in_year(2025) == 52
    assert IsoWeek(2026, 53).same_week_last_year() == IsoWeek(2025, 52)


def test_last_weeks_are_oldest_first_and_end_with_the_week():
    weeks = stats.last_weeks(IsoWeek(2026, 2), 3)
    assert weeks == [IsoWeek(2025, 52), IsoWeek(2026, 1), IsoWeek(2026, 2)]


def test_week_bounds_are_local_midnights_in_utc():
    start, end = IsoWeek(2026, 10).bounds(SHANGHAI)
    assert start == utc(2026, 3, 1, 16, 0)  # Monday 2 March 00:00 in Shanghai
    assert end == utc(2026, 3, 8, 16, 0)
    assert end - start == timedelta(days=7)


def test_week_with_a_daylight_saving_change_is_one_hour_shorter():
    # Berlin moves to summer time on Sunday 29 March 2026 (ISO week 13).
    start, end = IsoWeek(2026, 13).bounds(BERLIN)
    assert start == utc(2026, 3, 22, 23, 0)
    assert end == utc(2026, 3, 29, 22, 0)
    assert end - start == timedelta(days=7) - timedelta(hours=1)


def test_local_day_uses_the_port_time_zone():
    instant = utc(2026, 3, 1, 17, 30)  # Sunday 17:30 UTC = Monday 01:30 in Shanghai
    assert stats.local_day(instant, SHANGHAI) == date(2026, 3, 2)
    assert stats.local_day(instant, "UTC") == date(2026, 3, 1)
    assert stats.week_of(instant, SHANGHAI) == IsoWeek(2026, 10)
    assert stats.week_of(instant, "UTC") == IsoWeek(2026, 9)


def test_naive_datetimes_are_read_as_utc():
    assert stats.local_day(datetime(2026, 3, 1, 17, 30), SHANGHAI) == date(2026, 3, 2)


def test_inspection_spanning_midnight_and_the_week_boundary_counts_when_completed():
    # Started Sunday 1 March 23:30 local, completed Monday 2 March 00:40 local (Shanghai).
    started = utc(2026, 3, 1, 15, 30)
    completed = utc(2026, 3, 1, 16, 40)
    assert stats.counts_as_inspection(completed)
    assert stats.week_of(completed, SHANGHAI) == IsoWeek(2026, 10)  # counted in the new week
    assert stats.heat_cell(started, SHANGHAI) == (6, 23)  # but worked Sunday at 23h
    assert stats.inspection_duration_minutes(started, completed) == pytest.approx(70.0)


def test_an_inspection_not_completed_does_not_count_nor_detect():
    assert not stats.counts_as_inspection(None)
    assert not stats.is_detection(None, findings=2)
    assert stats.is_detection(utc(2026, 3, 2), findings=1)
    assert not stats.is_detection(utc(2026, 3, 2), findings=0)


def test_time_to_release_is_declared_to_decided_for_releases_only():
    declared = utc(2026, 3, 1, 10, 0)
    decided = utc(2026, 3, 2, 12, 30)
    assert stats.time_to_release_minutes(declared, decided, "release") == pytest.approx(26.5 * 60)
    assert stats.time_to_release_minutes(declared, decided, "hold") is None
    assert stats.time_to_release_minutes(declared, None, None) is None


def test_principal_chapter_is_the_first_goods_line():
    assert stats.principal_hs_chapter([(2, "8471300000"), (1, "0303.89")]) == "03"
    assert stats.principal_hs_chapter([]) == stats.NO_CHAPTER
    assert stats.hs_chapter_of("7") == stats.NO_CHAPTER


def test_rates_and_changes():
    assert stats.inspection_rate(3, 12) == pytest.approx(0.25)
    assert stats.inspection_rate(0, 0) is None
    assert stats.detection_rate(1, 4) == pytest.approx(0.25)
    assert stats.relative_change(120, 100) == pytest.approx(0.2)
    assert stats.relative_change(5, 0) is None
    assert stats.point_change(0.12, 0.10) == pytest.approx(0.02)
    assert stats.kpi_change("points", 0.3, 0.2) == pytest.approx(0.1)
    assert stats.kpi_change("relative", 90, 100) == pytest.approx(-0.1)


def test_percentiles_interpolate_like_percentile_cont():
    values = [10, 20, 30, 40]
    assert stats.median(values) == pytest.approx(25)
    assert stats.percentile(values, 0.9) == pytest.approx(37)
    assert stats.percentile([5], 0.9) == 5
    assert stats.percentile([], 0.5) is None
    assert stats.median([3, 1, 2]) == 2
    with pytest.raises(ValueError):
        stats.percentile(values, 1.5)


def test_week_totals_derive_rates_and_means():
    totals = WeekTotals(
        declarations=40,
        inspected=10,
        inspections=8,
        non_conforming=2,
        released=5,
        release_minutes_sum=500.0,
        inspection_minutes_sum=240.0,
    )
    assert totals.inspection_rate == pytest.approx(0.25)
    assert totals.detection_rate == pytest.approx(0.25)
    assert totals.release_mean_min == pytest.approx(100.0)
    assert totals.inspection_mean_min == pytest.approx(30.0)
    assert WeekTotals().inspection_rate is None


def test_every_kpi_has_a_known_change_kind():
    assert {kind for _, kind, _ in stats.KPIS} <= {"relative", "points"}
    assert len({key for key, _, _ in stats.KPIS}) == len(stats.KPIS)
