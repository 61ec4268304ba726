"""Back-testing a rule on history: what it (or the rule with changed parameters) would have hit.

`backtest_rule` counts, by port, what a rule would have hit in a period. The counting is done in
the database (one aggregate query); only conditions SQL cannot express (the ISO 6346 check
digit) are evaluated in Python over the few columns needed. What a hit is depends on the kind:

- checklist, and alert rules without conditions: declarations in scope (declared in the period);
- validation: recorded step results that would not conform (recorded in the period);
- alert with conditions: completed inspections for which the alert would fire (completed in the period);
- selection: declarations in scope, with the tier's inspection rate per port against the requirement.

`preview_alert_parameter` counts likewise what an alert check would have raised in the last days
with another value of its threshold (the service time, the repeat window and count) against the
value in force: the administrator's preview before changing it.

The rule's switch is ignored: back-testing a switched-off rule is the point.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)

from portsight.catalogue import default_catalogue
from portsight.clock import LOCAL_TZ
from portsight.db.models import (
    Container,
    Declaration,
    Enterprise,
    Evidence,
    GoodsLine,
    Inspection,
    InspectionTransition,
    Port,
    StepResult,
)
from portsight.db.non_conformities import non_conforming_inspections
from portsight.db.rollups import minutes_between
from portsight.db.rule_switches import catalogue_rule
from portsight.db.session import Database
from portsight.db.sql import connection, in_scope
from portsight.domain.access import Actor, Role, require_role
from portsight.domain.alert_parameters import AlertCheckLimits
from portsight.domain.conditions import DECLARED_CHECKS, Condition, StepSpec
from portsight.domain.inspection import ACTIVE_STATES
from portsight.domain.repeats import repeat_triggers
from portsight.domain.rulebook import Rule, RuleCatalogue
from portsight.domain.rules import check_conditions
from portsight.domain.stats import local_day, local_day_bounds
from portsight.errors import InvalidInput

BACKTEST_ROLES = (Role.ADMIN, Role.SUPERVISOR)


@dataclass(frozen=True)
class PortBacktest:
    port_id: int
    port_code: str
    subjects: int  # declarations / step results / inspections examined
    hits: int
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BacktestResult:
    rule_id: str
    kind: str
    unit: str  # declarations / step_results / inspections
    start: date
    end: date
    parameters: Mapping[str, float]  # overrides used ({} = the catalogue's dated values)
    by_port: tuple[PortBacktest, ...]
    method: str  # sql / sql+python
    in_force: bool  # whether the rule was in force on any day of the period

    @property
    def total_hits(self) -> int:
        return sum(p.hits for p in self.by_port)

    @property
    def total_subjects(self) -> int:
        return sum(p.subjects for p in self.by_port)


class _NotSql(Exception):
    """A condition SQL cannot express: evaluate it in Python."""


def _local_midnight(day: date) -> datetime:
    return local_day_bounds(day, LOCAL_TZ)[0]


def _window(rule: Rule, start: date, end: date) -> tuple[datetime, datetime] | None:
    lo, hi = start, end
    if rule.effective_from and rule.effective_from > lo:
        lo = rule.effective_from
    if rule.effective_to and rule.effective_to < hi:
        hi = rule.effective_to
    if hi < lo:
        return None
    return _local_midnight(lo), _local_midnight(hi + timedelta(days=1))


def _scope_clause(rule: Rule) -> ColumnElement[bool]:
    s = rule.scope
    parts: list[ColumnElement[bool]] = []
    if s.hs:
        # A line under an exception in force on the declaration's day is not in scope (Scope.hs_matches).
        carved_out = [
            and_(
                GoodsLine.hs_code.like(f"{e.prefix}%"),
                true() if e.since is None else Declaration.declared_at >= _local_midnight(e.since),
            )
            for e in s.hs_except
        ]
        parts.append(
            exists().where(
                GoodsLine.declaration_id == Declaration.id,
                or_(*(GoodsLine.hs_code.like(f"{p}%") for p in s.hs)),
                *([not_(or_(*carved_out))] if carved_out else []),
            )
        )
    if s.origins:
        parts.append(Declaration.origin_country.in_(s.origins))
    if s.port_kinds:
        parts.append(Port.kind.in_(s.port_kinds))
    if s.credit_tiers:
        parts.append(Enterprise.credit_tier.in_(s.credit_tiers))
    if s.transport_modes:
        parts.append(Declaration.transport_mode.in_(s.transport_modes))
    if s.container_types:
        parts.append(
            exists().where(
                Container.declaration_id == Declaration.id,
                func.upper(func.substr(Container.size_type, 3, 1)).in_(s.container_types),
            )
        )
    return and_(true(), *parts)


def _declarations_by_port(lo: datetime, hi: datetime, scope_ports, *measures) -> Select:
    """Per port of the scope (port_id, port_code, *measures) over the declarations declared from lo to hi."""
    return (
        select(Port.id.label("port_id"), Port.code.label("port_code"), *measures)
        .select_from(Declaration)
        .join(Port, Port.id == Declaration.port_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .where(Declaration.declared_at >= lo, Declaration.declared_at < hi)
        .where(in_scope(Declaration.port_id, scope_ports))
        .group_by(Port.id, Port.code)
    )


def _inspections_in_scope(stmt: Select, rule: Rule, scope_ports) -> Select:
    """stmt (reading inspections) joined to what a rule's scope names, limited to the scope and the rule's scope."""
    return (
        stmt.join(Declaration, Declaration.id == Inspection.declaration_id)
        .join(Port, Port.id == Inspection.port_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .where(in_scope(Inspection.port_id, scope_ports), _scope_clause(rule))
    )


def _param_expr(rule: Rule, name: str, date_col, overrides: Mapping[str, float]):
    if name in overrides:
        return literal(float(overrides[name]))
    values = rule.parameters[name].values
    if len(values) == 1:
        return literal(values[0][1])
    whens = [(date_col >= _local_midnight(start), value) for start, value in reversed(values) if start is not None]
    return case(*whens, else_=values[0][1])


def _normalized(expr):
    return func.upper(func.replace(func.replace(expr, " ", ""), "-", ""))


class _Fields:
    """Maps condition field names to SQL expressions for one kind of subject."""

    def __init__(self, rule: Rule, spec: StepSpec | None, dialect: str):
        self.rule, self.spec, self.dialect = rule, spec, dialect

    def expr(self, name: str, as_type: str = "number"):
        if self.spec is not None and (spec_input := self.spec.input(name)) is not None:
            kind = spec_input.type
            item = StepResult.values[name]
            if kind == "number":
                return item.as_float()
            if kind == "bool":
                return item.as_boolean()
            return item.as_string()
        if name == "declared_gross_weight_kg":
            return (
                select(func.sum(GoodsLine.gross_weight_kg))
                .where(GoodsLine.declaration_id == Declaration.id)
                .scalar_subquery()
            )
        if name == "declared_quantity":
            return (
                select(func.sum(GoodsLine.quantity)).where(GoodsLine.declaration_id == Declaration.id).scalar_subquery()
            )
        if name == "declared_seal":
            return select(Container.declared_seal).where(Container.id == StepResult.container_id).scalar_subquery()
        if name == "declared_number":
            return select(Container.number).where(Container.id == StepResult.container_id).scalar_subquery()
        if name == "minutes_to_close":
            return minutes_between(self.dialect, Inspection.started_at, Inspection.completed_at)
        if name == "photo_count":
            return select(func.count(Evidence.id)).where(Evidence.inspection_id == Inspection.id).scalar_subquery()
        if name == "step_count":
            return select(func.count(StepResult.id)).where(StepResult.inspection_id == Inspection.id).scalar_subquery()
        raise _NotSql(name)


def _ref(cond: Condition) -> str:
    """The field a condition compares with; without one there is no SQL (the Python evaluation reports it)."""
    if cond.ref is None:
        raise _NotSql(cond.op)
    return cond.ref


def _condition_sql(cond: Condition, fields: _Fields, param) -> ColumnElement[bool]:
    op = cond.op
    if op == "iso6346_valid" or op in DECLARED_CHECKS:  # codes compared after normalisation: in Python
        raise _NotSql(op)
    if op == "is_true":
        clause = fields.expr(cond.field) == true()
    elif op == "same_seal":
        clause = _normalized(fields.expr(cond.field)) == _normalized(fields.expr(_ref(cond)))
    elif op in {"in", "not_in"}:
        members = cond.value if isinstance(cond.value, list | tuple) else [cond.value]
        x = fields.expr(cond.field)
        clause = x.in_(members) if op == "in" else x.not_in(members)
    else:
        x = fields.expr(cond.field)
        if op in {"within", "within_pct"}:
            centre = fields.expr(_ref(cond))
            tol = param(cond.limit)
            allowed = func.abs(centre) * tol / 100.0 if op == "within_pct" else tol
            clause = func.abs(x - centre) <= allowed + 1e-9
        else:
            if cond.limit:
                target = param(cond.limit)
            elif cond.ref:
                target = fields.expr(cond.ref)
                if cond.times:
                    target = target * param(cond.times)
                if cond.plus:
                    target = target + param(cond.plus)
            elif isinstance(cond.value, int | float) and not isinstance(cond.value, bool):
                target = literal(float(cond.value))
            else:
                target = literal(cond.value)
            clause = {
                "<=": x <= target + 1e-9,
                "<": x < target - 1e-9,
                ">=": x >= target - 1e-9,
                ">": x > target + 1e-9,
                "==": x == target,
                "!=": x != target,
            }[op]
    if cond.only_if:
        gate = fields.expr(cond.only_if)
        # Missing gate -> NULL -> not counted, as the domain reports missing values as invalid input.
        clause = case((gate.is_(None), None), (gate == true(), clause), else_=true())
    return clause


def _all_hold(conds, fields: _Fields, param) -> ColumnElement[bool]:
    return and_(*(_condition_sql(c, fields, param) for c in conds))


def _hit_count(condition: ColumnElement[bool]):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _finish(rows, unit: str) -> tuple[PortBacktest, ...]:
    return tuple(
        PortBacktest(int(r.port_id), r.port_code, int(r.subjects), int(r.hits))
        for r in sorted(rows, key=lambda r: r.port_code)
        if int(r.subjects) > 0
    )


def backtest_rule(
    db: Database,
    actor: Actor,
    rule_id: str,
    start: date,
    end: date,
    parameters: Mapping[str, float] | None = None,
    catalogue: RuleCatalogue | None = None,
) -> BacktestResult:
    """How many declarations / step results / inspections the rule would have hit from start to end
    (local calendar days, both included), by port within the actor's scope.

    `parameters` replaces the rule's parameters for the whole period ({name: value}); unknown
    names are refused. The switch is ignored: back-testing a switched-off rule is the point.
    """
    require_role(actor, *BACKTEST_ROLES)
    rule = catalogue_rule(catalogue or default_catalogue(), rule_id)
    overrides = dict(parameters or {})
    for name, value in overrides.items():
        if name not in rule.parameters:
            known = ", ".join(rule.parameters)
            raise InvalidInput(
                f"Rule {rule.id} has no parameter {name!r} (its parameters: {known or 'none'}).",
                key="errors.backtest_parameter_unknown",
                params={"rule": rule.id, "name": name, "known": known or "—"},
            )
        try:
            overrides[name] = float(value)
        except (TypeError, ValueError):
            raise InvalidInput(
                f"Parameter {name!r} must be a number, got {value!r}.",
                key="errors.backtest_parameter_not_number",
                params={"name": name, "value": str(value)},
            ) from None
    if end < start:
        raise InvalidInput("The period ends before it starts.", key="errors.period_ends_before_start")

    window = _window(rule, start, end)
    if rule.kind == "selection":
        unit = "declarations"
    elif rule.kind == "validation":
        unit = "step_results"
    elif rule.kind == "alert" and rule.when:
        unit = "inspections"
    else:
        unit = "declarations"

    def result(by_port: tuple[PortBacktest, ...], method: str = "sql") -> BacktestResult:
        return BacktestResult(rule.id, rule.kind, unit, start, end, overrides, by_port, method, window is not None)

    if window is None:
        return result(())
    lo, hi = window
    scope_ports = actor.scope()

    with connection(db) as conn:
        dialect = conn.dialect.name
        if rule.kind == "selection":
            return result(_backtest_selection(conn, rule, lo, hi, scope_ports, overrides, end))
        if unit == "declarations":
            stmt = _declarations_by_port(
                lo,
                hi,
                scope_ports,
                func.count(Declaration.id).label("subjects"),
                _hit_count(_scope_clause(rule)).label("hits"),
            )
            return result(_finish(conn.execute(stmt).all(), unit))

        spec = None
        if unit == "inspections":
            date_col = Inspection.completed_at
            fields = _Fields(rule, None, dialect)
            base = _inspections_in_scope(select().select_from(Inspection), rule, scope_ports).where(
                Inspection.completed_at >= lo, Inspection.completed_at < hi, Inspection.started_at.is_not(None)
            )
            conds = rule.when
        else:
            date_col = StepResult.recorded_at
            assert rule.step_key is not None  # the rulebook refuses a validation rule without a step
            spec = (catalogue or default_catalogue()).step_specs()[rule.step_key]
            fields = _Fields(rule, spec, dialect)
            steps = select().select_from(StepResult).join(Inspection, Inspection.id == StepResult.inspection_id)
            base = _inspections_in_scope(steps, rule, scope_ports).where(
                StepResult.step_key == rule.step_key,
                StepResult.recorded_at >= lo,
                StepResult.recorded_at < hi,
                StepResult.outcome != "not_applicable",
            )
            conds = rule.require

        def param(name: str):
            return _param_expr(rule, name, date_col, overrides)

        try:
            holds = _all_hold(conds, fields, param)
        except _NotSql:
            if unit != "step_results":
                raise InvalidInput(
                    f"Rule {rule.id} names a field that cannot be back-tested.",
                    key="errors.backtest_field_unsupported",
                    params={"rule": rule.id},
                ) from None
            return result(_backtest_in_python(conn, rule, base, date_col, unit, overrides, spec), "sql+python")
        # A validation rule hits where its requirements do not hold; an alert where its conditions do.
        hit = not_(holds) if unit == "step_results" else holds
        stmt = base.add_columns(
            Port.id.label("port_id"),
            Port.code.label("port_code"),
            func.count().label("subjects"),
            _hit_count(hit).label("hits"),
        ).group_by(Port.id, Port.code)
        return result(_finish(conn.execute(stmt).all(), unit))


def _backtest_in_python(conn, rule, base, date_col, unit, overrides, spec) -> tuple[PortBacktest, ...]:
    """Stream only the step values, the declared values and the date; evaluate in the domain."""
    stmt = base.add_columns(
        Port.id.label("port_id"),
        Port.code.label("port_code"),
        StepResult.values.label("values"),
        date_col.label("at"),
        select(Container.number).where(Container.id == StepResult.container_id).scalar_subquery().label("dnum"),
        select(Container.declared_seal).where(Container.id == StepResult.container_id).scalar_subquery().label("dseal"),
    )
    counts: dict[tuple[int, str], list[int]] = {}
    for row in conn.execute(stmt.execution_options(yield_per=2000)):
        at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(str(row.at))
        on = local_day(at, LOCAL_TZ)
        context = {"declared_number": row.dnum, "declared_seal": row.dseal}
        holds, missing, _ = check_conditions(rule, rule.require, row.values or {}, context, on, overrides, spec)
        slot = counts.setdefault((row.port_id, row.port_code), [0, 0])
        slot[0] += 1
        if not holds and not missing:
            slot[1] += 1
    return tuple(
        PortBacktest(pid, code, n, h) for (pid, code), (n, h) in sorted(counts.items(), key=lambda kv: kv[0][1])
    )


def _backtest_selection(conn, rule, lo, hi, scope_ports, overrides, end: date) -> tuple[PortBacktest, ...]:
    """Per port: the tier's declarations and how many were inspected, against the requirement."""
    inspected = exists().where(Inspection.declaration_id == Declaration.id)
    general = Enterprise.credit_tier == "general"
    stmt = _declarations_by_port(
        lo,
        hi,
        scope_ports,
        _hit_count(_scope_clause(rule)).label("in_scope"),
        _hit_count(and_(_scope_clause(rule), inspected)).label("inspected"),
        _hit_count(general).label("general"),
        _hit_count(and_(general, inspected)).label("general_inspected"),
    )
    out = []
    for row in sorted(conn.execute(stmt).all(), key=lambda r: r.port_code):
        n = int(row.in_scope)
        if n == 0:
            continue
        rate = 100.0 * int(row.inspected) / n
        general_n = int(row.general)
        values = {"inspection_rate_pct": rate}
        if general_n:
            values["general_average_rate_pct"] = 100.0 * int(row.general_inspected) / general_n
        holds, missing, _ = check_conditions(rule, rule.require, values, None, end, overrides)
        detail = {**values, "inspected": int(row.inspected), "conforms": None if missing else holds}
        out.append(PortBacktest(int(row.port_id), row.port_code, n, n, detail))
    return tuple(out)


__all__ = ["BACKTEST_ROLES", "BacktestResult", "PortBacktest", "backtest_rule"]


# --------------------------------------------------------------------------- alert thresholds

# The thresholds whose effect on history can be counted: the service time, the repeat window and count.
PREVIEWABLE = ("overdue_minutes", "repeat_window_days", "repeat_threshold")


@dataclass(frozen=True)
class ParameterPreview:
    """How many alerts a check would have raised from start to end with the value in force and with
    another value of one of its thresholds, in the actor's ports."""

    name: str
    start: datetime
    end: datetime
    current: int
    proposed: int
    current_alerts: int
    proposed_alerts: int


def _overdue_alerts(conn, lo: datetime, hi: datetime, minutes: int, scope_ports) -> int:
    """Inspections whose first service time ended in [lo, hi) while they were still in the inspectors'
    hands: the overdue alerts first raised in the period."""
    dialect = conn.dialect.name
    left = (
        select(InspectionTransition.inspection_id, func.min(InspectionTransition.at).label("at"))
        .where(InspectionTransition.to_state.not_in(sorted(ACTIVE_STATES)))
        .group_by(InspectionTransition.inspection_id)
        .subquery("left_active")
    )
    stayed = minutes_between(dialect, Inspection.created_at, func.coalesce(left.c.at, hi))
    return int(
        conn.scalar(
            select(func.count())
            .select_from(Inspection)
            .outerjoin(left, left.c.inspection_id == Inspection.id)
            .where(
                Inspection.created_at >= lo - timedelta(minutes=minutes),
                Inspection.created_at < hi - timedelta(minutes=minutes),
                stayed > minutes,
                in_scope(Inspection.port_id, scope_ports),
            )
        )
        or 0
    )


def _repeat_alerts(conn, lo: datetime, hi: datetime, window_days: int, threshold: int, scope_ports) -> int:
    """Groups (domain.repeats) that reached the threshold at least once in [lo, hi): the repeated
    non-conformity alerts raised or raised again in the period."""
    window = timedelta(days=window_days)
    found, _ = non_conforming_inspections(conn, lo - window, hi)
    if scope_ports is not None:
        found = [nc for nc in found if nc.port_id in scope_ports]
    return sum(
        1 for triggers in repeat_triggers(found, window, threshold).values() if any(lo <= t.at < hi for t in triggers)
    )


def preview_alert_parameter(
    db: Database,
    actor: Actor,
    name: str,
    value: int,
    limits: AlertCheckLimits,
    now: datetime,
    days: int = 7,
) -> ParameterPreview:
    """The alerts one threshold (PREVIEWABLE) would have raised over the `days` before now with
    `value`, against those with the value in force (limits)."""
    require_role(actor, *BACKTEST_ROLES)
    if name not in PREVIEWABLE:
        raise InvalidInput(f"No preview for {name!r}.", key="alert_settings.error_no_preview", params={"name": name})
    proposed = limits.with_value(name, value)
    hi = now
    lo = hi - timedelta(days=days)
    scope_ports = actor.scope()
    with connection(db) as conn:
        if name == "overdue_minutes":
            counts = [_overdue_alerts(conn, lo, hi, x.overdue_minutes, scope_ports) for x in (limits, proposed)]
        else:
            counts = [
                _repeat_alerts(conn, lo, hi, x.repeat_window_days, x.repeat_threshold, scope_ports)
                for x in (limits, proposed)
            ]
    return ParameterPreview(name, lo, hi, limits.value(name), proposed.value(name), counts[0], counts[1])
