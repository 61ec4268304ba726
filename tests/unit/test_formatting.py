"""Typed text shown inside Markdown stays the text that was typed."""

from __future__ import annotations

import pytest

from components.shell.formatting import as_text

ANYWHERE = set("\\`*_{}[]()!|<>~$:@&")  # Markdown (and Streamlit's directives) wherever they stand
LINE_START = set("#+-=>")  # Markdown only where a line starts


def unescaped(text: str) -> list[str]:
    """Markdown characters in text that no backslash protects: any of ANYWHERE, any of LINE_START
    first on the line, a "." after a line's leading number or after "www"."""
    found, i = [], 0
    content = len(text) - len(text.lstrip())
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        ch = text[i]
        lead = text[content:i]
        inside_word = ch == "_" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
        if (ch in ANYWHERE and not inside_word) or (i == content and ch in LINE_START):
            found.append(ch)
        elif ch == "." and lead.isdigit() and lead:
            found.append(ch)
        if ch in "\r\n":
            found.append("line break")
        i += 1
    return found


@pytest.mark.parametrize(
    "typed",
    [
        "![](http://host/x.png) [click](http://evil) **bold** <b>x</b> # 1. a_b \\*",
        "_emphasis_ and __strong__ and snake_case",
        "- a list item",
        "+ another",
        "# a heading",
        "> a quote",
        "=== setext",
        "12. numbered",
        "  - indented item",
        "first line\n- second line\r# third",
        "see www.example.com or mail a@example.com",
        ":red[coloured] :material/home: $x^2$ ~~gone~~ `code`",
        "&lt;b&gt; | a | b |",
    ],
)
def test_typed_markdown_keeps_no_active_character(typed):
    assert unescaped(as_text(typed)) == []


def test_bare_links_are_broken_for_the_link_finder_that_runs_after_escapes_are_undone():
    shown = as_text("see http://example.org/a, www.example.org and mail a@example.org").replace("\\", "")
    assert "://" not in shown and "www." not in shown and "a@" not in shown
    assert shown.replace("\u2060", "") == "see http://example.org/a, www.example.org and mail a@example.org"


@pytest.mark.parametrize(
    "plain",
    [
        "Fumigation certificate F 2020 55",
        "DEC-2025-0001",
        "Hengda Paper Co. Ltd",
        "CSQU3054383 40 ft - 22G1",
        "sample_declarations.json",
    ],
)
def test_plain_words_and_codes_are_unchanged(plain):
    assert as_text(plain) == plain
