"""Live simulator: keeps the demo alive by doing what the backbone and the inspectors would do.

Every few seconds it registers new declarations (repeat business of the port's enterprises), draws
them for inspection by credit tier, and moves open inspections along (assign, start, complete,
decide) through the same services people use, acting as the system or as the assigned inspector.

One simulator per server process: `start_simulator(engine_or_url, settings)` is idempotent and
returns the running instance; PORTSIGHT_SIMULATOR=off (settings.simulator) switches it off.
`Simulator.step(now)` does one round synchronously, for tests.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from portsight.clock import as_utc, utcnow
from portsight.config import Settings, load_settings
from portsight.db import models as m
from portsight.db.session import Database, make_engine
from portsight.domain.access import SYSTEM, Actor, Role
from portsight.services.declarations import register_declaration
from portsight.services.inspections import (
    assign_inspectors,
    complete_inspection,
    decide_inspection,
    open_inspection,
    start_inspection,
)
from portsight.services.seeding import CREDIT_RATE, OWNERS, container_check_digit

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 5.0


class Simulator:
    def __init__(
        self,
        db: Database,
        *,
        interval: float = DEFAULT_INTERVAL,
        seed: int | None = None,
        declaration_chance: float = 0.15,
        move_chance: float = 0.12,
        max_moves: int = 40,
    ):
        self.db = db
        self.interval = interval
        self.rng = random.Random(seed)
        self.declaration_chance = declaration_chance  # per port and step
        self.move_chance = move_chance  # per open inspection and step
        self.max_moves = max_moves
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._counter = 0
        self.steps = 0
        self.errors = 0

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
        """Register some declarations and move some open inspections; returns what happened."""
        now = now or utcnow()
        self.steps += 1
        events = {"declarations": 0, "inspections_opened": 0, "moves": 0}
        ports = self._read(select(m.Port.id).order_by(m.Port.id))
        for (port_id,) in ports:
            if self.rng.random() < self.declaration_chance:
                opened = self._new_declaration(port_id, now)
                if opened is not None:
                    events["declarations"] += 1
                    events["inspections_opened"] += opened
        open_rows = self._read(
            select(m.Inspection.id, m.Inspection.state, m.Inspection.port_id)
            .where(m.Inspection.state.in_(["pending", "assigned", "in_progress", "completed"]))
            .order_by(m.Inspection.id)
        )
        for inspection_id, state, port_id in open_rows:
            if events["moves"] >= self.max_moves:
                break
            if self.rng.random() >= self.move_chance:
                continue
            try:
                if self._advance(inspection_id, state, port_id, now):
                    events["moves"] += 1
            except Exception:  # noqa: BLE001 - one inspection's trouble must not stop the round
                self.errors += 1
                log.exception("simulator could not move inspection %s", inspection_id)
        return events

    def _read(self, query):
        if isinstance(self.db, Engine):
            with self.db.connect() as conn:
                return conn.execute(query).all()
        return self.db.execute(query).all()

    def _new_declaration(self, port_id: int, now: datetime) -> int | None:
        """Repeat business: a recent declaration at this port is the template for a new one."""
        recent = self._read(
            select(m.Declaration.id).where(m.Declaration.port_id == port_id).order_by(m.Declaration.id.desc()).limit(50)
        )
        if not recent:
            return None
        template_id = self.rng.choice(recent)[0]
        decl = self._read(
            select(m.Declaration.enterprise_id, m.Declaration.direction, m.Declaration.transport_mode,
                   m.Declaration.origin_country, m.Enterprise.credit_tier, m.Enterprise.under_investigation)
            .join(m.Enterprise, m.Enterprise.id == m.Declaration.enterprise_id)
            .where(m.Declaration.id == template_id)
        )[0]  # fmt: skip
        goods = self._read(
            select(m.GoodsLine.hs_code, m.GoodsLine.description, m.GoodsLine.quantity, m.GoodsLine.unit,
                   m.GoodsLine.gross_weight_kg, m.GoodsLine.value)
            .where(m.GoodsLine.declaration_id == template_id).order_by(m.GoodsLine.line_no)
        )  # fmt: skip
        sizes = self._read(
            select(m.Container.size_type).where(m.Container.declaration_id == template_id).order_by(m.Container.id)
        )
        self._counter += 1
        factor = self.rng.uniform(0.7, 1.3)
        owner, seal_prefix = self.rng.choice(OWNERS)
        containers = []
        for (size_type,) in sizes:
            prefix = f"{owner}{self.rng.randrange(1000000):06d}"
            containers.append({"number": prefix + str(container_check_digit(prefix)), "size_type": size_type,
                               "declared_seal": f"{seal_prefix}{self.rng.randint(1000000, 9999999)}"})  # fmt: skip
        number = f"S{as_utc(now):%y%m%d%H%M%S}{port_id:02d}{self._counter:05d}{self.rng.randrange(1000):03d}"
        declaration_id = register_declaration(
            self.db,
            SYSTEM,
            {
                "number": number, "port_id": port_id, "enterprise_id": decl.enterprise_id,
                "direction": decl.direction, "transport_mode": decl.transport_mode,
                "origin_country": decl.origin_country, "declared_at": now,
                "goods": [{"hs_code": g.hs_code, "description": g.description,
                           "quantity": round(g.quantity * factor, 1), "unit": g.unit,
                           "gross_weight_kg": round(g.gross_weight_kg * factor, 1),
                           "value": round(float(g.value) * factor, 2)} for g in goods],
                "containers": containers,
            },
            now=now,
        )  # fmt: skip
        rate = CREDIT_RATE.get(decl.credit_tier, 0.06)
        if decl.under_investigation or self.rng.random() < rate:
            open_inspection(self.db, SYSTEM, declaration_id, now=now)
            return 1
        return 0

    def _inspector(self, user_id: int, port_id: int) -> Actor:
        username = self._read(select(m.User.username).where(m.User.id == user_id))[0][0]
        return Actor(user_id, username, Role.INSPECTOR, frozenset({port_id}))

    def _advance(self, inspection_id: int, state: str, port_id: int, now: datetime) -> bool:
        if state == "pending":
            enterprise_id = self._read(
                select(m.Declaration.enterprise_id)
                .join(m.Inspection, m.Inspection.declaration_id == m.Declaration.id)
                .where(m.Inspection.id == inspection_id)
            )[0][0]
            conflicted = select(m.ConflictOfInterest.user_id).where(m.ConflictOfInterest.enterprise_id == enterprise_id)
            pool = [
                uid
                for (uid,) in self._read(
                    select(m.User.id)
                    .join(m.UserPort, m.UserPort.user_id == m.User.id)
                    .where(
                        m.UserPort.port_id == port_id,
                        m.User.role == "inspector",
                        m.User.active.is_(True),
                        m.User.id.not_in(conflicted),
                    )
                    .order_by(m.User.id)
                )  # fmt: skip
            ]
            if not pool:
                return False
            team = self.rng.sample(pool, k=min(2, len(pool)))
            assign_inspectors(self.db, SYSTEM, inspection_id, team, draw_seed=f"sim:{inspection_id}",
                              draw_inputs={"pool": pool}, now=now)  # fmt: skip
            return True
        lead = self._read(
            select(m.InspectorAssignment.user_id)
            .where(m.InspectorAssignment.inspection_id == inspection_id, m.InspectorAssignment.position == "lead")
            .limit(1)
        )
        if not lead:
            return False
        actor = self._inspector(lead[0][0], port_id)
        if state == "assigned":
            start_inspection(self.db, actor, inspection_id, now=now)
        elif state == "in_progress":
            complete_inspection(self.db, actor, inspection_id, now=now)
        elif state == "completed":
            decision = self.rng.choices(["release", "hold", "return", "destroy"], weights=[90, 6, 3, 1])[0]
            decide_inspection(self.db, actor, inspection_id, decision, now=now + timedelta(seconds=1))
        else:
            return False
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
        _instance = Simulator(engine, interval=interval, seed=seed).start()
        log.info("simulator started, every %.1f s", interval)
        return _instance


def stop_simulator() -> None:
    """Stop the process's simulator if one runs (tests, shutdown)."""
    global _instance
    with _lock:
        if _instance is not None:
            _instance.stop()
            _instance = None
