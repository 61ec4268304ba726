"""Enterprise credit tiers (企业信用) and the USCC code that identifies an enterprise."""

from __future__ import annotations

from enum import StrEnum

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError


class CreditTier(StrEnum):
    ADVANCED_CERTIFIED = "advanced_certified"  # 高级认证企业
    GENERAL = "general"  # 一般信用企业
    DISHONEST = "dishonest"  # 失信企业


def normalize_uscc(text: str) -> str:
    return "".join(str(text).split()).upper().replace("-", "")


def is_valid_uscc(text: str) -> bool:
    """Unified Social Credit Code (统一社会信用代码): 18 characters with a check character."""
    try:
        uscc.validate(normalize_uscc(text))
    except ValidationError:
        return False
    return True
