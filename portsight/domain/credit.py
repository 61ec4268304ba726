"""Enterprise credit measures (企业信用管理办法): which tiers exist on a date, their names, and the
tier a stored credit code stands for.

Customs has changed its credit measures three times since 2018, and each changed the tiers:

* GAC Order No. 237 (2018-05-01 to 2021-10-31): four tiers, 高级认证企业 / 一般认证企业 /
  一般信用企业 / 失信企业; the inspection-rate bounds are measured against the general-credit
  (一般信用企业) average.
* GAC Order No. 251 (2021-11-01 to 2026-03-31): 高级认证企业, 失信企业 and everyone else under
  routine measures (实施常规管理措施的企业), which is also the base of the bounds.
* GAC Order No. 282 (from 2026-04-01): five tiers; its inspection rates are not confirmed yet.

Enterprises keep the credit codes they were stored with (`advanced_certified`, `general`,
`dishonest`, and `general_certified` for the 2018 tier); the measures map each stored code to one
of their tiers, so a change of measures is a change of this data, never a migration of rows.
The measures are data (`credit_measures` in data/rules/credit.yaml, read by portsight.catalogue);
the bounds on each tier's inspection rate are the catalogue's selection rules
(portsight.domain.selection.policy_from_catalogue reads them).

Pure: parses plain mappings, reads no file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from portsight.domain.conditions import Text
from portsight.domain.enterprise import CreditTier
from portsight.domain.rulebook import RuleCatalogueError, as_date

GENERAL_CERTIFIED = "general_certified"  # 一般认证企业: a tier of the 2018 measures only
# The stored codes an enterprise can carry; the measures in force map each to one of their tiers.
STORED_CODES = (CreditTier.ADVANCED_CERTIFIED.value, GENERAL_CERTIFIED, CreditTier.GENERAL.value,
                CreditTier.DISHONEST.value)  # fmt: skip
# When no measures are in force on a date (before 2018-05-01 in the shipped data): the stored tiers as they are.
FALLBACK_TIERS = tuple(t.value for t in CreditTier)
FALLBACK_BASE_TIER = CreditTier.GENERAL.value


@dataclass(frozen=True)
class TierDefinition:
    """One tier of a set of measures: its code, its name in both languages, the stored codes it stands for."""

    code: str
    name: Text
    stored: tuple[str, ...]  # stored credit codes that mean this tier (empty: nobody is stored in it yet)


@dataclass(frozen=True)
class CreditMeasures:
    """A set of credit measures: the tiers they define and the tier whose average rate is the bounds' base."""

    id: str
    document: Text
    effective_from: date
    effective_to: date | None
    base_tier: str
    base: Text  # what the base average is, in the measures' words
    tiers: tuple[TierDefinition, ...]
    rates_confirmed: bool = True  # False: the measures' own inspection rates are not confirmed (see note)
    note: str = ""

    def in_force(self, on_date: date) -> bool:
        return self.effective_from <= on_date and (self.effective_to is None or on_date <= self.effective_to)

    def tier(self, code: str) -> TierDefinition | None:
        return next((t for t in self.tiers if t.code == code), None)

    def tier_of(self, stored: str | None) -> str:
        """The tier of these measures that a stored credit code stands for (the base tier when none does)."""
        for t in self.tiers:
            if stored in t.stored:
                return t.code
        return self.base_tier

    @property
    def drawn_tiers(self) -> tuple[str, ...]:
        """The tiers some stored code maps to, in the measures' order: the tiers draws and rates are kept for."""
        return tuple(t.code for t in self.tiers if t.stored)

    def name(self, code: str, lang: str) -> str | None:
        found = self.tier(code)
        return None if found is None else found.name.get(lang)


@dataclass(frozen=True)
class CreditCalendar:
    """Every set of measures with its dates; `on(date)` is the one in force (None before the first)."""

    measures: tuple[CreditMeasures, ...] = ()

    def on(self, on_date: date) -> CreditMeasures | None:
        return next((m for m in self.measures if m.in_force(on_date)), None)

    def tier_of(self, stored: str | None, on_date: date) -> str:
        """The tier a stored code stands for on the date (without measures: the code itself if known, else general)."""
        measures = self.on(on_date)
        if measures is not None:
            return measures.tier_of(stored)
        return stored if stored in FALLBACK_TIERS else FALLBACK_BASE_TIER

    def tiers_on(self, on_date: date) -> tuple[str, ...]:
        measures = self.on(on_date)
        return measures.drawn_tiers if measures is not None else FALLBACK_TIERS

    def base_tier_on(self, on_date: date) -> str:
        measures = self.on(on_date)
        return measures.base_tier if measures is not None else FALLBACK_BASE_TIER

    def name(self, code: str, on_date: date, lang: str) -> str | None:
        """The tier's name under the measures in force (None: no measures, or not one of their tiers)."""
        measures = self.on(on_date)
        return None if measures is None else measures.name(code, lang)


# --------------------------------------------------------------------------- an enterprise's dated changes


@dataclass(frozen=True)
class CreditChange:
    """One row of an enterprise's credit history: the stored code it carries from a China-time day."""

    valid_from: date
    credit_tier: str
    recorded: int  # the order it was recorded in (its row id): a correction of the same day is a later row


def tier_on_timeline(changes: Sequence[CreditChange], day: date, default: str) -> str:
    """The stored credit code in force on a China-time day: the change with the latest valid_from on or
    before the day, the last recorded among changes of that same day; `default` when none has begun."""
    begun = [c for c in changes if c.valid_from <= day]
    if not begun:
        return default
    return max(begun, key=lambda c: (c.valid_from, c.recorded)).credit_tier


# --------------------------------------------------------------------------- reading the data


def _fail(file: str, measures_id: str | None, field_name: str, problem: str) -> RuleCatalogueError:
    return RuleCatalogueError(file, f"credit measures {measures_id}" if measures_id else None, field_name, problem)


def _text(value: Any, file: str, mid: str | None, path: str) -> Text:
    if not isinstance(value, Mapping) or not all(
        isinstance(value.get(k), str) and value[k].strip() for k in ("zh", "en")
    ):
        raise _fail(file, mid, path, "needs non-empty zh and en texts")
    return Text(value["zh"].strip(), value["en"].strip())


def _date(value: Any, file: str, mid: str | None, path: str, required: bool) -> date | None:
    if value is None:
        if required:
            raise _fail(file, mid, path, "is required")
        return None
    try:
        return as_date(value)
    except ValueError:
        raise _fail(file, mid, path, f"{value!r} is not a date (YYYY-MM-DD)") from None


def parse_measures(raw: Any, file: str) -> CreditMeasures:
    """One set of measures from its mapping; RuleCatalogueError names the file, the measures and the field."""
    if not isinstance(raw, Mapping):
        raise _fail(file, None, "credit_measures", "each entry must be a mapping")
    mid = raw.get("id")
    if not isinstance(mid, str) or not mid.strip():
        raise _fail(file, None, "id", "is required")
    allowed = {"id", "document", "effective_from", "effective_to", "base_tier", "base", "tiers", "rates_confirmed",
               "note"}  # fmt: skip
    extra = sorted(set(raw) - allowed)
    if extra:
        raise _fail(file, mid, extra[0], f"unknown field (allowed: {', '.join(sorted(allowed))})")
    tiers: list[TierDefinition] = []
    for i, item in enumerate(raw.get("tiers") or []):
        path = f"tiers[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
            raise _fail(file, mid, path, "needs a code and a name")
        stored = item.get("stored", [item["code"]])
        if not isinstance(stored, list) or not all(s in STORED_CODES for s in stored):
            raise _fail(file, mid, f"{path}.stored", f"must list stored credit codes ({', '.join(STORED_CODES)})")
        tiers.append(TierDefinition(item["code"], _text(item.get("name"), file, mid, f"{path}.name"), tuple(stored)))
    if not tiers:
        raise _fail(file, mid, "tiers", "at least one tier is required")
    codes = [t.code for t in tiers]
    if len(set(codes)) != len(codes):
        raise _fail(file, mid, "tiers", "a tier code appears twice")
    mapped = [s for t in tiers for s in t.stored]
    if len(set(mapped)) != len(mapped):
        raise _fail(file, mid, "tiers", "a stored code is mapped to two tiers")
    base_tier = raw.get("base_tier")
    if base_tier not in codes:
        raise _fail(file, mid, "base_tier", f"must be one of the tiers ({', '.join(codes)})")
    start = _date(raw.get("effective_from"), file, mid, "effective_from", required=True)
    end = _date(raw.get("effective_to"), file, mid, "effective_to", required=False)
    assert start is not None
    if end is not None and end < start:
        raise _fail(file, mid, "effective_to", "is before effective_from")
    confirmed = raw.get("rates_confirmed", True)
    if not isinstance(confirmed, bool):
        raise _fail(file, mid, "rates_confirmed", "must be true or false")
    note = str(raw.get("note") or "").strip()
    if not confirmed and "UNCONFIRMED" not in note:
        raise _fail(file, mid, "note", "measures whose rates are not confirmed must say UNCONFIRMED in the note")
    return CreditMeasures(
        id=mid,
        document=_text(raw.get("document"), file, mid, "document"),
        effective_from=start,
        effective_to=end,
        base_tier=base_tier,
        base=_text(raw.get("base"), file, mid, "base"),
        tiers=tuple(tiers),
        rates_confirmed=confirmed,
        note=note,
    )


def build_calendar(measures: Sequence[CreditMeasures], file: str = "credit_measures") -> CreditCalendar:
    """The calendar of these measures, checked: unique ids, no two in force on the same day."""
    ordered = sorted(measures, key=lambda m: m.effective_from)
    ids = [m.id for m in ordered]
    if len(set(ids)) != len(ids):
        raise _fail(file, None, "id", "two credit measures share an id")
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            raise _fail(file, later.id, "effective_from", f"overlaps {earlier.id}: end it the day before")
    return CreditCalendar(tuple(ordered))


__all__ = [
    "FALLBACK_BASE_TIER",
    "FALLBACK_TIERS",
    "GENERAL_CERTIFIED",
    "STORED_CODES",
    "CreditCalendar",
    "CreditChange",
    "CreditMeasures",
    "TierDefinition",
    "build_calendar",
    "parse_measures",
    "tier_on_timeline",
]
