"""The demo's world: what port work looks like in the seeded history.

Port volumes and roster sizes, credit tiers, goods categories with their origins, faults and
rates of non-conformity, enterprise and person names, container owners and seal prefixes. Plain
data, read by the reference, declaration and inspection parts of the seed and by the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

LOCAL = timedelta(hours=8)  # Asia/Shanghai, no daylight saving

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
# The seven points of the container body check, in the order of its checklist step.
SEVEN_POINTS = ("front_wall", "left_side", "right_side", "floor", "ceiling_roof", "doors", "undercarriage")
