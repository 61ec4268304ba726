"""Risk profiles (布控) as an administrator handles them, and as the draw applies them.

- create_risk_profile, change_risk_profile_expiry, deactivate_risk_profile: administrators only,
  one transaction each, audited with before and after. What was typed wrong is refused with
  ProfileRefused, whose problems are keys of the `risk_profiles` messages (the page shows them in
  the user's language; the exception's own text is the English one).
- draw_risk_profiles and record_risk_profile_hits: used by portsight.services.selection inside the
  draw's transaction. Profiles that fire become forced hits of the selection and are recorded in its
  inputs (portsight.domain.risk_profiles says how); every match is written to risk_profile_hits.

Why a hits table rather than counting the selections' recorded inputs: the count would read the
JSON of every selection with each database's own JSON-array functions, while a row per hit, written
in the same transaction as the selection it belongs to, is counted by an index and cannot disagree
with the record. The selection's inputs stay what Replay and the verification recompute.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import pycountry
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portsight.clock import as_utc, utcnow
from portsight.db.audit import record_audit
from portsight.db.models import Declaration, Enterprise, Port, RiskProfile, RiskProfileHit
from portsight.db.session import Database, unit_of_work
from portsight.domain import risk_profiles as domain
from portsight.domain.access import Actor, Role, require_port, require_role
from portsight.domain.enterprise import is_valid_uscc, normalize_uscc
from portsight.domain.risk_profiles import Problem, ProfileDraw
from portsight.errors import InvalidInput, NotFound
from portsight.i18n import t


class ProfileRefused(InvalidInput):
    """A profile or a change to it that cannot be stored; `problems` say why, as message keys."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(" ".join(t("en", p.key, **p.values) for p in self.problems))


# --------------------------------------------------------------------------- administration
def _enterprise_id(session: Session, uscc: str | None, problems: list[Problem]) -> int | None:
    text = domain.typed(uscc)
    if not text:
        return None
    code = normalize_uscc(text)
    if not is_valid_uscc(code):
        problems.append(Problem("risk_profiles.error_uscc_invalid", {"value": code}))
        return None
    found = session.scalar(select(Enterprise.id).where(Enterprise.uscc == code))
    if found is None:
        problems.append(Problem("risk_profiles.error_enterprise_unknown", {"value": code}))
    return found


def _amount(text: object, problems: list[Problem]) -> Decimal | None:
    try:
        return domain.parse_amount(text)
    except ValueError:
        problems.append(Problem("risk_profiles.error_value_number", {"value": domain.typed(text)}))
        return None


def _snapshot(profile: RiskProfile) -> dict[str, object]:
    return {
        "name": profile.name,
        "action": profile.action,
        "rate": profile.rate,
        "port_id": profile.port_id,
        "enterprise_id": profile.enterprise_id,
        "hs_prefix": profile.hs_prefix,
        "origin_country": profile.origin_country,
        "min_value": profile.min_value,
        "max_value": profile.max_value,
        "currency": profile.currency,
        "reason": profile.reason,
        "starts_at": profile.starts_at,
        "expires_at": profile.expires_at,
        "active": profile.active,
    }


def create_risk_profile(
    db: Database,
    actor: Actor,
    *,
    name: str,
    reason: str,
    action: str,
    starts_at: datetime,
    expires_at: datetime,
    rate: float | None = None,
    port_id: int | None = None,
    enterprise_uscc: str | None = None,
    hs_prefix: str | None = None,
    origin_country: str | None = None,
    min_value: object = None,
    max_value: object = None,
    currency: str | None = None,
    now: datetime | None = None,
) -> int:
    """Store a profile (administrators; a profile on every port needs an administrator of every port).

    port_id None: every port. Scope criteria left empty are open; at least one besides the port must
    be given. rate: the raised inspection rate, a fraction in (0, 1), for action "raise" only.
    Returns the profile's id; ProfileRefused lists everything wrong at once.
    """
    require_role(actor, Role.ADMIN)
    require_port(actor, port_id)
    now = as_utc(now or utcnow())
    problems: list[Problem] = []
    action = domain.typed(action).lower()
    country = domain.normalize_code(origin_country) or None
    if country is not None and len(country) == 2 and pycountry.countries.get(alpha_2=country) is None:
        problems.append(Problem("risk_profiles.error_country", {"value": country}))
    low, high = _amount(min_value, problems), _amount(max_value, problems)
    with unit_of_work(db) as session:
        if port_id is not None and session.get(Port, port_id) is None:
            raise NotFound(f"Port {port_id} does not exist.", key="errors.port_not_found", params={"id": port_id})
        enterprise_id = _enterprise_id(session, enterprise_uscc, problems)
        scope = domain.ProfileScope(
            port_id=port_id,
            enterprise_id=enterprise_id,
            hs_prefix=domain.normalize_hs_prefix(hs_prefix) or None,
            origin_country=country,
            min_value=low,
            max_value=high,
            currency=domain.normalize_code(currency) or domain.DEFAULT_CURRENCY,
        )
        draft = domain.ProfileDraft(
            name=domain.typed(name),
            reason=domain.typed(reason),
            action=action,
            rate=None if rate is None or action != domain.RAISE else float(rate),
            scope=scope,
            starts_at=starts_at,
            expires_at=expires_at,
        )
        # an unknown enterprise was typed: the scope is not empty, it is wrong (said once, above)
        problems += [
            p
            for p in domain.draft_problems(draft, now)
            if not (p.key == "risk_profiles.error_scope_empty" and domain.typed(enterprise_uscc))
        ]
        if problems:
            raise ProfileRefused(problems)
        profile = RiskProfile(
            name=draft.name,
            action=draft.action,
            rate=draft.rate,
            port_id=scope.port_id,
            enterprise_id=scope.enterprise_id,
            hs_prefix=scope.hs_prefix,
            origin_country=scope.origin_country,
            min_value=scope.min_value,
            max_value=scope.max_value,
            currency=scope.currency,
            reason=draft.reason,
            starts_at=as_utc(starts_at),  # SQLite keeps wall-clock time: store UTC only
            expires_at=as_utc(expires_at),
            active=True,
            created_at=now,
            created_by_id=actor.user_id,
        )
        session.add(profile)
        session.flush()
        record_audit(
            session, actor, "risk_profile.create", "risk_profile", profile.id, after=_snapshot(profile), port_id=port_id
        )
        return profile.id


def _profile_to_change(session: Session, actor: Actor, profile_id: int) -> RiskProfile:
    profile = session.get(RiskProfile, profile_id)
    if profile is None:
        raise NotFound(
            f"Risk profile {profile_id} does not exist.", key="errors.risk_profile_not_found", params={"id": profile_id}
        )
    require_port(actor, profile.port_id)
    if not profile.active:
        raise ProfileRefused([Problem("risk_profiles.error_inactive", {"id": profile_id})])
    return profile


def change_risk_profile_expiry(
    db: Database, actor: Actor, profile_id: int, expires_at: datetime, *, now: datetime | None = None
) -> None:
    """Move an active profile's expiry (administrators): later to extend it, earlier to end it sooner."""
    require_role(actor, Role.ADMIN)
    now = as_utc(now or utcnow())
    with unit_of_work(db) as session:
        profile = _profile_to_change(session, actor, profile_id)
        problems = domain.expiry_problems(as_utc(profile.starts_at), expires_at, now)
        if problems:
            raise ProfileRefused(problems)
        before = as_utc(profile.expires_at)
        profile.expires_at = as_utc(expires_at)
        record_audit(
            session,
            actor,
            "risk_profile.expiry",
            "risk_profile",
            profile.id,
            before={"expires_at": before},
            after={"expires_at": profile.expires_at},
            port_id=profile.port_id,
        )


def deactivate_risk_profile(db: Database, actor: Actor, profile_id: int, *, now: datetime | None = None) -> None:
    """Switch a profile off for good (administrators); its hits stay on record."""
    require_role(actor, Role.ADMIN)
    now = as_utc(now or utcnow())
    with unit_of_work(db) as session:
        profile = _profile_to_change(session, actor, profile_id)
        profile.active = False
        profile.deactivated_at = now
        profile.deactivated_by_id = actor.user_id
        record_audit(
            session,
            actor,
            "risk_profile.deactivate",
            "risk_profile",
            profile.id,
            before={"active": True},
            after={"active": False},
            port_id=profile.port_id,
        )


# --------------------------------------------------------------------------- in the draw
def _domain_profile(row: RiskProfile) -> domain.RiskProfile:
    def amount(value: object) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    return domain.RiskProfile(
        id=row.id,
        action=row.action,
        rate=row.rate,
        active=row.active,
        starts_at=as_utc(row.starts_at),
        expires_at=as_utc(row.expires_at),
        scope=domain.ProfileScope(
            port_id=row.port_id,
            enterprise_id=row.enterprise_id,
            hs_prefix=row.hs_prefix,
            origin_country=row.origin_country,
            min_value=amount(row.min_value),
            max_value=amount(row.max_value),
            currency=row.currency,
        ),
    )


def draw_risk_profiles(session: Session, declaration: Declaration, now: datetime, seed: str) -> ProfileDraw:
    """The profiles in force at `now` that the declaration matches, and which of them fire (from the seed)."""
    rows = session.scalars(
        select(RiskProfile).where(
            RiskProfile.active.is_(True),
            RiskProfile.starts_at <= now,
            RiskProfile.expires_at > now,
            or_(RiskProfile.port_id.is_(None), RiskProfile.port_id == declaration.port_id),
        )
    ).all()
    if not rows:
        return ProfileDraw(())
    subject = domain.ProfileSubject(
        port_id=declaration.port_id,
        enterprise_id=declaration.enterprise_id,
        origin_country=declaration.origin_country,
        goods=tuple(
            domain.SubjectLine(
                hs_code=g.hs_code,
                value=None if g.value is None else Decimal(str(g.value)),
                currency=(g.currency or domain.DEFAULT_CURRENCY).upper(),
            )
            for g in declaration.goods
        ),
    )
    return domain.draw_profiles([_domain_profile(r) for r in rows], subject, now, seed)


def record_risk_profile_hits(
    session: Session, draw: ProfileDraw, declaration_id: int, selection_id: int, at: datetime
) -> None:
    """One hit per matching profile, written with the selection it belongs to."""
    for entry in draw.entries:
        session.add(
            RiskProfileHit(
                profile_id=int(entry["profile_id"]),
                declaration_id=declaration_id,
                selection_id=selection_id,
                fired=bool(entry["fired"]),
                hit_at=at,
            )
        )


__all__ = [
    "ProfileRefused",
    "change_risk_profile_expiry",
    "create_risk_profile",
    "deactivate_risk_profile",
    "draw_risk_profiles",
    "record_risk_profile_hits",
]
