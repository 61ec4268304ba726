"""The message to an expert rung for a request of remote help, in either language."""

from __future__ import annotations

from portsight.notify.message import RingFacts, compose_ring

RING = RingFacts(
    session_id=42,
    question="这是申报的部位吗？",
    declaration="D0000000001",
    port_code="CNSGH",
    port_name_zh="上海",
    port_name_en="Shanghai",
)


def test_a_ring_says_question_port_declaration_and_the_call_link_in_chinese():
    title, body = compose_ring("zh_CN", RING, "https://portsight.example.org/")
    assert "上海 (CNSGH)" in title and "远程协助" in title
    assert body.splitlines() == [
        "问题：这是申报的部位吗？",
        "口岸：上海 (CNSGH)",
        "报关单：D0000000001",
        "打开请求并加入通话：https://portsight.example.org/remote_assist?room=42",
    ]


def test_a_ring_in_english_names_the_port_in_english():
    title, body = compose_ring("en", RING, "https://portsight.example.org")
    assert "Shanghai (CNSGH)" in title and "Port: Shanghai (CNSGH)" in body


def test_a_ring_without_declaration_or_port_still_reads():
    bare = RingFacts(42, "?", None, None, None, None)
    _title, body = compose_ring("en", bare, "https://portsight.example.org")
    assert "Declaration: —" in body and "remote_assist?room=42" in body
