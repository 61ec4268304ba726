"""Container seals (封识) and their ISO 17712 class.

ISO 17712 classifies mechanical freight-container seals as I (indicative), S (security) or
H (high security). A seal number carries no check digit: it is compared with the declared one
after normalisation. The class is a property of the seal: the declared class when the
declaration gives one, otherwise what the inspector reads on the seal.
"""

from __future__ import annotations

from enum import StrEnum


class SealClass(StrEnum):
    INDICATIVE = "I"
    SECURITY = "S"
    HIGH_SECURITY = "H"


SEAL_CLASS_TITLES = {
    SealClass.INDICATIVE: ("指示性封志", "indicative"),
    SealClass.SECURITY: ("安全封志", "security"),
    SealClass.HIGH_SECURITY: ("高安全封志", "high security"),
}


def normalize_seal(text: str | None) -> str:
    """Upper-case, spaces and hyphens removed: seal numbers are compared in this form."""
    if text is None:
        return ""
    return "".join(str(text).split()).replace("-", "").upper()


def seal_matches(declared: str | None, observed: str | None) -> bool:
    """True when both are present and equal after normalisation."""
    d, o = normalize_seal(declared), normalize_seal(observed)
    return bool(d) and d == o


def parse_seal_class(text: str | None) -> SealClass | None:
    """'h', 'H', 'high security' -> SealClass.HIGH_SECURITY; None when empty or unknown."""
    if text is None:
        return None
    value = str(text).strip().upper()
    if not value:
        return None
    if value in {c.value for c in SealClass}:
        return SealClass(value)
    for cls, (_, en) in SEAL_CLASS_TITLES.items():
        if value == en.upper():
            return cls
    return None


def seal_class_of(declared_class: str | None, entered_class: str | None) -> SealClass | None:
    """The seal's class: the declared one when given, else the inspector's entry."""
    return parse_seal_class(declared_class) or parse_seal_class(entered_class)
