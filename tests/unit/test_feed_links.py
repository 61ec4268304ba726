"""Feed lines link to what they are about (an inspection's record, an alert, a declaration's
inspections, an enterprise's page) and keep what people typed as text: a hostile name can neither
end the link nor add markup."""

from __future__ import annotations

import pytest

from components.overview.feed import feed_line, feed_link, feed_sentence
from tests.unit.test_formatting import unescaped

HOSTILE = "](javascript:alert(1)) <b>bold</b> [x](https://evil.example) `code`"


def entry(**values) -> dict:
    return {
        "actor": "insp.cnsgh.5",
        "actor_name": "王伟",
        "entity": "inspection",
        "action": "start",
        "entity_id": "10817",
        "after": None,
        "simulated": False,
    } | values


@pytest.mark.parametrize(
    ("line", "link"),
    [
        (entry(), "/inspections?id=10817"),
        (entry(entity="alert", action="raise", entity_id="5"), "/alerts?alert=5"),
        (
            entry(entity="finding", action="field.finding", entity_id="3", after={"inspection_id": 10817}),
            "/inspections?id=10817",
        ),  # fmt: skip
        (
            entry(entity="evidence", action="field.photo", entity_id="9", after={"inspection_id": 10817.0}),
            "/inspections?id=10817",
        ),  # fmt: skip
        (entry(entity="declaration", action="register", entity_id="40"), "/inspections?declaration_id=40"),
        (
            entry(entity="selection", action="select", entity_id="8", after={"declaration_id": 40}),
            "/inspections?declaration_id=40",
        ),  # fmt: skip
        (entry(entity="enterprise", action="credit_change", entity_id="12"), "/enterprise?id=12"),
        (entry(entity="user", action="login", entity_id="4"), None),
        (entry(entity="inspection", entity_id=float("nan")), None),
        (entry(entity="alert", entity_id="5); alert(1"), None),
    ],
)
def test_a_line_links_to_what_it_is_about(line, link):
    assert feed_link(line) == link


def _shown(markdown: str) -> str:
    """What the reader sees of escaped text: the backslashes and the invisible joiners gone."""
    return markdown.replace("\\", "").replace("\u2060", "")


def _link_parts(markdown: str) -> tuple[str, str]:
    """(text, target) of a line that is one Markdown link: "[" text "](" target ")", where the
    text ends at the first "]" no backslash protects."""
    assert markdown.startswith("[") and markdown.endswith(")"), markdown
    i = 1
    while markdown[i] != "]":
        i += 2 if markdown[i] == "\\" else 1
    assert markdown[i : i + 2] == "](", markdown
    return markdown[1:i], markdown[i + 2 : -1]


def test_the_sentence_is_the_links_text_and_stays_text():
    line = entry(actor_name=HOSTILE)
    text, target = _link_parts(feed_line("en", line))
    assert target == "/inspections?id=10817"
    assert unescaped(text) == []
    assert _shown(text) == feed_sentence("en", line)


def test_a_line_about_nothing_to_open_is_plain_escaped_text():
    line = entry(entity="user", action="login", actor_name=HOSTILE)
    shown = feed_line("zh_CN", line)
    assert unescaped(shown) == []
    assert _shown(shown) == feed_sentence("zh_CN", line)
