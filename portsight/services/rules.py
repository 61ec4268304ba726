"""Rules as an administrator handles them: switches, the rules in force, back-testing on history.

The catalogue lives in data/rules (versioned in git); the database keeps each rule's switch
(RuleSetting). A rule without a switch row is enabled.

`backtest_rule` counts, by port, what a rule (or the rule with changed parameters) would have hit
in a period. The counting is done in the database (one aggregate query); only conditions SQL
cannot express (the ISO 6346 check digit) are evaluated in Python over the few columns needed.
What a hit is depends on the kind:

- checklist, and alert rules without conditions: declarations in scope (declared in the period);
- validation: recorded step results that would not conform (recorded in the period);
- alert with conditions: completed inspections for which the alert would fire (completed in the period);
- selection: declarations in scope, with the tier's inspection rate per port against the requirement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
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
from sqlalchemy.orm import Session

from portsight.clock import utcnow
from portsight.db.models import (
    Container,
    Declaration,
    Enterprise,
    Evidence,
    GoodsLine,
    Inspection,
    Port,
    RuleSetting,
    StepResult,
)
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import Actor, Role, require_role
from portsight.domain.conditions import Condition, StepSpec
from portsight.domain.rules import Rule, RuleCatalogue, UnknownRule, check_conditions, default_catalogue
from portsight.queries import LOCAL_TZ, connection, in_scope
from portsight.services.audit import record_audit
from portsight.services.errors import InvalidInput, NotFound

BACKTEST_ROLES = (Role.ADMIN, Role.SUPERVISOR)


# --------------------------------------------------------------------------- switches


def rule_switches(db: Database | Session) -> dict[str, bool]:
    """{rule_id: enabled} for every rule that has a switch row (rules without one are enabled)."""
    stmt = select(RuleSetting.rule_id, RuleSetting.enabled)
    if isinstance(db, Session):
        return {rid: bool(on) for rid, on in db.execute(stmt)}
    with connection(db) as conn:
        return {rid: bool(on) for rid, on in conn.execute(stmt)}


def rules_in_force(db: Database, on_date: date, catalogue: RuleCatalogue | None = None) -> RuleCatalogue:
    """The catalogue's rules in force on the date and not switched off by an administrator."""
    catalogue = catalogue or default_catalogue()
    switches = rule_switches(db)
    return RuleCatalogue(tuple(r for r in catalogue.rules if r.in_force(on_date) and switches.get(r.id, True)))


def _get_rule(catalogue: RuleCatalogue, rule_id: str) -> Rule:
    try:
        return catalogue.get(rule_id)
    except UnknownRule as exc:
        raise NotFound(str(exc)) from exc


def set_rule_enabled(
    db: Database, actor: Actor, rule_id: str, enabled: bool, catalogue: RuleCatalogue | None = None
) -> bool:
    """Switch a rule on or off (administrators only); audited with before/after. Returns the new state."""
    require_role(actor, Role.ADMIN)
    rule = _get_rule(catalogue or default_catalogue(), rule_id)
    with unit_of_work(db) as session:
        setting = session.get(RuleSetting, rule.id)
        before = True if setting is None else bool(setting.enabled)
        if setting is None:
            setting = RuleSetting(rule_id=rule.id, enabled=bool(enabled), changed_at=utcnow())
            session.add(setting)
        setting.enabled = bool(enabled)
        setting.changed_at = utcnow()
        setting.changed_by_id = actor.user_id
        record_audit(
            session,
            actor,
            "rule.enable" if enabled else "rule.disable",
            "rule",
            rule.id,
            before={"enabled": before},
            after={"enabled": bool(enabled)},
        )
    return bool(enabled)


# --------------------------------------------------------------------------- back-testing


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
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(LOCAL_TZ)).astimezone(UTC)


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
        parts.append(
            exists().where(
                GoodsLine.declaration_id == Declaration.id, or_(*(GoodsLine.hs_code.like(f"{p}%") for p in s.hs))
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


def _minutes_between(dialect: str, a, b):
    if dialect == "sqlite":
        return (func.julianday(b) - func.julianday(a)) * 1440.0
    return func.extract("epoch", b - a) / 60.0


class _Fields:
    """Maps condition field names to SQL expressions for one kind of subject."""

    def __init__(self, rule: Rule, spec: StepSpec | None, dialect: str):
        self.rule, self.spec, self.dialect = rule, spec, dialect

    def expr(self, name: str, as_type: str = "number"):
        if self.spec is not None and self.spec.input(name) is not None:
            kind = self.spec.input(name).type
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
            return _minutes_between(self.dialect, Inspection.started_at, Inspection.completed_at)
        if name == "photo_count":
            return select(func.count(Evidence.id)).where(Evidence.inspection_id == Inspection.id).scalar_subquery()
        if name == "step_count":
            return select(func.count(StepResult.id)).where(StepResult.inspection_id == Inspection.id).scalar_subquery()
        raise _NotSql(name)


def _condition_sql(cond: Condition, fields: _Fields, param) -> ColumnElement[bool]:
    op = cond.op
    if op == "iso6346_valid":
        raise _NotSql(op)
    if op == "is_true":
        clause = fields.expr(cond.field) == true()
    elif op == "same_seal":
        clause = _normalized(fields.expr(cond.field)) == _normalized(fields.expr(cond.ref))
    elif op in {"in", "not_in"}:
        members = cond.value if isinstance(cond.value, list | tuple) else [cond.value]
        x = fields.expr(cond.field)
        clause = x.in_(members) if op == "in" else x.not_in(members)
    else:
        x = fields.expr(cond.field)
        if op in {"within", "within_pct"}:
            centre = fields.expr(cond.ref)
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
    rule = _get_rule(catalogue or default_catalogue(), rule_id)
    overrides = dict(parameters or {})
    for name, value in overrides.items():
        if name not in rule.parameters:
            known = ", ".join(rule.parameters) or "none"
            raise InvalidInput(f"Rule {rule.id} has no parameter {name!r} (its parameters: {known}).")
        try:
            overrides[name] = float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"Parameter {name!r} must be a number, got {value!r}.") from None
    if end < start:
        raise InvalidInput("The period ends before it starts.")

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
            stmt = (
                select(
                    Port.id.label("port_id"),
                    Port.code.label("port_code"),
                    func.count(Declaration.id).label("subjects"),
                    _hit_count(_scope_clause(rule)).label("hits"),
                )
                .select_from(Declaration)
                .join(Port, Port.id == Declaration.port_id)
                .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
                .where(Declaration.declared_at >= lo, Declaration.declared_at < hi)
                .where(in_scope(Declaration.port_id, scope_ports))
                .group_by(Port.id, Port.code)
            )
            return result(_finish(conn.execute(stmt).all(), unit))

        spec = None
        if unit == "inspections":
            date_col = Inspection.completed_at
            fields = _Fields(rule, None, dialect)
            base = (
                select()
                .select_from(Inspection)
                .join(Declaration, Declaration.id == Inspection.declaration_id)
                .join(Port, Port.id == Inspection.port_id)
                .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
                .where(Inspection.completed_at >= lo, Inspection.completed_at < hi)
                .where(Inspection.started_at.is_not(None))
                .where(in_scope(Inspection.port_id, scope_ports))
                .where(_scope_clause(rule))
            )
            conds = rule.when
        else:
            date_col = StepResult.recorded_at
            spec = (catalogue or default_catalogue()).step_specs()[rule.step_key]
            fields = _Fields(rule, spec, dialect)
            base = (
                select()
                .select_from(StepResult)
                .join(Inspection, Inspection.id == StepResult.inspection_id)
                .join(Declaration, Declaration.id == Inspection.declaration_id)
                .join(Port, Port.id == Inspection.port_id)
                .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
                .where(StepResult.step_key == rule.step_key)
                .where(StepResult.recorded_at >= lo, StepResult.recorded_at < hi)
                .where(StepResult.outcome != "not_applicable")
                .where(in_scope(Inspection.port_id, scope_ports))
                .where(_scope_clause(rule))
            )
            conds = rule.require

        def param(name: str):
            return _param_expr(rule, name, date_col, overrides)

        try:
            holds = _all_hold(conds, fields, param)
        except _NotSql:
            if unit != "step_results":
                raise InvalidInput(f"Rule {rule.id} names a field that cannot be back-tested.") from None
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
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
        on = at.astimezone(ZoneInfo(LOCAL_TZ)).date()
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
    stmt = (
        select(
            Port.id.label("port_id"),
            Port.code.label("port_code"),
            _hit_count(_scope_clause(rule)).label("in_scope"),
            _hit_count(and_(_scope_clause(rule), inspected)).label("inspected"),
            _hit_count(general).label("general"),
            _hit_count(and_(general, inspected)).label("general_inspected"),
        )
        .select_from(Declaration)
        .join(Port, Port.id == Declaration.port_id)
        .join(Enterprise, Enterprise.id == Declaration.enterprise_id)
        .where(Declaration.declared_at >= lo, Declaration.declared_at < hi)
        .where(in_scope(Declaration.port_id, scope_ports))
        .group_by(Port.id, Port.code)
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


__all__ = [
    "BacktestResult",
    "PortBacktest",
    "backtest_rule",
    "rule_switches",
    "rules_in_force",
    "set_rule_enabled",
]
