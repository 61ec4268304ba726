"""Typed text shown inside Markdown stays the text that was typed."""

from __future__ import annotations

from components.shell.formatting import as_text

SPECIALS = set("\\`*_{}[]()#+-.!|<>~$:")


def unescaped(text: str) -> list[str]:
    """Markdown characters in text that no backslash protects."""
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in SPECIALS:
            found.append(text[i])
        i += 1
    return found


def test_typed_markdown_keeps_no_active_character():
    typed = "![](http://host/x.png) [click](http://evil) **bold** <b>x</b> # 1. a_b \\*"
    assert unescaped(as_text(typed)) == []


def test_plain_words_are_unchanged():
    assert as_text("Fumigation certificate F 2020 55") == "Fumigation certificate F 2020 55"
