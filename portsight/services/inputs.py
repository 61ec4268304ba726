"""What a person typed (a note, a comment, a question), checked the same way by every use case."""

from __future__ import annotations

from portsight.errors import InvalidInput


def typed_text(
    value: str | None, what: str, limit: int, *, required: str | None = None, required_key: str | None = None
) -> str | None:
    """The text without surrounding blanks, None when empty; refused when longer than limit.

    required: the message refusing an empty text (None: an empty text is allowed); required_key
    names it in the catalogues, for a page in the reader's language.
    """
    text = (value or "").strip()
    if not text:
        if required is not None:
            raise InvalidInput(required, key=required_key)
        return None
    if len(text) > limit:
        raise InvalidInput(
            f"The {what} is {len(text)} characters long; keep it under {limit}.",
            key="errors.text_too_long",
            params={"length": len(text), "limit": limit},
        )
    return text
