"""portsight.notify: each channel's address becomes a URL the installed Apprise accepts, with time
limits; the message says the alert in the reader's language and links to it."""

from __future__ import annotations

from datetime import UTC, datetime

import apprise
import pytest

from portsight.config import SmtpSettings
from portsight.notify.channels import NotSendable, apprise_url
from portsight.notify.message import AlertFacts, compose

SMTP = SmtpSettings(host="smtp.example.org", port=587, user="port sight", password="p@ss:w/rd", sender="ps@example.org")


@pytest.mark.parametrize(
    ("channel", "target", "schema"),
    [
        ("email", "wang@example.org", "mailtos"),
        ("webhook", "https://ops.example.org/hooks/ps?team=sgh", "jsons"),
        ("webhook", "http://127.0.0.1:8080/hook", "json"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa-4bc4", "wecombot"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=0123abcd", "dingtalk"),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/2f9e6a52-0c1d-4e77", "feishu"),
    ],
)
def test_every_channel_becomes_an_apprise_url_it_accepts(channel, target, schema):
    url = apprise_url(channel, target, SMTP, timeout=7)
    assert url.startswith(f"{schema}://") and "cto=7" in url and "rto=7" in url
    assert apprise.Apprise().add(url)


def test_a_webhooks_own_query_is_kept_and_email_needs_a_server():
    assert "-team=sgh" in apprise_url("webhook", "https://ops.example.org/h?team=sgh", SMTP)
    with pytest.raises(NotSendable):
        apprise_url("email", "wang@example.org", SmtpSettings())


def alert(**values) -> AlertFacts:
    facts = dict(
        id=42,
        kind="finding",
        severity="high",
        title="Seal differs (seal)",
        title_key="alert_titles.finding",
        title_params={"finding": {"zh": "封志号不符", "en": "Seal differs"}, "step": {"step": "seal"}},
        port_code="CNSGH",
        port_name_zh="上海",
        port_name_en="Shanghai",
        count=1,
        last_raised_at=datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
    )
    return AlertFacts(**(facts | values))


def test_the_message_is_in_the_readers_language_with_the_link():
    title_zh, body_zh = compose("zh_CN", alert(), "escalated", "https://ps.example.org/")
    title_en, body_en = compose("en", alert(), "raised", "https://ps.example.org")
    assert "封志号不符" in title_zh and "口岸：上海 (CNSGH)" in body_zh and "尚无人确认" in body_zh
    assert "Seal differs" in title_en and "Port: Shanghai (CNSGH)" in body_en
    for body in (body_zh, body_en):
        assert body.endswith("https://ps.example.org/alerts?alert=42")


def test_an_alert_without_a_known_key_says_its_stored_title():
    title, _ = compose("zh_CN", alert(title_key=None, title="Old English title"), "raised", "http://x")
    assert "Old English title" in title
