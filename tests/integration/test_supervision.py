"""Each supervision check raises its alert once, counts it up on a new trigger, and re-opens it
after resolve — on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from portsight.alert_checks import AlertCheckLimits, run_alert_checks
from portsight.clock import LOCAL_TZ
from portsight.db.models import Alert, AuditEntry, Declaration, Enterprise, RuleSetting, Selection
from portsight.services.alerts import resolve_alert
from tests.integration.supervision_world import NBO, SGH, make_world

LIMITS = AlertCheckLimits(overdue_minutes=240, repeat_window_days=30, repeat_threshold=3)


@pytest.fixture
def w(db):
    return make_world(db)


def run(w, now: datetime | None = None, **kw):
    return run_alert_checks(w.db, now or w.now, limits=LIMITS, **kw)


def alerts(db, kind: str | None = None) -> list:
    stmt = select(Alert.__table__).order_by(Alert.id)
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    return list(db.execute(stmt).all())


def one(db, kind: str):
    found = alerts(db, kind)
    assert len(found) == 1, [a.dedupe_key for a in found]
    return found[0]


# ------------------------------------------------------------------ overdue


def test_inspection_past_its_service_time_raises_one_overdue_alert(w):
    late = w.inspection(state="assigned", created_at=w.now - timedelta(minutes=300))
    w.inspection(state="in_progress", created_at=w.now - timedelta(minutes=100))  # within the service time
    w.inspection(
        state="released", created_at=w.now - timedelta(days=2), decided_at=w.now - timedelta(days=1), decision="release"
    )  # decided: never overdue

    assert run(w)["overdue"] == 1
    alert = one(w.db, "overdue")
    assert (alert.dedupe_key, alert.inspection_id, alert.port_id) == (f"overdue:inspection:{late}", late, SGH)
    assert (alert.severity, alert.count, alert.state) == ("medium", 1, "open")


def test_overdue_is_not_counted_twice_for_the_same_period(w):
    w.inspection(state="pending", created_at=w.now - timedelta(minutes=300))
    run(w)
    assert run(w)["overdue"] == 0
    assert run(w, w.now + timedelta(minutes=60))["overdue"] == 0
    assert one(w.db, "overdue").count == 1


def test_still_open_one_service_time_later_counts_up_and_becomes_high(w):
    w.inspection(state="pending", created_at=w.now - timedelta(minutes=300))
    run(w)
    assert run(w, w.now + timedelta(minutes=240))["overdue"] == 1
    alert = one(w.db, "overdue")
    assert (alert.count, alert.severity, alert.detail["periods"]) == (2, "high", 2)


def test_resolved_overdue_alert_reopens_when_it_fires_again(w):
    w.inspection(state="pending", created_at=w.now - timedelta(minutes=300))
    run(w)
    alert = one(w.db, "overdue")
    resolve_alert(w.db, w.sup_sgh, alert.id, "called the port, team on the way")
    assert run(w, w.now + timedelta(minutes=10))["overdue"] == 0  # same period: stays resolved
    assert w.db.scalar(select(Alert.state).where(Alert.id == alert.id)) == "resolved"

    run(w, w.now + timedelta(minutes=240))
    state, count = w.db.execute(select(Alert.state, Alert.count).where(Alert.id == alert.id)).one()
    assert (state, count) == ("open", 2)
    actions = w.db.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity == "alert", AuditEntry.entity_id == str(alert.id))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["raise", "resolve", "reopen"]


# ------------------------------------------------------------------ completed fast with no photo


def test_inspection_completed_in_minutes_with_no_photo_raises_alert(w):
    fast = w.inspection(
        state="completed", started_at=w.now - timedelta(minutes=20), completed_at=w.now - timedelta(minutes=17)
    )
    with_photo = w.inspection(
        state="completed", started_at=w.now - timedelta(minutes=20), completed_at=w.now - timedelta(minutes=17)
    )
    w.photo(with_photo, at=w.now - timedelta(minutes=18))
    w.inspection(
        state="completed", started_at=w.now - timedelta(minutes=60), completed_at=w.now - timedelta(minutes=15)
    )  # 45 minutes: not suspicious

    assert run(w)["fast_no_photo"] == 1
    alert = one(w.db, "fast_no_photo")
    assert (alert.dedupe_key, alert.rule_id, alert.inspection_id) == (
        f"fast_no_photo:inspection:{fast}",
        "quick_close_without_photo",
        fast,
    )
    assert alert.detail["photos"] == 0 and alert.detail["minutes"] == 3.0
    assert alert.detail["citation"]["en"]

    assert run(w)["fast_no_photo"] == 0
    assert one(w.db, "fast_no_photo").count == 1


def test_fast_close_check_is_off_when_its_rule_is_switched_off(w):
    w.db.execute(insert(RuleSetting), [{"rule_id": "quick_close_without_photo", "enabled": False, "changed_at": w.now}])
    w.inspection(
        state="completed", started_at=w.now - timedelta(minutes=20), completed_at=w.now - timedelta(minutes=17)
    )
    assert run(w)["fast_no_photo"] == 0


# ------------------------------------------------------------------ seal mismatch


def test_seal_mismatch_raises_high_alert_per_container(w):
    bad = w.inspection(state="in_progress", started_at=w.now - timedelta(minutes=40), seal="CN1234567")
    good = w.inspection(state="in_progress", started_at=w.now - timedelta(minutes=40), seal="CN7654321")
    bad_box = w.container_of(w.declaration_of(bad))
    good_box = w.container_of(w.declaration_of(good))
    w.step(
        bad, "seal", "conforming", {"seal_number": "CN9999999"}, at=w.now - timedelta(minutes=5), container_id=bad_box
    )
    w.step(
        good,
        "seal",
        "conforming",
        {"seal_number": "cn-765 4321"},
        at=w.now - timedelta(minutes=5),
        container_id=good_box,
    )  # same seal once normalised

    assert run(w)["seal_mismatch"] == 1
    alert = one(w.db, "seal_mismatch")
    assert alert.dedupe_key == f"seal_mismatch:inspection:{bad}:container:{bad_box}"
    assert alert.severity == "high"
    assert (alert.detail["declared_seal"], alert.detail["observed_seal"]) == ("CN1234567", "CN9999999")
    assert run(w)["seal_mismatch"] == 0


def test_seal_step_marked_non_conforming_raises_even_without_a_number(w):
    insp = w.inspection(state="in_progress", started_at=w.now - timedelta(minutes=40))
    w.step(
        insp,
        "seal",
        "non_conforming",
        {},
        at=w.now - timedelta(minutes=5),
        container_id=w.container_of(w.declaration_of(insp)),
    )
    assert run(w)["seal_mismatch"] == 1


# ------------------------------------------------------------------ prohibited goods


def test_declaration_of_prohibited_goods_raises_alert_from_the_rule_catalogue(w):
    waste = w.declaration(hs="4707100000", declared_at=w.now - timedelta(minutes=30))
    w.declaration(hs="8471300000", declared_at=w.now - timedelta(minutes=30))

    assert run(w)["prohibited_goods"] == 1
    alert = one(w.db, "prohibited_goods")
    assert (alert.dedupe_key, alert.rule_id, alert.declaration_id, alert.severity) == (
        f"prohibited_goods:declaration:{waste}",
        "solid_waste_import_ban",
        waste,
        "high",
    )
    assert alert.detail["hs_codes"] == ["4707100000"]
    assert run(w)["prohibited_goods"] == 0
    assert one(w.db, "prohibited_goods").count == 1


def test_declarations_older_than_since_are_not_rescanned(w):
    w.declaration(hs="4707100000", declared_at=w.now - timedelta(hours=3))
    assert run(w, since=w.now - timedelta(hours=1))["prohibited_goods"] == 0


# ------------------------------------------------------------------ repeated non-conformity


def _non_conforming(w, n: int, *, start_minutes: int, **decl):
    ids = []
    for i in range(n):
        insp = w.inspection(state="completed", started_at=w.now - timedelta(days=3), **decl)
        w.finding(insp, at=w.now - timedelta(minutes=start_minutes - i))
        ids.append(insp)
    return ids


def test_same_enterprise_with_repeated_non_conformity_raises_one_alert_counted_up(w):
    _non_conforming(w, 2, start_minutes=300, enterprise_id=1, origin="DE", hs="8471300000")
    assert run(w)["repeat_nc"] == 0  # two are not a pattern yet

    _non_conforming(w, 1, start_minutes=200, enterprise_id=1, origin="JP", hs="9018000000")
    assert run(w)["repeat_nc"] == 1
    alert = one(w.db, "repeat_nc_enterprise")
    assert (alert.dedupe_key, alert.count, alert.detail["inspections"]) == ("repeat_nc:enterprise:1:port:1", 1, 3)
    assert run(w)["repeat_nc"] == 0

    _non_conforming(w, 1, start_minutes=10, enterprise_id=1, origin="US", hs="9403000000")
    run(w)
    alert = one(w.db, "repeat_nc_enterprise")
    assert (alert.count, alert.detail["inspections"]) == (2, 4)


def test_same_origin_and_hs_with_repeated_non_conformity_across_enterprises_raises_alert(w):
    for enterprise_id in (1, 2, 3):
        _non_conforming(
            w, 1, start_minutes=100 + enterprise_id, enterprise_id=enterprise_id, origin="BR", hs="0202300000"
        )
    run(w)
    alert = one(w.db, "repeat_nc_origin_hs")
    assert alert.dedupe_key == "repeat_nc:origin_hs:BR:0202:port:1"
    assert alert.detail["inspections"] == 3
    assert alerts(w.db, "repeat_nc_enterprise") == []


def test_non_conformities_at_two_ports_are_counted_per_port(w):
    _non_conforming(w, 2, start_minutes=300, port_id=SGH, enterprise_id=1)
    _non_conforming(w, 2, start_minutes=200, port_id=NBO, enterprise_id=1)
    run(w)
    assert alerts(w.db, "repeat_nc_enterprise") == []


def test_non_conformities_outside_the_window_do_not_count(w):
    _non_conforming(w, 3, start_minutes=60 * 24 * 31, enterprise_id=1)
    assert run(w, since=w.now - timedelta(days=40))["repeat_nc"] == 0


# ------------------------------------------------------------------ the run


def test_each_raise_is_in_the_activity_feed_with_its_port(w):
    w.inspection(state="pending", created_at=w.now - timedelta(minutes=300), port_id=NBO)
    run(w)
    entry = w.db.execute(select(AuditEntry.__table__).where(AuditEntry.entity == "alert")).one()
    assert (entry.actor, entry.action, entry.port_id) == ("system", "raise", NBO)


def test_a_run_with_nothing_to_report_raises_nothing(w):
    assert run(w) == {
        "overdue": 0,
        "fast_no_photo": 0,
        "seal_mismatch": 0,
        "prohibited_goods": 0,
        "repeat_nc": 0,
        "credit_bound": 0,
        "repeat_nc_cross_port": 0,
        "container_two_ports": 0,
        "seal_two_ports": 0,
    }


# ------------------------------------------------------------------ a credit tier's realised rate outside its bound

CREDIT = replace(LIMITS, credit_window_days=28, credit_min_draws=50)
TIER_ENTERPRISE = {"general": 1, "dishonest": 3, "advanced_certified": 4, "general_certified": 5}
_numbers = itertools.count(1)


def history(w, tier: str, n: int, inspected: int, *, days_ago: tuple[int, int] = (2, 20), forced: int = 0) -> None:
    """n recorded draws of the tier spread over days_ago (from, to) before w.now, the first `inspected`
    of them inspected (the first `forced` of those forced by a rule hit)."""
    if not w.db.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.id == 4)):
        w.db.execute(
            insert(Enterprise),
            [
                {"id": 4, "uscc": "91310000MA1FL8LQ40", "name": "Lingang AEO", "credit_tier": "advanced_certified"},
                {
                    "id": 5,
                    "uscc": "91310000MA1FL8LQ51",
                    "name": "Jinqiao Certified",
                    "credit_tier": "general_certified",
                },
            ],
        )
    first, last = days_ago
    times = [w.now - timedelta(days=first) - (timedelta(days=last - first) * i / max(n - 1, 1)) for i in range(n)]
    numbers = [f"H{next(_numbers):09d}" for _ in range(n)]
    ids = w.db.execute(
        insert(Declaration).returning(Declaration.id, Declaration.number),
        [
            {
                "number": num,
                "port_id": SGH if i % 2 else NBO,
                "enterprise_id": TIER_ENTERPRISE[tier],
                "direction": "import",
                "transport_mode": "sea",
                "origin_country": "DE",
                "declared_at": at,
            }
            for i, (num, at) in enumerate(zip(numbers, times, strict=True))
        ],  # fmt: skip
    ).all()
    by_number = {number: did for did, number in ids}
    w.db.execute(
        insert(Selection),
        [
            {
                "declaration_id": by_number[num],
                "outcome": "inspect" if i < inspected else "release",
                "reasons": [],
                "rate": 0.1,
                "seed": f"s{i}",
                "inputs": {"tier": tier, "forced": i < forced},
                "tier": tier,
                "forced": i < forced,
                "code_version": "test",
                "drawn_at": at + timedelta(minutes=3),
            }
            for i, (num, at) in enumerate(zip(numbers, times, strict=True))
        ],  # fmt: skip
    )


def credit(w, now=None) -> int:
    return run_alert_checks(w.db, now or w.now, limits=CREDIT)["credit_bound"]


def test_advanced_certified_inspected_above_a_fifth_of_the_general_rate_raises_one_alert(w):
    history(w, "general", 1000, 100)  # 10 %
    history(w, "advanced_certified", 400, 10, forced=6)  # 2.5 % > 20 % of 10 %
    history(w, "dishonest", 100, 85)

    assert credit(w) == 1
    alert = one(w.db, "credit_bound")
    assert (alert.dedupe_key, alert.port_id, alert.rule_id) == (
        "credit_bound:tier:advanced_certified",
        None,
        "credit_advanced_inspection_rate",
    )
    assert (alert.severity, alert.count, alert.state) == ("low", 1, "open")
    d = alert.detail
    assert (d["draws"], d["inspected"], d["realised"], d["base_realised"]) == (400, 10, 0.025, 0.1)
    assert d["bound"]["op"] == "<" and d["bound"]["limit"] == pytest.approx(0.02) and d["window_days"] == 28
    assert d["measures"] == "gac_order_282" and d["citation"]["en"]
    assert "Advanced certified inspected at 2.50%" in alert.title and "< 2.00%" in alert.title

    assert credit(w) == 0  # the same day: counted once
    # an hour later, but never past the port's midnight (the bound is counted per local day)
    local = ZoneInfo(LOCAL_TZ)
    midnight = datetime.combine(w.now.astimezone(local).date() + timedelta(days=1), time(), local)
    assert credit(w, min(w.now + timedelta(hours=1), midnight - timedelta(seconds=1))) == 0
    assert credit(w, w.now + timedelta(days=1)) == 1  # still outside a day later: counted again
    assert one(w.db, "credit_bound").count == 2


def test_rates_inside_their_bounds_raise_nothing(w):
    history(w, "general", 1000, 100)
    history(w, "advanced_certified", 400, 7)  # 1.75 % < 2 %
    history(w, "dishonest", 100, 80)  # 80 % is at least 80 %
    assert credit(w) == 0


def test_dishonest_tier_inspected_below_its_floor_raises_an_alert(w):
    history(w, "general", 1000, 100)
    history(w, "dishonest", 100, 70)
    assert credit(w) == 1
    alert = one(w.db, "credit_bound")
    assert (alert.dedupe_key, alert.rule_id, alert.severity) == (
        "credit_bound:tier:dishonest",
        "credit_dishonest_inspection_rate",
        "medium",
    )
    assert alert.detail["bound"]["op"] == ">=" and alert.detail["realised"] == 0.7


def test_only_the_rolling_window_counts_and_too_few_draws_are_not_judged(w):
    history(w, "general", 1000, 100)
    history(w, "advanced_certified", 400, 40, days_ago=(35, 60))  # 10 %, but before the window
    history(w, "advanced_certified", 400, 4)
    history(w, "dishonest", 30, 10)  # 33 %, but only 30 draws
    assert credit(w) == 0


def test_the_2018_measures_bound_general_certified_below_half_the_general_credit_rate(db):
    w = make_world(db, now=datetime(2019, 6, 20, 4, 0, tzinfo=UTC))
    history(w, "general", 1000, 100)
    history(w, "general_certified", 200, 12)  # 6 % > 50 % of 10 %
    history(w, "advanced_certified", 400, 6)
    assert credit(w) == 1
    alert = one(w.db, "credit_bound")
    assert (alert.dedupe_key, alert.rule_id) == (
        "credit_bound:tier:general_certified",
        "credit_general_certified_inspection_rate_2018",
    )
    assert alert.detail["measures"] == "gac_order_237" and alert.detail["bound"]["limit"] == pytest.approx(0.05)
    assert "General certified inspected at 6.00%" in alert.title and "General credit" in alert.title


def test_a_switched_off_bound_is_not_watched(w):
    history(w, "general", 1000, 100)
    history(w, "advanced_certified", 400, 10)
    w.db.execute(
        insert(RuleSetting),
        [{"rule_id": "credit_advanced_inspection_rate", "enabled": False, "changed_at": w.now}],
    )
    assert credit(w) == 0
