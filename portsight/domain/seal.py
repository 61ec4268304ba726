"""Container seals (封识) and their ISO 17712 class.

ISO 17712 classifies mechanical freight-container seals by barrier strength as I (indicative),
S (security) or H (high security), in that order. A seal number carries no check digit: it is
compared with the declared one after normalisation (portsight.domain.codes). The class is what
the inspector reads on the seal at the door; a declared class is what it is compared with, never
the answer itself, so that a seal of a lower class than declared (a replaced seal) is seen.
"""

from __future__ import annotations

from enum import StrEnum

from portsight.domain.codes import as_typed, normalize_code


class SealClass(StrEnum):
    INDICATIVE = "I"
    SECURITY = "S"
    HIGH_SECURITY = "H"


SEAL_CLASS_TITLES = {
    SealClass.INDICATIVE: ("指示性封志", "indicative"),
    SealClass.SECURITY: ("安全封志", "security"),
    SealClass.HIGH_SECURITY: ("高安全封志", "high security"),
}


# Barrier strength, lowest first.
SEAL_CLASS_ORDER = (SealClass.INDICATIVE, SealClass.SECURITY, SealClass.HIGH_SECURITY)
# What parse_seal_class reads as a class, upper-cased: its letter or its English title. Made once:
# every seal step judged asks, a quarter of a million times in the demo seed.
_SEAL_CLASS_SPELLINGS = {
    **{cls.value: cls for cls in SealClass},
    **{en.upper(): cls for cls, (_, en) in SEAL_CLASS_TITLES.items()},
}


def normalize_seal(text: str | None) -> str:
    """Full-width forms folded (NFKC), blanks and hyphens removed, upper-case: seal numbers are compared so."""
    return normalize_code(text)


def seal_matches(declared: str | None, observed: str | None) -> bool:
    """True when both are present and equal after normalisation."""
    d, o = normalize_seal(declared), normalize_seal(observed)
    return bool(d) and d == o


def parse_seal_class(text: str | None) -> SealClass | None:
    """'h', 'H', 'high security' -> SealClass.HIGH_SECURITY; None when empty or unknown."""
    if text is None:
        return None
    return _SEAL_CLASS_SPELLINGS.get(as_typed(text).upper())


def class_at_least(found: str | None, declared: str | None) -> bool:
    """Whether the class found is not lower than the class declared (I < S < H); False when either is unknown."""
    f, d = parse_seal_class(found), parse_seal_class(declared)
    if f is None or d is None:
        return False
    return SEAL_CLASS_ORDER.index(f) >= SEAL_CLASS_ORDER.index(d)
