"""Demo data: ports, enterprises, users, roster and weeks of realistic inspection history.

`seed_demo(db, weeks=60, seed=7, now=...)` writes everything in one transaction with bulk
inserts and ids assigned here, from 8 weeks on in a process of its own while the history is drawn
(demo/writer.py), and the follow-up of the draws in a third (demo/follow_up.py), so it is reasonably
fast (60 weeks, more than a year for the weekly review's same week last year: bench/seed.py times it)
and reproducible: the same seed and the same `now` give identical rows. Only random.Random(seed) and
generators seeded from it are used: the master data and the declarations draw from one, passed along in
a fixed order of calls; the follow-up (inspections, alerts, records) from its own.

The shape follows real port work: office-hour and weekday rhythm, big and small ports, airports
without containers, goods under 10-digit commodity codes with matching origins, inspection rate by
enterprise credit tier, non-conformity by goods and origin, release times with a long tail,
holds, returns and destructions, and open work in the last hours.

What is recorded is what the product itself would record, from the same pure domain code:

- selections: portsight.domain.selection.decide with the tier policy of the rule catalogue, the
  catalogue's forced hits and the tier's forced share, a recorded seed and the same inputs as
  services.selection.select_declaration, so replay_selection reproduces every seeded draw;
- dispatch: domain.selection.dispatch among the inspectors on the seeded duty roster (conflicts
  excluded, least loaded first), with seed and inputs on the assignments (replay_dispatch);
- draw seeds: every draw's seed derives from its day's seed, each day committed at its start and
  revealed at its end (demo/draw_days.py), so `python -m portsight draws verify` checks past days;
- step results: the checklist from domain.checklist.generate_checklist (step keys, input names,
  rules per step, per container), the values an inspector enters, and outcome, rules_applied and
  findings (rule id, severity, citation) from domain.rules.judge, as services.field stores them;
- decisions: among those domain.release.decision_options leaves open on the findings, the rules in
  force and the prohibited-goods alerts (release never where the policy blocks it), the holds a
  waiting decision orders (identification, treatment, laboratory) as release_holds rows with their
  results, as services.inspections records them;
- alerts: built by the alert checks' own trigger builders (overdue, seal mismatch, quick close
  without photo, prohibited goods, repeated non-conformity by domain.repeats) and as the field
  service raises high-severity findings, so the live checks carry on without raising them twice;
- photos: every step of the last DETAIL_WEEKS weeks that asks for photos has them as evidence rows, the
  pictures generated (a small pool per step) and stored content-addressed in the media directory as
  services.evidence stores them (demo/photos.py);
- receipts: every release has its receipt, signed with the receipt keyring's current key as
  services.receipts signs it, most of them scanned at the port's gate since (demo/records.py);
- audit: every draw, dispatch, change of state, step result, decision and receipt of the last DETAIL_WEEKS
  weeks has the audit entry its service writes, at the time it happened and marked simulated
  (demo/records.py);
- daily rollups rebuilt from the seeded rows at the end.

Older weeks hold every record the figures are made of (declarations, draws, inspections with their
transitions, steps, findings and decisions, holds, receipts and gate exits, alerts, assists) but neither
photos nor audit entries: those were a third of the rows of 60 weeks and a fifth of the seed's CPU, and
nothing that counts or compares weeks reads them. What reads them (the record page's photos and trail, the activity
feed, the quick-close check) sees an old inspection as one recorded without photos and audit trail: the
quick-close alerts of old weeks are raised from the photos the rows hold (none), as the check would.

The parts, in the order they run: world (plain data), masterdata (ports, enterprises, users,
roster), declarations (with goods, containers and draws), follow_up (what follows each draw, week by
week, here or in a process of its own), inspections (dispatch to decision,
step results, findings, assists), verdicts (the decision and its holds), alerts, rows (ids and the
bulk write), writer (the write in a process of its own); decisions caches the catalogue's answers;
photos and records (receipts, audit) follow the inspections.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from portsight.catalogue import default_catalogue
from portsight.clock import utcnow
from portsight.db.instance import mark_demo
from portsight.db.session import Database, unit_of_work
from portsight.demo.decisions import CatalogueDecisions
from portsight.demo.declarations import Declarations
from portsight.demo.draw_days import DrawDays
from portsight.demo.follow_up import FollowUp, seed_master, start_message
from portsight.demo.photos import PhotoPool
from portsight.demo.rows import Rows, is_empty, make_room, reset_sequences
from portsight.demo.writer import BackgroundWrite, reachable_from_another_process
from portsight.heap import collector_paused
from portsight.security import Keyring
from portsight.services.accounts import DEMO_PASSWORD

# A hash no password verifies: seeded accounts without --demo cannot sign in until an
# administrator sets a password (`python -m portsight users passwd <name>`).
NO_PASSWORD = "!no-password"
# The recent weeks that carry photos and audit entries (a quarter: the weekly review's recent weeks and the
# drill-downs people open); older weeks keep the records without them.
DETAIL_WEEKS = 13
PROGRESS_WEEKS = 5  # the seed says how far it got every this many weeks, and at the last
# From this many weeks on, the rows are written in a process of their own while the history is drawn; below, starting
# that process costs more than it saves.
BACKGROUND_FROM_WEEKS = 8


def database_is_empty(db: Database) -> bool:
    with unit_of_work(db) as session:
        return is_empty(session)


def seed_demo(
    db: Database,
    *,
    weeks: int = 60,
    seed: int = 7,
    now: datetime | None = None,
    force: bool = False,
    demo: bool = False,
    password_hash: str | None = None,
    media_dir: Path | str | None = None,
    secret: str | Keyring | None = None,
    detail_weeks: int = DETAIL_WEEKS,
    progress: Callable[[str], None] | None = None,
    background: bool | None = None,
) -> dict[str, int]:
    """Seed the demo data; returns the number of rows per table. `progress` is told, in a short
    English line, how many weeks are drawn (every PROGRESS_WEEKS) and each step after (a first
    start waits minutes for 60 weeks).

    Refuses (Conflict) when the database already holds ports unless force=True, which first
    deletes all data. `now` anchors the history (default: the current hour); the same seed and
    now give identical rows. Ends with the daily rollups rebuilt from the seeded rows.

    Only with demo=True do the accounts get the published password DEMO_PASSWORD, and the
    database is marked as the demo; otherwise no account can sign in until an administrator
    sets its password. password_hash (tests, benches) overrides both.

    The photos go to media_dir and the receipts are signed with secret (a keyring, or a bare secret as
    services.receipts.as_keyring reads it); by default the app's own (settings.media_dir,
    settings.receipt_keys), so the app shows the photos and its gate accepts the receipts. Only the last
    detail_weeks weeks get photos and audit entries (DETAIL_WEEKS).

    background: write in a process of its own while the history is drawn (demo/writer.py), the same rows;
    by default from BACKGROUND_FROM_WEEKS weeks on, where another process can open the database.
    """
    from portsight.db.rollups import rebuild_rollups

    if now is None:
        now = utcnow().replace(minute=0, second=0, microsecond=0)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    now = now.astimezone(UTC)
    if password_hash is None and demo:
        from portsight.security import hash_password

        password_hash = hash_password(DEMO_PASSWORD)  # once: argon2 is slow on purpose
    password_hash = password_hash or NO_PASSWORD
    if media_dir is None or secret is None:
        from portsight.config import load_settings

        settings = load_settings()
        media_dir = settings.media_dir if media_dir is None else media_dir
        secret = settings.receipt_keys if secret is None else secret
    from portsight.services.receipts import as_keyring

    keyring = as_keyring(secret)
    say = progress or (lambda _: None)
    if background is None:
        background = weeks >= BACKGROUND_FROM_WEEKS and reachable_from_another_process(db)
    if background and not reachable_from_another_process(db):
        raise ValueError("Only a database on a server or in a file can be written from another process.")
    start, detail_from = now - timedelta(weeks=weeks), now - timedelta(weeks=detail_weeks)
    media_dir = Path(media_dir)
    with collector_paused():
        # The order of the calls is the order of the draws: keep it.
        rows = Rows()
        rng, master, records = seed_master(rows, seed, start, now, password_hash, keyring, detail_from)
        days = DrawDays(rows, seed, now)
        declarations = Declarations(rows, rng, master, CatalogueDecisions(default_catalogue()), seed, start, now,
                                    days, detail_from)  # fmt: skip

        def said(done: int, total: int) -> None:
            if done % PROGRESS_WEEKS == 0 or done == total:
                say(f"week {done} of {total} drawn")

        def selection_days() -> list[int]:
            return [day.toordinal() for day in days.seeds]

        if background:
            assert isinstance(db, Engine)  # a connection is never reachable from another process
            started = start_message(seed, weeks, now, password_hash, keyring, media_dir, detail_weeks)
            with BackgroundWrite(db, force=force, progress=say, follow_up=started) as write:

                def hand_over(done: int, total: int) -> None:
                    write.send(rows.take(done / total, portable=True), start + timedelta(weeks=done),
                               followed=declarations.take_followed(), done=done / total)  # fmt: skip
                    said(done, total)

                declarations.history(on_week=hand_over)
                say(f"writing the last of {rows.count():,} rows")
                write.send(rows.take(portable=True), followed=declarations.take_followed(),
                           selection_days=selection_days())  # fmt: skip
                rows.clear()  # freed while the write ends (a second or more for millions of rows): none is read after
                return write.finish(demo)
        with unit_of_work(db) as session:
            audit_after = make_room(session, force)
            follow = FollowUp(rows, seed, now, master, records, PhotoPool(media_dir))

            def follow_week(done: int, total: int) -> None:
                until = start + timedelta(weeks=done)
                follow.week(declarations.take_followed(), until.timestamp(), audit_after)
                said(done, total)

            declarations.history(on_week=follow_week)
            follow.end(declarations.take_followed(), selection_days(), audit_after)
            say(f"writing {rows.count():,} rows")
            counts = rows.write(session)
            reset_sequences(session)
            say("counting the daily rollups")
            counts["daily_rollups"] = rebuild_rollups(session)
            mark_demo(session, demo)
    return counts
