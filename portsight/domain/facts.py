"""What a declaration says, as plain data the rules read: goods lines, containers, the declaration.

Pure Python: pass the dataclasses, or a dict through `DeclarationFacts.from_mapping`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from portsight.domain.codes import as_typed, normalize_code, normalize_hs


@dataclass(frozen=True)
class GoodsLineFacts:
    hs_code: str
    description: str = ""
    quantity: float | None = None
    unit: str = ""
    gross_weight_kg: float | None = None
    packages: int | None = None  # number of packages (件数), when declared


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
        """From a dict (scenario, form, case file); `hs: [...]` is short for goods lines with only HS codes.

        Codes are taken as typed: HS codes, container and seal numbers and the seal class are normalised
        (full-width forms folded, portsight.domain.codes) so that they compare with what is found.
        """
        goods = [g if isinstance(g, GoodsLineFacts) else _goods_line(g) for g in data.get("goods", ())]
        goods += [GoodsLineFacts(hs_code=normalize_hs(h)) for h in data.get("hs", ())]
        containers = [c if isinstance(c, ContainerFacts) else _container(c) for c in data.get("containers", ())]
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

    @property
    def declared_packages(self) -> int | None:
        """The declared package count, when every goods line declares one (a partial sum would mislead)."""
        if not self.goods or any(g.packages is None for g in self.goods):
            return None
        return sum(g.packages or 0 for g in self.goods)


def _goods_line(data: Mapping[str, Any]) -> GoodsLineFacts:
    line = dict(data)
    if line.get("hs_code") is not None:
        line["hs_code"] = normalize_hs(line["hs_code"])
    return GoodsLineFacts(**line)


def _container(data: Mapping[str, Any]) -> ContainerFacts:
    box = dict(data)
    for name in ("number", "declared_seal"):
        if box.get(name) is not None:
            box[name] = normalize_code(box[name])
    if box.get("size_type") is not None:
        box["size_type"] = normalize_code(box["size_type"])
    if box.get("declared_seal_class") is not None:
        box["declared_seal_class"] = as_typed(box["declared_seal_class"]).upper() or None
    return ContainerFacts(**box)
