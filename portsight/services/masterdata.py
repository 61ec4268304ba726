"""Administration of master data: ports and enterprises' dated credit tiers. Administrators only,
one transaction each, audited.

Ports: added with a UN/LOCODE of China's form (country + 3 characters), names in both languages,
kind, optional coordinates and an IANA time zone; edited except for the code (links, receipts and
imports name a port by it); deleted only while nothing refers to it.

Credit tiers: `record_credit_change` appends a row to enterprise_credit_history (a correction is a
new row, nothing is overwritten) that applies to declarations from its valid_from day, China time;
future days are allowed. What decides on a tier (selection, dispatch) asks
portsight.db.credit_history.tier_in_force for the declaration's day, so a change applies on its day
whatever else runs. `enterprises.credit_tier` caches the tier in force today for display and
grouping: a change in force today updates it at once; `apply_due_credit_changes` brings the cache
up to date for changes whose day has come since. It runs with every round of the background
checks (components/shell/background.py, every 30 s by default), so the cache is at most one round
late after midnight China time; without the app (a worker, cron) call it once a day after midnight.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import pycountry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portsight.clock import LOCAL_TZ, as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.credit_history import stale_tiers, tier_in_force
from portsight.db.models import Base, Enterprise, EnterpriseCreditHistory, Port
from portsight.db.session import Database, unit_of_work
from portsight.domain.access import SYSTEM, Actor, Role, require_role
from portsight.domain.credit import STORED_CODES
from portsight.errors import Conflict, InvalidInput, NotFound
from portsight.services.inputs import typed_text

PORT_KINDS = ("sea", "air", "land", "rail")
NAME_LIMIT = 120  # ports.name_zh / name_en
REASON_LIMIT = 200  # enterprise_credit_history.reason
EARLIEST_CHANGE = date(2000, 1, 1)
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")


def china_day(now: datetime) -> date:
    """The China-time day of an instant: credit changes and the measures change at midnight there."""
    return as_utc(now).astimezone(ZoneInfo(LOCAL_TZ)).date()


# --------------------------------------------------------------------------- ports
def _locode(code: str) -> str:
    text = "".join((code or "").split()).upper()
    if not _LOCODE.fullmatch(text) or pycountry.countries.get(alpha_2=text[:2]) is None:
        raise InvalidInput(
            f"'{code}' is not a UN/LOCODE: a country code and three letters or digits 2-9, e.g. CNSGH.",
            key="errors.port_code_invalid",
            params={"code": code},
        )
    return text


def _port_fields(
    name_zh: str, name_en: str, kind: str, lat: float | None, lon: float | None, timezone: str
) -> dict[str, Any]:
    zh = typed_text(
        name_zh,
        "Chinese name",
        NAME_LIMIT,
        required="The Chinese name is required.",
        required_key="errors.port_name_zh_missing",
    )
    en = typed_text(
        name_en,
        "English name",
        NAME_LIMIT,
        required="The English name is required.",
        required_key="errors.port_name_en_missing",
    )
    if kind not in PORT_KINDS:
        raise InvalidInput(
            f"A port is sea, air, land or rail, not '{kind}'.", key="errors.port_kind_invalid", params={"kind": kind}
        )
    if lat is not None and not -90 <= lat <= 90:
        raise InvalidInput(
            f"The latitude {lat} is out of range (-90 to 90).",
            key="errors.latitude_out_of_range",
            params={"value": lat},
        )
    if lon is not None and not -180 <= lon <= 180:
        raise InvalidInput(
            f"The longitude {lon} is out of range (-180 to 180).",
            key="errors.longitude_out_of_range",
            params={"value": lon},
        )
    if (lat is None) != (lon is None):
        raise InvalidInput("Give both the latitude and the longitude, or neither.", key="errors.port_position_half")
    zone = (timezone or "").strip()
    if zone not in available_timezones():
        raise InvalidInput(
            f"'{timezone}' is not a time zone (e.g. Asia/Shanghai).",
            key="errors.port_timezone_unknown",
            params={"zone": timezone},
        )
    return {"name_zh": zh, "name_en": en, "kind": kind, "lat": lat, "lon": lon, "timezone": zone}


def _port_audit(port: Port) -> dict[str, Any]:
    return {c: getattr(port, c) for c in ("code", "name_zh", "name_en", "kind", "lat", "lon", "timezone")}


def create_port(
    db: Database,
    actor: Actor,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    kind: str,
    lat: float | None = None,
    lon: float | None = None,
    timezone: str = LOCAL_TZ,
) -> int:
    """Add a port PortSight serves; returns its id."""
    require_role(actor, Role.ADMIN)
    locode = _locode(code)
    fields = _port_fields(name_zh, name_en, kind, lat, lon, timezone)
    with unit_of_work(db) as session:
        if session.scalar(select(Port.id).where(Port.code == locode)) is not None:
            raise Conflict(f"Port {locode} is already served.", key="errors.port_code_taken", params={"code": locode})
        port = Port(code=locode, **fields)
        session.add(port)
        session.flush()
        # Not tied to the port (port_id): the audit would then keep a port added by mistake from being deleted.
        record_audit(session, actor, "port_create", "port", port.id, after=_port_audit(port))
        return port.id


def _port(session: Session, port_id: int) -> Port:
    port = session.get(Port, port_id)
    if port is None:
        raise NotFound(f"Port #{port_id} does not exist.", key="errors.port_not_found", params={"id": port_id})
    return port


def update_port(
    db: Database,
    actor: Actor,
    port_id: int,
    *,
    name_zh: str,
    name_en: str,
    kind: str,
    lat: float | None,
    lon: float | None,
    timezone: str,
) -> bool:
    """Change a port's names, kind, position and time zone (its code stays); False when nothing changed."""
    require_role(actor, Role.ADMIN)
    fields = _port_fields(name_zh, name_en, kind, lat, lon, timezone)
    with unit_of_work(db) as session:
        port = _port(session, port_id)
        before = _port_audit(port)
        if all(before[k] == v for k, v in fields.items()):
            return False
        for name, value in fields.items():
            setattr(port, name, value)
        record_audit(session, actor, "port_update", "port", port.id, before=before, after=_port_audit(port))
        return True


def _references(session: Session, port_id: int) -> int:
    """Rows of any table that name the port (declarations, inspections, users' scopes, shifts, ...)."""
    total = 0
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == Port.__tablename__ for fk in column.foreign_keys):
                total += session.scalar(select(func.count()).select_from(table).where(column == port_id)) or 0
    return total


def delete_port(db: Database, actor: Actor, port_id: int) -> None:
    """Delete a port nothing refers to yet (added by mistake); a port with data is kept."""
    require_role(actor, Role.ADMIN)
    with unit_of_work(db) as session:
        port = _port(session, port_id)
        if _references(session, port_id):
            raise Conflict(
                f"Port {port.code} has data (declarations, users or shifts); it cannot be deleted.",
                key="errors.port_has_data",
                params={"code": port.code},
            )
        before = _port_audit(port)
        session.delete(port)
        record_audit(session, actor, "port_delete", "port", port_id, before=before)


# --------------------------------------------------------------------------- credit tiers
def credit_change_fields(tier: str, valid_from: date, reason: str | None) -> tuple[str, date, str]:
    """A change's tier, day and reason as stored, refused when one is not acceptable (imports check
    their rows with this too)."""
    if tier not in STORED_CODES:
        raise InvalidInput(
            f"'{tier}' is not a credit tier.",
            key="errors.credit_tier_unknown",
            params={"tier": tier},
        )
    if valid_from < EARLIEST_CHANGE:
        raise InvalidInput(
            f"A credit change applies from {EARLIEST_CHANGE.isoformat()} at the earliest.",
            key="errors.credit_date_too_early",
            params={"day": EARLIEST_CHANGE.isoformat()},
        )
    text = typed_text(
        reason,
        "reason",
        REASON_LIMIT,
        required="Say why the tier changes.",
        required_key="errors.credit_reason_missing",
    )
    assert text is not None  # required
    return tier, valid_from, text


def _refresh_cache(session: Session, enterprise: Enterprise, today: date) -> str | None:
    """Set the cached tier to the one in force today; the previous value when it changed."""
    in_force = tier_in_force(session, enterprise.id, today)
    if in_force == enterprise.credit_tier:
        return None
    before, enterprise.credit_tier = enterprise.credit_tier, in_force
    return before


def record_credit_change(
    db: Database,
    actor: Actor,
    enterprise_id: int,
    *,
    tier: str,
    valid_from: date,
    reason: str | None,
    now: datetime | None = None,
) -> int:
    """Append a credit change of the enterprise from valid_from (China time); returns its history row id."""
    require_role(actor, Role.ADMIN)
    now = as_utc(now or utcnow())
    tier, valid_from, text = credit_change_fields(tier, valid_from, reason)
    with unit_of_work(db) as session:
        return append_credit_change(session, actor, enterprise_id, tier, valid_from, text, "admin", now)


def append_credit_change(
    session: Session,
    actor: Actor,
    enterprise_id: int,
    tier: str,
    valid_from: date,
    reason: str,
    source: str,
    now: datetime,
) -> int:
    """The write of a checked change inside the caller's unit of work (the page's, or an import's)."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(
            f"Enterprise #{enterprise_id} does not exist.",
            key="errors.enterprise_not_found",
            params={"id": enterprise_id},
        )
    row = EnterpriseCreditHistory(
        enterprise_id=enterprise_id,
        credit_tier=tier,
        valid_from=valid_from,
        reason=reason,
        recorded_at=now,
        recorded_by_id=actor.user_id,
        source=source,
    )
    session.add(row)
    session.flush()
    cached_before = _refresh_cache(session, enterprise, china_day(now))
    record_audit(
        session,
        actor,
        "credit_change",
        "enterprise",
        enterprise_id,
        before=None if cached_before is None else {"credit_tier": cached_before},
        after={
            "history_id": row.id,
            "credit_tier": tier,
            "valid_from": valid_from.isoformat(),
            "reason": reason,
            "source": source,
            "in_force_today": enterprise.credit_tier,
        },
    )
    return row.id


def apply_due_credit_changes(db: Database, now: datetime | None = None, actor: Actor = SYSTEM) -> int:
    """Bring every enterprise's cached tier to the one in force today (changes whose day has come);
    returns how many changed. Each change is audited as the system's."""
    today = china_day(now or utcnow())
    with unit_of_work(db) as session:
        stale = stale_tiers(session, today)
        for enterprise_id, cached, in_force in stale:
            enterprise = session.get_one(Enterprise, enterprise_id)
            enterprise.credit_tier = in_force
            record_audit(
                session,
                actor,
                "credit_apply",
                "enterprise",
                enterprise_id,
                before={"credit_tier": cached},
                after={"credit_tier": in_force, "day": today.isoformat()},
            )
        return len(stale)


__all__ = [
    "NAME_LIMIT",
    "PORT_KINDS",
    "REASON_LIMIT",
    "append_credit_change",
    "apply_due_credit_changes",
    "china_day",
    "create_port",
    "credit_change_fields",
    "delete_port",
    "record_credit_change",
    "update_port",
]
