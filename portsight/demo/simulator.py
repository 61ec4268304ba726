"""Live simulator: keeps the demo alive by doing what the backbone, supervisors and inspectors would do.

Every few seconds it registers new declarations (repeat business of the port's enterprises, as many per
hour as the seeded history has at that port, hour of day and weekday: demo.declarations.arrivals_per_hour) and
moves open work along, always through the services people use and only through its own accounts:
the port staff (insp.<port>.<n>) and its supervisor (masterdata.SIMULATOR_SUPERVISOR); what the
system does for it (register, draw, dispatch) is done as SIMULATED_SYSTEM. Every actor it uses is
marked simulated, so the audit log tells its entries from people's. It never acts as the demo
accounts people sign in with (masterdata.HUMAN_ACCOUNTS) and leaves their work alone: an
inspection whose team includes one of them, one waiting for an expert (it answers no assist
request), and their roster (the seed keeps the demo inspector off duty from `now` on and the
roster top-up leaves them out, so its dispatch cannot draw them). It moves only recent work
(declared within RECENT_WORK): older open work and old holds are people's business, and clearing
them at start-up would put months-old declarations on today's figures. Its inspections take as
long as real ones (PACE), so its own releases keep the live time to release where the history has it.

- the backbone registers a declaration (services.declarations.register_declaration);
- the system draws it (services.selection.select_declaration: the draw is recorded append-only and
  the inspection opened when drawn) and dispatches inspectors at random from the duty roster
  (services.dispatch.dispatch_inspectors), topping the roster up a few days ahead when it runs out;
- the assigned inspector accepts the task, records the checklist one step at a time with its photos,
  completes and decides (services.field: record_step_result, complete_checklist; services.evidence
  .attach_photo; services.decisions.take_decision) - or, without a secret to sign receipts (or with use_field=False),
  start/complete/decide in services.inspections;
- where the release policy blocks release, the rules' remedy: attribute identification of suspected
  waste (concluded waste, then returned), treatment; the result of a hold comes back after a while;
- its supervisor clears holds after a while.

After each round the daily rollups of the touched (port, day) slices are refreshed, and every
ALERT_CHECK_PERIOD of simulated time the alert checks run (portsight.alert_checks).

One simulator per server process: `start_simulator(engine_or_url, settings)` is idempotent and
returns the running instance; PORTSIGHT_SIMULATOR=off (settings.simulator) switches it off.
`Simulator.step(now)` does one round synchronously, for tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import os
import random
import secrets
import tempfile
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from portsight.alert_checks import run_alert_checks
from portsight.clock import as_utc, utcnow
from portsight.config import Settings, load_settings
from portsight.db import models as m
from portsight.db.checklists import load_checklist, slot_progress
from portsight.db.release import inspection_decisions
from portsight.db.rollups import refresh_rollups_at
from portsight.db.session import Database, make_engine
from portsight.demo.declarations import arrivals_per_hour, declared_seal_class, poisson
from portsight.demo.masterdata import HUMAN_ACCOUNTS, SIMULATOR_DISPLAY_NAME, SIMULATOR_SUPERVISOR
from portsight.demo.numbers import next_declaration_number
from portsight.demo.visitors import keep_work_waiting
from portsight.demo.world import LOCAL, OWNERS, SEVEN_POINTS
from portsight.domain.access import SYSTEM, Actor, Role
from portsight.domain.iso6346 import check_digit
from portsight.domain.release import DecisionOptions
from portsight.errors import NotFound, PortSightError
from portsight.services import decisions, evidence, field
from portsight.services.accounts import create_user
from portsight.services.declarations import register_declaration
from portsight.services.dispatch import dispatch_inspectors
from portsight.services.draws import publish_day_seed
from portsight.services.inspections import complete_inspection, decide_inspection, record_hold_result, start_inspection
from portsight.services.roster import set_duty_shift
from portsight.services.selection import select_declaration

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 5.0
ALERT_CHECK_PERIOD = timedelta(seconds=30)
# A round registers the arrivals of the time since the last round, at most this much: after a stall (a database
# outage, a machine waking up) the board does not jump by hours of declarations at one instant.
MAX_ROUND = timedelta(minutes=15)
VISITORS_PERIOD = timedelta(minutes=2)  # how often the human demo accounts' waiting work is topped up
ROSTER_AHEAD = timedelta(days=2)  # top the roster up when a port's last shift ends sooner than this
HOLD_CLEARED_AFTER = timedelta(minutes=30)
HOLD_RESULT_AFTER = timedelta(minutes=20)  # a treatment, laboratory result or identification comes back
RECENT_WORK = timedelta(days=2)  # the simulator moves inspections of declarations younger than this
# The least time each phase takes, in minutes, drawn per inspection between bounds near the seeded history's
# 10th and 90th percentiles (dispatch, getting the box to the inspection area, each step, the decision): the
# simulator's inspections take as long as real ones, so the live time to release stays the history's.
PACE = {"pending": (7, 35), "assigned": (19, 89), "in_progress": (6, 25), "completed": (4, 44)}
ASSIST_OPEN = ("waiting", "active")  # an inspection waiting for an expert waits: the simulator answers none
# The system acting for the simulator: its registrations, draws and dispatches are marked simulated.
SIMULATED_SYSTEM = dataclasses.replace(SYSTEM, simulated=True)
# The states the simulator moves on: the inspectors' work, holds waiting for a result, holds to clear.
MOVING_STATES = ("pending", "assigned", "in_progress", "completed", "identification", "awaiting_lab",
                 "under_treatment", "held")  # fmt: skip
# What a waiting decision orders (services.decisions.take_decision asks what is done).
ORDERED = {"identify": "委托专业鉴别机构开展固体废物属性鉴别 / Attribute identification commissioned",
           "treat": "溴甲烷熏蒸除害处理 / Methyl bromide fumigation"}  # fmt: skip


def _photo(label: str) -> bytes:
    """A small real JPEG per step (content-addressed, so each is stored once)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), (90 + sum(map(ord, label)) % 120, 110, 140))
    ImageDraw.Draw(image).text((8, 52), label[:22], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


class Simulator:
    def __init__(
        self,
        db: Database,
        *,
        interval: float = DEFAULT_INTERVAL,
        seed: int | None = None,
        volume_factor: float = 1.0,
        move_chance: float = 0.12,
        max_moves: int = 40,
        media_dir: Path | str | None = None,
        secret: str | None = None,
        max_upload_bytes: int = 10 * 1024 * 1024,
        use_field: bool = True,
    ):
        self.db = db
        self.interval = interval
        self.seed = seed
        self.rng = random.Random(seed)
        self.volume_factor = volume_factor  # times the seeded history's declarations per hour (tests scale it)
        self.move_chance = move_chance  # per open inspection and step
        self.max_moves = max_moves
        self.media_dir = Path(media_dir) if media_dir else Path(tempfile.gettempdir()) / "portsight-sim-media"
        self.secret = secret
        self.max_upload_bytes = max_upload_bytes
        self.field = field if use_field and secret else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._photos: dict[str, bytes] = {}
        self._last_checks: datetime | None = None
        self._last_round: datetime | None = None
        self._visitors_checked: datetime | None = None
        self._roster_checked: datetime | None = None
        self._committed_days: set[date] = set()
        self.steps = 0
        self.errors = 0
        self.refused = 0  # services said no (nobody on duty, not allowed): normal, retried later

    # -- thread ---------------------------------------------------------------------------------------------------

    def start(self) -> Simulator:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="portsight-simulator", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.step()
            except Exception:  # noqa: BLE001 - the loop must survive anything; the log says what happened
                self.errors += 1
                log.exception("simulator step failed")

    # -- one round ------------------------------------------------------------------------------------------------

    def step(self, now: datetime | None = None) -> dict[str, int]:
        """Register some declarations, move some open inspections, refresh rollups, run the checks."""
        now = as_utc(now or utcnow())
        self.steps += 1
        events = {"declarations": 0, "inspections_opened": 0, "moves": 0, "alerts": 0}
        touched: dict[int, set[datetime]] = {}
        human = {uid for (uid,) in self._read(select(m.User.id).where(m.User.username.in_(sorted(HUMAN_ACCOUNTS))))}
        self._ensure_roster(now, human)
        ports = self._read(select(m.Port.id, m.Port.code).order_by(m.Port.id))
        hours = self._round_hours(now)
        for port_id, port_code in ports:
            for _ in range(poisson(self.rng, arrivals_per_hour(port_code, now) * hours * self.volume_factor)):
                opened = self._new_declaration(port_id, port_code, now)
                if opened is not None:
                    events["declarations"] += 1
                    events["inspections_opened"] += opened
                    touched.setdefault(port_id, set()).add(now)
        open_rows = self._read(
            select(m.Inspection.id, m.Inspection.state, m.Inspection.port_id, m.Inspection.decided_at,
                   m.Declaration.declared_at)
            .join(m.Declaration, m.Declaration.id == m.Inspection.declaration_id)
            .where(m.Inspection.state.in_(MOVING_STATES), m.Declaration.declared_at >= now - RECENT_WORK,
                   m.Inspection.id.not_in(select(m.AssistSession.inspection_id)
                                          .where(m.AssistSession.state.in_(ASSIST_OPEN))))
            .order_by(m.Inspection.id)
        )  # fmt: skip
        for inspection_id, state, port_id, decided_at, declared_at in open_rows:
            if events["moves"] >= self.max_moves:
                break
            if self.rng.random() >= self.move_chance:
                continue
            if state == "held" and (decided_at is None or now - as_utc(decided_at) < HOLD_CLEARED_AFTER):
                continue
            if state in PACE and not self._due(inspection_id, state, now):
                continue
            try:
                moved = self._advance(inspection_id, state, port_id, now, human)
            except PortSightError as exc:  # nobody on duty, a rule refused: try again in a later round
                self.refused += 1
                log.debug("simulator: inspection %s not moved: %s", inspection_id, exc)
                continue
            except Exception:  # noqa: BLE001 - one inspection's trouble must not stop the round
                self.errors += 1
                log.exception("simulator could not move inspection %s", inspection_id)
                continue
            if moved:
                events["moves"] += 1
                touched.setdefault(port_id, set()).update({now, as_utc(declared_at)})
        for port_id, instants in touched.items():
            refresh_rollups_at(self.db, port_id, *instants)
        if self._last_checks is None or now - self._last_checks >= ALERT_CHECK_PERIOD:
            raised = run_alert_checks(self.db, now, since=self._last_checks, actor=SIMULATED_SYSTEM)
            events["alerts"] = sum(raised.values())
            self._last_checks = now
        if self._visitors_checked is None or now - self._visitors_checked >= VISITORS_PERIOD:
            self._visitors_checked = now  # a failure is not retried every round
            made = keep_work_waiting(self.db, now=now, media_dir=self.media_dir, secret=self.secret,
                                     max_upload_bytes=self.max_upload_bytes)  # fmt: skip
            events["visitors"] = sum(made.values())
        return events

    def _round_hours(self, now: datetime) -> float:
        """The hours this round stands for: since the last round (the first stands for one interval)."""
        since = self._last_round
        self._last_round = now
        elapsed = timedelta(seconds=self.interval) if since is None else now - since
        return min(max(elapsed, timedelta(0)), MAX_ROUND) / timedelta(hours=1)

    def _due(self, inspection_id: int, state: str, now: datetime) -> bool:
        """Whether the inspection's current phase has taken its time since the last thing done on it. The time
        is drawn from the inspection and that moment (not from the round's random stream), so a restarted
        simulator waits the same."""
        last = self._read(
            select(func.max(m.InspectionTransition.at)).where(m.InspectionTransition.inspection_id == inspection_id)
        )[0][0]
        step = self._read(
            select(func.max(m.StepResult.recorded_at)).where(m.StepResult.inspection_id == inspection_id)
        )[0][0]
        moments = [as_utc(t) for t in (last, step) if t is not None]
        if not moments:
            return True
        since = max(moments)
        draw = hashlib.sha256(f"{inspection_id}|{state}|{since.isoformat()}".encode()).digest()
        low, high = PACE[state]
        minutes = low * (high / low) ** (int.from_bytes(draw[:8], "big") / 2**64)
        return now - since >= timedelta(minutes=minutes)

    def _read(self, query):
        if isinstance(self.db, Engine):
            with self.db.connect() as conn:
                return conn.execute(query).all()
        return self.db.execute(query).all()

    def _commit_day(self, now: datetime) -> None:
        """Reproducible draws when the simulator has a seed: it publishes each day's seed, derived from its
        own, before the day's first draw (a day already committed keeps its seed). Without a seed the
        services commit a random one on the day's first draw."""
        day = (now + LOCAL).date()
        if self.seed is None or day in self._committed_days:
            return
        day_seed = hashlib.sha256(f"sim-{self.seed}|day|{day.isoformat()}".encode()).hexdigest()
        publish_day_seed(self.db, SIMULATED_SYSTEM, day, now=now, seed=day_seed)
        self._committed_days.add(day)

    # -- the roster -----------------------------------------------------------------------------------------------

    def _supervisor(self) -> Actor:
        """The simulator's supervisor (all ports); created when a database seeded before it had none, with a
        password nobody knows."""
        found = self._read(select(m.User.id).where(m.User.username == SIMULATOR_SUPERVISOR))
        if found:
            user_id = found[0][0]
        else:
            user_id = create_user(
                self.db, SIMULATED_SYSTEM, username=SIMULATOR_SUPERVISOR, password=secrets.token_urlsafe(24),
                role=Role.SUPERVISOR, display_name=SIMULATOR_DISPLAY_NAME, all_ports=True,
            )  # fmt: skip
        return Actor(user_id, SIMULATOR_SUPERVISOR, Role.SUPERVISOR, None, simulated=True)

    def _ensure_roster(self, now: datetime, human: set[int]) -> None:
        """Its supervisor keeps the duty roster filled a few days ahead (day and late shifts, local time),
        with the port staff only: never the demo accounts people sign in with."""
        if self._roster_checked is not None and now - self._roster_checked < timedelta(hours=1):
            return
        self._roster_checked = now
        last_end = dict(
            self._read(select(m.DutyShift.port_id, func.max(m.DutyShift.ends_at)).group_by(m.DutyShift.port_id))
        )
        staff = self._read(
            select(m.UserPort.port_id, m.User.id)
            .join(m.User, m.User.id == m.UserPort.user_id)
            .where(m.User.role == Role.INSPECTOR.value, m.User.active.is_(True))
            .order_by(m.UserPort.port_id, m.User.id)
        )
        by_port: dict[int, list[int]] = {}
        for port_id, user_id in staff:
            if user_id not in human:
                by_port.setdefault(port_id, []).append(user_id)
        supervisor = self._supervisor()
        for port_id, users in by_port.items():
            end = last_end.get(port_id)
            if end is not None and as_utc(end) >= now + ROSTER_AHEAD:
                continue
            today = (now + LOCAL).date()
            for d in range(4):
                day = today + timedelta(days=d)
                for i, user_id in enumerate(users):
                    late = (i + d) % 4 == 0
                    begin = datetime(day.year, day.month, day.day, 12 if late else 8, tzinfo=now.tzinfo) - LOCAL
                    try:
                        set_duty_shift(
                            self.db, supervisor, user_id, port_id, begin, begin + timedelta(hours=8 if late else 9)
                        )
                    except PortSightError:  # already on duty then
                        continue

    # -- the backbone and the draw --------------------------------------------------------------------------------

    def _new_declaration(self, port_id: int, port_code: str, now: datetime) -> int | None:
        """Repeat business: a recent declaration at this port is the template for a new one; then the draw."""
        recent = self._read(
            select(m.Declaration.id).where(m.Declaration.port_id == port_id).order_by(m.Declaration.id.desc()).limit(50)
        )
        if not recent:
            return None
        template_id = self.rng.choice(recent)[0]
        decl = self._read(
            select(m.Declaration.enterprise_id, m.Declaration.direction, m.Declaration.transport_mode,
                   m.Declaration.origin_country)
            .where(m.Declaration.id == template_id)
        )[0]  # fmt: skip
        goods = self._read(
            select(m.GoodsLine.hs_code, m.GoodsLine.description, m.GoodsLine.quantity, m.GoodsLine.unit,
                   m.GoodsLine.gross_weight_kg, m.GoodsLine.value, m.GoodsLine.package_count)
            .where(m.GoodsLine.declaration_id == template_id).order_by(m.GoodsLine.line_no)
        )  # fmt: skip
        sizes = self._read(
            select(m.Container.size_type).where(m.Container.declaration_id == template_id).order_by(m.Container.id)
        )
        factor = self.rng.uniform(0.7, 1.3)
        owner, seal_prefix = self.rng.choice(OWNERS)
        containers = []
        for (size_type,) in sizes:
            prefix = f"{owner}{self.rng.randrange(1000000):06d}"
            box_number = prefix + str(check_digit(prefix))
            containers.append({"number": box_number, "size_type": size_type,
                               "declared_seal": f"{seal_prefix}{self.rng.randint(1000000, 9999999)}",
                               "declared_seal_class": declared_seal_class(box_number)})  # fmt: skip
        declaration_id = register_declaration(
            self.db,
            SIMULATED_SYSTEM,
            {
                "number": next_declaration_number(self.db, port_code, decl.direction, now), "port_id": port_id,
                "enterprise_id": decl.enterprise_id,
                "direction": decl.direction, "transport_mode": decl.transport_mode,
                "origin_country": decl.origin_country, "declared_at": now,
                "goods": [{"hs_code": g.hs_code, "description": g.description,
                           "quantity": round(g.quantity * factor, 1), "unit": g.unit,
                           "gross_weight_kg": round(g.gross_weight_kg * factor, 1),
                           "value": round(float(g.value) * factor, 2),
                           "package_count": max(1, round(g.package_count * factor)) if g.package_count else
                           g.package_count} for g in goods],
                "containers": containers,
            },
            now=now,
        )  # fmt: skip
        self._commit_day(now + timedelta(seconds=1))
        drawn = select_declaration(self.db, SIMULATED_SYSTEM, declaration_id, now=now + timedelta(seconds=1))
        return int(drawn.inspection_id is not None)

    # -- moving an inspection -------------------------------------------------------------------------------------

    def _actor(self, user_id: int, port_id: int) -> Actor:
        """One of the port's staff, as the simulator acts through them."""
        username = self._read(select(m.User.username).where(m.User.id == user_id))[0][0]
        return Actor(user_id, username, Role.INSPECTOR, frozenset({port_id}), simulated=True)

    def _team(self, inspection_id: int) -> list[int]:
        return [
            uid
            for (uid,) in self._read(
                select(m.InspectorAssignment.user_id)
                .where(m.InspectorAssignment.inspection_id == inspection_id)
                .order_by(m.InspectorAssignment.position != "lead", m.InspectorAssignment.id)
            )
        ]

    def _advance(self, inspection_id: int, state: str, port_id: int, now: datetime, human: set[int]) -> bool:
        if state == "pending":
            self._commit_day(now)
            dispatch_inspectors(self.db, SIMULATED_SYSTEM, inspection_id, now=now)
            return True
        team = self._team(inspection_id)
        if not team or human.intersection(team):  # a person's work is theirs to move
            return False
        if state == "held":
            decision = self.rng.choices(["release", "return", "destroy"], weights=[70, 25, 5])[0]
            options = self._options(inspection_id)
            decision = self._allowed(options, decision, "return")
            decide_inspection(self.db, self._supervisor(), inspection_id, decision, now=now)
            return True
        if state in ("identification", "awaiting_lab", "under_treatment"):
            return self._hold_result(inspection_id, state, team[0], port_id, now)
        actor = self._actor(team[0], port_id)
        if self.field is None:
            return self._advance_bare(actor, inspection_id, state, now)
        if state == "assigned":
            self.field.accept_task(self.db, actor, inspection_id, now=now)
        elif state == "in_progress":
            self._record_next_step(actor, inspection_id, now)
        elif state == "completed":
            self._decide(actor, inspection_id, team, now)
        else:
            return False
        return True

    def _advance_bare(self, actor: Actor, inspection_id: int, state: str, now: datetime) -> bool:
        """Without services.field: the lifecycle only (no step results)."""
        if state == "assigned":
            start_inspection(self.db, actor, inspection_id, now=now)
        elif state == "in_progress":
            complete_inspection(self.db, actor, inspection_id, now=now)
        elif state == "completed":
            options = self._options(inspection_id)
            if options is not None and "identify" in options.suggested:
                decide_inspection(self.db, actor, inspection_id, "identify", what=ORDERED["identify"], now=now)
                return True
            decision = self.rng.choices(["release", "hold", "return", "destroy"], weights=[90, 6, 3, 1])[0]
            decide_inspection(self.db, actor, inspection_id, self._allowed(options, decision, "hold"), now=now)
        else:
            return False
        return True

    def _record_next_step(self, actor: Actor, inspection_id: int, now: datetime) -> None:
        """Record the next open slot of the checklist with its photos, or complete when all are done.

        A slot recorded without its photos (the seeded history records none) gets them first, so the
        checklist can be completed instead of being refused round after round."""
        checklist = load_checklist(self.db, inspection_id)
        if checklist is None:
            raise NotFound(f"Inspection {inspection_id} does not exist.")
        progress = slot_progress(self.db, checklist)
        slot = next((s for s in checklist.slots if progress[s.id]["outcome"] is None), None)
        if slot is None:
            slot = next((s for s in checklist.slots if progress[s.id]["photos"] < s.photos_required), None)
            if slot is None:
                field.complete_checklist(self.db, actor, inspection_id, now=now)
                return
        else:
            box = checklist.containers.get(slot.container_number) if slot.container_number else None
            values = self._values(slot, box, checklist)
            field.record_step_result(self.db, actor, inspection_id, slot.step.key, values, slot.container_id, now=now)
        for _ in range(max(0, slot.photos_required - progress[slot.id]["photos"])):
            data = self._photos.get(slot.step.key) or self._photos.setdefault(slot.step.key, _photo(slot.step.key))
            evidence.attach_photo(
                self.db, actor, inspection_id, slot.step.key, data, f"{slot.step.key}.jpg", "image/jpeg",
                slot.container_id, media_dir=self.media_dir, max_bytes=self.max_upload_bytes, now=now,
            )  # fmt: skip

    def _values(self, slot, box: dict | None, checklist) -> dict:
        """What an inspector enters, by the checklist's input names; now and then something is wrong."""
        rng, key = self.rng, slot.step.key
        facts = checklist.facts
        if key == "container_number":
            return {"number": slot.container_number}
        if key == "seal":
            declared = (box or {}).get("declared_seal") or "CN0000000"
            seal = declared if rng.random() > 0.01 else declared[:-3] + f"{(int(declared[-3:]) + 7) % 1000:03d}"
            return {"seal_number": seal, "seal_class": "H"}
        if key == "seal_integrity":
            return dict.fromkeys(("seal_view", "seal_tug", "seal_twist", "seal_turn"), True)
        if key == "reseal":  # the customs seal put on after inspection
            return {"new_seal_number": f"HG{rng.randint(1000000, 9999999)}", "new_seal_class": "H"}
        if key == "reefer_temperature":
            frozen = any(g.hs_code[:2] in ("02", "03") for g in facts.goods)
            set_point = -18.0 if frozen else 4.0
            off = rng.uniform(3, 8) if rng.random() < 0.04 else rng.uniform(-1.5, 1.5)
            return {"set_point_c": set_point, "measured_c": round(set_point + off, 1)}
        if key == "radiation":
            background = round(rng.uniform(0.06, 0.16), 3)
            extra = rng.uniform(0.4, 2.0) if rng.random() < 0.05 else rng.uniform(0.0, 0.15)
            return {"dose_rate_ugy_h": round(background + extra, 3), "background_ugy_h": background}
        if key == "impurity":
            return {"impurity_pct": round(rng.uniform(1.6, 5) if rng.random() < 0.1 else rng.uniform(0.05, 0.45), 2)}
        if key == "goods":
            weight = facts.declared_gross_weight_kg or 1000.0
            off = rng.uniform(0.08, 0.25) if rng.random() < 0.03 else rng.uniform(-0.03, 0.03)
            return {"description_matches": rng.random() > 0.02, "quantity": facts.declared_quantity or 1,
                    "gross_weight_kg": round(weight * (1 + off), 1)}  # fmt: skip
        if key == "packaging":
            wood = rng.random() < 0.3
            values: dict[str, Any] = {"packaging_intact": rng.random() > 0.03, "wood_packaging": wood}
            if wood:
                values["ispm15_mark"] = rng.random() > 0.05
            return values
        if key == "container_body":
            values = dict.fromkeys(SEVEN_POINTS, True)
            if rng.random() < 0.01:
                values[rng.choice(SEVEN_POINTS)] = False
            return values
        # A step a newer rule added: plausible values by input type.
        values = {}
        for spec in slot.step.inputs:
            if spec.type == "number":
                values[spec.name] = spec.min if spec.min is not None else 0
            elif spec.type == "bool":
                values[spec.name] = True
            elif spec.type == "choice":
                values[spec.name] = spec.choices[0]
            else:
                values[spec.name] = "OK"
        return values

    def _options(self, inspection_id: int) -> DecisionOptions | None:
        """The decisions the release policy leaves open on the inspection now (portsight.domain.release)."""
        found = inspection_decisions(self.db, inspection_id)
        return None if found is None else found[1]

    @staticmethod
    def _allowed(options: DecisionOptions | None, decision: str, instead: str) -> str:
        """The decision, or `instead` when the release policy does not leave it open (prohibited goods), so a
        refused release is never asked for again and again."""
        return decision if options is None or decision in options.allowed else instead

    def _decide(self, actor: Actor, inspection_id: int, team: list[int], now: datetime) -> None:
        """The inspector's decision: the rules' remedy where release is blocked (identification of suspected
        waste, treatment), return of what was concluded waste, else by the findings' severity."""
        options = self._options(inspection_id)
        suggested = options.suggested if options is not None else {}
        waste = options is not None and any(b.kind == "waste" for b in options.blockers)
        what = None
        if "identify" in suggested:
            decision, what = "identify", ORDERED["identify"]
        elif waste:
            decision = "return" if len(team) > 1 else "hold"
        elif "treat" in suggested and self.rng.random() < 0.5:
            decision, what = "treat", ORDERED["treat"]
        else:
            severities = [
                s for (s,) in self._read(select(m.Finding.severity).where(m.Finding.inspection_id == inspection_id))
            ]
            if "high" in severities:
                decision = "return" if len(team) > 1 and self.rng.random() < 0.4 else "hold"
            elif severities:
                decision = self.rng.choices(["release", "hold"], weights=[60, 40])[0]
            else:
                decision = "release"
            decision = self._allowed(options, decision, "return" if len(team) > 1 else "hold")
        decisions.take_decision(
            self.db, actor, inspection_id, decision, confirmed=True, secret=self.secret, what=what, now=now
        )

    def _hold_result(self, inspection_id: int, state: str, lead: int, port_id: int, now: datetime) -> bool:
        """The result of what the inspection waits for, a while after it was ordered, recorded by its lead
        inspector: suspected waste is concluded waste, a laboratory mostly passes, a treatment is done."""
        ordered = self._read(
            select(m.ReleaseHold.ordered_at)
            .where(m.ReleaseHold.inspection_id == inspection_id, m.ReleaseHold.result.is_(None))
            .order_by(m.ReleaseHold.id.desc())
            .limit(1)
        )
        if not ordered or now - as_utc(ordered[0][0]) < HOLD_RESULT_AFTER:
            return False
        result = {"identification": "waste", "under_treatment": "done"}.get(state)
        if result is None:
            result = "pass" if self.rng.random() < 0.85 else "fail"
        record_hold_result(self.db, self._actor(lead, port_id), inspection_id, result, now=now)
        return True


_lock = threading.Lock()
_instance: Simulator | None = None


def start_simulator(
    engine_or_url: Engine | str, settings: Settings | None = None, *, seed: int | None = None
) -> Simulator | None:
    """Start the process's one simulator (or return the running one); None when switched off."""
    global _instance
    settings = settings or load_settings()
    if not settings.simulator:
        return None
    with _lock:
        if _instance is not None and _instance.is_alive():
            return _instance
        engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
        interval = float(os.environ.get("PORTSIGHT_SIMULATOR_SECONDS") or DEFAULT_INTERVAL)
        volume_factor = float(os.environ.get("PORTSIGHT_SIMULATOR_VOLUME_FACTOR") or 1.0)
        _instance = Simulator(
            engine,
            interval=interval,
            volume_factor=volume_factor,
            seed=seed,
            media_dir=settings.media_dir,
            secret=settings.secret,
            max_upload_bytes=settings.max_upload_bytes,
        ).start()
        log.info("simulator started, every %.1f s", interval)
        return _instance


def stop_simulator() -> None:
    """Stop the process's simulator if one runs (tests, shutdown)."""
    global _instance
    with _lock:
        if _instance is not None:
            _instance.stop()
            _instance = None
