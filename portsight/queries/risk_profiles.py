"""Read side of risk profiles (布控): the profiles a user sees, with their hits, and a profile's latest hits.

Port scope is a frozenset of port ids or None (every port). A user sees the profiles on every port
and those on a port of their scope; hits are counted on the declarations of their scope only.
Times come back UTC-aware.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from portsight.clock import as_utc, utcnow
from portsight.db.models import Declaration, Enterprise, Port, RiskProfile, RiskProfileHit, Selection, User
from portsight.db.session import Database
from portsight.db.sql import frame, in_scope

STATUSES = ("active", "scheduled", "expired", "deactivated")

PROFILE_COLUMNS = [
    "profile_id", "name", "action", "rate", "status", "hits", "fired", "port", "enterprise", "enterprise_uscc",
    "hs_prefix", "origin_country", "min_value", "max_value", "currency", "reason", "author", "created_at",
    "starts_at", "expires_at",
]  # fmt: skip


def _utc(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for col in columns:
        if col in df and len(df):
            df[col] = pd.to_datetime(df[col], utc=True)
    return df


def risk_profiles(db: Database, port_ids: Iterable[int] | None, now: datetime | None = None) -> pd.DataFrame:
    """The profiles in scope, newest first, with their status at `now` and their hits in scope.

    Columns PROFILE_COLUMNS; status is one of STATUSES; hits counts the declarations the profile
    matched when drawn, fired those whose inspection it forced.
    """
    now = as_utc(now or utcnow())
    scope = None if port_ids is None else frozenset(port_ids)
    counted = select(
        RiskProfileHit.profile_id,
        func.count().label("hits"),
        func.coalesce(func.sum(case((RiskProfileHit.fired, 1), else_=0)), 0).label("fired"),
    )
    if scope is not None:
        counted = counted.join(Declaration, Declaration.id == RiskProfileHit.declaration_id).where(
            in_scope(Declaration.port_id, scope)
        )
    hits = counted.group_by(RiskProfileHit.profile_id).subquery()
    author = aliased(User)
    status = case(
        (RiskProfile.active.is_(False), "deactivated"),
        (RiskProfile.expires_at <= now, "expired"),
        (RiskProfile.starts_at > now, "scheduled"),
        else_="active",
    )
    stmt = (
        select(
            RiskProfile.id.label("profile_id"),
            RiskProfile.name,
            RiskProfile.action,
            RiskProfile.rate,
            status.label("status"),
            func.coalesce(hits.c.hits, 0).label("hits"),
            func.coalesce(hits.c.fired, 0).label("fired"),
            Port.code.label("port"),
            Enterprise.name.label("enterprise"),
            Enterprise.uscc.label("enterprise_uscc"),
            RiskProfile.hs_prefix,
            RiskProfile.origin_country,
            RiskProfile.min_value,
            RiskProfile.max_value,
            RiskProfile.currency,
            RiskProfile.reason,
            author.display_name.label("author"),
            RiskProfile.created_at,
            RiskProfile.starts_at,
            RiskProfile.expires_at,
        )
        .outerjoin(hits, hits.c.profile_id == RiskProfile.id)
        .outerjoin(Port, Port.id == RiskProfile.port_id)
        .outerjoin(Enterprise, Enterprise.id == RiskProfile.enterprise_id)
        .outerjoin(author, author.id == RiskProfile.created_by_id)
        .order_by(RiskProfile.created_at.desc(), RiskProfile.id.desc())
    )
    if scope is not None:
        stmt = stmt.where(or_(RiskProfile.port_id.is_(None), in_scope(RiskProfile.port_id, scope)))
    df = frame(db, stmt)
    for col in ("hits", "fired"):
        df[col] = df[col].astype(int)
    for col in ("min_value", "max_value"):
        df[col] = df[col].map(lambda v: None if v is None or pd.isna(v) else float(v))
    return _utc(df, "created_at", "starts_at", "expires_at")


def risk_profile_hits(db: Database, profile_id: int, port_ids: Iterable[int] | None, limit: int = 50) -> pd.DataFrame:
    """A profile's latest hits in scope: declaration, port, drawn_at, fired, the draw's outcome."""
    stmt = (
        select(
            Declaration.number.label("declaration"),
            Port.code.label("port"),
            RiskProfileHit.hit_at.label("drawn_at"),
            RiskProfileHit.fired,
            Selection.outcome,
        )
        .join(Declaration, Declaration.id == RiskProfileHit.declaration_id)
        .join(Port, Port.id == Declaration.port_id)
        .join(Selection, Selection.id == RiskProfileHit.selection_id)
        .where(RiskProfileHit.profile_id == profile_id, in_scope(Declaration.port_id, port_ids))
        .order_by(RiskProfileHit.hit_at.desc(), RiskProfileHit.id.desc())
        .limit(limit)
    )
    df = frame(db, stmt)
    df["fired"] = df["fired"].astype(bool)
    return _utc(df, "drawn_at")


__all__ = ["PROFILE_COLUMNS", "STATUSES", "risk_profile_hits", "risk_profiles"]
