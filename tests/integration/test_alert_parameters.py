"""Alert thresholds as data: an administrator's change is dated, audited and refused when wrong; the
checks use the value in force at each run; the preview counts last week's alerts with either value
— on SQLite and PostgreSQL, with a frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portsight.alert_checks import AlertCheckLimits, run_alert_checks
from portsight.config import load_settings
from portsight.db.alert_parameters import limits_in_force
from portsight.db.models import Alert, AuditEntry, Inspection, InspectionTransition
from portsight.domain.access import AccessDenied
from portsight.queries.alert_parameters import overdue_minutes_in_force, parameter_history, parameters_in_force
from portsight.queries.backtest import preview_alert_parameter
from portsight.services.alert_parameters import ParameterRefused, set_alert_parameter
from tests.integration.supervision_world import make_world


@pytest.fixture
def w(db):
    return make_world(db)


@pytest.fixture
def settings(tmp_path):
    return load_settings(
        {"PORTSIGHT_DATA_DIR": str(tmp_path), "PORTSIGHT_SECRET": "s", "PORTSIGHT_OVERDUE_MINUTES": "240"}
    )


def limits_at(w, minutes: float, settings) -> AlertCheckLimits:
    from sqlalchemy.orm import Session

    with Session(bind=w.db) as session:
        return limits_in_force(session, w.now + timedelta(minutes=minutes), settings)


def test_a_change_from_a_later_date_applies_to_the_checks_only_from_then(w, settings):
    tomorrow = w.now + timedelta(days=1)
    set_alert_parameter(
        w.db, w.admin, "overdue_minutes", 600, reason="night shifts are short-staffed", effective_from=tomorrow,
        now=w.now, settings=settings,
    )  # fmt: skip
    assert limits_at(w, 0, settings).overdue_minutes == 240
    assert limits_at(w, 60 * 24, settings).overdue_minutes == 600

    first = w.inspection(state="assigned", created_at=w.now - timedelta(minutes=300))
    assert run_alert_checks(w.db, w.now, settings=settings)["overdue"] == 1  # 300 > 240, in force today
    w.db.execute(update(Inspection).where(Inspection.id == first).values(state="released"))
    w.inspection(state="assigned", created_at=tomorrow - timedelta(minutes=300))
    assert run_alert_checks(w.db, tomorrow, settings=settings)["overdue"] == 0  # 300 < 600 from tomorrow
    assert w.db.scalar(select(Alert.detail).where(Alert.kind == "overdue"))["overdue_minutes"] == 240

    action, user_id, before, after = w.db.execute(
        select(AuditEntry.action, AuditEntry.user_id, AuditEntry.before, AuditEntry.after).where(
            AuditEntry.entity == "alert_parameter"
        )
    ).one()
    assert (action, user_id, before["value"], after["value"]) == ("alert_parameter.set", w.admin.user_id, 240, 600)
    assert after["reason"] == "night shifts are short-staffed"
    history = parameter_history(w.db, w.admin)
    assert history[["name", "value", "changed_by"]].values.tolist() == [["overdue_minutes", 600, "admin"]]
    assert parameters_in_force(w.db, w.admin, w.now, settings)["overdue_minutes"] == 240


def test_the_board_counts_overdue_with_the_service_time_the_checks_use(w, settings):
    set_alert_parameter(w.db, w.admin, "overdue_minutes", 90, reason="short service time",
                        effective_from=w.now + timedelta(hours=1), now=w.now, settings=settings)  # fmt: skip
    assert overdue_minutes_in_force(w.db, w.now, settings) == 240
    assert overdue_minutes_in_force(w.db, w.now + timedelta(hours=2), settings) == 90


def test_the_newest_effective_value_is_in_force(w, settings):
    for days, value in ((0, 5), (2, 4), (1, 6)):
        set_alert_parameter(w.db, w.admin, "repeat_threshold", value, reason=f"step {days}",
                            effective_from=w.now + timedelta(days=days), now=w.now, settings=settings)  # fmt: skip
    assert [limits_at(w, 60 * 24 * d + 1, settings).repeat_threshold for d in (0, 1, 2)] == [5, 6, 4]
    assert limits_at(w, -1, settings).repeat_threshold == 3  # the default before any change


@pytest.mark.parametrize(
    ("name", "value", "reason", "days", "keys"),
    [
        ("overdue_minutes", 5, "too short", 0, ["alert_settings.error_range"]),
        ("overdue_minutes", "four hours", "x", 0, ["alert_settings.error_not_whole"]),
        ("no_such_threshold", 5, "x", 0, ["alert_settings.error_unknown"]),
        ("repeat_threshold", 4, "  ", -1, ["alert_settings.error_past", "alert_settings.error_reason"]),
    ],
)
def test_a_wrong_change_is_refused_with_its_reasons_and_not_stored(w, settings, name, value, reason, days, keys):
    with pytest.raises(ParameterRefused) as refused:
        set_alert_parameter(w.db, w.admin, name, value, reason=reason, effective_from=w.now + timedelta(days=days),
                            now=w.now, settings=settings)  # fmt: skip
    assert [p.key for p in refused.value.problems] == keys
    assert parameter_history(w.db, w.admin).empty
    assert w.db.scalar(select(AuditEntry.id).where(AuditEntry.entity == "alert_parameter")) is None


def test_only_an_administrator_changes_a_threshold(w, settings):
    with pytest.raises(AccessDenied):
        set_alert_parameter(w.db, w.sup_all, "overdue_minutes", 300, reason="x", now=w.now, settings=settings)


# ------------------------------------------------------------------ preview


def test_the_preview_counts_last_weeks_overdue_alerts_with_either_value(w):
    def opened(minutes_open: int, days_ago: float, left: bool = True) -> None:
        created = w.now - timedelta(days=days_ago)
        iid = w.inspection(state="released" if left else "assigned", created_at=created)
        if left:
            w.db.execute(
                InspectionTransition.__table__.insert(),
                [{"inspection_id": iid, "from_state": "completed", "to_state": "released",
                  "at": created + timedelta(minutes=minutes_open)}],
            )  # fmt: skip

    opened(90, 3)  # overdue after 60 minutes only
    opened(300, 2)  # overdue with either
    opened(500, 4)  # overdue with either
    opened(30, 1)  # never
    opened(0, 1, left=False)  # still open after a day: overdue with either
    opened(300, 9)  # before the week

    limits = AlertCheckLimits(overdue_minutes=240)
    preview = preview_alert_parameter(w.db, w.admin, "overdue_minutes", 60, limits, w.now)
    assert (preview.current, preview.proposed) == (240, 60)
    assert (preview.current_alerts, preview.proposed_alerts) == (3, 4)
    assert preview.end - preview.start == timedelta(days=7)


def test_the_preview_counts_last_weeks_repeated_non_conformity_with_either_threshold(w):
    for enterprise_id, n in ((1, 2), (2, 3), (3, 4)):
        for i in range(n):
            insp = w.inspection(state="completed", enterprise_id=enterprise_id, origin=f"A{enterprise_id}",
                                hs=f"{enterprise_id}1010000000"[:10])  # fmt: skip
            w.finding(insp, at=w.now - timedelta(days=2, minutes=i))
    limits = AlertCheckLimits(repeat_threshold=3)
    preview = preview_alert_parameter(w.db, w.admin, "repeat_threshold", 2, limits, w.now)
    # by enterprise and by origin + heading alike: 2 groups reach 3, 3 groups reach 2
    assert (preview.current_alerts, preview.proposed_alerts) == (4, 6)
    scoped = preview_alert_parameter(w.db, w.sup_nbo, "repeat_threshold", 2, limits, w.now)
    assert (scoped.current_alerts, scoped.proposed_alerts) == (0, 0)  # all at Shanghai


def test_thresholds_without_a_history_to_count_have_no_preview(w):
    from portsight.errors import InvalidInput

    with pytest.raises(InvalidInput):
        preview_alert_parameter(w.db, w.admin, "escalation_minutes", 10, AlertCheckLimits(), w.now)
