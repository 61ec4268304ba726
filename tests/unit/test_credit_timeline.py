"""The tier in force on a China-time day over an enterprise's dated credit changes, and how the
administration page marks each change today."""

from __future__ import annotations

from datetime import date

from components.administration.data import timeline_state
from portsight.domain.credit import CreditChange, tier_on_timeline

TIMELINE = (
    CreditChange(date(2024, 1, 1), "general", 1),
    CreditChange(date(2026, 3, 10), "dishonest", 2),
    CreditChange(date(2025, 6, 1), "advanced_certified", 3),  # recorded later, dated earlier
    CreditChange(date(2026, 3, 10), "general_certified", 4),  # a correction of the 10 March change
)


def test_before_any_change_the_stored_tier_holds():
    assert tier_on_timeline(TIMELINE, date(2023, 12, 31), "general") == "general"
    assert tier_on_timeline((), date(2026, 1, 1), "dishonest") == "dishonest"


def test_a_change_holds_from_its_own_day_until_the_next_by_day_not_by_recording():
    assert tier_on_timeline(TIMELINE, date(2024, 1, 1), "x") == "general"
    assert tier_on_timeline(TIMELINE, date(2025, 5, 31), "x") == "general"
    assert tier_on_timeline(TIMELINE, date(2025, 6, 1), "x") == "advanced_certified"
    assert tier_on_timeline(TIMELINE, date(2026, 3, 9), "x") == "advanced_certified"


def test_the_last_recorded_change_of_a_day_is_the_one_in_force():
    assert tier_on_timeline(TIMELINE, date(2026, 3, 10), "x") == "general_certified"
    assert tier_on_timeline(TIMELINE, date(2030, 1, 1), "x") == "general_certified"


def test_the_page_marks_the_change_in_force_the_scheduled_and_the_replaced():
    timeline = [{"valid_from": c.valid_from} for c in sorted(TIMELINE, key=lambda c: (c.valid_from, c.recorded))]
    assert timeline_state(timeline, date(2025, 7, 1)) == ["past", "in_force", "scheduled", "scheduled"]
    assert timeline_state(timeline, date(2026, 3, 10)) == ["past", "past", "past", "in_force"]
    assert timeline_state(timeline, date(2023, 1, 1)) == ["scheduled"] * 4
