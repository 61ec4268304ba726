"""Work waiting for the demo's human accounts, whatever the hour.

A visitor who signs in as the demo `inspector`, `expert` or `gate` officer at 03:00 China time finds
what the day shift would have left them; `keep_work_waiting` makes sure of it, through the services
people use, and is cheap (a few reads) when everything is already there:

- the demo inspector has at least one task assigned and not started of each kind in TASK_KINDS: goods
  an expert may have to look at (recycled copper raw material), frozen meat in a reefer, and garments
  whose checklist has only the common steps, so the task can be walked to a release and its receipt.
  The backbone registers repeat business of an enterprise (a recent declaration of the same goods is
  the template), the system draws it (services.selection: the draw is the draw, most declarations are
  not inspected, and then the next one is registered), and the simulator's supervisor assigns the
  inspector by name (services.inspections.assign_inspectors). From then on the task is the human's;
- the demo expert finds a remote-assist request waiting, asked by a port inspector (insp.cnsgh.N) at
  the recycled raw-material step of an inspection in progress, the steps before it recorded with their
  photos (services.field, services.evidence, services.assist);
- the demo gate officer finds a release receipt not yet used: a port inspector walks an inspection of
  garments to its release, which issues the signed receipt (services.decisions.take_decision).

Everything the backbone, the system, the simulator's supervisor and the port inspectors do here is
audited as simulated (Actor.simulated). Only a database seeded as the demo (portsight.db.instance.is_demo)
gets any of it. Called by the live simulator every VISITORS_PERIOD of its rounds (the first round
included) and by `python -m portsight seed --demo`.
"""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from sqlalchemy import and_, select

from portsight.clock import as_utc, utcnow
from portsight.db import models as m
from portsight.db.checklists import load_checklist
from portsight.db.instance import is_demo
from portsight.db.session import Database
from portsight.db.sql import connection
from portsight.demo.declarations import declared_seal_class
from portsight.demo.masterdata import SIMULATOR_SUPERVISOR
from portsight.demo.numbers import next_declaration_number
from portsight.demo.world import OWNERS, SEVEN_POINTS
from portsight.domain.access import SYSTEM, Actor, Role
from portsight.domain.assist_routing import WAITING
from portsight.domain.checklist import InspectionChecklist, Slot
from portsight.domain.iso6346 import check_digit
from portsight.errors import NotFound, PortSightError
from portsight.security import Keyring
from portsight.services import assist, decisions, evidence, field
from portsight.services.declarations import register_declaration
from portsight.services.inspections import assign_inspectors
from portsight.services.selection import select_declaration

log = logging.getLogger(__name__)

PORT = "CNSGH"  # the human demo accounts' port
INSPECTOR, EXPERT, GATE = "inspector", "expert", "gate"
PORT_INSPECTORS = "insp.cnsgh."  # the port's other inspectors, whom the simulator plays
# The backbone registering declarations and the system drawing and assigning them, marked as simulated.
BACKBONE = replace(SYSTEM, simulated=True)
# Draws per inspection wanted: a general-tier declaration is drawn for inspection at about 1 in 10 (less the
# share rule hits take), so that 150 in a row are not is a chance below 1e-5.
MAX_DRAWS = 150
TEMPLATES = 20  # recent declarations of the goods that serve as templates, taken in turn
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

ASSIST_STEP = "recycled_raw_material"
# What the port inspector types, as a Shanghai inspector would: shown as typed, like any user's text. (The
# copper has a lot of enamelled wire and plastic mixed in; hard to tell on sight whether it meets the
# recycled copper standard: please help judge. Expertise: recycled raw materials, solid-waste attributes.)
ASSIST_QUESTION = "箱内铜料夹杂较多漆包线和塑料，感官上难以判断是否符合再生铜原料标准，请专家远程协助判定。"
ASSIST_EXPERTISE = "再生原料、固体废物属性"


@dataclass(frozen=True)
class TaskKind:
    key: str
    codes: tuple[str, ...]  # a goods line is of the kind when its commodity code starts with one of these


# The kinds of task the demo inspector always has waiting, one of each at least.
EXPERT_HELP = TaskKind("expert_help", ("7404000020", "7404000030", "7602000020"))  # recycled raw materials
REEFER = TaskKind("reefer", ("0207", "0208"))  # frozen meat: reefer temperature and health certificate
RELEASE = TaskKind("release", ("6204", "6207", "6301", "6302"))  # garments and linen: the common steps only
TASK_KINDS = (EXPERT_HELP, REEFER, RELEASE)


def _of_kind(kind: TaskKind, codes: list[str]) -> bool:
    return bool(codes) and all(code.startswith(kind.codes) for code in codes)


@dataclass(frozen=True)
class _Accounts:
    port_id: int
    inspector: int | None
    expert: bool
    gate: bool


def keep_work_waiting(
    db: Database,
    *,
    now: datetime | None = None,
    media_dir: Path | str,
    secret: str | Keyring | None,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
) -> dict[str, int]:
    """Top up what the human demo accounts find waiting; returns what was made (all 0 when nothing was missing).

    Without a secret no receipt can be signed, so the gate's receipt is not made.
    """
    now = as_utc(now or utcnow())
    made = {"declarations": 0, "tasks": 0, "assist_requests": 0, "receipts": 0}
    accounts = _accounts(db)
    if accounts is None:
        return made
    maker = _Maker(db, accounts.port_id, now, Path(media_dir), max_upload_bytes, made)
    work: list[Callable[[], None]] = []
    if accounts.inspector is not None:
        waiting = _waiting_task_codes(db, accounts.inspector)
        inspector = accounts.inspector
        work += [
            partial(maker.task_for, kind, inspector)
            for kind in TASK_KINDS
            if not any(_of_kind(kind, codes) for codes in waiting)
        ]
    if accounts.expert and not _assist_waiting(db, accounts.port_id, accounts.inspector):
        work.append(maker.assist_request)
    if accounts.gate and secret and not _receipt_unused(db, accounts.port_id):
        work.append(partial(maker.receipt, secret))
    for make in work:
        try:
            make()
        except PortSightError:  # a service said no (another writer was first, say): the next call tries again
            log.warning("demo: work for the demo accounts not made", exc_info=True)
    return made


# --------------------------------------------------------------------------- what is waiting (reads)


def _accounts(db: Database) -> _Accounts | None:
    if not is_demo(db):
        return None
    with connection(db) as conn:
        port_id = conn.scalar(select(m.Port.id).where(m.Port.code == PORT))
        if port_id is None:
            return None
        users = dict(
            conn.execute(
                select(m.User.username, m.User.id).where(
                    m.User.username.in_((INSPECTOR, EXPERT, GATE)), m.User.active.is_(True)
                )
            ).all()
        )
    return _Accounts(port_id, users.get(INSPECTOR), EXPERT in users, GATE in users)


def _waiting_task_codes(db: Database, inspector_id: int) -> list[list[str]]:
    """The commodity codes of each task assigned to the inspector and not started."""
    with connection(db) as conn:
        rows = conn.execute(
            select(m.Inspection.id, m.GoodsLine.hs_code)
            .join(m.InspectorAssignment, m.InspectorAssignment.inspection_id == m.Inspection.id)
            .join(m.GoodsLine, m.GoodsLine.declaration_id == m.Inspection.declaration_id)
            .where(m.InspectorAssignment.user_id == inspector_id, m.Inspection.state == "assigned")
            .order_by(m.Inspection.id)
        ).all()
    tasks: dict[int, list[str]] = {}
    for inspection_id, code in rows:
        tasks.setdefault(inspection_id, []).append(code)
    return list(tasks.values())


def _assist_waiting(db: Database, port_id: int, human_inspector: int | None) -> bool:
    """A request at the port that no expert has joined yet, asked by one of the port's other inspectors."""
    with connection(db) as conn:
        found = conn.scalar(
            select(m.AssistSession.id)
            .where(
                m.AssistSession.port_id == port_id,
                m.AssistSession.state == WAITING,
                m.AssistSession.requested_by_id != (human_inspector or -1),
            )
            .limit(1)
        )
    return found is not None


def _receipt_unused(db: Database, port_id: int) -> bool:
    with connection(db) as conn:
        found = conn.scalar(
            select(m.ReleaseReceipt.id)
            .join(m.Inspection, m.Inspection.id == m.ReleaseReceipt.inspection_id)
            .where(
                m.Inspection.port_id == port_id, m.Inspection.state == "released", m.ReleaseReceipt.used_at.is_(None)
            )
            .limit(1)
        )
    return found is not None


# --------------------------------------------------------------------------- making it (writes)


@lru_cache(maxsize=32)
def _photo(label: str) -> bytes:
    """A small JPEG per step and photo, the same for every container (stored once: media are content-addressed)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), (80 + sum(map(ord, label)) % 120, 120, 110))
    ImageDraw.Draw(image).text((8, 52), label[:22], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


class _Maker:
    """Makes the missing work through the services; counts what it made in `made`."""

    def __init__(
        self, db: Database, port_id: int, now: datetime, media_dir: Path, max_upload_bytes: int, made: dict[str, int]
    ):
        self.db = db
        self.port_id = port_id
        self.now = now
        self.media_dir = media_dir
        self.max_upload_bytes = max_upload_bytes
        self.made = made

    def _supervisor(self) -> Actor:
        """Who assigns an inspector by name: the simulator's supervisor, or the system where it has none."""
        with connection(self.db) as conn:
            user_id = conn.scalar(select(m.User.id).where(m.User.username == SIMULATOR_SUPERVISOR))
        if user_id is None:
            return BACKBONE
        return Actor(user_id, SIMULATOR_SUPERVISOR, Role.SUPERVISOR, None, simulated=True)

    # -- the human inspector's tasks

    def task_for(self, kind: TaskKind, inspector_id: int) -> None:
        inspection_id = self._drawn_inspection(kind, inspector_id)
        if inspection_id is None:
            return
        assign_inspectors(self.db, self._supervisor(), inspection_id, [inspector_id], now=self.now)
        self.made["tasks"] += 1

    # -- the expert's waiting request

    def assist_request(self) -> None:
        """A port inspector at the recycled raw-material step, the steps before it recorded, asks for an expert."""
        started = self._started_by_port_inspector(EXPERT_HELP)
        if started is None:
            return
        actor, inspection_id, checklist = started
        for slot in checklist.slots:
            if slot.step.key == ASSIST_STEP:
                break
            self._record(actor, inspection_id, checklist, slot)
        assist.request_assist(self.db, actor, inspection_id, ASSIST_STEP, ASSIST_QUESTION, ASSIST_EXPERTISE)
        self.made["assist_requests"] += 1

    # -- the gate's unused receipt

    def receipt(self, secret: str | Keyring) -> None:
        """A port inspector walks an inspection of garments to its release; the release issues the receipt."""
        started = self._started_by_port_inspector(RELEASE)
        if started is None:
            return
        actor, inspection_id, checklist = started
        for slot in checklist.slots:
            self._record(actor, inspection_id, checklist, slot)
        field.complete_checklist(self.db, actor, inspection_id, now=self.now)
        decisions.take_decision(self.db, actor, inspection_id, "release", confirmed=True, secret=secret, now=self.now)
        self.made["receipts"] += 1

    # -- the steps of a port inspector

    def _started_by_port_inspector(self, kind: TaskKind) -> tuple[Actor, int, InspectionChecklist] | None:
        inspection_id = self._drawn_inspection(kind, None)
        if inspection_id is None:
            return None
        found = self._port_inspector(inspection_id)
        if found is None:
            return None
        user_id, username = found
        assign_inspectors(self.db, self._supervisor(), inspection_id, [user_id], now=self.now)
        actor = Actor(user_id, username, Role.INSPECTOR, frozenset({self.port_id}), simulated=True)
        field.accept_task(self.db, actor, inspection_id, now=self.now)
        checklist = load_checklist(self.db, inspection_id)
        if checklist is None:  # pragma: no cover - it was just drawn
            raise NotFound(f"Inspection {inspection_id} does not exist.")
        return actor, inspection_id, checklist

    def _port_inspector(self, inspection_id: int) -> tuple[int, str] | None:
        """One of the port's other inspectors without a conflict of interest with the enterprise, in turn."""
        with connection(self.db) as conn:
            enterprise_id = conn.scalar(
                select(m.Declaration.enterprise_id)
                .join(m.Inspection, m.Inspection.declaration_id == m.Declaration.id)
                .where(m.Inspection.id == inspection_id)
            )
            conflicted = select(m.ConflictOfInterest.user_id).where(m.ConflictOfInterest.enterprise_id == enterprise_id)
            users = conn.execute(
                select(m.User.id, m.User.username)
                .join(m.UserPort, and_(m.UserPort.user_id == m.User.id, m.UserPort.port_id == self.port_id))
                .where(
                    m.User.username.startswith(PORT_INSPECTORS),
                    m.User.role == Role.INSPECTOR.value,
                    m.User.active.is_(True),
                    m.User.id.not_in(conflicted),
                )
                .order_by(m.User.id)
            ).all()
        if not users:
            log.warning("demo: no inspector of %s to give inspection %s to", PORT, inspection_id)
            return None
        user_id, username = users[inspection_id % len(users)]
        return user_id, username

    def _record(self, actor: Actor, inspection_id: int, checklist: InspectionChecklist, slot: Slot) -> None:
        """What the port inspector finds at a step of conforming goods, with the step's photos."""
        outcome = field.record_step_result(
            self.db, actor, inspection_id, slot.step.key, _conforming(slot, checklist), slot.container_id, now=self.now
        )
        if not outcome.saved:
            raise PortSightError(f"demo: step {slot.id} of inspection {inspection_id} refused: {outcome.problems}")
        for n in range(1, slot.photos_required + 1):
            name = f"{slot.step.key}-{n}"
            evidence.attach_photo(
                self.db, actor, inspection_id, slot.step.key, _photo(name), f"{name}.jpg", "image/jpeg",
                slot.container_id, media_dir=self.media_dir, max_bytes=self.max_upload_bytes, now=self.now,
            )  # fmt: skip

    # -- the backbone and the draw

    def _drawn_inspection(self, kind: TaskKind, inspector_id: int | None) -> int | None:
        """Register repeat business of the kind at the port until the draw sends one to inspection with one
        inspector; returns that inspection. An inspection drawn for two (a rule or risk profile hit) is left
        to the port's dispatch. Enterprises with a declared conflict with the inspector are not templates."""
        templates = self._templates(kind, inspector_id)
        if not templates:
            log.warning("demo: no declaration of %s goods to repeat", kind.key)
            return None
        for attempt in range(MAX_DRAWS):
            declaration_id = self._register(templates[attempt % len(templates)])
            drawn = select_declaration(self.db, BACKBONE, declaration_id, now=self.now)
            if drawn.inspection_id is not None and not drawn.forced:
                return drawn.inspection_id
        log.warning("demo: %d draws of %s goods and none inspected", MAX_DRAWS, kind.key)
        return None

    def _templates(self, kind: TaskKind, inspector_id: int | None) -> list[dict[str, Any]]:
        """Recent sea imports of general-tier enterprises whose every goods line is of the kind, fewest
        containers first (a shorter walk), with their goods and container types."""
        matching = m.GoodsLine.hs_code.startswith(kind.codes[0])
        for code in kind.codes[1:]:
            matching = matching | m.GoodsLine.hs_code.startswith(code)
        with connection(self.db) as conn:
            candidates = (
                select(m.GoodsLine.declaration_id)
                .where(matching)
                .group_by(m.GoodsLine.declaration_id)
                .order_by(m.GoodsLine.declaration_id.desc())
                .limit(TEMPLATES * 5)
            )
            conflicted = select(m.ConflictOfInterest.enterprise_id).where(
                m.ConflictOfInterest.user_id == (inspector_id or -1)
            )
            heads = conn.execute(
                select(m.Declaration.id, m.Declaration.enterprise_id, m.Declaration.origin_country)
                .join(m.Enterprise, m.Enterprise.id == m.Declaration.enterprise_id)
                .where(
                    m.Declaration.id.in_(candidates),
                    m.Declaration.direction == "import",
                    m.Declaration.transport_mode == "sea",
                    m.Enterprise.credit_tier == "general",
                    m.Enterprise.under_investigation.is_(False),
                    m.Enterprise.id.not_in(conflicted),
                )
                .order_by(m.Declaration.id.desc())
            ).all()
            ids = [h.id for h in heads]
            goods: dict[int, list[Any]] = {}
            for line in conn.execute(
                select(m.GoodsLine).where(m.GoodsLine.declaration_id.in_(ids)).order_by(m.GoodsLine.line_no)
            ).all():
                goods.setdefault(line.declaration_id, []).append(line)
            boxes: dict[int, list[str]] = {}
            for declaration_id, size_type in conn.execute(
                select(m.Container.declaration_id, m.Container.size_type)
                .where(m.Container.declaration_id.in_(ids))
                .order_by(m.Container.id)
            ).all():
                boxes.setdefault(declaration_id, []).append(size_type)
        found = [
            {"enterprise_id": h.enterprise_id, "origin_country": h.origin_country, "goods": goods[h.id],
             "boxes": boxes[h.id]}
            for h in heads
            if boxes.get(h.id) and _of_kind(kind, [g.hs_code for g in goods.get(h.id, [])])
        ]  # fmt: skip
        found.sort(key=lambda t: len(t["boxes"]))  # stable: the most recent first among equals
        return found[:TEMPLATES]

    def _register(self, template: dict[str, Any]) -> int:
        number = next_declaration_number(self.db, PORT, "import", self.now)
        rng = random.Random(number)
        factor = rng.uniform(0.8, 1.2)
        owner, seal_prefix = rng.choice(OWNERS)
        containers = []
        for size_type in template["boxes"]:
            prefix = f"{owner}{rng.randrange(1_000_000):06d}"
            box = prefix + str(check_digit(prefix))
            containers.append({"number": box, "size_type": size_type,
                               "declared_seal": f"{seal_prefix}{rng.randint(1_000_000, 9_999_999)}",
                               "declared_seal_class": declared_seal_class(box)})  # fmt: skip
        goods = [
            {"hs_code": g.hs_code, "description": g.description, "quantity": round(g.quantity * factor, 1),
             "unit": g.unit, "gross_weight_kg": round(g.gross_weight_kg * factor, 1),
             "value": round(float(g.value) * factor, 2), "currency": g.currency,
             "package_count": max(1, round(g.package_count * factor)) if g.package_count else g.package_count}
            for g in template["goods"]
        ]  # fmt: skip
        declaration_id = register_declaration(
            self.db,
            BACKBONE,
            {"number": number, "port_id": self.port_id, "enterprise_id": template["enterprise_id"],
             "direction": "import", "transport_mode": "sea", "origin_country": template["origin_country"],
             "declared_at": self.now - timedelta(minutes=rng.randint(5, 50)), "goods": goods,
             "containers": containers},
            now=self.now,
        )  # fmt: skip
        self.made["declarations"] += 1
        return declaration_id


def _conforming(slot: Slot, checklist: InspectionChecklist) -> dict[str, Any]:
    """What an inspector enters at a step of goods and containers that are as declared (the steps of the
    garments and recycled raw materials the port inspectors walk here)."""
    key, facts = slot.step.key, checklist.facts
    box = next((c for c in facts.containers if c.number == slot.container_number), None)
    if key == "container_number":
        return {"number": slot.container_number}
    if key == "seal":
        return {
            "seal_number": box.declared_seal if box else None,
            "seal_class": (box and box.declared_seal_class) or "H",
        }
    if key == "reseal":
        return {"new_seal_number": f"HG{(slot.container_number or '0000000000')[4:10]}1", "new_seal_class": "H"}
    if key == "radiation":
        return {"dose_rate_ugy_h": 0.11, "background_ugy_h": 0.1}
    if key == "goods":
        return {"description_matches": True, "quantity": facts.declared_quantity or 1,
                "gross_weight_kg": facts.declared_gross_weight_kg or 1}  # fmt: skip
    if key == "packaging":
        return {"packaging_intact": True, "wood_packaging": False}
    if key == "container_body":
        return dict.fromkeys(SEVEN_POINTS, True)
    # The other steps of these goods are yes/no checks (seal integrity): yes. A step a newer rule adds with
    # other inputs is refused as incomplete, and nothing is made this time (keep_work_waiting logs it).
    return {spec.name: True for spec in slot.step.inputs if spec.type == "bool"}


__all__ = ["TASK_KINDS", "TaskKind", "keep_work_waiting"]
