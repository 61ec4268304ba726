"""A draw anyone can verify (双随机 + 公开): one committed seed per day, every draw derived from it.

Each local day (China time) has a secret day seed: 32 random bytes written as 64 lowercase hex
characters. Before the day's first draw the SHA-256 of those 64 characters (as ASCII) is published
with the time of publication; after the day has ended the seed itself is revealed. Every draw of
the day takes its seed from the day seed and what it draws for, never from a fresh random number:

    selection of a declaration:  derive_seed(day_seed, "select", declaration number)
    dispatch of an inspection:   derive_seed(day_seed, "dispatch", inspection id)

So once the seed is revealed anyone holding the recorded inputs of a draw (tier, rule hits, policy,
forced share; candidates for a dispatch) recomputes it, and a draw done again with another seed,
or with a seed chosen after the commitment, shows up as a mismatch. The commitment cannot be
moved either: a seed whose hash differs from the published one is refused before anything is
recomputed.

The State Council General Office notice 国办发〔2015〕58号 asks for random drawing of targets and
inspectors and for procedure and results to be public (程序公开、结果公开); publishing the hash in
advance is not required by it, it is one way of making the procedure checkable.

Pure: hashlib and the domain's own replay functions only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from portsight.domain.risk_profiles import with_redrawn_hits
from portsight.domain.selection import derive_seed, replay_decision, replay_dispatch

DAY_SEED_BYTES = 32
DAY_SEED_HEX = 2 * DAY_SEED_BYTES
_HEX = frozenset("0123456789abcdef")

# Why a recorded draw does not match its recomputation.
SEED_NOT_DERIVED = "seed_not_derived"  # the stored seed is not the one the day seed gives
RESULT_DIFFERS = "result_differs"  # the same seed and inputs give another result
NOT_REPLAYABLE = "not_replayable"  # inputs of another algorithm, or missing
DRAWN_BEFORE_PUBLICATION = "drawn_before_publication"  # the draw is older than the commitment
DRAWN_MORE_THAN_ONCE = "drawn_more_than_once"  # the declaration has another recorded draw


class SeedRefused(ValueError):
    """A day seed whose SHA-256 is not the published commitment (or which is not a day seed at all)."""


def normalise_day_seed(text: str) -> str:
    """The seed as 64 lowercase hex characters, or SeedRefused saying what is wrong."""
    seed = text.strip().lower()
    if len(seed) != DAY_SEED_HEX or not set(seed) <= _HEX:
        raise SeedRefused(f"A day seed is {DAY_SEED_HEX} hexadecimal characters ({DAY_SEED_BYTES} bytes).")
    return seed


def commitment_of(day_seed: str) -> str:
    """The published commitment: SHA-256 of the seed's 64 hex characters (`printf %s SEED | sha256sum`)."""
    return hashlib.sha256(day_seed.encode("ascii")).hexdigest()


def check_day_seed(day_seed: str, commitment: str) -> str:
    """The normalised seed when its hash is the commitment; SeedRefused otherwise."""
    seed = normalise_day_seed(day_seed)
    if not hmac.compare_digest(commitment_of(seed), commitment.strip().lower()):
        raise SeedRefused(
            f"This seed's SHA-256 is {commitment_of(seed)}, not the published {commitment}: it is not the day's seed."
        )
    return seed


def selection_seed(day_seed: str, declaration_number: str) -> str:
    """The seed of a declaration's selection on the day (32 hex characters, as Selection.seed records it)."""
    return derive_seed(day_seed, "select", declaration_number)


def dispatch_seed(day_seed: str, inspection_id: int) -> str:
    """The seed of an inspection's dispatch of inspectors on the day."""
    return derive_seed(day_seed, "dispatch", int(inspection_id))


# --------------------------------------------------------------------------- verification of a day
@dataclass(frozen=True)
class RecordedSelection:
    """A selection as recorded: its seed, inputs and result, and how many draws its declaration has."""

    selection_id: int
    declaration_number: str
    seed: str
    inputs: Mapping[str, Any]
    outcome: str
    rate: float
    reasons: Sequence[Mapping[str, Any]]
    drawn_at: datetime
    draws_of_declaration: int = 1


@dataclass(frozen=True)
class RecordedDispatch:
    """A dispatch as recorded on the assignments of an inspection (the drawn ones, in assignment order)."""

    inspection_id: int
    seed: str
    inputs: Mapping[str, Any] | None
    user_ids: tuple[int, ...]
    assigned_at: datetime


@dataclass(frozen=True)
class Mismatch:
    kind: str  # selection / dispatch
    id: int  # selection id or inspection id
    reason: str
    stored: Mapping[str, Any] = field(default_factory=dict)
    recomputed: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "reason": self.reason,
            "stored": dict(self.stored),
            "recomputed": dict(self.recomputed),
        }


def check_selection(record: RecordedSelection, day_seed: str, published_at: datetime) -> Mismatch | None:
    """None when the selection is what the day seed and its recorded inputs give, else why not."""
    stored = {"seed": record.seed, "outcome": record.outcome, "rate": record.rate, "reasons": list(record.reasons)}
    if record.drawn_at < published_at:
        return Mismatch("selection", record.selection_id, DRAWN_BEFORE_PUBLICATION, {"drawn_at": str(record.drawn_at)},
                        {"published_at": str(published_at)})  # fmt: skip
    if record.draws_of_declaration > 1:
        return Mismatch("selection", record.selection_id, DRAWN_MORE_THAN_ONCE,
                        {"declaration": record.declaration_number, "draws": record.draws_of_declaration})  # fmt: skip
    seed = selection_seed(day_seed, record.declaration_number)
    if seed != record.seed:
        return Mismatch("selection", record.selection_id, SEED_NOT_DERIVED, {"seed": record.seed}, {"seed": seed})
    try:
        again = replay_decision(with_redrawn_hits(record.inputs, seed), seed)  # a raise profile's draw too
    except (ValueError, KeyError, TypeError) as exc:
        return Mismatch("selection", record.selection_id, NOT_REPLAYABLE, stored, {"error": str(exc)})
    recomputed = {"seed": seed, "outcome": again.outcome.value, "rate": again.rate,
                  "reasons": [dict(r) for r in again.reasons]}  # fmt: skip
    if recomputed != stored:
        return Mismatch("selection", record.selection_id, RESULT_DIFFERS, stored, recomputed)
    return None


def check_dispatch(record: RecordedDispatch, day_seed: str, published_at: datetime) -> Mismatch | None:
    """None when the team is what the day seed and the recorded candidates give, else why not."""
    stored = {"seed": record.seed, "user_ids": list(record.user_ids)}
    if record.assigned_at < published_at:
        return Mismatch("dispatch", record.inspection_id, DRAWN_BEFORE_PUBLICATION,
                        {"assigned_at": str(record.assigned_at)}, {"published_at": str(published_at)})  # fmt: skip
    seed = dispatch_seed(day_seed, record.inspection_id)
    if seed != record.seed:
        return Mismatch("dispatch", record.inspection_id, SEED_NOT_DERIVED, {"seed": record.seed}, {"seed": seed})
    try:
        again = replay_dispatch(record.inputs or {}, seed)
    except (ValueError, KeyError, TypeError) as exc:
        return Mismatch("dispatch", record.inspection_id, NOT_REPLAYABLE, stored, {"error": str(exc)})
    recomputed = {"seed": seed, "user_ids": list(again.user_ids)}
    if recomputed != stored:
        return Mismatch("dispatch", record.inspection_id, RESULT_DIFFERS, stored, recomputed)
    return None


@dataclass(frozen=True)
class DayVerification:
    """Every draw of a day recomputed from its seed: counts and each mismatch."""

    day: date
    commitment: str
    published_at: datetime
    selections: int
    dispatches: int
    mismatches: tuple[Mismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def _mismatched(self, kind: str) -> int:
        return sum(m.kind == kind for m in self.mismatches)

    def as_dict(self) -> dict[str, Any]:
        sel, dis = self._mismatched("selection"), self._mismatched("dispatch")
        return {
            "day": self.day.isoformat(),
            "commitment": self.commitment,
            "published_at": self.published_at.isoformat(),
            "seed_matches_commitment": True,
            "selections": {"checked": self.selections, "matched": self.selections - sel, "mismatched": sel},
            "dispatches": {"checked": self.dispatches, "matched": self.dispatches - dis, "mismatched": dis},
            "ok": self.ok,
            "mismatches": [m.as_dict() for m in self.mismatches],
        }


def verify_day(
    day: date,
    day_seed: str,
    commitment: str,
    published_at: datetime,
    selections: Iterable[RecordedSelection],
    dispatches: Iterable[RecordedDispatch],
) -> DayVerification:
    """Recompute every draw of the day; SeedRefused before anything when the seed is not the committed one."""
    seed = check_day_seed(day_seed, commitment)
    mismatches: list[Mismatch] = []
    n_sel = n_dis = 0
    for sel in selections:
        n_sel += 1
        if (found := check_selection(sel, seed, published_at)) is not None:
            mismatches.append(found)
    for dis in dispatches:
        n_dis += 1
        if (found := check_dispatch(dis, seed, published_at)) is not None:
            mismatches.append(found)
    return DayVerification(day, commitment, published_at, n_sel, n_dis, tuple(mismatches))


__all__ = [
    "DAY_SEED_BYTES",
    "DAY_SEED_HEX",
    "DRAWN_BEFORE_PUBLICATION",
    "DRAWN_MORE_THAN_ONCE",
    "NOT_REPLAYABLE",
    "RESULT_DIFFERS",
    "SEED_NOT_DERIVED",
    "DayVerification",
    "Mismatch",
    "RecordedDispatch",
    "RecordedSelection",
    "SeedRefused",
    "check_day_seed",
    "check_dispatch",
    "check_selection",
    "commitment_of",
    "dispatch_seed",
    "normalise_day_seed",
    "selection_seed",
    "verify_day",
]
