"""Read side of the verifiable draw: the published commitments, the revealed seeds, a day's draws recomputed.

A seed leaves here only once it is revealed (revealed_at set); before that only its SHA-256.
verify_day recomputes every selection and every drawn dispatch of a local day (China time) from
the revealed seed, or from a seed given by whoever verifies, and the recorded inputs; it refuses
a seed whose hash is not the published commitment (portsight.domain.draws.SeedRefused).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import case, func, select

from portsight.clock import LOCAL_TZ, as_utc
from portsight.db.models import Declaration, DrawCommitment, InspectorAssignment, Selection
from portsight.db.session import Database
from portsight.db.sql import connection, frame
from portsight.domain import draws as domain
from portsight.errors import Conflict, NotFound

ZONE = ZoneInfo(LOCAL_TZ)
COMMITMENT_COLUMNS = ("day", "seed_sha256", "published_at", "seed", "revealed_at")


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=ZONE)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def _revealed_seed():  # the seed column, empty until the seed is revealed
    return case((DrawCommitment.revealed_at.is_not(None), DrawCommitment.seed), else_=None)


def draw_commitments(db: Database, start: date, end: date) -> pd.DataFrame:
    """The commitments of the days start..end (both included), newest first.

    Columns day, seed_sha256, published_at, seed (None until revealed), revealed_at; times UTC-aware.
    """
    stmt = (
        select(
            DrawCommitment.day,
            DrawCommitment.seed_sha256,
            DrawCommitment.published_at,
            _revealed_seed().label("seed"),
            DrawCommitment.revealed_at,
        )
        .where(DrawCommitment.day >= start, DrawCommitment.day <= end)
        .order_by(DrawCommitment.day.desc())
    )
    df = frame(db, stmt)
    for col in ("published_at", "revealed_at"):
        if len(df):
            df[col] = pd.to_datetime(df[col], utc=True)
    return df


def day_commitment(db: Database, day: date) -> dict[str, Any] | None:
    """One day's commitment as published (the seed only once revealed), or None when there is none."""
    stmt = select(
        DrawCommitment.day,
        DrawCommitment.seed_sha256,
        DrawCommitment.published_at,
        _revealed_seed().label("seed"),
        DrawCommitment.revealed_at,
    ).where(DrawCommitment.day == day)
    with connection(db) as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    return {
        "day": row.day,
        "seed_sha256": row.seed_sha256,
        "published_at": as_utc(row.published_at),
        "seed": row.seed,
        "revealed_at": as_utc(row.revealed_at) if row.revealed_at is not None else None,
    }


def day_selections(db: Database, day: date) -> list[domain.RecordedSelection]:
    """The selections drawn on the local day, with how many draws each declaration has in all."""
    lo, hi = _day_bounds(day)
    in_day = (Selection.drawn_at >= lo) & (Selection.drawn_at < hi)
    draws = (
        select(Selection.declaration_id, func.count().label("n"))
        .where(Selection.declaration_id.in_(select(Selection.declaration_id).where(in_day)))
        .group_by(Selection.declaration_id)
        .subquery()
    )
    stmt = (
        select(
            Selection.id, Declaration.number, Selection.seed, Selection.inputs, Selection.outcome, Selection.rate,
            Selection.reasons, Selection.drawn_at, draws.c.n,
        )
        .join(Declaration, Declaration.id == Selection.declaration_id)
        .join(draws, draws.c.declaration_id == Selection.declaration_id)
        .where(in_day)
        .order_by(Selection.id)
    )  # fmt: skip
    with connection(db) as conn:
        rows = conn.execute(stmt).all()
    return [
        domain.RecordedSelection(
            r.id, r.number, r.seed, r.inputs, r.outcome, r.rate, r.reasons, as_utc(r.drawn_at), int(r.n)
        )
        for r in rows
    ]


def day_dispatches(db: Database, day: date) -> list[domain.RecordedDispatch]:
    """The drawn teams assigned on the local day, one per inspection (inspectors added by hand left out)."""
    lo, hi = _day_bounds(day)
    stmt = (
        select(
            InspectorAssignment.inspection_id, InspectorAssignment.user_id, InspectorAssignment.draw_seed,
            InspectorAssignment.draw_inputs, InspectorAssignment.assigned_at,
        )
        .where(
            InspectorAssignment.draw_seed.is_not(None),
            InspectorAssignment.assigned_at >= lo,
            InspectorAssignment.assigned_at < hi,
        )
        .order_by(InspectorAssignment.inspection_id, InspectorAssignment.id)
    )  # fmt: skip
    with connection(db) as conn:
        rows = conn.execute(stmt).all()
    teams: dict[int, list[Any]] = {}
    for r in rows:
        teams.setdefault(r.inspection_id, []).append(r)
    return [
        domain.RecordedDispatch(
            inspection_id,
            team[0].draw_seed,
            team[0].draw_inputs,
            tuple(r.user_id for r in team),
            as_utc(team[0].assigned_at),
        )
        for inspection_id, team in teams.items()
    ]


def verify_day(db: Database, day: date, seed: str | None = None) -> domain.DayVerification:
    """Recompute every draw of the day from its seed (the revealed one unless given) and the recorded inputs.

    NotFound when no seed was published for the day; Conflict when it is not revealed and none is
    given; domain.draws.SeedRefused when the seed's SHA-256 is not the published commitment.
    """
    with connection(db) as conn:
        row = conn.execute(
            select(DrawCommitment.seed_sha256, DrawCommitment.published_at, _revealed_seed().label("seed")).where(
                DrawCommitment.day == day
            )
        ).first()
    if row is None:
        raise NotFound(
            f"No draw seed was published for {day}: no draw of that day can be verified.",
            key="errors.day_seed_not_published",
            params={"day": {"date": day.isoformat()}},
        )
    if seed is None:
        if row.seed is None:
            raise Conflict(
                f"The draw seed of {day} is not revealed yet; it is revealed after the day has ended.",
                key="errors.day_seed_not_revealed",
                params={"day": {"date": day.isoformat()}},
            )
        seed = str(row.seed)
    domain.check_day_seed(seed, row.seed_sha256)  # refuse before reading a single draw
    return domain.verify_day(
        day, seed, row.seed_sha256, as_utc(row.published_at), day_selections(db, day), day_dispatches(db, day)
    )


__all__ = [
    "COMMITMENT_COLUMNS",
    "day_commitment",
    "day_dispatches",
    "day_selections",
    "draw_commitments",
    "verify_day",
]
