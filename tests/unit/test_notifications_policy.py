"""portsight.domain.notifications: circles, who a subscription covers, silences, escalation timing,
the back-off schedule, and which addresses a channel accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portsight.domain.notifications import (
    BACKOFF_MINUTES,
    MAX_ATTEMPTS,
    NATIONAL_CIRCLE,
    PORT_CIRCLE,
    REGIONAL_CIRCLE,
    Recipient,
    Silence,
    circle_of,
    escalate,
    escalation_due,
    first_recipients,
    masked_target,
    next_attempt,
    robot_key,
    severity_reaches,
    silenced,
    target_problem,
)

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
SGH, NBO, TAO = 1, 2, 3


def recipient(sid, *, ports=(SGH,), all_ports=False, port_ids=None, min_severity="low", kinds=None) -> Recipient:
    return Recipient(
        subscription_id=sid,
        user_id=sid,
        all_ports=all_ports,
        user_port_ids=frozenset(ports),
        port_ids=None if port_ids is None else frozenset(port_ids),
        min_severity=min_severity,
        kinds=None if kinds is None else frozenset(kinds),
    )


PORT_SUP = recipient(1)
REGIONAL = recipient(2, ports=(SGH, NBO))
NATIONAL = recipient(3, ports=(), all_ports=True)
OTHER_PORT = recipient(4, ports=(NBO,))


@pytest.mark.parametrize(
    ("all_ports", "count", "circle"),
    [(False, 1, PORT_CIRCLE), (False, 0, PORT_CIRCLE), (False, 2, REGIONAL_CIRCLE), (True, 0, NATIONAL_CIRCLE)],
)
def test_a_users_ports_decide_their_circle(all_ports, count, circle):
    assert circle_of(all_ports, count) == circle


def test_severity_reaches_the_lowest_chosen_and_above():
    assert severity_reaches("high", "medium") and severity_reaches("medium", "medium")
    assert not severity_reaches("low", "medium") and not severity_reaches("urgent", "low")


def test_a_raised_alert_reaches_only_the_ports_own_circle_that_wants_it():
    everyone = [PORT_SUP, REGIONAL, NATIONAL, OTHER_PORT, recipient(5, min_severity="high"), recipient(6, kinds={"x"})]
    told = first_recipients(everyone, kind="overdue", severity="medium", port_id=SGH)
    assert [r.subscription_id for r in told] == [1]


def test_a_subscription_narrowed_to_some_ports_covers_only_those_it_still_covers():
    narrowed = recipient(7, ports=(SGH, NBO), port_ids={NBO, TAO})
    assert narrowed.covers(NBO) and not narrowed.covers(SGH) and not narrowed.covers(TAO)
    assert NATIONAL.covers(TAO) and NATIONAL.covers(None) and not PORT_SUP.covers(None)


def test_escalation_goes_to_the_next_circle_with_someone_in_it():
    everyone = [PORT_SUP, REGIONAL, NATIONAL]
    assert escalate(everyone, level=0, kind="k", severity="high", port_id=SGH) == (REGIONAL_CIRCLE, [REGIONAL])
    assert escalate(everyone, level=1, kind="k", severity="high", port_id=SGH) == (NATIONAL_CIRCLE, [NATIONAL])
    assert escalate([PORT_SUP, NATIONAL], level=0, kind="k", severity="high", port_id=SGH) == (
        NATIONAL_CIRCLE,
        [NATIONAL],
    )
    assert escalate([PORT_SUP], level=0, kind="k", severity="high", port_id=SGH) == (NATIONAL_CIRCLE, [])


def test_escalation_is_due_after_the_delay_from_firing_then_from_the_last_escalation():
    fired = NOW - timedelta(minutes=30)
    due = dict(severity="high", fired_at=fired, minutes=30)
    assert escalation_due(level=0, escalated_at=None, now=NOW, **due)
    assert not escalation_due(level=0, escalated_at=None, now=NOW - timedelta(seconds=1), **due)
    assert not escalation_due(level=1, escalated_at=NOW - timedelta(minutes=29), now=NOW, **due)
    assert escalation_due(level=1, escalated_at=NOW - timedelta(minutes=30), now=NOW, **due)
    assert not escalation_due(level=NATIONAL_CIRCLE, escalated_at=None, now=NOW, **due)
    assert not escalation_due(severity="medium", level=0, fired_at=fired, escalated_at=None, minutes=30, now=NOW)


def test_a_silence_holds_for_its_kind_port_and_window_until_ended():
    window = Silence(kind="overdue", port_id=SGH, starts_at=NOW, ends_at=NOW + timedelta(hours=1))
    assert window.holds(kind="overdue", port_id=SGH, at=NOW)
    assert not window.holds(kind="overdue", port_id=SGH, at=NOW + timedelta(hours=1))
    assert not window.holds(kind="overdue", port_id=SGH, at=NOW - timedelta(seconds=1))
    assert not window.holds(kind="seal", port_id=SGH, at=NOW) and not window.holds(kind="overdue", port_id=NBO, at=NOW)
    everything = Silence(None, None, NOW, NOW + timedelta(hours=1), ended_at=NOW + timedelta(minutes=10))
    assert silenced([everything], kind="seal", port_id=NBO, at=NOW + timedelta(minutes=9))
    assert not silenced([everything], kind="seal", port_id=NBO, at=NOW + timedelta(minutes=10))


def test_back_off_tries_again_after_1_5_15_60_minutes_then_gives_up():
    waits = [next_attempt(n, NOW) for n in range(1, MAX_ATTEMPTS)]
    assert [(w - NOW) / timedelta(minutes=1) for w in waits] == list(BACKOFF_MINUTES)
    assert next_attempt(MAX_ATTEMPTS, NOW) is None and MAX_ATTEMPTS == 5


@pytest.mark.parametrize(
    ("channel", "target", "problem"),
    [
        ("email", "wang@example.org", None),
        ("email", "wang.wei+alerts@port.example.cn", None),
        ("email", "wang@localhost", "email_syntax"),
        ("email", "a" * 65 + "@example.org", "email_syntax"),
        ("email", "wang@example.org\nBcc: x@y.org", "target_characters"),
        ("webhook", "https://ops.example.org/hooks/portsight?team=sgh", None),
        ("webhook", "http://127.0.0.1:8080/hook", None),
        ("webhook", "file:///etc/passwd", "url_scheme"),
        ("webhook", "javascript:alert(1)", "url_scheme"),
        ("webhook", "gopher://example.org/", "url_scheme"),
        ("webhook", "https:///nohost", "url_host"),
        ("webhook", "https://example.org:99999/", "url_syntax"),
        ("webhook", "https://u:p@example.org/", "url_credentials"),
        ("webhook", "https://example.org/#frag", "url_credentials"),
        ("webhook", "https://exa mple.org/", "target_characters"),
        ("webhook", "https://example.org/" + "x" * 500, "target_length"),
        ("webhook", "", "target_length"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", None),
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "robot_url"),
        ("wecom", "https://qyapi.weixin.qq.com.evil.org/cgi-bin/webhook/send?key=abc", "robot_url"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=0123abcd", None),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=a&access_token=b", "robot_url"),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/2f9e6a52-0c1d-4e77", None),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/../../x", "robot_url"),
        ("sms", "13800000000", "channel_unknown"),
    ],
)
def test_each_channel_accepts_only_its_own_kind_of_address(channel, target, problem):
    assert target_problem(channel, target) == problem


def test_a_robots_key_is_read_from_its_webhook_url_and_masked_for_others():
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY-1"
    assert robot_key("wecom", url) == "KEY-1"
    assert robot_key("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/TOKEN") == "TOKEN"
    assert masked_target("wecom", url) == "https://qyapi.weixin.qq.com/…"
    assert masked_target("email", "wang@example.org") == "wang@example.org"
