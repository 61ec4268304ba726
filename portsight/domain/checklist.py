"""The inspector's checklist for one declaration, made from the base steps and the rules in scope.

Base steps, in the order an inspector works at a container: container number (ISO 6346),
seal (declared number, ISO 17712 class), goods against the declaration, packaging, container
body by the C-TPAT seven points. Rules in scope add steps (radiation reading for recycled
materials, impurity for recovered paper or metal scrap, reefer temperature) after the step
they name. Air cargo without containers gets no container steps.

Pure Python: pass plain dataclasses (or dicts through `DeclarationFacts.from_mapping`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from portsight.domain.conditions import InputSpec, PhotoSpec, StepSpec, Text

if TYPE_CHECKING:
    from portsight.domain.rules import RuleCatalogue


@dataclass(frozen=True)
class GoodsLineFacts:
    hs_code: str
    description: str = ""
    quantity: float | None = None
    unit: str = ""
    gross_weight_kg: float | None = None


@dataclass(frozen=True)
class ContainerFacts:
    number: str
    size_type: str = ""  # ISO 6346 size/type code, e.g. 22G1, 45R1
    declared_seal: str | None = None
    declared_seal_class: str | None = None

    @property
    def type_group(self) -> str:
        """The type letter of the size/type code: G general, R reefer, U open top, T tank, ..."""
        return self.size_type[2:3].upper()


@dataclass(frozen=True)
class DeclarationFacts:
    transport_mode: str  # sea / air / road / rail
    port_kind: str  # sea / air / land / rail
    origin_country: str  # ISO 3166-1 alpha-2
    credit_tier: str  # advanced_certified / general / dishonest
    goods: tuple[GoodsLineFacts, ...]
    containers: tuple[ContainerFacts, ...]
    declared_on: date
    number: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DeclarationFacts:
        """From a dict (scenario, form); `hs: [...]` is short for goods lines with only HS codes."""
        goods = [g if isinstance(g, GoodsLineFacts) else GoodsLineFacts(**dict(g)) for g in data.get("goods", ())]
        goods += [GoodsLineFacts(hs_code=str(h)) for h in data.get("hs", ())]
        containers = [
            c if isinstance(c, ContainerFacts) else ContainerFacts(**dict(c)) for c in data.get("containers", ())
        ]
        on = data.get("declared_on") or data.get("date") or date.today()
        if isinstance(on, datetime):
            on = on.date()
        elif isinstance(on, str):
            on = date.fromisoformat(on)
        mode = data.get("transport_mode", "sea")
        return cls(
            transport_mode=mode,
            port_kind=data.get("port_kind", {"road": "land"}.get(mode, mode)),
            origin_country=str(data.get("origin_country", "")).upper(),
            credit_tier=data.get("credit_tier", "general"),
            goods=tuple(goods),
            containers=tuple(containers),
            declared_on=on,
            number=data.get("number", ""),
        )

    @property
    def declared_gross_weight_kg(self) -> float | None:
        weights = [g.gross_weight_kg for g in self.goods if g.gross_weight_kg is not None]
        return sum(weights) if weights else None

    @property
    def declared_quantity(self) -> float | None:
        qty = [g.quantity for g in self.goods if g.quantity is not None]
        return sum(qty) if qty else None


def _t(zh: str, en: str) -> Text:
    return Text(zh, en)


def _yes(name: str, zh: str, en: str, required: bool = True) -> InputSpec:
    return InputSpec(name, "bool", _t(zh, en), required=required)


BASE_STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        "container_number",
        _t("集装箱号", "Container number"),
        (InputSpec("number", "text", _t("箱门上的箱号", "Number on the container door")),),
        PhotoSpec(1, _t("箱门上的箱号标记", "the number marked on the door")),
        per_container=True,
    ),
    StepSpec(
        "seal",
        _t("封识", "Seal"),
        (
            InputSpec("seal_number", "text", _t("封识号", "Seal number")),
            InputSpec(
                "seal_class",
                "choice",
                _t("封志等级（ISO 17712）", "Seal class (ISO 17712)"),
                choices=("I", "S", "H"),
                default_from="declared_seal_class",
            ),
        ),
        PhotoSpec(1, _t("封识近照，号码清晰", "the seal close up, number readable")),
        per_container=True,
    ),
    StepSpec(
        "goods",
        _t("货物与申报相符", "Goods against the declaration"),
        (
            _yes("description_matches", "品名规格与申报相符", "Description matches the declaration"),
            InputSpec("quantity", "number", _t("清点数量", "Quantity counted"), unit="declared unit", min=0),
            InputSpec("gross_weight_kg", "number", _t("过磅毛重", "Weighed gross weight"), unit="kg", min=0),
        ),
        PhotoSpec(2, _t("货物全貌和标签", "the goods as a whole and their labels")),
    ),
    StepSpec(
        "packaging",
        _t("包装", "Packaging"),
        (
            _yes("packaging_intact", "包装完好", "Packaging intact"),
            _yes("wood_packaging", "有木质包装", "Wood packaging present"),
            _yes("ispm15_mark", "木质包装有 IPPC 标识", "Wood packaging bears the IPPC mark", required=False),
        ),
        PhotoSpec(1, _t("包装及标识", "the packaging and its marks")),
    ),
    StepSpec(
        "container_body",
        _t("箱体（七点检查）", "Container body (seven points)"),
        (
            _yes("front_wall", "前壁正常", "Front wall normal"),
            _yes("left_side", "左侧壁正常", "Left side normal"),
            _yes("right_side", "右侧壁正常", "Right side normal"),
            _yes("floor", "箱底板正常", "Floor (inside) normal"),
            _yes("ceiling_roof", "箱顶正常", "Ceiling / roof normal"),
            _yes("doors", "箱门内外正常", "Inside / outside doors normal"),
            _yes("undercarriage", "箱外底部正常", "Outside / undercarriage normal"),
        ),
        PhotoSpec(7, _t("七个部位各一张", "one of each of the seven points")),
        per_container=True,
    ),
)

BASE_KEYS = tuple(s.key for s in BASE_STEPS)
CONTAINER_STEP_KEYS = frozenset({"container_number", "seal", "container_body"})
# Values known from the declaration that conditions may name besides the step's inputs.
DECLARED_FIELDS = frozenset(
    {"declared_seal", "declared_seal_class", "declared_gross_weight_kg", "declared_quantity", "declared_number"}
)


@dataclass(frozen=True)
class ChecklistStep:
    key: str
    title: Text
    inputs: tuple[InputSpec, ...]
    photos: PhotoSpec
    per_container: bool
    rule_ids: tuple[str, ...]
    container_numbers: tuple[str, ...] = ()  # the containers a per-container step covers

    @property
    def spec(self) -> StepSpec:
        return StepSpec(self.key, self.title, self.inputs, self.photos, self.per_container)


def step_context(facts: DeclarationFacts, container: ContainerFacts | None = None) -> dict[str, Any]:
    """The declared values a step is judged against (for one container when it is per container)."""
    ctx: dict[str, Any] = {
        "declared_gross_weight_kg": facts.declared_gross_weight_kg,
        "declared_quantity": facts.declared_quantity,
    }
    if container is not None:
        ctx.update(
            declared_number=container.number,
            declared_seal=container.declared_seal,
            declared_seal_class=container.declared_seal_class,
        )
    return ctx


def _rank(key: str, added: dict[str, StepSpec], depth: int = 0) -> tuple[float, str]:
    if key in BASE_KEYS:
        return (float(BASE_KEYS.index(key)), key)
    spec = added[key]
    if spec.after and depth < 8 and (spec.after in BASE_KEYS or spec.after in added):
        base, _ = _rank(spec.after, added, depth + 1)
        return (base + 0.5 / (depth + 1), key)
    return (float(len(BASE_KEYS)), key)


def generate_checklist(
    facts: DeclarationFacts, on_date: date | None = None, catalogue: RuleCatalogue | None = None
) -> list[ChecklistStep]:
    """The ordered steps for a declaration on a date (default: its declaration date).

    `catalogue` defaults to the catalogue in data/rules; pass the rules in force with their
    switches (services.rules.rules_in_force) to honour an administrator's switch.
    """
    from portsight.domain.rules import default_catalogue

    catalogue = catalogue or default_catalogue()
    on_date = on_date or facts.declared_on
    in_scope = [r for r in catalogue.rules if r.in_force(on_date) and r.scope.matches(facts)]

    specs: dict[str, StepSpec] = {s.key: s for s in BASE_STEPS}
    added: dict[str, StepSpec] = {}
    adders: dict[str, list[str]] = {}
    for rule in in_scope:
        if rule.adds_step is not None:
            key = rule.adds_step.key
            added.setdefault(key, rule.adds_step)
            adders.setdefault(key, []).append(rule.id)
    specs.update(added)

    keys = [k for k in BASE_KEYS if facts.containers or k not in CONTAINER_STEP_KEYS]
    keys += sorted(added, key=lambda k: _rank(k, added))
    keys = sorted(keys, key=lambda k: _rank(k, added))

    steps = []
    for key in keys:
        spec = specs[key]
        rule_ids = [r.id for r in in_scope if r.id in adders.get(key, ()) or r.step == key]
        covered: tuple[str, ...] = ()
        if spec.per_container:
            # A rule-added per-container step covers the containers its rules' scopes select.
            containers = list(facts.containers)
            if key in added:
                containers = [
                    c for c in containers if any(catalogue.get(r).scope.container_matches(c) for r in adders[key])
                ]
            if not containers:
                continue
            covered = tuple(c.number for c in containers)
        steps.append(
            ChecklistStep(
                key=key,
                title=spec.title,
                inputs=spec.inputs,
                photos=spec.photos,
                per_container=spec.per_container,
                rule_ids=tuple(dict.fromkeys(rule_ids)),
                container_numbers=covered,
            )
        )
    return steps
