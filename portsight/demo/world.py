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
#   ccc: no CCC mark on a listed product      label: prepackaged food without a full Chinese label
#   meat_docs: carton establishment number not the registered one
#   pests: live pests in fresh fruit          recycled: recycled raw material below its standard on sight
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
    Category("machinery", ("8471", "8443", "8428", "8421", "8418"),
             ("DE", "JP", "KR", "US", "IT", "CH"), 0.17, 0.04, ("22G1", "42G1", "45G1"), "set", 180, 22,
             (("packaging", 4), ("goods_weight", 2), ("goods_desc", 1), ("ccc", 1)), wood=0.7, export=True),
    Category("electronics", ("8517", "8528", "8518", "8541"), ("KR", "JP", "US", "MY", "VN", "DE"),
             0.10, 0.05, ("22G1", "45G1"), "pcs", 2.5, 120,
             (("goods_desc", 3), ("goods_weight", 2), ("packaging", 1), ("ccc", 2)), wood=0.3, air=True, export=True),
    Category("plastics", ("3901", "3921"), ("SA", "KR", "JP", "US", "TH", "SG"),
             0.10, 0.05, ("22G1", "42G1"), "kg", 1, 1.4, (("goods_desc", 2), ("goods_weight", 3))),
    Category("textiles", ("6204", "6207", "6301", "6302"), ("VN", "BD", "IT", "TR", "KH", "IN"),
             0.09, 0.07, ("42G1", "45G1"), "pcs", 0.4, 18, (("goods_desc", 4), ("goods_weight", 2)), wood=0.05,
             export=True),
    Category("furniture", ("9401", "4418", "4414"), ("IT", "DE", "VN", "MY", "ID"),
             0.07, 0.06, ("42G1", "45G1"), "pcs", 25, 9, (("packaging", 5), ("goods_weight", 1), ("goods_desc", 1)),
             wood=0.6, export=True),
    Category("meat", ("0207", "0208"), ("BR", "AR", "AU", "NZ", "US", "ES", "UY"),
             0.07, 0.09, ("45R1", "42R1"), "kg", 1, 4.5,
             (("reefer", 5), ("goods_weight", 1), ("goods_desc", 1), ("meat_docs", 1)), wood=0.1),
    Category("seafood", ("0303", "0306", "0307"), ("NO", "RU", "EC", "VN", "IN", "CL", "CA"),
             0.05, 0.10, ("45R1", "22R1"), "kg", 1, 7, (("reefer", 5), ("goods_desc", 2), ("goods_weight", 1)),
             wood=0.1, air=True),
    Category("dairy", ("0401", "0406"), ("NZ", "AU", "FR", "NL", "DE"),
             0.04, 0.06, ("22R1", "45R1", "22G1"), "kg", 1, 5,
             (("reefer", 4), ("goods_desc", 1), ("goods_weight", 1), ("label", 1)), wood=0.4),
    Category("fruit", ("0810",), ("TH", "VN", "CL", "PH", "NZ", "PE", "ZA"),
             0.06, 0.12, ("45R1",), "kg", 1, 2.2, (("reefer", 4), ("packaging", 2), ("goods_desc", 1), ("pests", 2)),
             wood=0.5, air=True),
    # Recycled copper, brass and cast aluminium raw materials (再生原料), which are not solid waste when they meet
    # their standards; RECYCLED_WASTE_SHARE of the trade's lots are banned waste or not what they are declared as.
    Category("copper_scrap", ("7404", "7404", "7602"), ("JP", "US", "AU", "MY", "DE", "ES", "BE"),
             0.02, 0.22, ("22G1",), "kg", 1, 6.5, (("recycled", 5), ("radiation", 2), ("goods_weight", 1)), wood=0.0),
    Category("recovered_paper", ("4707",), ("US", "JP", "GB", "NL", "AU"),
             0.03, 0.25, ("42G1", "45G1"), "kg", 1, 0.2, (("impurity", 5), ("radiation", 1)), wood=0.0,
             until_year=2021),
    Category("chemicals", ("2910", "2906"), ("US", "DE", "JP", "KR", "SA"),
             0.04, 0.07, ("22T1",), "kg", 1, 1.8, (("goods_desc", 3), ("goods_weight", 2)), wood=0.0),
    Category("cosmetics_wine", ("3304", "2204"), ("FR", "KR", "JP", "AU", "IT", "CL"),
             0.04, 0.09, ("22G1",), "pcs", 1.2, 14,
             (("goods_desc", 3), ("goods_weight", 2), ("packaging", 1), ("label", 1)), wood=0.3, air=True),
    Category("vehicles_parts", ("8703", "8709"), ("DE", "JP", "US", "GB", "KR"),
             0.05, 0.04, ("45G1", "42G1"), "set", 40, 28, (("packaging", 2), ("goods_desc", 2), ("goods_weight", 2)),
             wood=0.6),
    Category("wood_grain", ("4408", "4409"), ("RU", "NZ", "BR", "US", "CA"),
             0.05, 0.11, ("42G1", "45G1"), "kg", 1, 0.5, (("packaging", 3), ("goods_weight", 2), ("goods_desc", 2)),
             wood=0.5),
)  # fmt: skip

# The commodity codes declared under each heading the categories use: 10-digit codes of China's import and
# export tariff (8-digit tariff line and 2-digit supplementary code) with the goods name a declarant writes,
# the tariff's Chinese commodity name where it is short enough. Each code was found in a published
# tariff listing (data/SOURCES.md), except 2204210000, whose 8-digit line was, and 8517130000 (the HS 2022
# smartphone subheading, to be confirmed); the recycled raw-material codes are those of the
# announcements that made them (data/rules/recycled.yaml).
HS_CODES: dict[str, tuple[tuple[str, str], ...]] = {
    "8471": (("8471309000", "其他便携式自动数据处理设备（笔记本电脑）"), ("8471412000", "小型自动数据处理设备"),
             ("8471509000", "847141或847149以外设备的处理部件")),
    "8443": (("8443399000", "其他印刷（打印）机、复印机"), ("8443131200", "平张纸进料式双色胶印机")),
    "8428": (("8428109000", "其他升降机及倒卸式起重机"), ("8428200000", "气压升降机及输送机")),
    "8421": (("8421230000", "内燃发动机的滤油器"), ("8421999000", "其他过滤、净化装置用零件")),
    "8418": (("8418102000", "200升<容积≤500升的冷藏-冷冻组合机（各自装有单独外门）"),),
    "8517": (("8517130000", "智能手机"),),
    "8528": (("8528521100", "专用或主要用于品目8471商品的液晶监视器"),),
    "8518": (("8518220000", "多喇叭音箱"), ("8518210000", "单喇叭音箱")),
    "8541": (("8541100000", "二极管"), ("8541210000", "耗散功率<1瓦的晶体管")),
    "3901": (("3901100090", "初级形状的比重<0.94的聚乙烯"), ("3901200099", "初级形状的比重≥0.94的其他聚乙烯")),
    "3921": (("3921110000", "泡沫聚苯乙烯板、片、带、箔、扁条"), ("3921129000", "泡沫聚氯乙烯板、片、带、箔、扁条")),
    "6204": (("6204120010", "含裤子的棉制女式西服套装"), ("6204130090", "其他合纤制女式西服套装")),
    "6207": (("6207110000", "棉制男式内裤及三角裤"), ("6207192000", "化纤制男式内裤及三角裤")),
    "6301": (("6301300000", "棉制毯子及旅行毯"),),
    "6302": (("6302101000", "棉制针织或钩编的床上用织物制品"),),
    "9401": (("9401790000", "其他金属框架的坐具"),),
    "4418": (("4418109090", "其他木制木窗、落地窗及其框架"),),
    "4414": (("4414009090", "其他木制的画框、相框、镜框及类似品"),),
    "0207": (("0207120000", "冻的整只鸡"),),
    "0208": (("0208102000", "冻家兔肉"),),
    "0303": (("0303899090", "其他未列名冻鱼（鱼肝及鱼卵除外）"),),
    "0306": (("0306110000", "冻岩礁虾和其他龙虾"), ("0306141000", "冻梭子蟹")),
    "0307": (("0307120000", "冻的牡蛎（蚝）"),),
    "0401": (("0401200000", "脂肪含量超过1%但不超过6%的未浓缩的乳及稀奶油"),),
    "0406": (("0406100000", "鲜乳酪（未熟化或未固化的），包括乳清乳酪；凝乳"), ("0406200000", "各种磨碎或粉化的乳酪")),
    "0810": (("0810500000", "鲜猕猴桃"), ("0810600000", "鲜榴莲"), ("0810901000", "鲜荔枝"), ("0810903000", "鲜龙眼")),
    "7404": (("7404000030", "再生铜原料"), ("7404000020", "再生黄铜原料")),
    "7602": (("7602000020", "再生铸造铝合金原料"),),
    "4707": (("4707100000", "回收（废碎）的未漂白牛皮纸、瓦楞纸或纸板"),
             ("4707300000", "回收（废碎）的主要由机械木浆制的纸或纸板（例如废报纸、杂志）")),
    "2910": (("2910100000", "环氧乙烷"), ("2910200000", "甲基环氧乙烷（氧化丙烯）")),
    "2906": (("2906120090", "环己醇、二甲基环己醇"),),
    "3304": (("3304990099", "其他包装标注规格的其他美容品或化妆品及护肤品"),),
    "2204": (("2204210000", "装入2升及以下容器的鲜葡萄酒"),),
    "8703": (("8703242110", "仅装有排气量>4升的点燃往复式活塞内燃发动机小轿车"),),
    "8709": (("8709119000", "电动的其他短距离运货车"),),
    "4408": (("4408101990", "其他饰面用针叶木单板（厚度≤6毫米）"),),
    "4409": (("4409109090", "其他一边或面制成连续形状的针叶木材"),),
}  # fmt: skip

# Of the recycled raw-material trade's declarations, the share that is not what the announcements let in:
# half declared under a banned waste code (the solid-waste ban's alert forces inspection), half declared as
# recycled copper but found at inspection not to be what was declared (identified as suspected solid waste).
RECYCLED_WASTE_SHARE = 0.025
WASTE_CODE = ("7602000010", "以回收铝为主的废电线等（包括废电线、电缆、五金电器）")  # supervision condition 9

# Non-conformity is also a matter of origin: a few trades are riskier than others.
ORIGIN_FACTOR = {"VN": 1.3, "BD": 1.4, "IN": 1.5, "KH": 1.3, "PH": 1.3, "EC": 1.4, "RU": 1.2, "BR": 1.2,
                 "DE": 0.7, "JP": 0.7, "CH": 0.6, "NZ": 0.8, "KR": 0.8}  # fmt: skip

# Administrative division codes (GB/T 2260) where the enterprises near each port are registered: the city's,
# or the district's for the airports (Pudong New Area, Minhang) and Sanshui (Foshan).
CITY_DIVISION = {
    "CNSGH": "310000", "CNPVG": "310115", "CNSHA": "310112", "CNNBO": "330200", "CNSNZ": "440300",
    "CNQIN": "370200", "CNTNJ": "120000", "CNXAM": "350200", "CNGGZ": "440100", "CNDAL": "210200",
    "CNSJQ": "440607", "CNWXS": "320200",
}  # fmt: skip
# The city in an enterprise's registered name (Chinese, English), by the port it is registered near.
CITY_NAMES = {
    "CNSGH": ("上海", "Shanghai"), "CNPVG": ("上海", "Shanghai"), "CNSHA": ("上海", "Shanghai"),
    "CNNBO": ("宁波", "Ningbo"), "CNSNZ": ("深圳", "Shenzhen"), "CNQIN": ("青岛", "Qingdao"),
    "CNTNJ": ("天津", "Tianjin"), "CNXAM": ("厦门", "Xiamen"), "CNGGZ": ("广州", "Guangzhou"),
    "CNDAL": ("大连", "Dalian"), "CNSJQ": ("佛山", "Foshan"), "CNWXS": ("无锡", "Wuxi"),
}  # fmt: skip
# An enterprise name is city + trade name (字号) + trade + company form, as registered (上海恒达机械进出口有限公司)
# and, for most, as the enterprise writes it in English (Shanghai Hengda Machinery Import & Export Co., Ltd.).
NAME_WORDS = (("恒达", "Hengda"), ("华信", "Huaxin"), ("金海", "Jinhai"), ("中泰", "Zhongtai"), ("鑫源", "Xinyuan"),
              ("海通", "Haitong"), ("瑞丰", "Ruifeng"), ("东方", "Dongfang"), ("永盛", "Yongsheng"),
              ("天和", "Tianhe"), ("鸿运", "Hongyun"), ("宝利", "Baoli"), ("盛泰", "Shengtai"), ("嘉禾", "Jiahe"),
              ("富兴", "Fuxing"), ("龙腾", "Longteng"), ("明辉", "Minghui"), ("长江", "Changjiang"),
              ("开元", "Kaiyuan"), ("翔宇", "Xiangyu"), ("华瑞", "Huarui"), ("联华", "Lianhua"), ("国信", "Guoxin"),
              ("安达", "Anda"), ("九州", "Jiuzhou"), ("万里", "Wanli"), ("海洋", "Haiyang"), ("荣华", "Ronghua"),
              ("众兴", "Zhongxing"), ("鼎盛", "Dingsheng"), ("博远", "Boyuan"), ("汇通", "Huitong"))  # fmt: skip
TRADE_WORDS = {
    "machinery": ("机械", "Machinery"), "electronics": ("电子", "Electronics"), "plastics": ("新材料", "New Materials"),
    "textiles": ("服饰", "Garments"), "furniture": ("家居", "Home Furnishing"), "meat": ("食品", "Food"),
    "seafood": ("水产", "Aquatic Products"), "dairy": ("乳业", "Dairy"), "fruit": ("果蔬", "Fresh Produce"),
    "copper_scrap": ("再生资源", "Renewable Resources"), "recovered_paper": ("纸业", "Paper"),
    "chemicals": ("化工", "Chemical"), "cosmetics_wine": ("日用消费品", "Consumer Goods"),
    "vehicles_parts": ("汽车", "Automotive"), "wood_grain": ("木业粮油", "Timber & Grain"),
}  # fmt: skip
FORMS = (("进出口有限公司", "Import & Export Co., Ltd."), ("贸易有限公司", "Trading Co., Ltd."),
         ("供应链管理有限公司", "Supply Chain Management Co., Ltd."),
         ("国际贸易有限公司", "International Trade Co., Ltd."), ("实业有限公司", "Industrial Co., Ltd."),
         ("物流有限公司", "Logistics Co., Ltd."))  # fmt: skip
# The share of enterprises that use an English name (on contracts, invoices, their website); the rest have none.
ENGLISH_NAME_SHARE = 0.85
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
