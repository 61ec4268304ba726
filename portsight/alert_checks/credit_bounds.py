"""A credit tier's realised inspection rate outside its legal bound, over a rolling window.

The bounds are the catalogue's selection rules in force (advanced certified below 20 % of the base
tier's average, dishonest at least 80 %, and under the 2018 measures general certified below 50 %),
read into the day's selection policy (portsight.domain.selection.policy_from_catalogue); the rates
are those of the draws recorded in the window (the tier recorded with each draw), over every port:
the measures bound a tier's average, not one port's.

The window is the credit_window_days complete local days before the last midnight in China, so the
check asks one question a day: its trigger is that midnight. An excursion that lasts raises the
same alert again each day (its count goes up), and re-opens it when it was resolved. A tier or a
base tier with fewer than credit_min_draws draws in the window is not judged (too few to tell).
The condition clears when the tier is judged and within its bound; a tier not judged keeps its alert
as it is (nothing new is known).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portsight.alert_checks.triggers import Cleared, Trigger, Unresolved, rule_detail
from portsight.catalogue import default_catalogue, default_credit_calendar
from portsight.clock import LOCAL_TZ, as_utc
from portsight.db.models import Selection
from portsight.db.rule_switches import enabled_catalogue
from portsight.domain.alert_parameters import AlertCheckLimits
from portsight.domain.credit import CreditCalendar
from portsight.domain.rulebook import RuleCatalogue, UnknownRule
from portsight.domain.selection import CEILING, Outcome, SelectionPolicy, TierBound, policy_from_catalogue

KIND = "credit_bound"


def window_end(now: datetime) -> datetime:
    """The last midnight in China at or before now (UTC): the end of the window and the trigger time."""
    zone = ZoneInfo(LOCAL_TZ)
    local = as_utc(now).astimezone(zone)
    return datetime.combine(local.date(), time.min, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def tier_counts(session: Session, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
    """{tier recorded with the draw: (draws, physically inspected)} for draws in [start, end), every port."""
    inspected = func.coalesce(func.sum(case((Selection.outcome == Outcome.INSPECT.value, 1), else_=0)), 0)
    rows = session.execute(
        select(Selection.tier, func.count(Selection.id), inspected)
        .where(Selection.drawn_at >= start, Selection.drawn_at < end)
        .group_by(Selection.tier)
    ).all()
    return {t: (int(n), int(k)) for t, n, k in rows}


def credit_bound_trigger(
    rule_catalogue: RuleCatalogue,
    policy: SelectionPolicy,
    tier: str,
    bound: TierBound,
    counts: dict[str, tuple[int, int]],
    day: date,
    at: datetime,
    window_days: int,
    calendar: CreditCalendar,
) -> Trigger:
    """The alert of a tier whose realised rate over the window ending at `at` left its bound."""
    n, inspected = counts[tier]
    base_n, base_inspected = counts[policy.base_tier]
    realised, base_rate = inspected / n, base_inspected / base_n
    limit = bound.limit(base_rate)
    op = ("<" if bound.strict else "<=") if bound.kind == CEILING else (">" if bound.strict else ">=")
    measures = calendar.on(day)
    names = {
        t: {lang: (measures.name(t, lang) if measures else None) or t for lang in ("zh", "en")}
        for t in (tier, policy.base_tier)
    }
    try:
        rule = rule_catalogue.get(bound.rule_id) if bound.rule_id else None
    except UnknownRule:
        rule = None
    detail = {
        "tier": tier,
        "window_days": window_days,
        "window_end": day.isoformat(),
        "draws": n,
        "inspected": inspected,
        "realised": round(realised, 6),
        "base_tier": policy.base_tier,
        "base_draws": base_n,
        "base_realised": round(base_rate, 6),
        "bound": {**bound.as_dict(), "op": op, "limit": None if limit is None else round(limit, 6)},
        "measures": measures.id if measures else None,
        **(rule_detail(rule) if rule else {}),
    }
    params: dict = {
        "tier": names[tier],
        "realised": {"percent": realised},
        "days": window_days,
        "day": {"date": day.isoformat()},
        "inspected": inspected,
        "draws": n,
        "op": {"<=": "≤", ">=": "≥"}.get(op, op),
    }
    if bound.kind == CEILING:
        base = names[policy.base_tier]["en"]
        bound_text = f"{op} {limit:.2%} ({bound.value:.0%} of {base} {base_rate:.2%})"
        title_key = "alert_titles.credit_bound_ceiling"
        params.update(
            limit={"percent": limit},
            share={"percent": bound.value, "digits": 0},
            base_tier=names[policy.base_tier],
            base_rate={"percent": base_rate},
        )
    else:
        bound_text = f"{op} {bound.value:.0%}"
        title_key = "alert_titles.credit_bound_floor"
        params["limit"] = {"percent": bound.value, "digits": 0}
    return Trigger(
        dedupe_key=f"{KIND}:tier:{tier}",
        kind=KIND,
        severity=rule.severity if rule else "medium",
        port_id=None,
        title=(
            f"{names[tier]['en']} inspected at {realised:.2%} over the {window_days} days to {day.isoformat()} "
            f"({inspected} of {n} draws); legal bound {bound_text}"
        ),
        title_key=title_key,
        title_params=params,
        at=at,
        detail=detail,
        rule_id=rule.id if rule else None,
    )


def judge_tiers(
    session: Session,
    now: datetime,
    limits: AlertCheckLimits,
    catalogue: RuleCatalogue | None = None,
    calendar: CreditCalendar | None = None,
) -> tuple[list[Trigger], set[str]]:
    """The triggers of the tiers outside their bound over the last credit_window_days complete
    days, and every tier judged (enough draws of it and of the base tier)."""
    end = window_end(now)
    start = end - timedelta(days=limits.credit_window_days)
    day = (end - timedelta(microseconds=1)).astimezone(ZoneInfo(LOCAL_TZ)).date()  # the window's last day
    rules = enabled_catalogue(session, catalogue or default_catalogue())
    calendar = calendar or default_credit_calendar()
    policy = policy_from_catalogue(day, rules, calendar)
    counts = tier_counts(session, start, end)
    base_n = counts.get(policy.base_tier, (0, 0))[0]
    if base_n < limits.credit_min_draws:
        return [], set()
    out, judged = [], set()
    for tier, bound in policy.bounds.items():
        n, inspected = counts.get(tier, (0, 0))
        if n < limits.credit_min_draws:
            continue
        judged.add(tier)
        base_rate = counts[policy.base_tier][1] / base_n
        if bound.holds(inspected / n, base_rate) is False:
            out.append(
                credit_bound_trigger(rules, policy, tier, bound, counts, day, end, limits.credit_window_days, calendar)
            )
    return out, judged


def credit_bound_triggers(
    session: Session,
    now: datetime,
    limits: AlertCheckLimits,
    catalogue: RuleCatalogue | None = None,
    calendar: CreditCalendar | None = None,
) -> list[Trigger]:
    """Tiers whose realised rate over the last credit_window_days complete days is outside its bound."""
    return judge_tiers(session, now, limits, catalogue, calendar)[0]


def credit_bound_cleared(
    session: Session,
    now: datetime,
    limits: AlertCheckLimits,
    alerts: list[Unresolved],
    catalogue: RuleCatalogue | None = None,
) -> Cleared:
    """The credit bound alerts whose tier is judged and back within its bound over the current window."""
    if not alerts:
        return {}
    outside, judged = judge_tiers(session, now, limits, catalogue)
    still = {t.dedupe_key for t in outside}
    day = (window_end(now) - timedelta(microseconds=1)).astimezone(ZoneInfo(LOCAL_TZ)).date()
    return {
        a.id: {"window_end": day.isoformat(), "window_days": limits.credit_window_days}
        for a in alerts
        if a.dedupe_key not in still and a.dedupe_key.removeprefix(f"{KIND}:tier:") in judged
    }
