"""Sending the notifications the outbox owes (portsight.db.notification_outbox), through Apprise:
e-mail over SMTP, a generic JSON webhook, and the WeCom, DingTalk and Feishu group robots.

`run_once(db, now, settings)` sweeps the outbox and sends what is due; the app runs it on its own
thread (components/shell/notifier.py), `python -m portsight notify run-once` from a shell or cron.
"""

from portsight.notify.sender import SendResult, run_once, send_due, send_test

__all__ = ["SendResult", "run_once", "send_due", "send_test"]
