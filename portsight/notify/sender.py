"""Sending due deliveries: claim a bounded batch in one short transaction, send each outside it
with a time limit, record the outcome in another.

Claiming moves a delivery's next_attempt_at a lease ahead, so another replica (or the next run,
should this one die mid-send) does not take it while it is being sent; on PostgreSQL the claim
also skips rows another replica has locked (FOR UPDATE SKIP LOCKED). SQLite has one writer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from portsight.clock import as_utc
from portsight.config import Settings
from portsight.db.alert_parameters import limits_in_force
from portsight.db.models import (
    Alert,
    AssistRing,
    AssistSession,
    Declaration,
    Inspection,
    NotificationDelivery,
    NotificationSubscription,
    Port,
    User,
)
from portsight.db.notification_outbox import SweepResult, sweep
from portsight.db.session import Database, unit_of_work
from portsight.domain import notifications as policy
from portsight.notify.channels import TIMEOUT_SECONDS, NotSendable, apprise_url, deliver
from portsight.notify.message import AlertFacts, RingFacts, compose, compose_ring, compose_test

log = logging.getLogger(__name__)

BATCH = 50  # deliveries per run; the next run takes the rest
LEASE = timedelta(minutes=5)  # longer than a batch of sends takes with their time limits


@dataclass(frozen=True)
class SendResult:
    sent: int
    retrying: int
    failed: int


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    attempts: int
    channel: str
    target: str
    language: str
    reason: str
    alert: AlertFacts | None  # one of the two: what the delivery is about
    ring: RingFacts | None


def _claim(db: Database, now: datetime, limit: int) -> list[_Job]:
    with unit_of_work(db) as session:
        query = (
            select(NotificationDelivery.id)
            .where(NotificationDelivery.status == policy.PENDING, NotificationDelivery.next_attempt_at <= now)
            .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        if not ids:
            return []
        rows = session.execute(
            select(
                NotificationDelivery.id,
                NotificationDelivery.attempts,
                NotificationDelivery.reason,
                NotificationSubscription.channel,
                NotificationSubscription.target,
                NotificationSubscription.active,
                User.language,
                User.active.label("user_active"),
                Alert.id.label("alert_id"),
                Alert.kind,
                Alert.severity,
                Alert.title,
                Alert.title_key,
                Alert.title_params,
                Alert.count.label("alert_count"),
                Alert.last_raised_at,
                AssistSession.id.label("assist_id"),
                AssistSession.question,
                AssistSession.state.label("assist_state"),
                AssistRing.declined_at,
                Declaration.number.label("declaration"),
                Port.code,
                Port.name_zh,
                Port.name_en,
            )
            .join(NotificationSubscription, NotificationSubscription.id == NotificationDelivery.subscription_id)
            .join(User, User.id == NotificationSubscription.user_id)
            .outerjoin(Alert, Alert.id == NotificationDelivery.alert_id)
            .outerjoin(AssistRing, AssistRing.id == NotificationDelivery.assist_ring_id)
            .outerjoin(AssistSession, AssistSession.id == AssistRing.session_id)
            .outerjoin(Inspection, Inspection.id == AssistSession.inspection_id)
            .outerjoin(Declaration, Declaration.id == Inspection.declaration_id)
            .outerjoin(Port, Port.id == func.coalesce(Alert.port_id, AssistSession.port_id))
            .where(NotificationDelivery.id.in_(ids))
            .order_by(NotificationDelivery.id)
        ).all()
        withdrawn = {
            r.id
            for r in rows
            if r.assist_id is not None and not policy.ring_still_calls(r.assist_state, r.declined_at is not None)
        }
        if withdrawn:
            session.execute(
                update(NotificationDelivery)
                .where(NotificationDelivery.id.in_(sorted(withdrawn)))
                .values(status=policy.WITHDRAWN, next_attempt_at=None)
            )
        rows = [r for r in rows if r.id not in withdrawn]
        switched_off = [r.id for r in rows if not (r.active and r.user_active)]
        if switched_off:
            session.execute(
                update(NotificationDelivery)
                .where(NotificationDelivery.id.in_(switched_off))
                .values(status=policy.FAILED, next_attempt_at=None, last_error="the subscription was switched off")
            )
        jobs = [
            _Job(
                delivery_id=r.id,
                attempts=r.attempts,
                channel=r.channel,
                target=r.target,
                language=r.language,
                reason=r.reason,
                alert=None
                if r.alert_id is None
                else AlertFacts(
                    id=r.alert_id,
                    kind=r.kind,
                    severity=r.severity,
                    title=r.title,
                    title_key=r.title_key,
                    title_params=r.title_params,
                    port_code=r.code,
                    port_name_zh=r.name_zh,
                    port_name_en=r.name_en,
                    count=r.alert_count,
                    last_raised_at=as_utc(r.last_raised_at),
                ),
                ring=None
                if r.assist_id is None
                else RingFacts(
                    session_id=r.assist_id,
                    question=r.question,
                    declaration=r.declaration,
                    port_code=r.code,
                    port_name_zh=r.name_zh,
                    port_name_en=r.name_en,
                ),
            )
            for r in rows
            if r.active and r.user_active
        ]
        if jobs:
            session.execute(
                update(NotificationDelivery)
                .where(NotificationDelivery.id.in_([j.delivery_id for j in jobs]))
                .values(next_attempt_at=now + LEASE)
            )
        return jobs


def _send(job: _Job, settings: Settings, timeout: float) -> str | None:
    try:
        url = apprise_url(job.channel, job.target, settings.smtp, timeout)
    except NotSendable as exc:
        return str(exc)
    if job.alert is not None:
        title, body = compose(job.language, job.alert, job.reason, settings.public_url)
    elif job.ring is not None:
        title, body = compose_ring(job.language, job.ring, settings.public_url)
    else:
        return "the delivery is about neither an alert nor a ring"
    try:
        return deliver(url, title, body)
    except Exception as exc:  # noqa: BLE001 - a fault in one channel fails that delivery, not the run
        log.exception("notification %s could not be sent", job.delivery_id)
        return f"{exc.__class__.__name__}: {exc}"


def send_due(
    db: Database, now: datetime, settings: Settings, *, limit: int = BATCH, timeout: float = TIMEOUT_SECONDS
) -> SendResult:
    """Send up to `limit` deliveries due at `now`; a failure is tried again after the back-off
    (portsight.domain.notifications.BACKOFF_MINUTES), then kept as failed with its last error."""
    now = as_utc(now)
    sent = retrying = failed = 0
    for job in _claim(db, now, limit):
        error = _send(job, settings, timeout)
        attempts = job.attempts + 1
        if error is None:
            values: dict = {"status": policy.SENT, "attempts": attempts, "sent_at": now, "next_attempt_at": None}
            sent += 1
        else:
            again = policy.next_attempt(attempts, now)
            status = policy.PENDING if again is not None else policy.FAILED
            values = {"status": status, "attempts": attempts, "next_attempt_at": again, "last_error": error}
            retrying, failed = (retrying + 1, failed) if again is not None else (retrying, failed + 1)
        with unit_of_work(db) as session:
            session.execute(
                update(NotificationDelivery).where(NotificationDelivery.id == job.delivery_id).values(values)
            )
    return SendResult(sent=sent, retrying=retrying, failed=failed)


def sweep_outbox(db: Database, now: datetime, settings: Settings) -> SweepResult:
    with unit_of_work(db) as session:
        return sweep(session, now, limits_in_force(session, now, settings))


def run_once(db: Database, now: datetime, settings: Settings) -> tuple[SweepResult, SendResult]:
    """Queue what is owed at `now`, then send what is due."""
    return sweep_outbox(db, now, settings), send_due(db, now, settings)


def send_test(
    channel: str, target: str, language: str, settings: Settings, timeout: float = TIMEOUT_SECONDS
) -> str | None:
    """Send a test message to an address at once (not through the outbox); the error, if any."""
    try:
        url = apprise_url(channel, target, settings.smtp, timeout)
    except NotSendable as exc:
        return str(exc)
    title, body = compose_test(language, settings.public_url)
    return deliver(url, title, body)
