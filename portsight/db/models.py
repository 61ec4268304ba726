"""The records: SQLAlchemy 2.0 typed models. Logic that decides things lives in portsight.domain."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; BigInteger elsewhere for national volumes.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    # Every model maps a Table (none maps a join or subquery), so Core insert/update/delete take it.
    __table__: ClassVar[Table]
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True), dict: JSON, list: JSON}


class Port(Base):
    """A port of entry (口岸), identified by its UN/LOCODE."""

    __tablename__ = "ports"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8))  # sea / air / land / rail
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")


class Enterprise(Base):
    __tablename__ = "enterprises"
    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))  # the registered (Chinese) name
    name_en: Mapped[str | None] = mapped_column(String(200))  # where the enterprise has one
    credit_tier: Mapped[str] = mapped_column(String(24), index=True)
    under_investigation: Mapped[bool] = mapped_column(Boolean, default=False)


class EnterpriseCreditHistory(Base):
    __tablename__ = "enterprise_credit_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    credit_tier: Mapped[str] = mapped_column(String(24))
    valid_from: Mapped[date] = mapped_column(Date)  # applies to declarations from this day (China time)
    reason: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str | None] = mapped_column(String(16))  # seed / admin / import


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    all_ports: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="zh_CN")
    expertise: Mapped[str | None] = mapped_column(String(120))  # experts: goods categories
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Set by an administrator's reset: the next sign-in leads to a new password before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ports: Mapped[list[Port]] = relationship(secondary="user_ports", lazy="selectin")


class BrowserSession(Base):
    """A signed-in browser: found by the SHA-256 of the random token in its HttpOnly cookie.

    Ended by sign-out, by an administrator, or by the idle and absolute time-outs; an ended or
    expired row never signs anyone in again.
    """

    __tablename__ = "browser_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(16))  # sign_out | idle | expired | admin | password
    client: Mapped[str | None] = mapped_column(String(200))  # the browser's User-Agent, shortened


class SignInThrottle(Base):
    """Failed sign-ins counted per client address ("client") and per normalised username ("name").

    Names are counted whether or not an account exists, so the throttle does not reveal which
    usernames do. Kept in the database so every replica sees the same counts.
    """

    __tablename__ = "sign_in_throttles"
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # client | name
    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None]


class InstanceSetting(Base):
    """A setting of this installation, e.g. "demo": the database was seeded as the embedded demo."""

    __tablename__ = "instance_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime]


class UserPort(Base):
    """Port scope of a user who does not see all ports."""

    __tablename__ = "user_ports"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"), primary_key=True)


class DutyShift(Base):
    """Roster: who is on duty at which port and when (for random dispatch of inspectors)."""

    __tablename__ = "duty_shifts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    __table_args__ = (Index("ix_duty_shifts_port_time", "port_id", "starts_at", "ends_at"),)


class ConflictOfInterest(Base):
    """A declared conflict: this inspector must not inspect or decide for this enterprise."""

    __tablename__ = "conflicts_of_interest"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    reason: Mapped[str | None] = mapped_column(String(200))
    declared_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("user_id", "enterprise_id"),)


class Declaration(Base):
    """A declaration (报检单 / 报关单) as received from the backbone system."""

    __tablename__ = "declarations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    source_system_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # import / export
    transport_mode: Mapped[str] = mapped_column(String(8))  # sea / air / road / rail
    origin_country: Mapped[str] = mapped_column(String(2))
    declared_at: Mapped[datetime]
    content_hash: Mapped[str | None] = mapped_column(String(64))  # idempotent re-import
    goods: Mapped[list[GoodsLine]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan", order_by="GoodsLine.line_no"
    )
    containers: Mapped[list[Container]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan", order_by="Container.id"
    )
    __table_args__ = (Index("ix_declarations_port_declared", "port_id", "declared_at"),)


class GoodsLine(Base):
    __tablename__ = "goods_lines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    hs_code: Mapped[str] = mapped_column(String(10), index=True)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(8))
    gross_weight_kg: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    package_count: Mapped[int | None] = mapped_column(Integer)  # 件数 when declared (0 or more, checked on input)
    declaration: Mapped[Declaration] = relationship(back_populates="goods")


class Container(Base):
    __tablename__ = "containers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(11), index=True)
    size_type: Mapped[str] = mapped_column(String(4))  # ISO 6346 size/type code, e.g. 22G1, 45R1
    declared_seal: Mapped[str | None] = mapped_column(String(32), index=True)
    declared_seal_class: Mapped[str | None] = mapped_column(String(1))  # ISO 17712 I / S / H, when declared
    declaration: Mapped[Declaration] = relationship(back_populates="containers")


class Selection(Base):
    """A recorded draw: whether a declaration is inspected and why. Append-only."""

    __tablename__ = "selections"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # inspect / document_check / release
    reasons: Mapped[list] = mapped_column(JSON)
    rate: Mapped[float] = mapped_column(Float)
    seed: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict] = mapped_column(JSON)
    # The tier and whether rule hits forced the draw, as recorded in inputs: columns so that a tier's draws
    # of a window are counted from an index (each draw's forced share, the credit bound) without reading
    # every draw's JSON.
    tier: Mapped[str] = mapped_column(String(24))
    forced: Mapped[bool] = mapped_column(Boolean)
    code_version: Mapped[str] = mapped_column(String(40))
    drawn_at: Mapped[datetime]
    __table_args__ = (
        Index("ix_selections_drawn_at", "drawn_at"),  # a day's draws, verified together
        Index("ix_selections_tier_drawn_at", "tier", "drawn_at", "forced"),
    )


class RiskProfile(Base):
    """A risk profile (布控): an administrator's scope of declarations that are forced to inspection, or
    inspected at a raised rate, from starts_at until expires_at (portsight.domain.risk_profiles)."""

    __tablename__ = "risk_profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(8))  # force / raise
    rate: Mapped[float | None] = mapped_column(Float)  # raise: the inspection rate at least applied
    # scope: None leaves a criterion open; every criterion given must hold
    port_id: Mapped[int | None] = mapped_column(ForeignKey("ports.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    hs_prefix: Mapped[str | None] = mapped_column(String(10))
    origin_country: Mapped[str | None] = mapped_column(String(2))
    min_value: Mapped[float | None] = mapped_column(Numeric(16, 2))
    max_value: Mapped[float | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deactivated_at: Mapped[datetime | None]
    deactivated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # every draw reads the profiles in force: active ones not yet expired
    __table_args__ = (Index("ix_risk_profiles_active_expires", "active", "expires_at"),)


class RiskProfileHit(Base):
    """A declaration a profile matched when it was drawn, written with the selection (append-only);
    `fired` says whether the profile forced its inspection (a raise may not have)."""

    __tablename__ = "risk_profile_hits"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("risk_profiles.id"))
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selections.id"))
    fired: Mapped[bool] = mapped_column(Boolean)
    hit_at: Mapped[datetime]
    # a declaration is drawn once, so it hits a profile once; the constraint's index serves the counts
    __table_args__ = (UniqueConstraint("profile_id", "declaration_id"),)


class Inspection(Base):
    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"))  # copied from the declaration for fast boards
    selection_id: Mapped[int | None] = mapped_column(ForeignKey("selections.id"))
    state: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    current_step: Mapped[str | None] = mapped_column(String(64))
    declaration: Mapped[Declaration] = relationship(lazy="joined")
    __table_args__ = (
        Index("ix_inspections_port_state", "port_id", "state"),
        Index("ix_inspections_port_created", "port_id", "created_at"),
        Index("ix_inspections_decided", "decided_at"),
        # A port's day of rollups (db/rollups.aggregate) reads the range of its own completions and decisions
        # (migration 0018, covering as the (completed_at, ...) and (decided_at, ...) indexes below).
        Index("ix_inspections_port_completed", "port_id", "completed_at", "started_at"),
        Index("ix_inspections_port_decided", "port_id", "decided_at", "state", "decision", "declaration_id"),
    )


class InspectionTransition(Base):
    """Each state change with its time and who made it: the inspection's timeline."""

    __tablename__ = "inspection_transitions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class InspectorAssignment(Base):
    __tablename__ = "inspector_assignments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    position: Mapped[str] = mapped_column(String(8), default="lead")  # lead / second
    assigned_at: Mapped[datetime]
    draw_seed: Mapped[str | None] = mapped_column(String(64))
    draw_inputs: Mapped[dict | None] = mapped_column(JSON)
    __table_args__ = (
        UniqueConstraint("inspection_id", "user_id"),
        Index("ix_inspector_assignments_assigned_at", "assigned_at"),  # a day's dispatches, verified together
    )


class StepResult(Base):
    """The outcome of one checklist step (for one container when the step is per container)."""

    __tablename__ = "step_results"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    step_key: Mapped[str] = mapped_column(String(64))
    container_id: Mapped[int | None] = mapped_column(ForeignKey("containers.id"))
    outcome: Mapped[str] = mapped_column(String(16))  # conforming / non_conforming / not_applicable
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    rules_applied: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Evidence(Base):
    """A photo or snapshot, stored content-addressed under data/media/ by its SHA-256."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    step_key: Mapped[str | None] = mapped_column(String(64))
    container_id: Mapped[int | None] = mapped_column(ForeignKey("containers.id"))
    assist_session_id: Mapped[int | None] = mapped_column(ForeignKey("assist_sessions.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # camera / upload / snapshot
    taken_at: Mapped[datetime]
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class Finding(Base):
    """A non-conformity found during inspection, with the rule it breaks when there is one."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    step_key: Mapped[str | None] = mapped_column(String(64))
    container_id: Mapped[int | None] = mapped_column(ForeignKey("containers.id"))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))  # low / medium / high
    description: Mapped[str] = mapped_column(Text)
    citation: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ReleaseHold(Base):
    """What release waits for, ordered as a decision on a completed inspection: a treatment (then
    re-inspection), a laboratory result, or an attribute identification of suspected solid waste."""

    __tablename__ = "release_holds"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # treatment / lab / identification
    what: Mapped[str] = mapped_column(Text)  # the treatment, the sample and laboratory, the body commissioned
    rule_ids: Mapped[list] = mapped_column(JSON, default=list)  # the rules that called for it
    ordered_at: Mapped[datetime]
    ordered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # None while pending; treatment: done; lab: pass / fail; identification: waste / not_waste
    result: Mapped[str | None] = mapped_column(String(16))
    result_note: Mapped[str | None] = mapped_column(Text)
    result_at: Mapped[datetime | None]
    result_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ReleaseReceipt(Base):
    __tablename__ = "release_receipts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), unique=True)
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signature: Mapped[str] = mapped_column(String(128))
    used_at: Mapped[datetime | None]
    used_gate: Mapped[str | None] = mapped_column(String(64))
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class GateExit(Base):
    """One container (or, for cargo without containers, the whole consignment) let out of the gate
    on a release receipt, with the truck that took it and the seal seen on it."""

    __tablename__ = "gate_exits"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("release_receipts.id"), index=True)
    container_id: Mapped[int | None] = mapped_column(ForeignKey("containers.id"))
    truck_plate: Mapped[str] = mapped_column(String(16))
    seal_seen: Mapped[str | None] = mapped_column(String(32))
    seal_matches: Mapped[bool | None] = mapped_column(Boolean)
    gate: Mapped[str] = mapped_column(String(64))
    exited_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (UniqueConstraint("receipt_id", "container_id"),)


class NumberReading(Base):
    """A container or seal number read from a photo, and what the inspector confirmed it as."""

    __tablename__ = "number_readings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    step_key: Mapped[str | None] = mapped_column(String(64))
    container_id: Mapped[int | None] = mapped_column(ForeignKey("containers.id"))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    kind: Mapped[str] = mapped_column(String(16))  # container_number / seal_number
    proposed: Mapped[str | None] = mapped_column(String(32))  # None: nothing checked out to propose
    read_text: Mapped[str | None] = mapped_column(String(120))  # what was read, shown when nothing is proposed
    confidence: Mapped[float | None] = mapped_column(Float)
    box: Mapped[list | None] = mapped_column(JSON)  # [x, y, w, h] in the photo's pixels
    confirmed: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(16))  # confirmed / corrected / typed
    read_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Alert(Base):
    """An alert (预警), deduplicated by key: a condition that fires again raises the count."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    port_id: Mapped[int | None] = mapped_column(ForeignKey("ports.id"))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"))
    title: Mapped[str] = mapped_column(String(300))  # English, for logs and exports
    # What pages show: the message key and its parameters, rendered in the reader's language.
    title_key: Mapped[str | None] = mapped_column(String(80))
    title_params: Mapped[dict | None] = mapped_column(JSON)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open / acknowledged / resolved
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_raised_at: Mapped[datetime]
    last_raised_at: Mapped[datetime]
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    # Grouping on the alerts page: the enterprise the condition is about, where there is one.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    # A condition that must hold for a while before it fires: state "pending" until this moment.
    pending_until: Mapped[datetime | None]
    # "condition_cleared" when the checks resolved it (by the system), "by_hand" when a person did.
    resolved_reason: Mapped[str | None] = mapped_column(String(24))
    # The circles already notified beyond the port's own (0: port, 1: regional, 2: national).
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalated_at: Mapped[datetime | None]
    # ix_alerts_port_state (port_id, state, severity) was dropped by migration 0004: 0003's
    # ix_alerts_state_port serves the same queries without scanning resolved alerts.


class AlertParameter(Base):
    """One dated value of an alert threshold (overdue minutes, repeat window, pending period,
    escalation delay): the value in force at a moment is the newest row effective by then, so
    every change keeps its history."""

    __tablename__ = "alert_parameters"
    __table_args__ = (Index("ix_alert_parameters_name_effective", "name", "effective_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(48))
    value: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime]
    changed_at: Mapped[datetime]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)


class NotificationSubscription(Base):
    """A person's contact point and policy: which alerts (ports, lowest severity, kinds) reach them
    on which channel (email, webhook, wecom, dingtalk, feishu) at which address."""

    __tablename__ = "notification_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(500))
    port_ids: Mapped[list | None]  # None: every port the user covers
    min_severity: Mapped[str] = mapped_column(String(8))
    kinds: Mapped[list | None]  # None: every kind
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime]
    changed_at: Mapped[datetime]


class NotificationDelivery(Base):
    """One message owed to one subscription about one alert event or one ring of an expert for a
    request of remote help: written with the raise or the ring in the same transaction (an outbox),
    sent afterwards, retried with back-off, its failure kept."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "alert_id", "subscription_id", "reason", "alert_count", name="uq_notification_deliveries_once"
        ),
        UniqueConstraint("assist_ring_id", "subscription_id"),
        CheckConstraint("(alert_id IS NULL) <> (assist_ring_id IS NULL)", name="one_subject"),
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("alerts.id"))
    assist_ring_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("assist_rings.id"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("notification_subscriptions.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(16))  # raised / reopened / escalated / ring
    alert_count: Mapped[int] = mapped_column(Integer)  # 0 for a ring
    status: Mapped[str] = mapped_column(String(12))  # pending / sent / failed / silenced
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class AlertSilence(Base):
    """A silence (静默): alerts of a kind and/or port raised in the window are recorded, not sent."""

    __tablename__ = "alert_silences"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str | None] = mapped_column(String(32))  # None: every kind
    port_id: Mapped[int | None] = mapped_column(ForeignKey("ports.id"))  # None: every port
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RuleSetting(Base):
    """Rules themselves live in data/rules (versioned in git); the database keeps their switch."""

    __tablename__ = "rule_settings"
    rule_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AssistSession(Base):
    """A remote assisted inspection (远程辅助查验): request, call and record."""

    __tablename__ = "assist_sessions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"))
    step_key: Mapped[str | None] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    expertise: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(16))  # waiting / active / ended / missed / cancelled
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    joined_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    conclusion: Mapped[str | None] = mapped_column(Text)
    recording_path: Mapped[str | None] = mapped_column(String(300))
    # Who is rung: the circle (domain.assist_routing) now ringing, and since when, for the escalation.
    circle: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    circle_since: Mapped[datetime | None]
    __table_args__ = (Index("ix_assist_sessions_port_state", "port_id", "state"),)


class ExpertSkill(Base):
    """What an expert can be rung for: a goods chapter (two HS digits), a rule family, a language."""

    __tablename__ = "expert_skills"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # chapter / rule_family / language
    value: Mapped[str] = mapped_column(String(16), primary_key=True)


class AssistRing(Base):
    """One expert rung for one request, in the circle that rang them; declining keeps the row."""

    __tablename__ = "assist_rings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("assist_sessions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    circle: Mapped[int] = mapped_column(Integer)
    rung_at: Mapped[datetime]
    declined_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("session_id", "user_id"), Index("ix_assist_rings_user", "user_id", "rung_at"))


class AssistProposal(Base):
    """A value or finding the expert proposes for a step during the call; the inspector confirms or
    dismisses it (the inspector stays the one who records the step)."""

    __tablename__ = "assist_proposals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("assist_sessions.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    step_key: Mapped[str] = mapped_column(String(64))
    container_id: Mapped[int | None] = mapped_column(ForeignKey("containers.id"))
    field: Mapped[str | None] = mapped_column(String(64))  # a value of the step's inputs, or None
    value: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))  # a proposed finding: non_conforming, ...
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))  # proposed / confirmed / dismissed
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AssistCase(Base):
    """An expert's conclusion kept as knowledge: shown among the hints of a later inspection of the
    same goods heading and step. An administrator may propose a rule from it (never a rule change)."""

    __tablename__ = "assist_cases"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("assist_sessions.id"), unique=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"))
    heading: Mapped[str] = mapped_column(String(4))  # HS heading of the declaration's first goods line
    step_key: Mapped[str] = mapped_column(String(64))  # the step, without the container of its slot
    rule_ids: Mapped[list] = mapped_column(JSON)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    evidence_ids: Mapped[list] = mapped_column(JSON)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    concluded_at: Mapped[datetime]
    proposed_at: Mapped[datetime | None]
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (Index("ix_assist_cases_heading_step", "heading", "step_key"),)


class ChatMessage(Base):
    __tablename__ = "chat_messages"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("assist_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """Append-only audit log, also the activity feed: 'anything newer than entry N?'."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    port_id: Mapped[int | None] = mapped_column(ForeignKey("ports.id"))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    # Done by the demo's simulator or written by the demo seed, not by a person.
    simulated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)


class ImportBatch(Base):
    """One batch of an import from the backbone: committed whole or not at all."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    batch_no: Mapped[int] = mapped_column(Integer)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[list] = mapped_column(JSON, default=list)
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("file_sha256", "batch_no"),)


class OutboxEntry(Base):
    """Results waiting for the backbone: written in the same transaction as the result itself."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # decision / finding / receipt
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime]


class DailyRollup(Base):
    """Counts per port, day, HS chapter and credit tier, kept up to date as data arrives."""

    __tablename__ = "daily_rollups"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"), primary_key=True)
    hs_chapter: Mapped[str] = mapped_column(String(2), primary_key=True)
    credit_tier: Mapped[str] = mapped_column(String(24), primary_key=True)
    declarations: Mapped[int] = mapped_column(Integer, default=0)
    inspections: Mapped[int] = mapped_column(Integer, default=0)
    non_conforming: Mapped[int] = mapped_column(Integer, default=0)
    released: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    release_minutes_sum: Mapped[float] = mapped_column(Float, default=0.0)
    # Added by migration 0002 (statistics): declarations of the day with an inspection (cohort),
    # and the summed completed - started minutes of the day's inspections. See portsight.domain.stats.
    inspected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inspection_minutes_sum: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    __table_args__ = (Index("ix_daily_rollups_port_day", "port_id", "day"),)


# Statistics (migration 0002): one week of source rows is read by time range, never whole tables.
Index("ix_inspection_transitions_state_at", InspectionTransition.to_state, InspectionTransition.at)
# National scale (migration 0004): covering versions of the week ranges, no table lookup per row.
Index(
    "ix_inspections_decided_cover",
    Inspection.decided_at,
    Inspection.port_id,
    Inspection.state,
    Inspection.decision,
    Inspection.declaration_id,
)
Index("ix_inspections_completed_cover", Inspection.completed_at, Inspection.port_id, Inspection.started_at)
Index("ix_alerts_first_raised_port", Alert.first_raised_at, Alert.port_id)
Index("ix_alerts_resolved_port", Alert.resolved_at, Alert.port_id)
Index("ix_assist_sessions_requested_port", AssistSession.requested_at, AssistSession.port_id)

# Live overview (migration 0003): grouped counts, change detection and the feed read index ranges.
Index("ix_inspections_state_port_created", Inspection.state, Inspection.port_id, Inspection.created_at)
Index("ix_declarations_declared", Declaration.declared_at)
Index("ix_inspections_created", Inspection.created_at)
Index("ix_alerts_state_port", Alert.state, Alert.port_id, Alert.severity)
Index("ix_alerts_last_raised", Alert.last_raised_at)
Index("ix_audit_log_port_id", AuditEntry.port_id, AuditEntry.id)

# Alert lookups (migration 0005): an inspection record's alerts, and the alert list read one
# severity at a time newest first (the id breaks ties; PostgreSQL's index entries lack it).
Index("ix_alerts_inspection_id", Alert.inspection_id)
Index("ix_alerts_declaration_id", Alert.declaration_id)
Index("ix_alerts_state_severity_last_raised", Alert.state, Alert.severity, Alert.last_raised_at, Alert.id)


class DailyPortRollup(Base):
    """daily_rollups summed per (day, port): trends and KPI weeks read ~32 rows a day (migration 0004)."""

    __tablename__ = "daily_port_rollups"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"), primary_key=True)
    declarations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inspected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inspections: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    non_conforming: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    released: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    held: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    release_minutes_sum: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    inspection_minutes_sum: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")


class DailyOriginRollup(Base):
    """Counts per (day, port, origin country), kept with daily_rollups (migration 0004)."""

    __tablename__ = "daily_origin_rollups"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    port_id: Mapped[int] = mapped_column(ForeignKey("ports.id"), primary_key=True)
    origin_country: Mapped[str] = mapped_column(String(2), primary_key=True)
    declarations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inspected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inspections: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    non_conforming: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class DrawCommitment(Base):
    """The draw seed of one local day (China time): its SHA-256 published before the day's first draw,
    the seed itself revealed after the day has ended (portsight.domain.draws).

    `seed` is stored from the start, since every draw of the day derives its seed from it, but the
    read side hands it out only once `revealed_at` is set.
    """

    __tablename__ = "draw_commitments"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    seed_sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime]
    seed: Mapped[str] = mapped_column(String(64))
    revealed_at: Mapped[datetime | None]
