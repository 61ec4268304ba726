"""Demo data: ports, enterprises, users, roster and weeks of realistic inspection history.

`seed_demo(db, weeks=26, seed=7, now=...)` writes everything in one transaction with bulk
inserts and ids assigned here, so it is fast (26 weeks in seconds on SQLite) and reproducible:
the same seed and the same `now` give identical rows. Only random.Random(seed) and seeds derived
from it are used.

The shape follows real port work: office-hour and weekday rhythm, big and small ports, airports
without containers, goods mix by HS chapter with matching origins, inspection rate by
enterprise credit tier, non-conformity by goods and origin, release times with a long tail,
holds, returns and destructions, and open work in the last hours.

What is recorded is what the product itself would record, from the same pure domain code:

- selections: portsight.domain.selection.decide with the tier policy of the rule catalogue, the
  catalogue's forced hits and the tier's forced share, a recorded seed and the same inputs as
  services.selection.select_declaration, so replay_selection reproduces every seeded draw;
- dispatch: domain.selection.dispatch among the inspectors on the seeded duty roster (conflicts
  excluded, least loaded first), with seed and inputs on the assignments (replay_dispatch);
- step results: the checklist from domain.checklist.generate_checklist (step keys, input names,
  rules per step, per container), the values an inspector enters, and outcome, rules_applied and
  findings (rule id, severity, citation) from domain.rules.judge, as services.field stores them;
- alerts: the dedupe keys, kinds and trigger times of services.supervision (overdue, seal
  mismatch, quick close without photo, prohibited goods, repeated non-conformity) and of the
  field service (high-severity findings), so the live checks carry on without raising them twice;
- daily rollups rebuilt from the seeded rows at the end.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import deque
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from operator import itemgetter

from sqlalchemy import Connection, delete, func, insert, select, text
from sqlalchemy.orm import Session

from portsight import reference
from portsight.clock import utcnow
from portsight.db import models as m
from portsight.db.session import Database, unit_of_work
from portsight.domain import selection as draw
from portsight.domain.checklist import (
    DECLARED_FIELDS,
    ChecklistStep,
    ContainerFacts,
    DeclarationFacts,
    GoodsLineFacts,
    generate_checklist,
)
from portsight.domain.conditions import Text
from portsight.domain.rules import NON_CONFORMING, Judgement, RuleCatalogue, alert_fires, default_catalogue, judge
from portsight.services.errors import Conflict
from portsight.services.selection import (
    CODE_VERSION,
    FORCED_SHARE_MIN_SAMPLE,
    FORCED_SHARE_WINDOW_DAYS,
    UNDER_INVESTIGATION,
    WORKLOAD_WINDOW_DAYS,
)
from portsight.services.supervision import RULE_KINDS, SupervisionLimits

DEMO_PASSWORD = "demo"
LOCAL = timedelta(hours=8)  # Asia/Shanghai, no daylight saving
BATCH = 5000
ROSTER_DAYS_AHEAD = 7  # shifts beyond `now`, so dispatch finds inspectors on duty while the demo runs

# Relative declaration volume per week and inspectors on the roster, by port.
PORT_VOLUME = {
    "CNSGH": (720, 8), "CNNBO": (620, 8), "CNSNZ": (600, 8), "CNQIN": (360, 6), "CNTNJ": (360, 6),
    "CNGGZ": (340, 6), "CNXAM": (220, 5), "CNDAL": (180, 4), "CNPVG": (300, 5), "CNSHA": (70, 3),
    "CNSJQ": (60, 3), "CNWXS": (60, 3),
}  # fmt: skip

TIER_WEIGHTS = (("advanced_certified", 0.14), ("general", 0.80), ("dishonest", 0.06))

# What goes wrong with these goods when an inspection finds something, by relative weight. Each fault
# is a way of entering values at one checklist step that the rules judge non-conforming; a fault whose
# step is not on the declaration's checklist (no reefer, no radiation step) is not drawn.
#   seal: another seal on the door            goods_desc: goods differ from the description
#   goods_weight: weight off the tolerance    packaging: wood packaging without the IPPC mark
#   body: one of the seven points abnormal    reefer: temperature off the set point
#   radiation / impurity: above the limit     number: container marking with a wrong check digit
COMMON_FAULTS = (("seal", 0.4), ("body", 0.6), ("number", 0.1))


@dataclass(frozen=True)
class Category:
    key: str
    headings: tuple[str, ...]
    origins: tuple[str, ...]
    weight: float  # share of enterprises trading in it
    nc_rate: float  # base probability that an inspection finds a non-conformity
    boxes: tuple[str, ...]  # container size/type codes used
    unit: str
    kg_per_unit: float
    usd_per_kg: float
    faults: tuple[tuple[str, float], ...]  # what inspectors find in these goods (see above)
    wood: float = 0.15  # share of lots packed on or in wood
    air: bool = False  # also flown
    export: bool = False  # also exported
    until_year: int | None = None  # import banned from this year on


CATEGORIES = (
    Category("machinery", ("8471", "8443", "8479", "8413", "8481", "8504", "8536"),
             ("DE", "JP", "KR", "US", "IT", "CH"), 0.17, 0.04, ("22G1", "42G1", "45G1"), "set", 180, 22,
             (("packaging", 4), ("goods_weight", 2), ("goods_desc", 1)), wood=0.7, export=True),
    Category("electronics", ("8517", "8528", "8542", "9018"), ("KR", "JP", "US", "MY", "VN", "DE"),
             0.10, 0.05, ("22G1", "45G1"), "pcs", 2.5, 120, (("goods_desc", 3), ("goods_weight", 2), ("packaging", 1)),
             wood=0.3, air=True, export=True),
    Category("plastics", ("3901", "3902", "3907", "3920", "3926"), ("SA", "KR", "JP", "US", "TH", "SG"),
             0.10, 0.05, ("22G1", "42G1"), "kg", 1, 1.4, (("goods_desc", 2), ("goods_weight", 3))),
    Category("textiles", ("6104", "6109", "6110", "6203", "6204", "6205"), ("VN", "BD", "IT", "TR", "KH", "IN"),
             0.09, 0.07, ("42G1", "45G1"), "pcs", 0.4, 18, (("goods_desc", 4), ("goods_weight", 2)), wood=0.05,
             export=True),
    Category("furniture", ("9401", "9403", "9405"), ("IT", "DE", "VN", "MY", "ID"),
             0.07, 0.06, ("42G1", "45G1"), "pcs", 25, 9, (("packaging", 5), ("goods_weight", 1), ("goods_desc", 1)),
             wood=0.6, export=True),
    Category("meat", ("0202", "0203", "0207"), ("BR", "AR", "AU", "NZ", "US", "ES", "UY"),
             0.07, 0.09, ("45R1", "42R1"), "kg", 1, 4.5, (("reefer", 5), ("goods_weight", 1), ("goods_desc", 1)),
             wood=0.1),
    Category("seafood", ("0303", "0304", "0306"), ("NO", "RU", "EC", "VN", "IN", "CL", "CA"),
             0.05, 0.10, ("45R1", "22R1"), "kg", 1, 7, (("reefer", 5), ("goods_desc", 2), ("goods_weight", 1)),
             wood=0.1, air=True),
    Category("dairy", ("0402", "0406"), ("NZ", "AU", "FR", "NL", "DE"),
             0.04, 0.06, ("22R1", "45R1", "22G1"), "kg", 1, 5, (("reefer", 4), ("goods_desc", 1), ("goods_weight", 1)),
             wood=0.4),
    Category("fruit", ("0803", "0805", "0806", "0810"), ("TH", "VN", "CL", "PH", "NZ", "PE", "ZA"),
             0.06, 0.12, ("45R1",), "kg", 1, 2.2, (("reefer", 4), ("packaging", 2), ("goods_desc", 1)),
             wood=0.5, air=True),
    Category("copper_scrap", ("7404",), ("JP", "US", "AU", "MY", "DE", "ES", "BE"),
             0.02, 0.22, ("22G1",), "kg", 1, 6.5, (("impurity", 5), ("radiation", 2), ("goods_weight", 1)), wood=0.0),
    Category("recovered_paper", ("4707",), ("US", "JP", "GB", "NL", "AU"),
             0.03, 0.25, ("42G1", "45G1"), "kg", 1, 0.2, (("impurity", 5), ("radiation", 1)), wood=0.0,
             until_year=2021),
    Category("chemicals", ("2901", "2902", "3824"), ("US", "DE", "JP", "KR", "SA"),
             0.04, 0.07, ("22T1",), "kg", 1, 1.8, (("goods_desc", 3), ("goods_weight", 2)), wood=0.0),
    Category("cosmetics_wine", ("3304", "2204"), ("FR", "KR", "JP", "AU", "IT", "CL"),
             0.04, 0.09, ("22G1",), "pcs", 1.2, 14, (("goods_desc", 3), ("goods_weight", 2), ("packaging", 1)),
             wood=0.3, air=True),
    Category("vehicles_parts", ("8708", "8703"), ("DE", "JP", "US", "GB", "KR"),
             0.05, 0.04, ("45G1", "42G1"), "set", 40, 28, (("packaging", 2), ("goods_desc", 2), ("goods_weight", 2)),
             wood=0.6),
    Category("wood_grain", ("4403", "4407", "1201"), ("RU", "NZ", "BR", "US", "CA"),
             0.05, 0.11, ("42G1", "45G1"), "kg", 1, 0.5, (("packaging", 3), ("goods_weight", 2), ("goods_desc", 2)),
             wood=0.5),
)  # fmt: skip

# Non-conformity is also a matter of origin: a few trades are riskier than others.
ORIGIN_FACTOR = {"VN": 1.3, "BD": 1.4, "IN": 1.5, "KH": 1.3, "PH": 1.3, "EC": 1.4, "RU": 1.2, "BR": 1.2,
                 "DE": 0.7, "JP": 0.7, "CH": 0.6, "NZ": 0.8, "KR": 0.8}  # fmt: skip

CITY_DIVISION = {
    "CNSGH": "310000", "CNPVG": "310115", "CNSHA": "310112", "CNNBO": "330200", "CNSNZ": "440300",
    "CNQIN": "370200", "CNTNJ": "120000", "CNXAM": "350200", "CNGGZ": "440100", "CNDAL": "210200",
    "CNSJQ": "440607", "CNWXS": "320200",
}  # fmt: skip
CITY_PINYIN = {
    "CNSGH": "Shanghai", "CNPVG": "Shanghai", "CNSHA": "Shanghai", "CNNBO": "Ningbo", "CNSNZ": "Shenzhen",
    "CNQIN": "Qingdao", "CNTNJ": "Tianjin", "CNXAM": "Xiamen", "CNGGZ": "Guangzhou", "CNDAL": "Dalian",
    "CNSJQ": "Foshan", "CNWXS": "Wuxi",
}  # fmt: skip
NAME_WORDS = ("Hengda", "Huaxin", "Jinhai", "Zhongtai", "Xinyuan", "Haitong", "Ruifeng", "Dongfang", "Yongsheng",
              "Tianhe", "Hongyun", "Baoli", "Shengtai", "Jiahe", "Fuxing", "Longteng", "Minghui", "Changjiang",
              "Kaiyuan", "Xiangyu", "Huarun", "Lianhua", "Guoxin", "Anda", "Jiuzhou", "Wanli", "Haiyang", "Ronghua",
              "Zhongxing", "Dingsheng", "Boyuan", "Huitong")  # fmt: skip
TRADE_WORDS = {
    "machinery": "Machinery", "electronics": "Electronics", "plastics": "New Materials", "textiles": "Garments",
    "furniture": "Home Furnishing", "meat": "Food", "seafood": "Aquatic Products", "dairy": "Dairy",
    "fruit": "Fresh Produce", "copper_scrap": "Renewable Resources", "recovered_paper": "Paper",
    "chemicals": "Chemical", "cosmetics_wine": "Consumer Goods", "vehicles_parts": "Auto Parts",
    "wood_grain": "Timber & Grain",
}  # fmt: skip
FORMS = ("Import & Export Co., Ltd.", "Trading Co., Ltd.", "Supply Chain Management Co., Ltd.",
         "International Trade Co., Ltd.", "Industrial Co., Ltd.", "Logistics Co., Ltd.")  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静磊强军洋勇艳杰涛明超秀霞平刚桂英华丹萍鹏辉玲宇浩凯健俊帆建国海燕晨"
# Container owner prefixes (BIC codes of large carriers and lessors) with their seal prefixes.
OWNERS = (("MSKU", "ML"), ("MSCU", "MSC"), ("CMAU", "CMA"), ("COSU", "CS"), ("OOLU", "OOL"), ("EGHU", "EMC"),
          ("HLXU", "HLG"), ("ONEU", "ONE"), ("YMLU", "YML"), ("TGHU", "CS"), ("TCNU", "ML"), ("SEGU", "HLG"),
          ("CSNU", "CS"), ("TRHU", "CMA"))  # fmt: skip
EXPERTS = (("expert.food", "food, meat, seafood, dairy, fruit"), ("expert.waste", "recovered materials, radiation"),
           ("expert.mech", "machinery, electronics, vehicles"), ("expert.chem", "chemicals, cosmetics, plastics"),
           ("expert.plant", "wood, grain, plant quarantine"))  # fmt: skip


_HAS_ID: dict[type, bool] = {}


def container_check_digit(prefix: str) -> int:
    """ISO 6346 check digit of the first 10 characters (owner code, category, serial)."""
    total = sum((int(ch) if ch.isdigit() else _LETTER_VALUES[ch]) << i for i, ch in enumerate(prefix[:10]))
    return total % 11 % 10


def _letter_values() -> dict[str, int]:
    values, v = {}, 10
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if v % 11 == 0:
            v += 1
        values[ch] = v
        v += 1
    return values


_LETTER_VALUES = _letter_values()


def _poisson(rng: random.Random, lam: float) -> int:
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


def _next_work_time(t: datetime) -> datetime:
    """Inspections happen 08:00-20:00 local time (every day at the large ports, fewer people at weekends)."""
    local = t + LOCAL
    if 8 <= local.hour < 20:
        return t
    day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC) - LOCAL


def _is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(m.Port)) == 0


def database_is_empty(db: Database) -> bool:
    with unit_of_work(db) as session:
        return _is_empty(session)


def _wipe(session: Session) -> None:
    for table in reversed(m.Base.metadata.sorted_tables):
        session.execute(delete(table))


def _reset_sequences(session: Session) -> None:
    """Ids were assigned here; move PostgreSQL's sequences past them so later inserts do not collide."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in m.Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )


class _Seeder:
    def __init__(self, seed: int, weeks: int, now: datetime, password_hash: str):
        self.rng = random.Random(seed)
        self.seed = seed
        self.weeks = weeks
        self.now = now
        self.start = now - timedelta(weeks=weeks)
        self.password_hash = password_hash
        self.rows: dict[type, list[dict]] = {}
        self.next_id: dict[type, int] = {}
        self._fault_kind: str | None = None
        self._closed_at = now

    def add(self, model: type, row: dict) -> int:
        has_id = _HAS_ID.get(model)
        if has_id is None:
            has_id = _HAS_ID[model] = "id" in model.__table__.c
        if has_id and "id" not in row:
            row["id"] = self.next_id.get(model, 1)
            self.next_id[model] = row["id"] + 1
        self.rows.setdefault(model, []).append(row)
        return row.get("id", 0)

    # -- master data ----------------------------------------------------------------------------------------------

    def ports(self) -> None:
        self.port_ids: dict[str, int] = {}
        self.port_kind: dict[int, str] = {}
        for ref in reference.ports():
            pid = self.add(
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
            eid = self.add(
                m.Enterprise,
                {"uscc": self._uscc(home, used_codes), "name": name, "credit_tier": tier,
                 "under_investigation": tier != "advanced_certified" and rng.random() < 0.015},
            )  # fmt: skip
            since = self.start.date() - timedelta(days=rng.randint(30, 1500))
            self.add(m.EnterpriseCreditHistory, {"enterprise_id": eid, "credit_tier": tier if tier != "dishonest"
                     else "general", "valid_from": since, "reason": "initial rating"})  # fmt: skip
            if tier == "dishonest":
                self.add(m.EnterpriseCreditHistory, {"enterprise_id": eid, "credit_tier": "dishonest",
                         "valid_from": since + timedelta(days=rng.randint(10, 25)),
                         "reason": "serious violation of customs regulations"})  # fmt: skip
            # Trade volume is very uneven: a few enterprises declare most of it.
            self.ent[eid] = {"home": self.port_ids[home], "cat": cat, "tier": tier,
                             "weight": min(rng.paretovariate(1.3), 25.0),
                             "origins": rng.sample(cat.origins, k=min(len(cat.origins), rng.randint(1, 3))),
                             "under_investigation": self.rows[m.Enterprise][-1]["under_investigation"]}  # fmt: skip
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
            uid = self.add(m.User, self._user(username, display, role, all_ports))
            self.user_ids[username] = uid
            if port is not None:
                self.add(m.UserPort, {"user_id": uid, "port_id": port})
                if role == "inspector":
                    self.port_inspectors[port].append(uid)
        for code, pid in self.port_ids.items():
            for n in range(1, PORT_VOLUME[code][1] + 1):
                username = f"insp.{code.lower()}.{n}"
                uid = self.add(m.User, self._user(username, self._person(), "inspector", False))
                self.add(m.UserPort, {"user_id": uid, "port_id": pid})
                self.user_ids[username] = uid
                self.port_inspectors[pid].append(uid)
        self.experts = []
        for username, expertise in EXPERTS:
            row = self._user(username, self._person(), "expert", True)
            row["expertise"] = expertise
            self.user_ids[username] = uid = self.add(m.User, row)
            self.experts.append(uid)
        self.experts.append(self.user_ids["expert"])

    def _user(self, username: str, display: str, role: str, all_ports: bool) -> dict:
        return {"username": username, "display_name": display, "role": role, "password_hash": self.password_hash,
                "active": True, "all_ports": all_ports, "language": "zh_CN", "expertise": None,
                "failed_logins": 0, "locked_until": None, "last_login_at": None}  # fmt: skip

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
                    self.add(m.DutyShift, {"user_id": uid, "port_id": pid, "starts_at": begin, "ends_at": end})
                    self.shifts.setdefault((pid, day), []).append((uid, begin, end))
        self.conflicts: set[tuple[int, int]] = set()
        ent_ids = list(self.ent)
        all_inspectors = [u for us in self.port_inspectors.values() for u in us]
        for _ in range(12):
            uid, eid = rng.choice(all_inspectors), rng.choice(ent_ids)
            if (uid, eid) in self.conflicts:
                continue
            self.conflicts.add((uid, eid))
            self.add(m.ConflictOfInterest, {"user_id": uid, "enterprise_id": eid,
                     "reason": rng.choice(["relative employed by the enterprise", "former employee",
                                           "shareholding of a family member"]),
                     "declared_at": self.start - timedelta(days=rng.randint(5, 400))})  # fmt: skip

    # -- rules and policy, cached per day and per declaration shape ------------------------------------------------

    def _day(self, day: date) -> tuple[int, draw.SelectionPolicy]:
        """The catalogue's state on a day (rules in force, parameter values) and the selection policy."""
        info = self._days.get(day)
        if info is None:
            state = tuple(
                (r.id, tuple((n, p.at(day)) for n, p in sorted(r.parameters.items())))
                for r in self.catalogue.rules
                if r.in_force(day)
            )
            sig = self._signatures.setdefault(state, len(self._signatures))  # a small int hashes fast
            policy = self._policies.get(sig)
            if policy is None:
                policy = self._policies[sig] = draw.policy_from_catalogue(day, self.catalogue)
            info = self._days[day] = (sig, policy)
        return info

    def _facts(self, shape: tuple, day: date, numbers: tuple[str, ...] = ()) -> DeclarationFacts:
        headings, origin, tier, mode, kind, size_type, n_boxes = shape
        boxes = tuple(ContainerFacts(numbers[i] if numbers else str(i), size_type) for i in range(n_boxes))
        return DeclarationFacts(mode, kind, origin, tier, tuple(GoodsLineFacts(h) for h in headings), boxes, day)

    def _hits(self, shape: tuple, day: date, sig: tuple) -> list:
        """Alert rules the declaration hits by scope alone (prohibited goods): they force inspection."""
        key = (shape[:6], sig)  # the number of containers does not change what a scope matches
        hits = self._hit_cache.get(key)
        if hits is None:
            hits = self._hit_cache[key] = [
                r for r in self.catalogue.rules if r.kind == "alert" and not r.when and r.applies_to(
                    self._facts(shape, day), day)
            ]  # fmt: skip
        return hits

    def _checklist(self, shape: tuple, day: date, sig: tuple) -> list[ChecklistStep]:
        """The checklist of a declaration shape; per-container steps name containers by index ("0", "1")."""
        key = (shape, sig)
        steps = self._checklists.get(key)
        if steps is None:
            steps = self._checklists[key] = generate_checklist(self._facts(shape, day), day, self.catalogue)
        return steps

    def _judge(self, step: ChecklistStep, values: dict, context: dict, day: date, sig: tuple) -> Judgement:
        """domain.rules.judge, remembered for identical inputs (seven-point checks repeat a lot)."""
        fields = self._ctx_fields.get(step.key, step.rule_ids)
        if fields is None:
            names = {i.default_from for i in step.inputs if i.default_from}
            for rid in step.rule_ids:
                for cond in self.catalogue.get(rid).require:
                    names.update(f for f in cond.field_names() if f in DECLARED_FIELDS)
            fields = self._ctx_fields[step.key, step.rule_ids] = tuple(sorted(n for n in names if n))
        key = (step.key, step.rule_ids, tuple(values.items()), tuple(context.get(f) for f in fields), sig)
        result = self._judged.get(key)
        if result is None:
            result = self._judged[key] = judge(step, values, context, day, self.catalogue)
        return result

    # -- history --------------------------------------------------------------------------------------------------

    def history(self) -> None:
        rng = self.rng
        self.catalogue: RuleCatalogue = default_catalogue()
        self._days: dict = {}
        self._signatures: dict = {}
        self._policies: dict = {}
        self._inputs: dict = {}
        self._hit_cache: dict = {}
        self._checklists: dict = {}
        self._ctx_fields: dict = {}
        self._judged: dict = {}
        self._descriptions: dict[str, str] = {}
        self._forced: dict[str, deque] = {}
        self._forced_counts: dict[str, list[int]] = {}
        self.container_serial = rng.randint(100000, 400000)
        self.assigned_times: dict[int, list[datetime]] = {}
        self.last_team: dict[int, tuple[int, ...]] = {}
        self.non_conformities: list[tuple[datetime, int, int, int, str, tuple[str, ...]]] = []
        self.limits = SupervisionLimits()
        self.quick_close = [r for r in self.catalogue.rules if r.kind == "alert" and r.id in RULE_KINDS and r.when]
        hours = int((self.now - self.start).total_seconds() // 3600)
        weekly = {pid: PORT_VOLUME[code][0] for code, pid in self.port_ids.items()}
        norm = sum(_hour_factor(h % 24, h // 24) for h in range(24 * 7))
        seq = 0
        for h in range(hours):
            hour = self.start + timedelta(hours=h)
            local = hour + LOCAL
            factor = _hour_factor(local.hour, local.weekday())
            for pid in self.port_ids.values():
                for _ in range(_poisson(rng, weekly[pid] * factor / norm)):
                    seq += 1
                    declared = hour + timedelta(seconds=rng.randrange(3600))
                    self.declaration(pid, declared, seq)

    def _description(self, heading: str) -> str:
        text = self._descriptions.get(heading)
        if text is None:
            text = self._descriptions[heading] = reference.hs_heading(heading).description[:300]
        return text

    def declaration(self, pid: int, declared: datetime, seq: int) -> None:
        rng = self.rng
        ids, cum = self.port_ents[pid]
        eid = rng.choices(ids, cum_weights=cum)[0]
        ent = self.ent[eid]
        cat: Category = ent["cat"]
        kind = self.port_kind[pid]
        mode = {"sea": "sea", "air": "air", "land": "road", "rail": "rail"}[kind]
        direction = "export" if cat.export and rng.random() < 0.12 else "import"
        origin = "CN" if direction == "export" else rng.choice(ent["origins"])
        local = declared + LOCAL
        number = f"{local:%Y%m%d}{pid:02d}{seq:07d}"
        did = self.add(
            m.Declaration,
            {"number": number, "source_system_id": f"H2018-{number}", "port_id": pid, "enterprise_id": eid,
             "direction": direction, "transport_mode": mode, "origin_country": origin, "declared_at": declared,
             "content_hash": None},
        )  # fmt: skip
        n_lines = 1 + (rng.random() < 0.3) + (rng.random() < 0.12) + (rng.random() < 0.05)
        headings = [rng.choice(cat.headings) for _ in range(n_lines)]
        n_boxes = 0 if mode == "air" else 1 + min(int(rng.expovariate(0.9)), 11)
        total_kg = (rng.lognormvariate(math.log(800), 0.9) if mode == "air" else
                    n_boxes * rng.uniform(6000, 22000))  # fmt: skip
        quantity = weight = 0.0
        for line_no, heading in enumerate(headings, start=1):
            kg = round(total_kg / n_lines * rng.uniform(0.6, 1.4), 1)
            qty = round(kg / cat.kg_per_unit) if cat.unit != "kg" else kg
            quantity += qty
            weight += kg
            value = Decimal(str(round(kg * cat.usd_per_kg * rng.uniform(0.7, 1.4), 2)))
            self.add(m.GoodsLine, {
                "declaration_id": did, "line_no": line_no, "hs_code": heading,
                "description": self._description(heading), "quantity": qty, "unit": cat.unit,
                "gross_weight_kg": kg, "value": value, "currency": "USD"})  # fmt: skip
        boxes = []
        owner, seal_prefix = rng.choice(OWNERS)
        size_type = rng.choice(cat.boxes)
        for _ in range(n_boxes):
            self.container_serial += rng.randint(1, 97)
            prefix = f"{owner}{self.container_serial % 1000000:06d}"
            number_box = prefix + str(container_check_digit(prefix))
            seal = f"{seal_prefix}{rng.randint(1000000, 9999999)}"
            cid = self.add(m.Container, {"declaration_id": did, "number": number_box, "size_type": size_type,
                                         "declared_seal": seal})  # fmt: skip
            boxes.append((cid, number_box, seal))
        decl = {
            "id": did,
            "number": number,
            "eid": eid,
            "ent": ent,
            "cat": cat,
            "pid": pid,
            "origin": origin,
            "headings": headings,
            "declared": declared,
            "boxes": boxes,
            "quantity": quantity,
            "weight": weight,
            "day": local.date(),
            "shape": (tuple(headings), origin, ent["tier"], mode, kind, size_type if n_boxes else "", n_boxes),
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
        """The draw as services.selection.select_declaration records it, with a seed derived from the seed."""
        rng = self.rng
        ent, did = decl["ent"], decl["id"]
        sig, policy = self._day(decl["day"])
        rules = self._hits(decl["shape"], decl["day"], sig)
        hits = [r.id for r in rules]
        if ent["under_investigation"]:
            hits.append(UNDER_INVESTIGATION)
        tier = ent["tier"]
        drawn = decl["declared"] + timedelta(seconds=rng.randint(20, 600))
        forced_share = self._forced_share(tier, drawn, bool(hits))
        seed = draw.derive_seed(f"demo-{self.seed}", "select", did)
        decision = draw.decide(tier, seed, hits, policy, forced_share)
        # What select_declaration records, built once per (tier, hits, policy): only the share and context vary.
        proto_key = (tier, tuple(hits), sig)
        proto = self._inputs.get(proto_key)
        if proto is None:
            proto = self._inputs[proto_key] = draw.selection_inputs(tier, hits, policy, 0.0)
        inputs = {
            **proto, "forced_share": float(forced_share), "declaration_id": did, "declaration_number": decl["number"],
            "enterprise_id": decl["eid"], "port_id": decl["pid"], "enterprise_credit_tier": tier,
            "inspectors_needed": decision.inspectors_needed,
        }  # fmt: skip
        sid = self.add(m.Selection, {
            "declaration_id": did, "outcome": decision.outcome.value, "reasons": [dict(r) for r in decision.reasons],
            "rate": decision.rate, "seed": seed, "inputs": inputs, "code_version": CODE_VERSION,
            "drawn_at": drawn})  # fmt: skip
        for rule in rules:  # services.supervision raises these for every declaration that arrives
            hs = [h for h in decl["headings"] if rule.scope.hs_matches(h)]
            kind = RULE_KINDS.get(rule.id, "rule")
            key = f"{kind}:declaration:{did}" if rule.id in RULE_KINDS else f"rule:{rule.id}:declaration:{did}"
            title = f"{rule.title.en}: declaration {decl['number']}, HS {', '.join(hs) or '-'}"
            detail = {"declaration": decl["number"], "hs_codes": hs, **_rule_detail(rule)}
            self.alert(
                key,
                kind,
                rule.severity,
                decl["pid"],
                None,
                did,
                title,
                decl["declared"],
                rule_id=rule.id,
                detail=detail,
            )
        if decision.outcome is draw.Outcome.INSPECT and drawn < self.now:
            self.inspection(decl, sid, drawn, decision)

    # -- one inspection -------------------------------------------------------------------------------------------

    def _on_duty(self, pid: int, at: datetime) -> set[int]:
        day = (at + LOCAL).date()
        return {uid for uid, begin, end in self.shifts.get((pid, day), ()) if begin <= at < end}

    def _workload(self, uid: int, at: datetime) -> int:
        times = self.assigned_times.get(uid, [])
        return bisect.bisect_right(times, at) - bisect.bisect_left(times, at - timedelta(days=WORKLOAD_WINDOW_DAYS))

    def _dispatch(self, decl: dict, iid: int, needed: int, at: datetime) -> tuple[datetime, tuple[int, ...], dict]:
        """domain.selection.dispatch among the inspectors on duty; later (next hour) when too few are on duty."""
        pid, eid = decl["pid"], decl["eid"]
        seed = draw.derive_seed(f"demo-{self.seed}", "dispatch", iid)
        previous = set(self.last_team.get(eid, ()))
        for _ in range(96):
            if at > self.now:
                break
            on_duty = self._on_duty(pid, at)
            if len(on_duty) >= needed:
                candidates = [
                    draw.Candidate(uid, uid in on_duty, self._workload(uid, at), (uid, eid) in self.conflicts,
                                   uid in previous)
                    for uid in self.port_inspectors[pid]
                ]  # fmt: skip
                result = draw.dispatch(candidates, needed, seed)
                if not result.shortfall:
                    # = draw.dispatch_inputs(candidates, ...), without dataclasses.asdict's deep copies
                    inputs = draw.dispatch_inputs([], needed, inspection_id=iid, enterprise_id=eid, at=at.isoformat())
                    inputs["candidates"] = [
                        {f: getattr(c, f) for f in _CANDIDATE_FIELDS} for c in sorted(candidates, key=_by_user)
                    ]
                    return at, result.user_ids, {"seed": seed, "inputs": inputs}
            at = _next_work_time(at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
            at += timedelta(minutes=self.rng.randint(1, 20))
        return at, (), {}

    def inspection(self, decl: dict, sid: int, drawn: datetime, decision: draw.SelectionDecision) -> None:
        rng, now = self.rng, self.now
        did, pid, eid, ent, cat = decl["id"], decl["pid"], decl["eid"], decl["ent"], decl["cat"]
        created = drawn
        iid = self.add(m.Inspection, {
            "declaration_id": did, "port_id": pid, "selection_id": sid, "state": "pending",
            "priority": 1 if decision.forced else 0, "created_at": created, "assigned_at": None, "started_at": None,
            "completed_at": None, "decided_at": None, "decision": None, "decided_by_id": None,
            "current_step": None})  # fmt: skip
        row = self.rows[m.Inspection][-1]
        trans = [(None, "pending", created, None)]
        self._closed_at = now  # until decided, the inspection stays open (overdue alerts)

        def finish() -> None:
            for frm, to, at, user in trans:
                self.add(m.InspectionTransition, {"inspection_id": iid, "from_state": frm, "to_state": to, "at": at,
                                                  "user_id": user})  # fmt: skip
            self._overdue(iid, pid, did, decl["number"], row["state"], created, self._closed_at)

        wanted = _next_work_time(created) + timedelta(minutes=rng.lognormvariate(math.log(15), 0.7))
        assigned, team, record = self._dispatch(decl, iid, decision.inspectors_needed, wanted)
        if not team:
            return finish()
        for pos, uid in enumerate(team):
            bisect.insort(self.assigned_times.setdefault(uid, []), assigned)
            self.add(m.InspectorAssignment, {"inspection_id": iid, "user_id": uid,
                     "position": "lead" if pos == 0 else "second", "assigned_at": assigned,
                     "draw_seed": record["seed"], "draw_inputs": record["inputs"]})  # fmt: skip
        self.last_team[eid] = team
        lead = team[0]
        row.update(state="assigned", assigned_at=assigned)
        trans.append(("pending", "assigned", assigned, None))

        started = _next_work_time(assigned + timedelta(minutes=rng.lognormvariate(math.log(40), 0.6)))
        if started > now:
            return finish()
        row.update(state="in_progress", started_at=started)
        trans.append(("assigned", "in_progress", started, lead))

        # The checklist the product makes of this declaration, one slot per step and container.
        day = decl["day"]
        sig, _ = self._day(day)
        boxes = decl["boxes"]
        steps = self._checklist(decl["shape"], day, sig)
        slots = [(step, boxes[int(i)] if step.per_container else None) for step in steps
                 for i in (step.container_numbers if step.per_container else ("-",))]  # fmt: skip
        tier_factor = {"advanced_certified": 0.5, "general": 1.0, "dishonest": 2.2}[ent["tier"]]
        p_nc = min(0.9, cat.nc_rate * ORIGIN_FACTOR.get(decl["origin"], 1.0) * tier_factor)
        fault = None
        if rng.random() < p_nc:
            fault = self._fault(cat, slots)
        if rng.random() < 0.006:  # someone closes an inspection in minutes (supervision should notice)
            duration = rng.uniform(3, 9)
        else:
            duration = rng.lognormvariate(math.log(25 + 10 * len(slots)), 0.45)
        findings: list[tuple[str, str]] = []
        nc_at = None
        for i, (step, box) in enumerate(slots):
            at = started + timedelta(minutes=duration * (i + 1) / (len(slots) + 1))
            slot_id = f"{step.key}@{box[1]}" if box else step.key
            if at > now:
                row["current_step"] = slot_id
                return finish()
            values = self._values(step.key, box, decl, fault == (step.key, box))
            context = {"declared_gross_weight_kg": decl["weight"], "declared_quantity": decl["quantity"]}
            if box is not None:
                context.update(declared_number=box[1], declared_seal=box[2], declared_seal_class=None)
            judgement = self._judge(step, values, context, day, sig)
            self.add(m.StepResult, {
                "inspection_id": iid, "step_key": step.key, "container_id": box[0] if box else None,
                "outcome": judgement.outcome, "values": dict(judgement.values), "rules_applied": list(step.rule_ids),
                "note": None, "recorded_at": at, "recorded_by_id": lead})  # fmt: skip
            if judgement.outcome == NON_CONFORMING:
                nc_at = at
            for f in judgement.findings:
                findings.append((f.severity, f.rule_id))
                self.add(m.Finding, {"inspection_id": iid, "step_key": step.key,
                         "container_id": box[0] if box else None, "rule_id": f.rule_id, "severity": f.severity,
                         "description": _bilingual(f.text, f.detail), "citation": _bilingual(f.citation),
                         "created_at": at, "created_by_id": lead})  # fmt: skip
                if f.severity == "high":  # services.field raises these as it records the step
                    self.alert(f"finding:{iid}:{slot_id}:{f.rule_id}", "finding", "high", pid, iid, did,
                               f"{f.text.en} ({slot_id})", at, rule_id=f.rule_id,
                               detail={"rule_id": f.rule_id, "step": slot_id, "citation": f.citation.en})  # fmt: skip
            if step.key == "seal" and box is not None and judgement.outcome == NON_CONFORMING:
                observed = judgement.values.get("seal_number")
                self.alert(f"seal_mismatch:inspection:{iid}:container:{box[0]}", "seal_mismatch", "high", pid, iid,
                           did, f"Seal on {box[1]} of {decl['number']}: declared {box[2]}, found {observed}", at,
                           detail={"declaration": decl["number"], "container": box[1], "declared_seal": box[2],
                                   "observed_seal": observed})  # fmt: skip
        if nc_at is not None:
            hs4 = tuple(sorted({h[:4] for h in decl["headings"]}))
            self.non_conformities.append((nc_at, iid, eid, pid, decl["origin"], hs4))
        if rng.random() < 0.025 and slots:
            self.assist(iid, pid, [(s.key, None) for s, _ in slots], cat, lead, started, duration)
        completed = started + timedelta(minutes=duration)
        if completed > now:
            return finish()
        row.update(state="completed", completed_at=completed, current_step=None)
        trans.append(("in_progress", "completed", completed, lead))
        self._quick_close(iid, pid, did, decl["number"], started, completed, len(slots))

        high = any(sev == "high" for sev, _ in findings)
        if findings:
            food = cat.key in ("meat", "seafood", "dairy", "fruit")
            # services.field refuses release while a high-severity finding stands.
            weights = [0 if high else 40, 33, 18, 9 if food else 3]
            decision_taken = rng.choices(["release", "hold", "return", "destroy"], weights=weights)[0]
            delay = rng.lognormvariate(math.log(90), 1.0)
        else:
            decision_taken = "release"
            delay = rng.lognormvariate(math.log(12), 0.9)
        decided = completed + timedelta(minutes=delay)
        if decided > now:
            return finish()
        if decision_taken in ("return", "destroy") and len(team) < 2:
            # services.field records a second inspector for a return or destruction.
            others = [u for u in self.port_inspectors[pid] if u != lead and (u, eid) not in self.conflicts]
            if others:
                self.add(m.InspectorAssignment, {
                    "inspection_id": iid, "user_id": rng.choice(others), "position": "second",
                    "assigned_at": decided, "draw_seed": None, "draw_inputs": None})  # fmt: skip
            else:
                decision_taken = "hold"
        state = {"release": "released", "hold": "held", "return": "returned", "destroy": "destroyed"}[decision_taken]
        row.update(state=state, decided_at=decided, decision=decision_taken, decided_by_id=lead)
        trans.append(("completed", state, decided, lead))
        self._closed_at = decided
        if state == "held" and rng.random() < 0.6:
            cleared = decided + timedelta(hours=rng.lognormvariate(math.log(48), 0.6))
            if cleared <= now:
                final = rng.choices(["release", "return", "destroy"], weights=[60, 30, 10])[0]
                final_state = {"release": "released", "return": "returned", "destroy": "destroyed"}[final]
                supervisor = self.user_ids["supervisor"]
                row.update(state=final_state, decided_at=cleared, decision=final, decided_by_id=supervisor)
                trans.append(("held", final_state, cleared, supervisor))
        finish()

    def _fault(self, cat: Category, slots: list) -> tuple[str, tuple | None] | None:
        """Which slot goes wrong, by what is typical of the goods (only faults whose step is on the checklist)."""
        rng = self.rng
        keys = {"seal": "seal", "body": "container_body", "number": "container_number", "goods_desc": "goods",
                "goods_weight": "goods", "packaging": "packaging", "reefer": "reefer_temperature",
                "radiation": "radiation", "impurity": "impurity"}  # fmt: skip
        present = {step.key for step, _ in slots}
        options = [(f, w) for f, w in cat.faults + COMMON_FAULTS if keys[f] in present]
        if not options:
            return None
        fault = rng.choices([f for f, _ in options], weights=[w for _, w in options])[0]
        boxes = [box for step, box in slots if step.key == keys[fault]]
        self._fault_kind = fault
        return keys[fault], rng.choice(boxes)

    def _values(self, key: str, box, decl: dict, bad: bool) -> dict:
        """What the inspector enters at a step, by the checklist's input names (bad: the fault drawn)."""
        rng, cat = self.rng, decl["cat"]
        fault = self._fault_kind if bad else None
        if key == "container_number":
            number = box[1]
            if bad:
                number = number[:10] + str((int(number[10]) + rng.randint(1, 9)) % 10)
            return {"number": number}
        if key == "seal":
            seal = box[2] if not bad else box[2][:-3] + f"{(int(box[2][-3:]) + rng.randint(1, 998)) % 1000:03d}"
            return {"seal_number": seal, "seal_class": "H"}  # bolt seals, ISO 17712 class H
        if key == "reefer_temperature":
            if cat.key in ("meat", "seafood"):
                set_point = rng.choice((-18.0, -18.0, -20.0, -25.0))
            elif cat.key == "fruit":
                set_point = rng.choice((0.5, 2.0, 7.0, 13.0))
            else:
                set_point = rng.choice((2.0, 4.0, -18.0))
            delta = rng.uniform(3.0, 9.0) if bad else rng.uniform(-1.5, 1.5)
            return {"set_point_c": set_point, "measured_c": round(set_point + delta, 1)}
        if key == "radiation":
            background = round(rng.uniform(0.06, 0.16), 3)
            dose = background + (rng.uniform(0.35, 2.5) if bad else rng.uniform(0.0, 0.15))
            return {"dose_rate_ugy_h": round(dose, 3), "background_ugy_h": background}
        if key == "impurity":
            return {"impurity_pct": round(rng.uniform(1.6, 6.0) if bad else rng.uniform(0.05, 0.45), 2)}
        if key == "goods":
            weight = decl["weight"] * (1 + rng.uniform(-0.03, 0.03))
            if fault == "goods_weight":
                weight = decl["weight"] * (1 + rng.choice((-1, 1)) * rng.uniform(0.08, 0.3))
            return {"description_matches": fault != "goods_desc", "quantity": decl["quantity"],
                    "gross_weight_kg": round(weight, 1)}  # fmt: skip
        if key == "packaging":
            wood = bad or rng.random() < cat.wood
            values = {"packaging_intact": rng.random() > 0.03, "wood_packaging": wood}
            if wood:
                values["ispm15_mark"] = not bad
            return values
        if key == "container_body":
            values = dict.fromkeys(SEVEN_POINTS, True)
            if bad:
                values[rng.choice(SEVEN_POINTS)] = False
            return values
        return {}

    # -- alerts as services.supervision and services.field raise them ------------------------------------------------

    def alert(self, key, kind, severity, pid, iid, did, title, first_at, *, last_at=None, count=1, rule_id=None,
              detail=None) -> None:  # fmt: skip
        """One alert row; its state (open, acknowledged, resolved) follows the age of its last trigger."""
        rng = self.rng
        last_at = last_at or first_at
        age = self.now - last_at
        if age > timedelta(days=3):
            state = "resolved" if rng.random() < 0.92 else "acknowledged"
        elif age > timedelta(hours=6):
            state = rng.choice(["open", "acknowledged", "resolved"])
        else:
            state = "open"
        sup = self.user_ids["supervisor"]
        ack = last_at + timedelta(minutes=rng.randint(5, 240)) if state != "open" else None
        res = ack + timedelta(hours=rng.uniform(1, 48)) if state == "resolved" else None
        if res is not None and res > self.now:
            state, res = "acknowledged", None
        if ack is not None and ack > self.now:
            state, ack = "open", None
        self.add(m.Alert, {
            "dedupe_key": key[:200], "kind": kind, "rule_id": rule_id, "severity": severity, "port_id": pid,
            "inspection_id": iid, "declaration_id": did, "title": title[:300],
            "detail": {**(detail or {}), "trigger_at": last_at.isoformat()}, "state": state, "count": count,
            "first_raised_at": first_at, "last_raised_at": last_at, "assigned_to_id": None,
            "acknowledged_at": ack, "acknowledged_by_id": sup if ack else None,
            "resolved_at": res, "resolved_by_id": sup if res else None,
            "comment": "Checked with the port; handled." if res else None})  # fmt: skip

    def _overdue(self, iid, pid, did, number, state, created, closed_at) -> None:
        """services.supervision: raised once per service time an inspection stays open (high from the second)."""
        period = timedelta(minutes=self.limits.overdue_minutes)
        k = int((min(closed_at, self.now) - created) / period)
        if k < 1:
            return
        minutes = int((min(closed_at, self.now) - created).total_seconds() // 60)
        self.alert(f"overdue:inspection:{iid}", "overdue", "high" if k >= 2 else "medium", pid, iid, None,
                   f"Inspection of {number} is overdue ({state}, open {minutes} min)", created + period,
                   last_at=created + k * period, count=k,
                   detail={"declaration": number, "state": state, "open_minutes": minutes,
                           "overdue_minutes": self.limits.overdue_minutes, "periods": k})  # fmt: skip

    def _quick_close(self, iid, pid, did, number, started, completed, steps) -> None:
        """services.supervision: the catalogue's alert rule on closing fast without a photo (seeded: none)."""
        took = (completed - started).total_seconds() / 60
        values = {"minutes_to_close": took, "photo_count": 0, "step_count": steps}
        for rule in self.quick_close:
            if alert_fires(rule, values, (completed + LOCAL).date()):
                kind = RULE_KINDS[rule.id]
                self.alert(f"{kind}:inspection:{iid}", kind, rule.severity, pid, iid, did,
                           f"{rule.title.en}: {number}, {took:.0f} min, 0 photos", completed, rule_id=rule.id,
                           detail={"declaration": number, "minutes": round(took, 1), "photos": 0,
                                   **_rule_detail(rule)})  # fmt: skip

    def repeated_non_conformity(self) -> None:
        """services.supervision: every further non-conforming inspection within 30 days, from the third,
        raises the enterprise's (and the origin + HS heading's) alert at the port again."""
        window = timedelta(days=self.limits.repeat_window_days)
        threshold = self.limits.repeat_threshold
        groups: dict[tuple, list[datetime]] = {}
        for at, _iid, eid, pid, origin, hs4s in sorted(self.non_conformities):
            groups.setdefault(("enterprise", eid, pid), []).append(at)
            for hs4 in hs4s:
                groups.setdefault(("origin_hs", origin, hs4, pid), []).append(at)
        names = {r["id"]: r["name"] for r in self.rows[m.Enterprise]}
        for key, times in sorted(groups.items(), key=lambda kv: str(kv[0])):
            raised: list[tuple[datetime, int]] = []
            for i, at in enumerate(times):
                n = i + 1 - bisect.bisect_left(times, at - window, 0, i + 1)
                if n >= threshold:
                    raised.append((at, n))
            if not raised:
                continue
            (first, _), (last, n) = raised[0], raised[-1]
            severity = "high" if n >= 2 * threshold else "medium"
            days = self.limits.repeat_window_days
            if key[0] == "enterprise":
                _, eid, pid = key
                self.alert(f"repeat_nc:enterprise:{eid}:port:{pid}", "repeat_nc_enterprise", severity, pid, None,
                           None, f"{names[eid]}: {n} non-conforming inspections in {days} days", first, last_at=last,
                           count=len(raised), detail={"enterprise_id": eid, "enterprise": names[eid], "inspections": n,
                                                      "window_days": days})  # fmt: skip
            else:
                _, origin, hs4, pid = key
                self.alert(f"repeat_nc:origin_hs:{origin}:{hs4}:port:{pid}", "repeat_nc_origin_hs", severity, pid,
                           None, None, f"Origin {origin}, HS {hs4}: {n} non-conforming inspections in {days} days",
                           first, last_at=last, count=len(raised),
                           detail={"origin": origin, "hs4": hs4, "inspections": n, "window_days": days})  # fmt: skip

    def assist(self, iid, pid, steps, cat, lead, started, duration) -> None:
        rng = self.rng
        step = rng.choice(steps)[0]
        requested = started + timedelta(minutes=duration * rng.uniform(0.2, 0.7))
        if requested > self.now:
            return
        expert = rng.choice(self.experts)
        joined = requested + timedelta(minutes=rng.lognormvariate(math.log(3), 0.6))
        ended = joined + timedelta(minutes=rng.lognormvariate(math.log(9), 0.5))
        state = "ended" if ended <= self.now else "active" if joined <= self.now else "waiting"
        sid = self.add(m.AssistSession, {
            "inspection_id": iid, "port_id": pid, "step_key": step,
            "question": f"Please help me judge the {step.replace('_', ' ')} of this {cat.key.replace('_', ' ')} lot.",
            "expertise": None, "state": state, "requested_by_id": lead, "requested_at": requested,
            "expert_id": expert if state != "waiting" else None, "joined_at": joined if state != "waiting" else None,
            "ended_at": ended if state == "ended" else None,
            "note": "Compared with reference samples; conclusion given to the inspector." if state == "ended" else None,
            "conclusion": rng.choice(["conforming", "non-conforming, take samples"]) if state == "ended" else None,
            "recording_path": None})  # fmt: skip
        if state != "waiting":
            self.add(m.ChatMessage, {"session_id": sid, "user_id": lead, "sent_at": joined,
                                     "text": "Camera on the marking now."})  # fmt: skip
            self.add(m.ChatMessage, {"session_id": sid, "user_id": expert, "sent_at": joined + timedelta(minutes=1),
                                     "text": "Move closer to the label, please."})  # fmt: skip

    # -- write ----------------------------------------------------------------------------------------------------

    ORDER = (m.Port, m.Enterprise, m.EnterpriseCreditHistory, m.User, m.UserPort, m.DutyShift, m.ConflictOfInterest,
             m.Declaration, m.GoodsLine, m.Container, m.Selection, m.Inspection, m.InspectionTransition,
             m.InspectorAssignment, m.StepResult, m.Finding, m.Alert, m.AssistSession, m.ChatMessage)  # fmt: skip

    def write(self, session: Session) -> dict[str, int]:
        counts = {}
        conn = session.connection()
        for model in self.ORDER:
            rows = self.rows.get(model, [])
            _bulk_insert(conn, model.__table__, rows)
            counts[model.__tablename__] = len(rows)
        return counts


_CANDIDATE_FIELDS = tuple(f.name for f in fields(draw.Candidate))


def _by_user(candidate: draw.Candidate) -> int:
    return candidate.user_id


SEVEN_POINTS = ("front_wall", "left_side", "right_side", "floor", "ceiling_roof", "doors", "undercarriage")


def _bilingual(text: Text, detail: Text | None = None) -> str:
    """Stored text in both languages, Chinese line first (the format of services.field.bilingual)."""
    zh, en = text.zh, text.en
    if detail is not None:
        zh, en = f"{zh}（{detail.zh}）", f"{en} ({detail.en})"
    return f"{zh}\n{en}"


def _rule_detail(rule) -> dict:
    """The rule's text in an alert's detail, as services.supervision writes it."""
    citation = rule.basis.citation()
    return {
        "rule_title": {"zh": rule.title.zh, "en": rule.title.en},
        "finding": {"zh": rule.finding.zh, "en": rule.finding.en},
        "citation": {"zh": citation.zh, "en": citation.en},
    }


def _bulk_insert(conn: Connection, table, rows: list[dict]) -> None:
    """executemany straight to the driver with SQLAlchemy's own bind processors (types stay exact).

    The ORM-free Core insert spends most of its time building parameters row by row; this does the
    same conversion once per column and hands the driver plain tuples (SQLite) or dicts (psycopg).
    """
    if not rows:
        return
    cols = list(rows[0])
    first = rows[0].keys()
    if not all(r.keys() == first for r in rows):
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(table), rows[i : i + BATCH])
        return
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=cols)
    processors = [(c, table.c[c].type._cached_bind_processor(dialect)) for c in cols]
    escaped = getattr(compiled, "escaped_bind_names", None) or {}

    sql = str(compiled)
    if compiled.positional:  # SQLite: tuples in the statement's parameter order, converted column by column
        unescaped = {v: k for k, v in escaped.items()}
        by_name = dict(processors)
        names = [unescaped.get(n, n) for n in compiled.positiontup]
        getter = itemgetter(*names)
        convert = [(j, by_name[c]) for j, c in enumerate(names) if by_name[c] is not None]
        for i in range(0, len(rows), BATCH):
            raw = [getter(r) for r in rows[i : i + BATCH]]
            if len(names) == 1:
                raw = [(v,) for v in raw]
            if convert:
                columns = list(zip(*raw, strict=True))
                for j, proc in convert:
                    columns[j] = list(map(proc, columns[j]))
                raw = list(zip(*columns, strict=True))
            conn.exec_driver_sql(sql, raw)
        return
    for i in range(0, len(rows), BATCH):
        params = [{escaped.get(c, c): (p(r[c]) if p else r[c]) for c, p in processors} for r in rows[i : i + BATCH]]
        conn.exec_driver_sql(sql, params)


def seed_demo(
    db: Database,
    *,
    weeks: int = 26,
    seed: int = 7,
    now: datetime | None = None,
    force: bool = False,
    password_hash: str | None = None,
) -> dict[str, int]:
    """Seed the demo data; returns the number of rows per table.

    Refuses (Conflict) when the database already holds ports unless force=True, which first
    deletes all data. `now` anchors the history (default: the current hour); the same seed and
    now give identical rows. Ends with the daily rollups rebuilt from the seeded rows.
    """
    from portsight.services.rollups import rebuild_rollups

    if now is None:
        now = utcnow().replace(minute=0, second=0, microsecond=0)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    now = now.astimezone(UTC)
    if password_hash is None:
        from portsight.security import hash_password

        password_hash = hash_password(DEMO_PASSWORD)  # once: argon2 is slow on purpose
    with unit_of_work(db) as session:
        if not _is_empty(session):
            if not force:
                raise Conflict("The database already has data; seed refuses to mix demo data into it (use --force).")
            _wipe(session)
        seeder = _Seeder(seed, weeks, now, password_hash)
        seeder.ports()
        seeder.enterprises()
        seeder.users()
        seeder.roster()
        seeder.history()
        seeder.repeated_non_conformity()
        counts = seeder.write(session)
        _reset_sequences(session)
        counts["daily_rollups"] = rebuild_rollups(session)
    return counts
