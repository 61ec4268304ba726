"""Risk profiles (布控): declarations an administrator targets for inspection, decided pure.

A profile has a scope (an enterprise, an HS code prefix, an origin country, a range of declared
value, optionally one port; every criterion given must hold) and an action while it is in force
(not deactivated, start <= moment of the draw < expiry):

- force: every matching declaration is inspected;
- raise: a matching declaration is inspected with at least the profile's rate, by a draw of its
  own from the selection's seed (purpose "risk_profile:<id>"), independent of the random draw.

A profile that fires enters the draw as a forced hit "risk_profile:<id>", exactly as a rule hit
does: it is in the selection's recorded `forced_hits`, counts in its tier's forced share and so
against the tier's legal bound, and Replay reproduces it from the recorded inputs and the seed
(`with_redrawn_hits` recomputes every raise from the seed rather than trusting the record).

Pure: no database, no clock, no files. Validation returns Problems whose keys are messages of the
`risk_profiles` i18n namespace, so the person who typed the profile reads them in their language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from portsight.domain.selection import uniform

FORCE = "force"
RAISE = "raise"
ACTIONS = (FORCE, RAISE)
HIT_PREFIX = "risk_profile:"  # forced-hit id of a profile that fired: risk_profile:<id>
NAME_LIMIT = 120
REASON_LIMIT = 500
DEFAULT_CURRENCY = "USD"  # what the backbone declares when a goods line names no currency
_HS_PREFIX = re.compile(r"^[0-9]{2,10}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


# --------------------------------------------------------------------------- what a profile says
@dataclass(frozen=True)
class ProfileScope:
    """Which declarations a profile targets; None leaves a criterion open."""

    port_id: int | None = None
    enterprise_id: int | None = None
    hs_prefix: str | None = None  # digits; a goods line whose HS code starts with it matches
    origin_country: str | None = None  # ISO 3166-1 alpha-2
    min_value: Decimal | None = None  # declared value, both bounds included
    max_value: Decimal | None = None
    currency: str = DEFAULT_CURRENCY  # the currency min_value and max_value are in

    @property
    def targets_something(self) -> bool:
        """True when a criterion besides the port narrows the scope (a profile on a whole port is refused)."""
        criteria = (self.enterprise_id, self.hs_prefix, self.origin_country, self.min_value, self.max_value)
        return any(c is not None for c in criteria)


@dataclass(frozen=True)
class RiskProfile:
    id: int
    action: str  # force / raise
    scope: ProfileScope
    starts_at: datetime
    expires_at: datetime
    rate: float | None = None  # raise: the rate at least applied
    active: bool = True

    def in_force(self, at: datetime) -> bool:
        return self.active and self.starts_at <= at < self.expires_at

    @property
    def hit_id(self) -> str:
        return f"{HIT_PREFIX}{self.id}"


@dataclass(frozen=True)
class SubjectLine:
    hs_code: str
    value: Decimal | None = None
    currency: str = DEFAULT_CURRENCY


@dataclass(frozen=True)
class ProfileSubject:
    """What a profile is matched on: the declaration's port, enterprise, origin and goods lines."""

    port_id: int | None
    enterprise_id: int | None
    origin_country: str
    goods: tuple[SubjectLine, ...]

    def declared_value(self, currency: str) -> Decimal | None:
        """The goods lines' total in the currency; None when a line has no value or another currency
        (the application holds no exchange rates, so such a declaration is not compared on value)."""
        if not self.goods or any(g.value is None or g.currency.upper() != currency for g in self.goods):
            return None
        return sum((g.value for g in self.goods if g.value is not None), Decimal(0))


def matches(scope: ProfileScope, subject: ProfileSubject) -> bool:
    """Every criterion the scope gives holds for the subject."""
    if scope.port_id is not None and subject.port_id != scope.port_id:
        return False
    if scope.enterprise_id is not None and subject.enterprise_id != scope.enterprise_id:
        return False
    if scope.origin_country is not None and subject.origin_country.upper() != scope.origin_country:
        return False
    if scope.hs_prefix is not None and not any(_digits(g.hs_code).startswith(scope.hs_prefix) for g in subject.goods):
        return False
    if scope.min_value is not None or scope.max_value is not None:
        value = subject.declared_value(scope.currency)
        if value is None:
            return False
        if scope.min_value is not None and value < scope.min_value:
            return False
        if scope.max_value is not None and value > scope.max_value:
            return False
    return True


def _digits(code: str) -> str:
    return "".join(ch for ch in str(code) if ch.isdigit())


# --------------------------------------------------------------------------- the draw
@dataclass(frozen=True)
class ProfileDraw:
    """The profiles a declaration matched at its draw, and which of them fired (its forced hits)."""

    entries: tuple[dict[str, Any], ...]  # one per matching profile: profile_id, action, rate, draw, fired

    @property
    def hits(self) -> list[str]:
        return [f"{HIT_PREFIX}{e['profile_id']}" for e in self.entries if e["fired"]]

    def inputs(self) -> dict[str, Any]:
        """What the selection records about profiles: nothing when none matched (the record keeps its shape)."""
        return {"risk_profiles": [dict(e) for e in self.entries]} if self.entries else {}


def _raise_draw(seed: str, profile_id: int) -> float:
    return uniform(seed, f"{HIT_PREFIX}{profile_id}")


def draw_profiles(profiles: Iterable[RiskProfile], subject: ProfileSubject, at: datetime, seed: str) -> ProfileDraw:
    """Match the profiles in force at `at` against the subject; a force fires, a raise fires when its
    own draw from the seed falls below its rate."""
    entries: list[dict[str, Any]] = []
    for profile in sorted(profiles, key=lambda p: p.id):
        if not profile.in_force(at) or not matches(profile.scope, subject):
            continue
        if profile.action == RAISE:
            rate = float(profile.rate or 0.0)
            u = _raise_draw(seed, profile.id)
            entries.append(
                {"profile_id": profile.id, "action": RAISE, "rate": rate, "draw": round(u, 6), "fired": u < rate}
            )
        else:
            entries.append({"profile_id": profile.id, "action": FORCE, "rate": 1.0, "draw": None, "fired": True})
    return ProfileDraw(tuple(entries))


def redraw(entries: Sequence[Mapping[str, Any]], seed: str) -> list[str]:
    """The forced hits that recorded profile entries give when every raise is drawn again from the seed."""
    hits = []
    for e in entries:
        profile_id = int(e["profile_id"])
        fired = e["action"] == FORCE or _raise_draw(seed, profile_id) < float(e["rate"])
        if fired:
            hits.append(f"{HIT_PREFIX}{profile_id}")
    return hits


def with_redrawn_hits(inputs: Mapping[str, Any], seed: str) -> dict[str, Any]:
    """A selection's recorded inputs with its profile hits recomputed from the seed, for Replay: a raise
    recorded as fired that its draw does not give (or the reverse) then changes the replayed outcome."""
    entries = inputs.get("risk_profiles") or ()
    if not entries:
        return dict(inputs)
    kept = [h for h in inputs.get("forced_hits", ()) if not str(h).startswith(HIT_PREFIX)]
    hits = sorted(set(kept) | set(redraw(entries, seed)))
    return {**inputs, "forced_hits": hits, "forced": bool(hits)}


# --------------------------------------------------------------------------- validation
@dataclass(frozen=True)
class Problem:
    """Something wrong with what was typed: key of a `risk_profiles` message and its values."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


def typed(text: object) -> str:
    """Text as people type it: full-width letters and digits of a Chinese input method made plain (NFKC)."""
    return unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()


def normalize_hs_prefix(text: object) -> str:
    """'8517.13', '８５１７' -> '851713', '8517' (blanks and dots dropped)."""
    return re.sub(r"[\s.]", "", typed(text))


def normalize_code(text: object) -> str:
    return typed(text).upper()


def parse_amount(text: object) -> Decimal | None:
    """An amount typed or given as a number; None when empty. ValueError when it is not a number."""
    if text is None or (isinstance(text, str) and not typed(text)):
        return None
    try:
        value = Decimal(typed(text).replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(str(text)) from exc
    if not value.is_finite():
        raise ValueError(str(text))
    return value


@dataclass(frozen=True)
class ProfileDraft:
    """A profile as typed, before it is stored (ids of port and enterprise resolved by the caller)."""

    name: str
    reason: str
    action: str
    rate: float | None
    scope: ProfileScope
    starts_at: datetime
    expires_at: datetime


def expiry_problems(starts_at: datetime, expires_at: datetime, now: datetime) -> list[Problem]:
    if starts_at.tzinfo is None or expires_at.tzinfo is None:
        return [Problem("risk_profiles.error_timezone")]
    if expires_at <= starts_at:
        return [Problem("risk_profiles.error_expiry_before_start")]
    if expires_at <= now:
        return [Problem("risk_profiles.error_expiry_past")]
    return []


def draft_problems(draft: ProfileDraft, now: datetime) -> list[Problem]:
    """Everything wrong with a draft, in the order of the form; empty when it may be stored."""
    problems: list[Problem] = []
    if not draft.name:
        problems.append(Problem("risk_profiles.error_name_required"))
    elif len(draft.name) > NAME_LIMIT:
        problems.append(Problem("risk_profiles.error_name_long", {"limit": NAME_LIMIT}))
    if not draft.reason:
        problems.append(Problem("risk_profiles.error_reason_required"))
    elif len(draft.reason) > REASON_LIMIT:
        problems.append(Problem("risk_profiles.error_reason_long", {"limit": REASON_LIMIT}))
    if draft.action not in ACTIONS:
        problems.append(Problem("risk_profiles.error_action", {"value": draft.action}))
    elif draft.action == RAISE and (draft.rate is None or not 0.0 < draft.rate < 1.0):
        problems.append(Problem("risk_profiles.error_rate"))
    scope = draft.scope
    if scope.hs_prefix is not None and not _HS_PREFIX.match(scope.hs_prefix):
        problems.append(Problem("risk_profiles.error_hs_prefix", {"value": scope.hs_prefix}))
    if scope.origin_country is not None and not _COUNTRY.match(scope.origin_country):
        problems.append(Problem("risk_profiles.error_country", {"value": scope.origin_country}))
    if not _CURRENCY.match(scope.currency):
        problems.append(Problem("risk_profiles.error_currency", {"value": scope.currency}))
    bounds = [v for v in (scope.min_value, scope.max_value) if v is not None]
    if any(v < 0 for v in bounds):
        problems.append(Problem("risk_profiles.error_value_negative"))
    elif scope.min_value is not None and scope.max_value is not None and scope.min_value > scope.max_value:
        problems.append(Problem("risk_profiles.error_value_range"))
    if not scope.targets_something:
        problems.append(Problem("risk_profiles.error_scope_empty"))
    problems += expiry_problems(draft.starts_at, draft.expires_at, now)
    return problems


__all__ = [
    "ACTIONS",
    "DEFAULT_CURRENCY",
    "FORCE",
    "HIT_PREFIX",
    "NAME_LIMIT",
    "RAISE",
    "REASON_LIMIT",
    "Problem",
    "ProfileDraft",
    "ProfileDraw",
    "ProfileScope",
    "ProfileSubject",
    "RiskProfile",
    "SubjectLine",
    "draft_problems",
    "draw_profiles",
    "expiry_problems",
    "matches",
    "normalize_code",
    "normalize_hs_prefix",
    "parse_amount",
    "redraw",
    "typed",
    "with_redrawn_hits",
]
