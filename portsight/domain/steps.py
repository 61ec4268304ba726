"""The base steps of every inspection and the step a checklist is made of.

Base steps, in the order an inspector works at a container: container number (ISO 6346),
seal (declared number, ISO 17712 class), goods against the declaration, packaging, container
body by the C-TPAT seven points. Rules add steps after the step they name
(portsight.domain.checklist): the seal's integrity check and the new seal after inspection among
them. `step_context` gives the declared values a step is judged against.

An input a base step gained later is optional (`required=False`) and its rules apply when it is
given (`if_given`): a step recorded with the step's earlier inputs is judged on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portsight.domain.conditions import InputSpec, PhotoSpec, StepSpec, Text
from portsight.domain.facts import ContainerFacts, DeclarationFacts


def _t(zh: str, en: str) -> Text:
    return Text(zh, en)


def _yes(name: str, zh: str, en: str, required: bool = True) -> InputSpec:
    return InputSpec(name, "bool", _t(zh, en), required=required)


BASE_STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        "container_number",
        _t("集装箱号", "Container number"),
        (InputSpec("number", "text", _t("箱门上的箱号", "Number on the container door"), code="code"),),
        PhotoSpec(1, _t("箱门上的箱号标记", "the number marked on the door")),
        per_container=True,
    ),
    StepSpec(
        "seal",
        _t("封识", "Seal"),
        (
            InputSpec("seal_number", "text", _t("封识号", "Seal number"), code="code"),
            # What the inspector reads on the seal; the declared class is shown beside it and compared
            # with it (seal_class_not_lower_than_declared), never filled in for it.
            InputSpec(
                "seal_class", "choice", _t("封志等级（ISO 17712）", "Seal class (ISO 17712)"), choices=("I", "S", "H")
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
            InputSpec("package_count", "number", _t("清点件数", "Packages counted"), min=0, required=False),
            InputSpec(
                "hs_code",
                "text",
                _t("查验认定的商品编码", "HS code of the goods as found"),
                required=False,
                code="hs",
            ),
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
    {
        "declared_seal",
        "declared_seal_class",
        "declared_gross_weight_kg",
        "declared_quantity",
        "declared_packages",
        "declared_number",
        "declared_containers",
        "declared_hs_codes",
    }
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
        "declared_packages": facts.declared_packages,
        "declared_containers": tuple(c.number for c in facts.containers),
        "declared_hs_codes": tuple(g.hs_code for g in facts.goods),
    }
    if container is not None:
        ctx.update(
            declared_number=container.number,
            declared_seal=container.declared_seal,
            declared_seal_class=container.declared_seal_class,
        )
    return ctx
