"""Master data of the demo: ports, enterprises with their credit history, users, the duty
roster and declared conflicts of interest.

Enterprises get a valid USCC, a registered Chinese name (most also an English one), a home
port, a trade (goods category) and a credit tier; trade volume is very uneven (Pareto).
Inspectors are on day and late shifts with a skeleton crew at weekends, from before the history
starts until a week after `now`; the demo's own inspector account has no shift from `now` on, so
only a person's deliberate act gives it work (the live simulator's dispatch never draws it).

The accounts: the demo accounts people sign in with (DEMO_ACCOUNTS), the port staff and experts,
and the simulator's supervisor (SIMULATOR_SUPERVISOR), which nobody signs in with.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from portsight import reference
from portsight.db import models as m
from portsight.demo.rows import Rows
from portsight.demo.world import (
    CATEGORIES,
    CITY_DIVISION,
    CITY_NAMES,
    ENGLISH_NAME_SHARE,
    EXPERTS,
    FORMS,
    GIVEN,
    LOCAL,
    NAME_WORDS,
    PORT_VOLUME,
    SURNAMES,
    TIER_WEIGHTS,
    TRADE_WORDS,
)

ROSTER_DAYS_AHEAD = 7  # shifts beyond `now`, so dispatch finds inspectors on duty while the demo runs

# The accounts people sign in with to try the demo: username, display name, role, all ports, port.
# The live simulator never acts as them nor touches their work.
DEMO_ACCOUNTS = (
    ("admin", "系统管理员", "admin", True, None),
    ("supervisor", "监管主管 全部口岸", "supervisor", True, None),
    ("supervisor.sgh", "监管主管 上海", "supervisor", False, "CNSGH"),
    ("expert", "技术专家", "expert", True, None),
    ("inspector", "查验员 上海", "inspector", False, "CNSGH"),
    ("gate", "卡口关员 上海", "gate", False, "CNSGH"),
)  # fmt: skip
HUMAN_ACCOUNTS = frozenset(username for username, *_ in DEMO_ACCOUNTS)
# The live simulator's own supervisor (all ports): it clears holds and keeps the roster filled.
# What each expert is rung for (expert_skills): goods chapters, rule families (data/rules/<family>.yaml),
# languages. The demo expert knows the recycled copper of the demo's waiting request, so it rings them first.
EXPERT_SKILLS = {
    "expert": (("chapter", "74"), ("chapter", "76"), ("rule_family", "recycled"), ("language", "zh_CN")),
    "expert.food": (("chapter", "02"), ("chapter", "03"), ("chapter", "04"), ("chapter", "08"),
                    ("rule_family", "meat"), ("rule_family", "food"), ("rule_family", "reefer")),
    "expert.waste": (("chapter", "74"), ("chapter", "76"), ("rule_family", "recycled"), ("rule_family", "waste")),
    "expert.mech": (("chapter", "84"), ("chapter", "85"), ("chapter", "87"), ("rule_family", "ccc")),
    "expert.chem": (("chapter", "28"), ("chapter", "29"), ("chapter", "33"), ("chapter", "39")),
    "expert.plant": (("chapter", "10"), ("chapter", "12"), ("chapter", "44"), ("rule_family", "plants")),
}  # fmt: skip
SIMULATOR_SUPERVISOR = "sim.supervisor"
SIMULATOR_DISPLAY_NAME = "模拟值班主管"
# No password verifies this hash: nobody signs in as the simulator.
NO_SIGN_IN = "!simulator"
# GB 11714 organisation code: eight characters and a check character (weights, value of each character).
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_VALUES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z


class MasterData:
    """Seeds the master data (call ports, enterprises, users, roster in this order) and keeps
    what the history needs of it: ids by port and user name, enterprises, inspectors, shifts."""

    def __init__(self, rows: Rows, rng: random.Random, start: datetime, now: datetime, password_hash: str):
        self.rows = rows
        self.rng = rng
        self.start = start
        self.now = now
        self.password_hash = password_hash

    def ports(self) -> None:
        self.port_ids: dict[str, int] = {}
        self.port_kind: dict[int, str] = {}
        for ref in reference.ports():
            pid = self.rows.add(
                m.Port,
                {"code": ref.code, "name_en": ref.name_en, "name_zh": ref.name_zh, "kind": ref.kind,
                 "lat": ref.lat, "lon": ref.lon, "timezone": "Asia/Shanghai"},
            )  # fmt: skip
            self.port_ids[ref.code] = pid
            self.port_kind[pid] = ref.kind

    def _uscc(self, port_code: str, used: set[str]) -> str:
        """An enterprise's code (GB 32100): registered by market regulation (9) as an enterprise (1), the
        division code of where it is registered, its organisation code (GB 11714) and the check character."""
        from stdnum.cn import uscc

        while True:
            org = "".join(self.rng.choice(USCC_ALPHABET) for _ in range(8))
            check = 11 - sum(ORG_CODE_VALUES.index(c) * w for c, w in zip(org, ORG_CODE_WEIGHTS, strict=True)) % 11
            body = "91" + CITY_DIVISION[port_code] + org + {10: "X", 11: "0"}.get(check, str(check))
            code = body + uscc.calc_check_digit(body)
            if code not in used:
                used.add(code)
                return code

    def enterprises(self, count: int = 320) -> None:
        rng = self.rng
        codes = list(self.port_ids)
        volume = [PORT_VOLUME[c][0] for c in codes]
        usable = [c for c in CATEGORIES if c.until_year is None or self.start.year < c.until_year]
        used_codes: set[str] = set()
        used_names: set[str] = set()
        self.ent: dict[int, dict] = {}
        for _ in range(count):
            home = rng.choices(codes, weights=volume)[0]
            if self.port_kind[self.port_ids[home]] == "air":
                cats = [c for c in usable if c.air]
            else:
                cats = usable
            cat = rng.choices(cats, weights=[c.weight for c in cats])[0]
            tier = rng.choices([t for t, _ in TIER_WEIGHTS], weights=[w for _, w in TIER_WEIGHTS])[0]
            while True:
                (city, city_en), (word, word_en) = CITY_NAMES[home], rng.choice(NAME_WORDS)
                (trade, trade_en), (form, form_en) = TRADE_WORDS[cat.key], rng.choice(FORMS)
                name = f"{city}{word}{trade}{form}"
                if name not in used_names:
                    used_names.add(name)
                    break
            name_en = f"{city_en} {word_en} {trade_en} {form_en}" if rng.random() < ENGLISH_NAME_SHARE else None
            eid = self.rows.add(
                m.Enterprise,
                {"uscc": self._uscc(home, used_codes), "name": name, "name_en": name_en, "credit_tier": tier,
                 "under_investigation": tier != "advanced_certified" and rng.random() < 0.015},
            )  # fmt: skip
            since = self.start.date() - timedelta(days=rng.randint(30, 1500))
            self._credit(eid, tier if tier != "dishonest" else "general", since, "initial rating")
            if tier == "dishonest":
                self._credit(eid, "dishonest", since + timedelta(days=rng.randint(10, 25)),
                             "serious violation of customs regulations")  # fmt: skip
            # Trade volume is very uneven: a few enterprises declare most of it.
            self.ent[eid] = {"home": self.port_ids[home], "cat": cat, "tier": tier,
                             "weight": min(rng.paretovariate(1.3), 25.0),
                             "origins": rng.sample(cat.origins, k=min(len(cat.origins), rng.randint(1, 3))),
                             "under_investigation": self.rows.of(m.Enterprise)[-1]["under_investigation"]}  # fmt: skip
        # Per port: the enterprises that declare there (home port mostly, some from elsewhere).
        self.port_ents: dict[int, tuple[list[int], list[float]]] = {}
        for pid, kind in self.port_kind.items():
            ids, weights = [], []
            for eid, e in self.ent.items():
                if kind == "air" and not e["cat"].air:
                    continue
                w = e["weight"] * (1.0 if e["home"] == pid else 0.04)
                ids.append(eid)
                weights.append(w)
            self.port_ents[pid] = (ids, list(accumulate(weights)))

    def _credit(self, eid: int, tier: str, valid_from: date, reason: str) -> None:
        """A credit history row as the seed records it: from the start of its day in China time, by nobody."""
        recorded_at = datetime(valid_from.year, valid_from.month, valid_from.day, tzinfo=UTC) - LOCAL
        self.rows.add(m.EnterpriseCreditHistory, {"enterprise_id": eid, "credit_tier": tier, "valid_from": valid_from,
                      "reason": reason, "recorded_at": recorded_at, "recorded_by_id": None,
                      "source": "seed"})  # fmt: skip

    def _person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.randint(1, 2)))

    def users(self) -> None:
        self.user_ids: dict[str, int] = {}
        self.port_inspectors: dict[int, list[int]] = {pid: [] for pid in self.port_ids.values()}
        for username, display, role, all_ports, port_code in DEMO_ACCOUNTS:
            uid = self.rows.add(m.User, self._user(username, display, role, all_ports))
            self.user_ids[username] = uid
            if port_code is not None:
                port = self.port_ids[port_code]
                self.rows.add(m.UserPort, {"user_id": uid, "port_id": port})
                if role == "inspector":
                    self.port_inspectors[port].append(uid)
        for code, pid in self.port_ids.items():
            for n in range(1, PORT_VOLUME[code][1] + 1):
                username = f"insp.{code.lower()}.{n}"
                uid = self.rows.add(m.User, self._user(username, self._person(), "inspector", False))
                self.rows.add(m.UserPort, {"user_id": uid, "port_id": pid})
                self.user_ids[username] = uid
                self.port_inspectors[pid].append(uid)
        self.experts = []
        for username, expertise in EXPERTS:
            row = self._user(username, self._person(), "expert", True)
            row["expertise"] = expertise
            self.user_ids[username] = uid = self.rows.add(m.User, row)
            self.experts.append(uid)
        self.experts.append(self.user_ids["expert"])
        for username, skills in EXPERT_SKILLS.items():
            for kind, value in skills:
                self.rows.add(m.ExpertSkill, {"user_id": self.user_ids[username], "kind": kind, "value": value})
        row = self._user(SIMULATOR_SUPERVISOR, SIMULATOR_DISPLAY_NAME, "supervisor", True)
        row["password_hash"] = NO_SIGN_IN
        self.user_ids[SIMULATOR_SUPERVISOR] = self.rows.add(m.User, row)

    def _user(self, username: str, display: str, role: str, all_ports: bool) -> dict:
        return {"username": username, "display_name": display, "role": role, "password_hash": self.password_hash,
                "active": True, "all_ports": all_ports, "language": "zh_CN", "expertise": None,
                "failed_logins": 0, "locked_until": None, "last_login_at": None,
                "must_change_password": False}  # fmt: skip

    def roster(self) -> None:
        """Day shifts 08:00-17:00 and late shifts 12:00-20:00 local; weekends a skeleton crew. The demo
        inspector's duty ends at `now`: from then on it has only the work people give it."""
        rng = self.rng
        human = {self.user_ids[username] for username in HUMAN_ACCOUNTS}
        self.shifts: dict[tuple[int, date], list[tuple[int, datetime, datetime]]] = {}
        first = (self.start + LOCAL).date() - timedelta(days=1)
        days = (self.now + LOCAL).date() - first
        for pid, inspectors in self.port_inspectors.items():
            for d in range(days.days + 1 + ROSTER_DAYS_AHEAD):
                day = first + timedelta(days=d)
                weekend = day.weekday() >= 5
                for i, uid in enumerate(inspectors):
                    if weekend and (i + d) % 3 != 0:
                        continue
                    if not weekend and rng.random() < 0.06:  # leave, training
                        continue
                    late = (i + d) % 4 == 0
                    begin = datetime(day.year, day.month, day.day, 12 if late else 8, tzinfo=UTC) - LOCAL
                    end = begin + timedelta(hours=8 if late else 9)
                    if uid in human:
                        if begin >= self.now:
                            continue
                        end = min(end, self.now)
                    self.rows.add(m.DutyShift, {"user_id": uid, "port_id": pid, "starts_at": begin, "ends_at": end})
                    self.shifts.setdefault((pid, day), []).append((uid, begin, end))
        self.conflicts: set[tuple[int, int]] = set()
        ent_ids = list(self.ent)
        all_inspectors = [u for us in self.port_inspectors.values() for u in us]
        for _ in range(12):
            uid, eid = rng.choice(all_inspectors), rng.choice(ent_ids)
            if (uid, eid) in self.conflicts:
                continue
            self.conflicts.add((uid, eid))
            self.rows.add(m.ConflictOfInterest, {"user_id": uid, "enterprise_id": eid,
                          "reason": rng.choice(["relative employed by the enterprise", "former employee",
                                                "shareholding of a family member"]),
                          "declared_at": self.start - timedelta(days=rng.randint(5, 400))})  # fmt: skip
