"""Alert checks (预警) that run in the background and raise alerts through raise_alert.

`run_alert_checks(db, now)` runs every check once, in one unit of work, and returns how many
alerts each check raised. Call it every few tens of seconds from one place per process
(components/shell/background.py does, or the simulator's loop).

Each check looks at *triggers*: a moment at which its condition became true (an inspection
passed its service time, was completed, a seal was read, a declaration arrived, one more
non-conformity was recorded). A trigger raises its alert once: the trigger time is kept in the
alert's detail, and a run that finds an alert already carrying that trigger (or a later one)
leaves it alone. So running the checks twice, or after a restart, never inflates a count;
a *new* trigger for the same key (the overdue inspection is still open one service time later,
another non-conformity from the same enterprise) raises the same alert again: its count goes up
and, when it had been resolved, raise_alert re-opens it.

A trigger titles its alert twice: in English (`title`, for logs and exports) and as a message of
portsight/i18n/*/alert_titles.json with plain parameters (`title_key`, `title_params`), which the
pages say in the reader's language (components/shell/messages.py).

    triggers.py   Trigger, AlertCheckLimits, how a catalogue rule names its alert
    overdue.py    inspections open past the service time
    patterns.py   closed fast without a photo, seal mismatch, prohibited goods, repeated non-conformity
    credit_bounds.py  a credit tier's realised inspection rate over a rolling window outside its legal bound
    runner.py     collect the triggers, raise the new ones, audit each raise

Dedupe keys (stable, one alert per condition):
    overdue:inspection:<id>
    fast_no_photo:inspection:<id>                 (rule quick_close_without_photo)
    seal_mismatch:inspection:<id>:container:<id>
    prohibited_goods:declaration:<id>             (rule solid_waste_import_ban)
    rule:<rule id>:inspection|declaration:<id>    (other alert rules of the catalogue)
    repeat_nc:enterprise:<id>:port:<id>
    repeat_nc:origin_hs:<country>:<hs4>:port:<id>
    credit_bound:tier:<tier>                      (the selection rule of the bound; every port)
"""

from __future__ import annotations

from portsight.alert_checks.runner import CHECKS, alert_rules, collect_triggers, raise_triggers, run_alert_checks
from portsight.alert_checks.triggers import RULE_KINDS, AlertCheckLimits, Trigger

__all__ = [
    "CHECKS",
    "RULE_KINDS",
    "AlertCheckLimits",
    "Trigger",
    "alert_rules",
    "collect_triggers",
    "raise_triggers",
    "run_alert_checks",
]
