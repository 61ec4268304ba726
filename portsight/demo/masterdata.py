"""Master data of the demo: ports, enterprises with their credit history, users, the duty
roster and declared conflicts of interest.

Enterprises get a valid USCC, a home port, a trade (goods category) and a credit tier; trade
volume is very uneven (Pareto). Inspectors are on day and late shifts with a skeleton crew at
weekends, from before the history starts until a week after `now`.
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
    CITY_PINYIN,
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
        from stdnum.cn import uscc

        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        while True:
            body = "91" + CITY_DIVISION[port_code] + "".join(self.rng.choice(alphabet) for _ in range(9))
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
                name = f"{CITY_PINYIN[home]} {rng.choice(NAME_WORDS)} {TRADE_WORDS[cat.key]} {rng.choice(FORMS)}"
                if name not in used_names:
                    used_names.add(name)
                    break
            eid = self.rows.add(
                m.Enterprise,
                {"uscc": self._uscc(home, used_codes), "name": name, "credit_tier": tier,
                 "under_investigation": tier != "advanced_certified" and rng.random() < 0.015},
            )  # fmt: skip
            since = self.start.date() - timedelta(days=rng.randint(30, 1500))
            self.rows.add(m.EnterpriseCreditHistory, {"enterprise_id": eid,
                          "credit_tier": tier if tier != "dishonest" else "general", "valid_from": since,
                          "reason": "initial rating"})  # fmt: skip
            if tier == "dishonest":
                self.rows.add(m.EnterpriseCreditHistory, {"enterprise_id": eid, "credit_tier": "dishonest",
                              "valid_from": since + timedelta(days=rng.randint(10, 25)),
                              "reason": "serious violation of customs regulations"})  # fmt: skip
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

    def _person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.randint(1, 2)))

    def users(self) -> None:
        sgh = self.port_ids["CNSGH"]
        demo = [
            ("admin", "Administrator 管理员", "admin", True, None),
            ("supervisor", "Supervisor 监管 (all ports)", "supervisor", True, None),
            ("supervisor.sgh", "Supervisor 上海", "supervisor", False, sgh),
            ("expert", "Expert 专家", "expert", True, None),
            ("inspector", "Inspector 查验员 上海", "inspector", False, sgh),
            ("gate", "Gate officer 卡口", "gate", False, sgh),
        ]
        self.user_ids: dict[str, int] = {}
        self.port_inspectors: dict[int, list[int]] = {pid: [] for pid in self.port_ids.values()}
        for username, display, role, all_ports, port in demo:
            uid = self.rows.add(m.User, self._user(username, display, role, all_ports))
            self.user_ids[username] = uid
            if port is not None:
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

    def _user(self, username: str, display: str, role: str, all_ports: bool) -> dict:
        return {"username": username, "display_name": display, "role": role, "password_hash": self.password_hash,
                "active": True, "all_ports": all_ports, "language": "zh_CN", "expertise": None,
                "failed_logins": 0, "locked_until": None, "last_login_at": None,
                "must_change_password": False}  # fmt: skip

    def roster(self) -> None:
        """Day shifts 08:00-17:00 and late shifts 12:00-20:00 local; weekends a skeleton crew."""
        rng = self.rng
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
