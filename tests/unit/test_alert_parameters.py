"""The catalogue of alert thresholds: every parameter is a field of the checks' limits, has its
title and help in both languages, and a value outside its bounds is refused."""

from __future__ import annotations

from dataclasses import fields

import pytest

from portsight.domain.alert_parameters import (
    PARAMETERS,
    PENDING_KINDS,
    AlertCheckLimits,
    defaults,
    limits_from,
    value_problem,
)
from portsight.i18n import catalogue


def test_every_parameter_is_a_limit_of_the_checks_with_its_default():
    names = {f.name for f in fields(AlertCheckLimits)}
    assert {p.name for p in PARAMETERS} <= names
    assert set(PENDING_KINDS.values()) <= {p.name for p in PARAMETERS}
    assert limits_from(defaults()) == AlertCheckLimits()
    for p in PARAMETERS:
        assert p.minimum <= p.default <= p.maximum, p.name


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_every_parameter_has_a_title_and_help(lang):
    messages = catalogue(lang)
    missing = [
        k for p in PARAMETERS for k in (p.title_key, p.help_key, f"alert_settings.unit_{p.unit}") if k not in messages
    ]
    assert missing == []


def test_pending_periods_per_kind():
    limits = AlertCheckLimits(pending_minutes_overdue=15)
    assert (limits.pending_minutes("overdue"), limits.pending_minutes("credit_bound")) == (15, 0)
    assert limits.pending_minutes("seal_mismatch") == 0  # an event cannot wait
    assert limits.with_value("overdue_minutes", 300).value("overdue_minutes") == 300


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        ("overdue_minutes", 240, None),
        ("overdue_minutes", " 300 ", None),
        ("overdue_minutes", 29, "alert_settings.error_range"),
        ("repeat_threshold", 1, "alert_settings.error_range"),
        ("repeat_threshold", "2.5", "alert_settings.error_not_whole"),
        ("repeat_threshold", True, "alert_settings.error_not_whole"),
        ("nothing", 3, "alert_settings.error_unknown"),
    ],
)
def test_value_problems(name, value, key):
    problem = value_problem(name, value)
    assert (problem[0] if problem else None) == key
