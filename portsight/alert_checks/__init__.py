"""Alert checks (预警) that run in the background and raise alerts through raise_alert.

`run_alert_checks(db, now)` runs every check once, in one unit of work, and returns how many
alerts each check raised. Call it every few tens of seconds from one place per process
(components/shell/background.py does, or the simulator's loop). Its thresholds are those in force
at `now` (portsight.db.alert_parameters.limits_in_force; the catalogue of parameters is
portsight.domain.alert_parameters), read on every run, so an administrator's change applies at its
effective date without a restart.

Each check looks at *triggers*: a moment at which its condition became true (an inspection
passed its service time, was completed, a seal was read, a declaration arrived, one more
non-conformity was recorded). A trigger raises its alert once: the trigger time is kept in the
alert's detail, and a run that finds an alert already carrying that trigger (or a later one)
leaves it alone. So running the checks twice, or after a restart, never inflates a count;
a *new* trigger for the same key (the overdue inspection is still open one service time later,
another non-conformity from the same enterprise) raises the same alert again: its count goes up
and, when it had been resolved, raise_alert re-opens it.

Lifecycle, as in Grafana's alerting. An alert of a check resolves itself when its condition no
longer holds: resolved_reason "condition_cleared", nobody's name, an audit entry "auto_resolve" by
the system whose `after` says why. What "the condition cleared" means, per check:

    overdue           the inspection left the inspectors' hands (decided, or waiting for a
                      treatment, a laboratory, an identification), or the service time in force is
                      now longer than it has been open;
    seal_mismatch     the inspection was decided (release, hold, return, destroy): the decision is
                      what the supervisor does about a seal that differs;
    prohibited_goods  the declaration's inspection was decided (likewise the other alert rules that
    (rule:...:declaration)  fire on a declaration's scope);
    repeat_nc_*       fewer than repeat_threshold of the group's inspections remain non-conforming
                      within repeat_window_days back from now;
    credit_bound      the tier is judged (enough draws) and back within its bound over the window;
                      a tier no longer judged keeps its alert;
    repeat_nc_cross_port  fewer than repeat_threshold of the enterprise's inspections, or one port
                      only, remain non-conforming within repeat_window_days back from now;
    container_two_ports, seal_two_ports  none of the box's (seal's) inspections at two ports are open
                      together any more, and none of them started too close in time to another's.

fast_no_photo and the other inspection rules record something that happened (closed fast without a
photo): nothing clears them. Alerts raised by hand or by a finding in the field (services.field)
are left to people.

Pending: a kind of PENDING_KINDS (overdue, credit_bound) with a pending period in force waits as
"pending" (pending_until) when it fires; it opens (counted, audited, notified) if still holding
then, and is dropped without a trace if it cleared before. A condition flapping faster than the
pending period never fires; one flapping slower re-opens the same alert (one dedupe key) each
time, its count going on. A condition of overdue or credit_bound that comes back after the checks resolved it
raises its alert again even on a trigger already counted.

A trigger titles its alert twice: in English (`title`, for logs and exports) and as a message of
portsight/i18n/*/alert_titles.json with plain parameters (`title_key`, `title_params`), which the
pages say in the reader's language (components/shell/messages.py).

    triggers.py   Trigger, how a catalogue rule names its alert, an unresolved alert as a check judges it
    overdue.py    inspections open past the service time
    patterns.py   closed fast without a photo, seal mismatch, prohibited goods, repeated non-conformity
    credit_bounds.py  a credit tier's realised inspection rate over a rolling window outside its legal bound
    cross_port.py an enterprise non-conforming at several ports, one container or seal at two ports
    runner.py     collect the triggers, raise the new ones, resolve the cleared ones, open the
                  pending ones whose time has come; audit each

Dedupe keys (stable, one alert per condition):
    overdue:inspection:<id>
    fast_no_photo:inspection:<id>                 (rule quick_close_without_photo)
    seal_mismatch:inspection:<id>:container:<id>
    prohibited_goods:declaration:<id>             (rule solid_waste_import_ban)
    rule:<rule id>:inspection|declaration:<id>    (other alert rules of the catalogue)
    repeat_nc:enterprise:<id>:port:<id>
    repeat_nc:origin_hs:<country>:<hs4>:port:<id>
    credit_bound:tier:<tier>                      (the selection rule of the bound; every port)
    repeat_nc:enterprise:<id>                     (across ports; no port)
    container_two_ports:container:<number>        (no port)
    seal_two_ports:seal:<number>                  (no port)
"""

from __future__ import annotations

from portsight.alert_checks.runner import (
    CHECKS,
    alert_rules,
    collect_triggers,
    raise_triggers,
    run_alert_checks,
    settle_alerts,
)
from portsight.alert_checks.triggers import RULE_KINDS, Trigger
from portsight.domain.alert_parameters import AlertCheckLimits

__all__ = [
    "CHECKS",
    "RULE_KINDS",
    "AlertCheckLimits",
    "Trigger",
    "alert_rules",
    "collect_triggers",
    "raise_triggers",
    "run_alert_checks",
    "settle_alerts",
]
