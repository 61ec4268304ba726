"""Demo data: ports, enterprises, users, roster and weeks of realistic inspection history.

`seed_demo(db, weeks=26, seed=7, now=...)` writes everything in one transaction with Core bulk
inserts and ids assigned here, so it is fast (26 weeks in seconds on SQLite) and reproducible:
the same seed and the same `now` give identical rows. Only random.Random(seed) is used.

The shape follows real port work: office-hour and weekday rhythm, big and small ports, airports
without containers, goods mix by HS chapter with matching origins, inspection rate by
enterprise credit tier, non-conformity by goods and origin, release times with a long tail,
holds, returns and destructions, and open work in the last hours.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from portsight import reference
from portsight.clock import utcnow
from portsight.db import models as m
from portsight.db.session import Database, unit_of_work
from portsight.services.errors import Conflict

CODE_VERSION = "selection-demo-1"
DEMO_PASSWORD = "demo"
LOCAL = timedelta(hours=8)  # Asia/Shanghai, no daylight saving
BATCH = 5000

# Relative declaration volume per week and inspectors on the roster, by port.
PORT_VOLUME = {
    "CNSGH": (720, 8), "CNNBO": (620, 8), "CNSNZ": (600, 8), "CNQIN": (360, 6), "CNTNJ": (360, 6),
    "CNGGZ": (340, 6), "CNXAM": (220, 5), "CNDAL": (180, 4), "CNPVG": (300, 5), "CNSHA": (70, 3),
    "CNSJQ": (60, 3), "CNWXS": (60, 3),
}  # fmt: skip

CREDIT_RATE = {"advanced_certified": 0.015, "general": 0.06, "dishonest": 0.85}
TIER_WEIGHTS = (("advanced_certified", 0.14), ("general", 0.80), ("dishonest", 0.06))


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
    rule_steps: tuple[str, ...]  # checklist items that regulations add for these goods
    air: bool = False  # also flown
    export: bool = False  # also exported
    until_year: int | None = None  # import banned from this year on


CATEGORIES = (
    Category("machinery", ("8471", "8443", "8479", "8413", "8481", "8504", "8536"),
             ("DE", "JP", "KR", "US", "IT", "CH"),
             0.17, 0.04, ("22G1", "42G1", "45G1"), "set", 180, 22, ("chinese_label",), air=False, export=True),
    Category("electronics", ("8517", "8528", "8542", "9018"), ("KR", "JP", "US", "MY", "VN", "DE"),
             0.10, 0.05, ("22G1", "45G1"), "pcs", 2.5, 120, ("chinese_label",), air=True, export=True),
    Category("plastics", ("3901", "3902", "3907", "3920", "3926"), ("SA", "KR", "JP", "US", "TH", "SG"),
             0.10, 0.05, ("22G1", "42G1"), "kg", 1, 1.4, ()),
    Category("textiles", ("6104", "6109", "6110", "6203", "6204", "6205"), ("VN", "BD", "IT", "TR", "KH", "IN"),
             0.09, 0.07, ("42G1", "45G1"), "pcs", 0.4, 18, ("chinese_label",), export=True),
    Category("furniture", ("9401", "9403", "9405"), ("IT", "DE", "VN", "MY", "ID"),
             0.07, 0.06, ("42G1", "45G1"), "pcs", 25, 9, ("pests",), export=True),
    Category("meat", ("0202", "0203", "0207"), ("BR", "AR", "AU", "NZ", "US", "ES", "UY"),
             0.07, 0.09, ("45R1", "42R1"), "kg", 1, 4.5, ("temperature", "chinese_label")),
    Category("seafood", ("0303", "0304", "0306"), ("NO", "RU", "EC", "VN", "IN", "CL", "CA"),
             0.05, 0.10, ("45R1", "22R1"), "kg", 1, 7, ("temperature", "chinese_label"), air=True),
    Category("dairy", ("0402", "0406"), ("NZ", "AU", "FR", "NL", "DE"),
             0.04, 0.06, ("22R1", "45R1", "22G1"), "kg", 1, 5, ("temperature", "chinese_label")),
    Category("fruit", ("0803", "0805", "0806", "0810"), ("TH", "VN", "CL", "PH", "NZ", "PE", "ZA"),
             0.06, 0.12, ("45R1",), "kg", 1, 2.2, ("pests", "temperature"), air=True),
    Category("copper_scrap", ("7404",), ("JP", "US", "AU", "MY", "DE", "ES", "BE"),
             0.04, 0.22, ("22G1",), "kg", 1, 6.5, ("radiation", "impurity")),
    Category("recovered_paper", ("4707",), ("US", "JP", "GB", "NL", "AU"),
             0.03, 0.25, ("42G1", "45G1"), "kg", 1, 0.2, ("radiation", "impurity"), until_year=2021),
    Category("chemicals", ("2901", "2902", "3824"), ("US", "DE", "JP", "KR", "SA"),
             0.04, 0.07, ("22T1",), "kg", 1, 1.8, ("chinese_label",)),
    Category("cosmetics_wine", ("3304", "2204"), ("FR", "KR", "JP", "AU", "IT", "CL"),
             0.04, 0.09, ("22G1",), "pcs", 1.2, 14, ("chinese_label",), air=True),
    Category("vehicles_parts", ("8708", "8703"), ("DE", "JP", "US", "GB", "KR"),
             0.05, 0.04, ("45G1", "42G1"), "set", 40, 28, ()),
    Category("wood_grain", ("4403", "4407", "1201"), ("RU", "NZ", "BR", "US", "CA"),
             0.05, 0.11, ("42G1", "45G1"), "kg", 1, 0.5, ("pests",)),
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

# What inspectors find, by checklist step.
FINDINGS = {
    "container_number": ("medium", "Container number on the box differs from the declaration"),
    "seal": ("high", "Seal number differs from the declared seal / seal broken"),
    "goods": ("medium", "Goods differ from the declaration (description, quantity or weight)"),
    "packaging": ("low", "Packaging damaged or wood packaging without IPPC mark"),
    "container_body": ("low", "Container body damaged or not clean inside"),
    "radiation": ("high", "Radiation dose rate above the limit"),
    "impurity": ("high", "Impurity content above the limit for recycled raw material"),
    "temperature": ("medium", "Cold chain temperature out of range"),
    "pests": ("high", "Live quarantine pests found"),
    "chinese_label": ("low", "Chinese label missing or non-compliant"),
}
CONTAINER_STEPS = ("container_number", "seal", "container_body")


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

    def add(self, model: type, row: dict) -> int:
        if "id" in m.Base.metadata.tables[model.__tablename__].c and "id" not in row:
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
            self.port_ents[pid] = (ids, weights)

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
        first = (self.start + LOCAL).date() - timedelta(days=1)
        days = (self.now + LOCAL).date() - first
        for pid, inspectors in self.port_inspectors.items():
            for d in range(days.days + 3):
                day = first + timedelta(days=d)
                weekend = day.weekday() >= 5
                for i, uid in enumerate(inspectors):
                    if weekend and (i + d) % 3 != 0:
                        continue
                    if not weekend and rng.random() < 0.06:  # leave, training
                        continue
                    late = (i + d) % 4 == 0
                    begin = datetime(day.year, day.month, day.day, 12 if late else 8, tzinfo=UTC) - LOCAL
                    self.add(m.DutyShift, {"user_id": uid, "port_id": pid, "starts_at": begin,
                                           "ends_at": begin + timedelta(hours=8 if late else 9)})  # fmt: skip
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

    # -- history --------------------------------------------------------------------------------------------------

    def history(self) -> None:
        rng = self.rng
        self.container_serial = rng.randint(100000, 400000)
        self.origin_factor = dict(ORIGIN_FACTOR)
        self.inspection_load: dict[int, int] = {}
        self.nc_by_enterprise: dict[int, int] = {}
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

    def declaration(self, pid: int, declared: datetime, seq: int) -> None:
        rng = self.rng
        ids, weights = self.port_ents[pid]
        eid = rng.choices(ids, weights=weights)[0]
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
        for line_no, heading in enumerate(headings, start=1):
            kg = round(total_kg / n_lines * rng.uniform(0.6, 1.4), 1)
            self.add(m.GoodsLine, {
                "declaration_id": did, "line_no": line_no, "hs_code": heading,
                "description": reference.hs_heading(heading).description[:300],
                "quantity": round(kg / cat.kg_per_unit) if cat.unit != "kg" else kg, "unit": cat.unit,
                "gross_weight_kg": kg, "value": Decimal(str(round(kg * cat.usd_per_kg * rng.uniform(0.7, 1.4), 2))),
                "currency": "USD"})  # fmt: skip
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
        self.selection(did, eid, ent, cat, pid, origin, headings, declared, boxes, direction)

    def selection(self, did, eid, ent, cat, pid, origin, headings, declared, boxes, direction) -> None:
        rng = self.rng
        tier = ent["tier"]
        rate = CREDIT_RATE[tier]
        reasons = [f"credit tier {tier}: rate {rate:.3f}"]
        forced = False
        if cat.key in ("copper_scrap", "recovered_paper") and direction == "import":
            rate = max(rate, 0.5)
            reasons.append("rule waste_raw_material: imported recycled raw material, rate 0.50")
        if ent["under_investigation"]:
            forced = True
            reasons.append("enterprise under investigation: inspection forced")
        draw = rng.random()
        inspect = forced or draw < rate
        if not forced:
            reasons.append(f"random draw {draw:.4f} {'<' if inspect else '>='} {rate:.3f}")
        outcome = "inspect" if inspect else ("document_check" if rng.random() < 0.05 else "release")
        drawn = declared + timedelta(seconds=rng.randint(20, 600))
        sid = self.add(m.Selection, {
            "declaration_id": did, "outcome": outcome, "reasons": reasons, "rate": rate,
            "seed": f"{self.seed}:{did}", "inputs": {"credit_tier": tier, "hs_headings": headings,
                                                      "origin": origin, "draw": round(draw, 6)},
            "code_version": CODE_VERSION, "drawn_at": drawn})  # fmt: skip
        if inspect and drawn < self.now:
            self.inspection(did, sid, eid, ent, cat, pid, origin, drawn, boxes)

    def inspection(self, did, sid, eid, ent, cat, pid, origin, drawn, boxes) -> None:
        rng, now = self.rng, self.now
        created = drawn + timedelta(seconds=rng.randint(30, 300))
        iid = self.add(m.Inspection, {
            "declaration_id": did, "port_id": pid, "selection_id": sid, "state": "pending",
            "priority": 1 if cat.key in ("meat", "seafood", "fruit", "dairy") else 0, "created_at": created,
            "assigned_at": None, "started_at": None, "completed_at": None, "decided_at": None, "decision": None,
            "decided_by_id": None, "current_step": None})  # fmt: skip
        row = self.rows[m.Inspection][-1]
        trans = [(None, "pending", created, None)]

        def finish() -> None:
            for frm, to, at, user in trans:
                self.add(m.InspectionTransition, {"inspection_id": iid, "from_state": frm, "to_state": to, "at": at,
                                                  "user_id": user})  # fmt: skip

        # Assignment: double random among the port's inspectors, lead + second, no conflicts.
        assigned = _next_work_time(created) + timedelta(minutes=rng.lognormvariate(math.log(15), 0.7))
        if assigned > now:
            return finish()
        pool = [u for u in self.port_inspectors[pid] if (u, eid) not in self.conflicts]
        pool.sort(key=lambda u: self.inspection_load.get(u, 0))
        team = rng.sample(pool[: max(2, len(pool) // 2 + 1)], k=min(2, len(pool)))
        for pos, uid in enumerate(team):
            self.inspection_load[uid] = self.inspection_load.get(uid, 0) + 1
            self.add(m.InspectorAssignment, {"inspection_id": iid, "user_id": uid,
                     "position": "lead" if pos == 0 else "second", "assigned_at": assigned,
                     "draw_seed": f"{self.seed}:{iid}", "draw_inputs": {"on_duty": len(pool)}})  # fmt: skip
        lead = team[0]
        row.update(state="assigned", assigned_at=assigned)
        trans.append(("pending", "assigned", assigned, None))

        started = _next_work_time(assigned + timedelta(minutes=rng.lognormvariate(math.log(40), 0.6)))
        if started > now:
            return finish()
        row.update(state="in_progress", started_at=started)
        trans.append(("assigned", "in_progress", started, lead))

        # Checklist: per container steps, then the goods, then the items regulations add.
        steps: list[tuple[str, tuple | None]] = []
        for box in boxes:
            steps += [("container_number", box), ("seal", box)]
        steps += [("goods", None), ("packaging", None)]
        steps += [("container_body", box) for box in boxes]
        steps += [(key, None) for key in cat.rule_steps]
        tier_factor = {"advanced_certified": 0.5, "general": 1.0, "dishonest": 2.2}[ent["tier"]]
        p_nc = min(0.9, cat.nc_rate * self.origin_factor.get(origin, 1.0) * tier_factor)
        non_conforming = rng.random() < p_nc
        bad_steps: set[int] = set()
        if non_conforming:
            candidates = [i for i, (k, _) in enumerate(steps) if k not in ("container_number",)]
            rule_idx = [i for i, (k, _) in enumerate(steps) if k in cat.rule_steps]
            pick = rng.choice(rule_idx) if rule_idx and rng.random() < 0.6 else rng.choice(candidates)
            bad_steps.add(pick)
        duration = rng.lognormvariate(math.log(25 + 12 * len(steps)), 0.45)
        for i, (key, box) in enumerate(steps):
            at = started + timedelta(minutes=duration * (i + 1) / (len(steps) + 1))
            if at > now:
                row["current_step"] = key
                return finish()
            bad = i in bad_steps
            values = self._values(key, box, bad, cat)
            self.add(m.StepResult, {
                "inspection_id": iid, "step_key": key, "container_id": box[0] if box else None,
                "outcome": "non_conforming" if bad else "conforming", "values": values,
                "rules_applied": [], "note": None, "recorded_at": at, "recorded_by_id": lead})  # fmt: skip
            if bad:
                severity, description = FINDINGS[key]
                self.add(m.Finding, {"inspection_id": iid, "step_key": key, "container_id": box[0] if box else None,
                         "rule_id": None, "severity": severity, "description": description, "citation": None,
                         "created_at": at, "created_by_id": lead})  # fmt: skip
                self.nc_by_enterprise[eid] = self.nc_by_enterprise.get(eid, 0) + 1
                if severity == "high":
                    self.alert(f"finding:{iid}:{key}", "finding", severity, pid, iid, did,
                               f"{description} ({key})", at)
        if rng.random() < 0.025:
            self.assist(iid, pid, steps, cat, lead, started, duration)
        completed = started + timedelta(minutes=duration)
        if completed > now:
            return finish()
        row.update(state="completed", completed_at=completed, current_step=None)
        trans.append(("in_progress", "completed", completed, lead))

        if non_conforming:
            food = cat.key in ("meat", "seafood", "dairy", "fruit")
            decision = rng.choices(["release", "hold", "return", "destroy"],
                                   weights=[40, 33, 18, 9 if food else 3])[0]  # fmt: skip
            delay = rng.lognormvariate(math.log(90), 1.0)
        else:
            decision = "release"
            delay = rng.lognormvariate(math.log(12), 0.9)
        decided = completed + timedelta(minutes=delay)
        if decided > now:
            return finish()
        state = {"release": "released", "hold": "held", "return": "returned", "destroy": "destroyed"}[decision]
        row.update(state=state, decided_at=decided, decision=decision, decided_by_id=lead)
        trans.append(("completed", state, decided, lead))
        if state == "held" and rng.random() < 0.6:
            cleared = decided + timedelta(hours=rng.lognormvariate(math.log(48), 0.6))
            if cleared <= now:
                final = rng.choices(["release", "return", "destroy"], weights=[60, 30, 10])[0]
                final_state = {"release": "released", "return": "returned", "destroy": "destroyed"}[final]
                supervisor = self.user_ids["supervisor"]
                row.update(state=final_state, decided_at=cleared, decision=final, decided_by_id=supervisor)
                trans.append(("held", final_state, cleared, supervisor))
        if (now - decided) < timedelta(days=2) and completed - started < timedelta(minutes=12):
            self.alert(f"quick_close:{iid}", "suspicious_pattern", "medium", pid, iid, did,
                       "Inspection closed in minutes with no photo", decided)
        finish()

    def _values(self, key: str, box, bad: bool, cat: Category) -> dict:
        rng = self.rng
        if key == "container_number":
            return {"read": box[1], "check_digit_ok": True}
        if key == "seal":
            read = box[2] if not bad else box[2][:-3] + f"{rng.randint(0, 999):03d}"
            return {"read": read, "declared": box[2], "matches_declared": not bad, "iso17712_class": "H"}
        if key == "radiation":
            return {"dose_rate_usv_h": round(rng.uniform(0.5, 2.5) if bad else rng.uniform(0.05, 0.2), 3)}
        if key == "impurity":
            return {"percent": round(rng.uniform(1.2, 6.0) if bad else rng.uniform(0.05, 0.9), 2)}
        if key == "temperature":
            frozen = cat.key in ("meat", "seafood")
            target = -18.0 if frozen else 4.0
            delta = rng.uniform(4, 10) if bad else rng.uniform(-1.5, 1.5)
            return {"celsius": round(target + delta, 1)}
        if key == "goods":
            return {"quantity_matches": not bad}
        return {}

    def alert(self, key, kind, severity, pid, iid, did, title, at) -> None:
        rng = self.rng
        age = self.now - at
        if age > timedelta(days=3):
            state = "resolved" if rng.random() < 0.92 else "acknowledged"
        elif age > timedelta(hours=6):
            state = rng.choice(["open", "acknowledged", "resolved"])
        else:
            state = "open"
        sup = self.user_ids["supervisor"]
        ack = at + timedelta(minutes=rng.randint(5, 240)) if state != "open" else None
        res = ack + timedelta(hours=rng.uniform(1, 48)) if state == "resolved" else None
        if res is not None and res > self.now:
            state, res = "acknowledged", None
        if ack is not None and ack > self.now:
            state, ack = "open", None
        self.add(m.Alert, {
            "dedupe_key": key, "kind": kind, "rule_id": None, "severity": severity, "port_id": pid,
            "inspection_id": iid, "declaration_id": did, "title": title, "detail": {}, "state": state, "count": 1,
            "first_raised_at": at, "last_raised_at": at, "assigned_to_id": None,
            "acknowledged_at": ack, "acknowledged_by_id": sup if ack else None,
            "resolved_at": res, "resolved_by_id": sup if res else None,
            "comment": "Checked with the port; handled." if res else None})  # fmt: skip

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

    def supervision_alerts(self) -> None:
        """Overdue open inspections and enterprises with repeated non-conformity."""
        limit = timedelta(minutes=240)
        for row in self.rows.get(m.Inspection, []):
            if row["state"] in ("pending", "assigned", "in_progress", "completed") and self.now - row[
                "created_at"
            ] > limit:
                self.alert(f"overdue:{row['id']}", "overdue", "medium", row["port_id"], row["id"],
                           row["declaration_id"], "Inspection open for more than 4 hours", row["created_at"] + limit)
        for eid, n in self.nc_by_enterprise.items():
            if n >= 3:
                self.alert(f"repeated_nc:{eid}", "repeated_non_conformity", "high", self.ent[eid]["home"], None, None,
                           f"Enterprise {eid}: {n} non-conformities in {self.weeks} weeks", self.now - timedelta(
                               hours=self.rng.randint(1, 24 * 7 * self.weeks)))

    # -- write ----------------------------------------------------------------------------------------------------

    ORDER = (m.Port, m.Enterprise, m.EnterpriseCreditHistory, m.User, m.UserPort, m.DutyShift, m.ConflictOfInterest,
             m.Declaration, m.GoodsLine, m.Container, m.Selection, m.Inspection, m.InspectionTransition,
             m.InspectorAssignment, m.StepResult, m.Finding, m.Alert, m.AssistSession, m.ChatMessage)  # fmt: skip

    def write(self, session: Session) -> dict[str, int]:
        counts = {}
        for model in self.ORDER:
            rows = self.rows.get(model, [])
            for i in range(0, len(rows), BATCH):
                session.execute(insert(model.__table__), rows[i : i + BATCH])
            counts[model.__tablename__] = len(rows)
        return counts


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
    now give identical rows.
    """
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
        seeder.supervision_alerts()
        counts = seeder.write(session)
        _reset_sequences(session)
    return counts
