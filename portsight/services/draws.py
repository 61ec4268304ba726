"""Use cases of the verifiable draw (portsight.domain.draws): commit each day's seed, reveal it after the day.

- publish_day_seed: commit the seed of a local day (China time): a random 32-byte seed is stored and
  its SHA-256 published with the time of publication. Idempotent; refused for a day that has ended.
- day_seed_for_draw: the seed the draws at an instant derive theirs from. The day's first draw
  publishes the commitment in a transaction of its own, before the draw is recorded; a day whose
  seed was revealed takes no more draws. Publishing a new day also reveals the days that have ended.
- reveal_day_seed / reveal_ended_days: reveal seeds once their day has ended; never before.

The seed of a day that has not been revealed leaves this module only towards the draws themselves:
audit entries and return values carry its hash.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portsight.clock import LOCAL_TZ, as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.models import DrawCommitment
from portsight.db.session import Database, unit_of_work
from portsight.db.sql import connection
from portsight.domain import draws as domain
from portsight.domain.access import Actor, Role, require_role
from portsight.errors import Conflict, InvalidInput, NotFound

ZONE = ZoneInfo(LOCAL_TZ)


@dataclass(frozen=True)
class DayCommitment:
    """A day's commitment as the public sees it: the seed only once it is revealed."""

    day: date
    seed_sha256: str
    published_at: datetime
    revealed_at: datetime | None = None
    seed: str | None = None
    created: bool = False  # published by this call

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "seed_sha256": self.seed_sha256,
            "published_at": self.published_at.isoformat(),
            "revealed_at": self.revealed_at.isoformat() if self.revealed_at else None,
            "seed": self.seed,
        }


def local_day(at: datetime) -> date:
    """The local calendar day (China time) that contains the instant."""
    return as_utc(at).astimezone(ZONE).date()


def day_ends_at(day: date) -> datetime:
    """The instant (UTC) the local day ends: from then on its seed may be revealed."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZONE).astimezone(UTC)


def new_day_seed() -> str:
    """32 bytes from the operating system's CSPRNG as 64 hex characters: nobody chooses the day's draws."""
    return secrets.token_hex(domain.DAY_SEED_BYTES)


def _public(row: DrawCommitment, created: bool = False) -> DayCommitment:
    revealed_at = as_utc(row.revealed_at) if row.revealed_at is not None else None
    return DayCommitment(
        row.day,
        row.seed_sha256,
        as_utc(row.published_at),
        revealed_at,
        row.seed if revealed_at is not None else None,
        created,
    )


def _reveal(session: Session, actor: Actor, row: DrawCommitment, now: datetime) -> None:
    row.revealed_at = now
    record_audit(
        session, actor, "reveal_draw_seed", "draw_commitment", row.day.isoformat(),
        after={"day": row.day, "seed_sha256": row.seed_sha256, "seed": row.seed, "revealed_at": now},
    )  # fmt: skip


def _reveal_ended(session: Session, actor: Actor, now: datetime) -> list[DrawCommitment]:
    ended = [
        row
        for row in session.scalars(
            select(DrawCommitment)
            .where(DrawCommitment.revealed_at.is_(None), DrawCommitment.day < local_day(now))
            .order_by(DrawCommitment.day)
        )
        if day_ends_at(row.day) <= now
    ]
    for row in ended:
        _reveal(session, actor, row, now)
    return ended


def publish_day_seed(
    db: Database, actor: Actor, day: date, *, now: datetime | None = None, seed: str | None = None
) -> DayCommitment:
    """Commit the draw seed of a local day and publish its SHA-256; the commitment already made if any.

    seed: a 64-hex-character seed instead of a random one, for a reproducible demo simulator and
    tests; the command line and the pages never pass one. Refused (Conflict) for a day that has
    ended: its draws, if any, were made without a commitment. Publishing also reveals ended days.
    """
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    now = as_utc(now or utcnow())
    if seed is not None:
        try:
            seed = domain.normalise_day_seed(seed)
        except domain.SeedRefused as exc:
            raise InvalidInput(
                str(exc),
                key="errors.day_seed_malformed",
                params={"hex": domain.DAY_SEED_HEX, "bytes": domain.DAY_SEED_BYTES},
            ) from exc
    try:
        with unit_of_work(db) as session:
            existing = session.get(DrawCommitment, day)
            if existing is not None:
                return _public(existing)
            if day_ends_at(day) <= now:
                raise Conflict(
                    f"{day} has ended; a draw seed is published before its day, never after it.",
                    key="errors.day_ended",
                    params={"day": {"date": day.isoformat()}},
                )
            day_seed = seed or new_day_seed()
            row = DrawCommitment(
                day=day, seed_sha256=domain.commitment_of(day_seed), published_at=now, seed=day_seed, revealed_at=None
            )
            session.add(row)
            session.flush()
            record_audit(
                session, actor, "publish_draw_seed", "draw_commitment", day.isoformat(),
                after={"day": day, "seed_sha256": row.seed_sha256, "published_at": now},
            )  # fmt: skip
            _reveal_ended(session, actor, now)
            return _public(row, created=True)
    except IntegrityError:  # another process published the same day first: theirs stands
        with unit_of_work(db) as session:
            existing = session.get(DrawCommitment, day)
            if existing is None:
                raise
            return _public(existing)


def day_seed_for_draw(db: Database, actor: Actor, at: datetime) -> str:
    """The secret seed of the day containing `at`, which the draws at `at` derive theirs from.

    Publishes the day's commitment first (its own transaction) when the day has none; refuses
    (Conflict) when the day's seed has been revealed, since a draw from a known seed is no draw.
    """
    day = local_day(at)
    query = select(DrawCommitment.seed, DrawCommitment.revealed_at).where(DrawCommitment.day == day)
    with connection(db) as conn:
        row = conn.execute(query).first()
    if row is None:
        publish_day_seed(db, actor, day, now=at)
        with connection(db) as conn:
            row = conn.execute(query).one()
    if row.revealed_at is not None:
        revealed = as_utc(row.revealed_at)
        raise Conflict(
            f"The draw seed of {day} was revealed at {revealed:%Y-%m-%d %H:%M} UTC; "
            "no draw can be made from it any more.",
            key="errors.day_seed_revealed",
            params={"day": {"date": day.isoformat()}, "at": f"{revealed.astimezone(ZONE):%Y-%m-%d %H:%M}"},
        )
    return str(row.seed)


def reveal_day_seed(db: Database, actor: Actor, day: date, *, now: datetime | None = None) -> DayCommitment:
    """Reveal the seed of a day that has ended (China time); refused (Conflict) before its end."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    now = as_utc(now or utcnow())
    with unit_of_work(db) as session:
        row = session.get(DrawCommitment, day)
        if row is None:
            raise NotFound(
                f"No draw seed was published for {day}.",
                key="errors.day_seed_not_published",
                params={"day": {"date": day.isoformat()}},
            )
        if row.revealed_at is None:
            ends = day_ends_at(day)
            if now < ends:
                raise Conflict(
                    f"The draw seed of {day} is revealed only after the day has ended "
                    f"({ends.astimezone(ZONE):%Y-%m-%d %H:%M} China time); its draws may still be going on.",
                    key="errors.day_seed_too_early",
                    params={"day": {"date": day.isoformat()}, "ends": f"{ends.astimezone(ZONE):%Y-%m-%d %H:%M}"},
                )
            _reveal(session, actor, row, now)
            session.flush()
        return _public(row)


def reveal_ended_days(db: Database, actor: Actor, *, now: datetime | None = None) -> list[DayCommitment]:
    """Reveal the seed of every day that has ended and is not revealed yet; returns those revealed."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    now = as_utc(now or utcnow())
    with unit_of_work(db) as session:
        revealed = _reveal_ended(session, actor, now)
        session.flush()
        return [_public(row) for row in revealed]


__all__ = [
    "DayCommitment",
    "day_ends_at",
    "day_seed_for_draw",
    "local_day",
    "new_day_seed",
    "publish_day_seed",
    "reveal_day_seed",
    "reveal_ended_days",
]
