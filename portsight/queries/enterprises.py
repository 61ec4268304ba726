"""Enterprises as pages read them: names for display (the registered Chinese name and, where there
is one, the English name), the search and card of the administration page, the dated credit
timeline (portsight.db.credit_history says how a tier is in force) and the ports' master data."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select

from portsight.clock import as_utc
from portsight.db.credit_history import tier_in_force
from portsight.db.models import AuditEntry, Declaration, Enterprise, Port, User
from portsight.db.models import EnterpriseCreditHistory as History
from portsight.db.session import Database
from portsight.db.sql import connection


def english_names(db: Database) -> dict[str, str]:
    """Registered name -> English name, for the enterprises that have one (pages showing a name
    read by query columns map it for an English reader)."""
    with connection(db) as conn:
        rows = conn.execute(select(Enterprise.name, Enterprise.name_en).where(Enterprise.name_en.is_not(None)))
        return {name: name_en for name, name_en in rows if name_en and name_en.strip()}


# --------------------------------------------------------------------------- dated credit tiers
def credit_timeline(db: Database, enterprise_id: int) -> list[dict]:
    """The enterprise's credit changes, oldest first (by day, then as recorded): valid_from, credit_tier
    (stored code), reason, recorded_at, recorded_by (display name), source ("seed"/"admin"/"import"/None)."""
    with connection(db) as conn:
        rows = conn.execute(
            select(
                History.valid_from,
                History.credit_tier,
                History.reason,
                History.recorded_at,
                User.display_name,
                History.source,
            )
            .outerjoin(User, User.id == History.recorded_by_id)
            .where(History.enterprise_id == enterprise_id)
            .order_by(History.valid_from, History.id)
        )
        return [
            {
                "valid_from": valid_from,
                "credit_tier": tier,
                "reason": reason,
                "recorded_at": recorded_at,
                "recorded_by": recorded_by,
                "source": source,
            }
            for valid_from, tier, reason, recorded_at, recorded_by, source in rows
        ]


def tier_on(db: Database, enterprise_id: int, day: date) -> str:
    """The stored credit code in force for a declaration of that China-time day."""
    with connection(db) as conn:
        return tier_in_force(conn, enterprise_id, day)


def find_enterprises(db: Database, text: str, limit: int = 50) -> list[dict]:
    """Enterprises whose registered or English name or USCC contains the text (all, by name, when empty):
    id, uscc, name, name_en, credit_tier (in force today)."""
    stmt = select(Enterprise.id, Enterprise.uscc, Enterprise.name, Enterprise.name_en, Enterprise.credit_tier)
    needle = text.strip()
    if needle:
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(
            or_(
                Enterprise.name.ilike(like, escape="\\"),
                Enterprise.name_en.ilike(like, escape="\\"),
                Enterprise.uscc.ilike(like, escape="\\"),
            )
        )
    with connection(db) as conn:
        rows = conn.execute(stmt.order_by(Enterprise.name, Enterprise.id).limit(limit))
        return [dict(r._mapping) for r in rows]


def enterprise_card(db: Database, enterprise_id: int) -> dict | None:
    """One enterprise (as find_enterprises gives it) and whether it is under investigation; None if unknown."""
    with connection(db) as conn:
        row = conn.execute(
            select(
                Enterprise.id,
                Enterprise.uscc,
                Enterprise.name,
                Enterprise.name_en,
                Enterprise.credit_tier,
                Enterprise.under_investigation,
            ).where(Enterprise.id == enterprise_id)
        ).first()
        return None if row is None else dict(row._mapping)


def port_rows(db: Database) -> list[dict]:
    """Every port with its master data and whether declarations name it (one index probe each)."""
    declared = select(Declaration.id).where(Declaration.port_id == Port.id).exists()
    with connection(db) as conn:
        rows = conn.execute(
            select(
                Port.id,
                Port.code,
                Port.name_zh,
                Port.name_en,
                Port.kind,
                Port.lat,
                Port.lon,
                Port.timezone,
                declared.label("has_declarations"),
            ).order_by(Port.code)
        )
        return [dict(r._mapping) for r in rows]


CREDIT_ACTIONS = ("credit_change", "credit_apply")


def credit_audit(db: Database, enterprise_id: int, limit: int = 20) -> list[dict]:
    """The audit entries of the enterprise's credit changes, newest first: id, at (UTC), actor
    (username), actor_name, action, entity, entity_id, before, after, simulated (what the activity
    feed says as a sentence). Read from the first change recorded on (the audit time index), not
    over the whole log."""
    with connection(db) as conn:
        since = conn.scalar(
            select(func.min(History.recorded_at)).where(
                History.enterprise_id == enterprise_id, History.recorded_at.is_not(None)
            )
        )
    if since is None:
        return []
    stmt = (
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.actor,
            User.display_name.label("actor_name"),
            AuditEntry.action,
            AuditEntry.entity,
            AuditEntry.entity_id,
            AuditEntry.before,
            AuditEntry.after,
            AuditEntry.simulated,
        )
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(
            AuditEntry.at >= since - timedelta(minutes=1),
            AuditEntry.entity == "enterprise",
            AuditEntry.entity_id == str(enterprise_id),
            AuditEntry.action.in_(CREDIT_ACTIONS),
        )
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    with connection(db) as conn:
        return [dict(r._mapping) | {"at": as_utc(r.at)} for r in conn.execute(stmt)]
