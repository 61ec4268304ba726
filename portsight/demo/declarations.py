"""Declarations of the seeded history, with their goods lines, containers and selection draws.

Declarations arrive hour by hour at every port (Poisson, office-hour and weekday rhythm, port
volume), from the port's enterprises weighted by their trade; goods under the 10-digit commodity
codes of the enterprise's trade (world.HS_CODES), origins to match, containers with valid ISO 6346
numbers and bolt seals (their declared ISO 17712 class mostly H), package counts to match the
quantities. Each is drawn as services.selection.select_declaration draws it (domain.selection.decide
with the day's policy, the catalogue's forced hits and the tier's forced share, a seed derived from the
day's seed), and handed on to what follows it (demo/follow_up.py: its audit entry, alerts, inspection).
"""

from __future__ import annotations

import math
import random
import zlib
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from portsight.clock import as_utc
from portsight.db import models as m
from portsight.demo.decisions import CatalogueDecisions
from portsight.demo.draw_days import DrawDays
from portsight.demo.follow_up import follow_up_of
from portsight.demo.masterdata import MasterData
from portsight.demo.numbers import CUSTOMS_OFFICE, declaration_number
from portsight.demo.rows import Rows, to_json
from portsight.demo.world import HS_CODES, LOCAL, OWNERS, PORT_VOLUME, RECYCLED_WASTE_SHARE, WASTE_CODE, Category
from portsight.domain import selection as draw
from portsight.domain.iso6346 import check_digit
from portsight.services.selection import (
    CODE_VERSION,
    FORCED_SHARE_MIN_SAMPLE,
    FORCED_SHARE_WINDOW_DAYS,
    UNDER_INVESTIGATION,
)

HOURS_PER_WEEK = 7 * 24
# Units of quantity per package (carton, bag, crate, bale) by goods category; a category not listed packs
# 25 kg to a package when counted in kg, one unit to a package otherwise.
UNITS_PER_PACKAGE = {
    "electronics": 10, "textiles": 50, "cosmetics_wine": 12, "plastics": 25, "meat": 25, "seafood": 20,
    "dairy": 25, "fruit": 10, "copper_scrap": 1000, "recovered_paper": 500, "chemicals": 20000, "wood_grain": 1000,
}  # fmt: skip


def package_count(cat: Category, quantity: float) -> int:
    """The packages a goods line of this quantity is declared in: derived from it, no draw."""
    per_package = UNITS_PER_PACKAGE.get(cat.key, 25 if cat.unit == "kg" else 1)
    return max(1, math.ceil(quantity / per_package))


def declared_seal_class(container_number: str) -> str:
    """The ISO 17712 class declared for a container's seal: high-security bolt seals are the norm, an
    indicative seal now and then. Derived from the number, no draw, so the random stream is unchanged."""
    return "I" if zlib.crc32(container_number.encode("ascii")) % 16 == 0 else "H"


def poisson(rng: random.Random, lam: float) -> int:
    """How many events of mean `lam` happened: a Poisson draw (its normal approximation above 30)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _hour_factor(local_hour: int, weekday: int) -> float:
    """Declarations per hour, relative: office hours peak, a lull at lunch, quiet nights and weekends."""
    if 9 <= local_hour <= 11 or 14 <= local_hour <= 16:
        f = 1.6
    elif local_hour in (8, 13, 17):
        f = 1.1
    elif local_hour == 12 or 18 <= local_hour <= 20:
        f = 0.6
    else:
        f = 0.12
    return f * (0.35 if weekday == 5 else 0.2 if weekday == 6 else 1.0)


_WEEK = sum(_hour_factor(h % 24, h // 24) for h in range(24 * 7))  # the hour factors of a week add up to this


def arrivals_per_hour(port_code: str, at: datetime) -> float:
    """Declarations expected per hour at the port at this moment: its weekly volume (world.PORT_VOLUME) spread
    over the week by the hour of day and weekday in China time. The seeded history and the live simulator both
    draw their arrivals from it, so the live board's volume looks like the past's. A port outside the demo's
    world gets none."""
    if port_code not in PORT_VOLUME:
        return 0.0
    local = as_utc(at) + LOCAL
    return PORT_VOLUME[port_code][0] * _hour_factor(local.hour, local.weekday()) / _WEEK


class Declarations:
    """Seeds the declarations of the history (`history`), drawing each and passing the drawn on."""

    def __init__(
        self,
        rows: Rows,
        rng: random.Random,
        master: MasterData,
        decisions: CatalogueDecisions,
        seed: int,
        start: datetime,
        now: datetime,
        days: DrawDays,
        detail_from: datetime,
    ):
        self.rows = rows
        self.rng = rng
        self.master = master
        self.decisions = decisions
        self.seed = seed
        self.start = start
        self.now = now
        self.days = days
        self.detail_from = detail_from  # draws from this time on have an audit entry (seed.DETAIL_WEEKS)
        # What each draw hands on to its follow-up (demo/follow_up.py), until taken (`take_followed`).
        self.followed: list[tuple] = []
        self.container_serial = rng.randint(100000, 400000)
        self._inputs: dict = {}
        self._banned_due, self._banned_lots = 0.5, 0  # recycled raw-material lots that are banned waste (_lines)
        rows.json_text[m.Selection] = frozenset({"inputs"})
        self._forced: dict[str, deque] = {}
        self._forced_counts: dict[str, list[int]] = {}
        self._sequence: dict[tuple[str, int], int] = {}  # (customs office, year): the last number given
        self._port_code = {pid: code for code, pid in master.port_ids.items()}

    def history(self, on_week: Callable[[int, int], None] | None = None) -> None:
        """Every hour from start to now, at every port, the declarations that arrived; on_week(done,
        weeks) after each week drawn."""
        rng = self.rng
        hours = int((self.now - self.start).total_seconds() // 3600)
        weeks = -(-hours // HOURS_PER_WEEK)
        for h in range(hours):
            hour = self.start + timedelta(hours=h)
            for code, pid in self.master.port_ids.items():
                for _ in range(poisson(rng, arrivals_per_hour(code, hour))):
                    declared = hour + timedelta(seconds=rng.randrange(3600))
                    self.declaration(pid, declared)
            if on_week is not None and (h + 1) % HOURS_PER_WEEK == 0:
                on_week((h + 1) // HOURS_PER_WEEK, weeks)

    def take_followed(self) -> list[tuple]:
        """The draws to follow up (follow_up.follow_up_of) since the last take."""
        taken, self.followed = self.followed, []
        return taken

    def _lines(self, cat: Category, n_lines: int) -> tuple[list[tuple[str, str]], bool]:
        """The commodity code and goods name of each line, and whether the lot is not what it is declared as.

        Lines take codes of the trade's headings (world.HS_CODES). A recycled raw-material lot declares one
        kind on all its lines (kinds are not mixed on a declaration); RECYCLED_WASTE_SHARE of them are banned
        waste, alternately declared under a waste code and declared as recycled copper but not that at
        inspection. The banned lots come at exactly that share (every 1/share-th lot, the first half-way),
        not by chance: a few weeks of history always hold some.
        """
        rng = self.rng
        if cat.key != "copper_scrap":
            return [rng.choice(HS_CODES[rng.choice(cat.headings)]) for _ in range(n_lines)], False
        self._banned_due += RECYCLED_WASTE_SHARE
        banned = self._banned_due >= 1
        if banned:
            self._banned_due -= 1
            self._banned_lots += 1
        waste = banned and self._banned_lots % 2 == 1
        misdeclared = banned and not waste
        line = WASTE_CODE if waste else rng.choice(HS_CODES[rng.choice(cat.headings)])
        return [HS_CODES["7404"][0] if misdeclared else line] * n_lines, misdeclared

    def _number(self, pid: int, local: datetime, direction: str) -> str:
        """The customs number the accepting office gives: its sequence for the year, from 1."""
        port_code = self._port_code[pid]
        key = (CUSTOMS_OFFICE[port_code], local.year)
        seq = self._sequence[key] = self._sequence.get(key, 0) + 1
        return declaration_number(port_code, local.year, direction, seq)

    def declaration(self, pid: int, declared: datetime) -> None:
        """One declaration with its goods lines and containers, then its draw."""
        rng = self.rng
        ids, cum = self.master.port_ents[pid]
        eid = rng.choices(ids, cum_weights=cum)[0]
        ent = self.master.ent[eid]
        cat: Category = ent["cat"]
        kind = self.master.port_kind[pid]
        mode = {"sea": "sea", "air": "air", "land": "road", "rail": "rail"}[kind]
        direction = "export" if cat.export and rng.random() < 0.12 else "import"
        origin = "CN" if direction == "export" else rng.choice(ent["origins"])
        local = declared + LOCAL
        number = self._number(pid, local, direction)
        did = self.rows.add(
            m.Declaration,
            {"number": number, "source_system_id": f"H2018-{number}", "port_id": pid, "enterprise_id": eid,
             "direction": direction, "transport_mode": mode, "origin_country": origin, "declared_at": declared,
             "content_hash": None},
        )  # fmt: skip
        n_lines = 1 + (rng.random() < 0.3) + (rng.random() < 0.12) + (rng.random() < 0.05)
        lines, misdeclared = self._lines(cat, n_lines)
        codes = [code for code, _ in lines]
        n_boxes = 0 if mode == "air" else 1 + min(int(rng.expovariate(0.9)), 11)
        total_kg = (rng.lognormvariate(math.log(800), 0.9) if mode == "air" else
                    n_boxes * rng.uniform(6000, 22000))  # fmt: skip
        quantity = weight = 0.0
        for line_no, (code, goods_name) in enumerate(lines, start=1):
            kg = round(total_kg / n_lines * rng.uniform(0.6, 1.4), 1)
            qty = round(kg / cat.kg_per_unit) if cat.unit != "kg" else kg
            quantity += qty
            weight += kg
            value = Decimal(str(round(kg * cat.usd_per_kg * rng.uniform(0.7, 1.4), 2)))
            self.rows.add(m.GoodsLine, {
                "declaration_id": did, "line_no": line_no, "hs_code": code,
                "description": goods_name, "quantity": qty, "unit": cat.unit,
                "gross_weight_kg": kg, "value": value, "currency": "USD",
                "package_count": package_count(cat, qty)})  # fmt: skip
        boxes = []
        owner, seal_prefix = rng.choice(OWNERS)
        size_type = rng.choice(cat.boxes)
        for _ in range(n_boxes):
            self.container_serial += rng.randint(1, 97)
            prefix = f"{owner}{self.container_serial % 1000000:06d}"
            number_box = prefix + str(check_digit(prefix))
            seal = f"{seal_prefix}{rng.randint(1000000, 9999999)}"
            seal_class = declared_seal_class(number_box)
            cid = self.rows.add(m.Container, {"declaration_id": did, "number": number_box, "size_type": size_type,
                                              "declared_seal": seal, "declared_seal_class": seal_class})  # fmt: skip
            boxes.append((cid, number_box, seal, seal_class))
        decl = {
            "id": did,
            "number": number,
            "eid": eid,
            "ent": ent,
            "cat": cat,
            "pid": pid,
            "origin": origin,
            "codes": codes,
            "misdeclared": misdeclared,
            "declared": declared,
            "boxes": boxes,
            "quantity": quantity,
            "weight": weight,
            "day": local.date(),
            "shape": (tuple(codes), origin, ent["tier"], mode, kind, size_type if n_boxes else "", n_boxes),
        }
        self.selection(decl)

    def _forced_share(self, tier: str, at: datetime, forced: bool) -> float:
        """As services.selection: the tier's share of forced draws over the last 90 days (0 below 200 draws)."""
        window = self._forced.setdefault(tier, deque())
        counts = self._forced_counts.setdefault(tier, [0, 0])
        since = at - timedelta(days=FORCED_SHARE_WINDOW_DAYS)
        while window and window[0][0] < since:
            _, was_forced = window.popleft()
            counts[0] -= 1
            counts[1] -= was_forced
        share = 0.0 if counts[0] < FORCED_SHARE_MIN_SAMPLE else round(counts[1] / counts[0], 4)
        window.append((at, forced))
        counts[0] += 1
        counts[1] += forced
        return share

    def selection(self, decl: dict) -> None:
        """The draw as services.selection.select_declaration records it, its seed derived from the day's seed."""
        rng = self.rng
        ent, did = decl["ent"], decl["id"]
        sig, policy = self.decisions.day(decl["day"])
        rules = self.decisions.hits(decl["shape"], decl["day"], sig)
        hits = [r.id for r in rules]
        if ent["under_investigation"]:
            hits.append(UNDER_INVESTIGATION)
        tier = ent["tier"]
        drawn = decl["declared"] + timedelta(seconds=rng.randint(20, 600))
        forced_share = self._forced_share(tier, drawn, bool(hits))
        seed = self.days.selection_seed(drawn, decl["number"])
        decision = draw.decide(tier, seed, hits, policy, forced_share)
        # What select_declaration records (draw.selection_inputs and the declaration's context), as JSON text:
        # the part per (tier, hits, policy) encoded once, the share and the context appended.
        proto_key = (tier, tuple(hits), sig)
        proto = self._inputs.get(proto_key)
        if proto is None:
            fixed = draw.selection_inputs(tier, hits, policy, 0.0)
            del fixed["forced_share"]
            proto = self._inputs[proto_key] = to_json(fixed)[:-1] + ", "
        inputs = (
            f'{proto}"forced_share": {float(forced_share)!r}, "declaration_id": {did}, '
            f'"declaration_number": "{decl["number"]}", "enterprise_id": {decl["eid"]}, "port_id": {decl["pid"]}, '
            f'"enterprise_credit_tier": "{tier}", "inspectors_needed": {decision.inspectors_needed}}}'
        )
        sid = self.rows.add(m.Selection, {
            "declaration_id": did, "outcome": decision.outcome.value, "reasons": [dict(r) for r in decision.reasons],
            "rate": decision.rate, "seed": seed, "inputs": inputs, "tier": tier, "forced": bool(hits),
            "code_version": CODE_VERSION, "drawn_at": drawn})  # fmt: skip
        inspect = decision.outcome is draw.Outcome.INSPECT and drawn < self.now
        if inspect or rules or drawn >= self.detail_from:  # what follows: an inspection, alerts, an audit entry
            self.followed.append(follow_up_of(decl, sid, drawn, seed, decision, bool(rules)))
