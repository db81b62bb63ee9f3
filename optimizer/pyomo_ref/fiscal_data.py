"""The data of the fiscal rules (docs/formulation.md section 11), from the instance tables.

Plain dicts keyed by ids, like ``data.py``, and nothing from ``optimizer.formulation.index_fiscal``:
the reference reads ``fiscal_rules:``, ``regions.dependency_cap`` and the revenue columns of
``region_years`` itself. A rule that is off leaves its fields empty (or ``None``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from models.designations import designated
from models.instance import Instance

Pair = tuple[str, str]
"""A settlement and a standard, ``(s, k)``."""


@dataclass(frozen=True)
class Floor:
    """One critical floor in one region: ``NUM >= level * DEN`` at the end of ``year``."""

    standard: str
    year: int
    level: float
    penalty: float | None
    """``None``: hard; else objective units per person short."""
    pairs: list[Pair]
    """The region's applicable pairs of the standard (of the floor's area, if any)."""
    den: float
    """``DEN``: persons of those pairs (> 0)."""


@dataclass(frozen=True)
class RuleData:
    """Everything the fiscal rules read; the default is every rule off."""

    pool: dict[int, float] = field(default_factory=dict)
    """``pool[t]``, million KZT; empty when the equalization pool is off."""
    theta: float = 0.0
    """Per-capita floor as a share of the national average."""
    own: dict[tuple[str, int], float] = field(default_factory=dict)
    """``own[r,t]``: own revenue, where the instance has it."""
    general: dict[tuple[str, int], float] = field(default_factory=dict)
    """``general[r,t]``: general transfer (negative: a withdrawal), where the instance has it."""
    region_pop: dict[str, float] = field(default_factory=dict)
    """``pop_r``: persons of each region's settlements."""
    dep_cap: dict[tuple[str, int], float] = field(default_factory=dict)
    """``delta_max[r,t]``: the region's own cap, else the year's; only where one applies."""
    floors: dict[tuple[str, str], Floor] = field(default_factory=dict)
    """Critical floors by (name, region), regions whose ``DEN > 0`` only."""
    max_decrease: float | None = None
    max_increase: float | None = None
    allowance: float = 0.0
    approved: dict[str, int] = field(default_factory=dict)
    """``b_p``: approved starts this instance can keep (the set ``B``)."""
    baseline_penalty: float = 0.0

    @property
    def equalization(self) -> bool:
        """Whether the equalization pool is on."""
        return bool(self.pool)

    def average(self, t: int) -> float:
        """``avg[t] = (sum_r own + sum_r general + pool[t]) / sum_r pop_r``, per person."""
        money = sum(v for (_, y), v in self.own.items() if y == t) + sum(
            v for (_, y), v in self.general.items() if y == t) + self.pool[t]
        return money / max(sum(self.region_pop.values()), 1.0)


def _by_region_year(instance: Instance, column: str) -> dict[tuple[str, int], float]:
    """A ``region_years`` column keyed by (region, year), without its empty cells."""
    ry = instance.region_years
    return {(r, int(t)): float(v) for r, t, v in zip(ry["region_id"], ry["year"], ry[column],
                                                      strict=True) if not pd.isna(v)}


def _dependency_caps(instance: Instance) -> dict[tuple[str, int], float]:
    """The regional cap where ``regions.dependency_cap`` has one, else the year's."""
    by_year = instance.settings.fiscal_rules.dependency_cap
    caps = {}
    for r, own_cap in zip(instance.regions["region_id"], instance.regions["dependency_cap"],
                          strict=True):
        for t in instance.settings.years:
            cap = by_year.get(t) if pd.isna(own_cap) else float(own_cap)
            if cap is not None:
                caps[r, t] = float(cap)
    return caps


def _floors(instance: Instance, pairs: list[Pair], pop: dict[str, float]
            ) -> dict[tuple[str, str], Floor]:
    """One ``Floor`` per named floor and region (its own, or every region) with persons."""
    s = instance.settlements
    region = dict(zip(s["settlement_id"], s["region_id"], strict=True))
    area = dict(zip(s["settlement_id"], s["area"], strict=True))
    out = {}
    for name, f in instance.settings.fiscal_rules.critical_floors.items():  # a few floors
        members: dict[str, list[Pair]] = {}
        named = (set(s["settlement_id"]) if f.designation is None else
                 set(s.loc[designated(s, f.designation), "settlement_id"]))
        for sid, k in pairs:
            if k == f.standard and (f.area is None or area[sid] == f.area) and sid in named:
                members.setdefault(region[sid], []).append((sid, k))
        regions = instance.regions["region_id"] if f.region is None else [f.region]
        for r in regions:
            den = sum(pop[sid] for sid, _ in members.get(r, []))
            if den > 0:
                out[name, r] = Floor(standard=f.standard, year=f.year, level=f.level,
                                     penalty=f.penalty, pairs=members[r], den=den)
    return out


def rule_data(instance: Instance, pairs: list[Pair], pop: dict[str, float],
              on_time: dict[str, list[int]]) -> RuleData:
    """Read the fiscal rules; ``on_time``: each project's start years that can count.

    ``pairs`` and ``pop`` are the applicable pairs and settlement populations of ``data.py``;
    ``on_time`` the start windows without candidate starts completing after the horizon, which
    decide the approved starts that can be kept.
    """
    rules = instance.settings.fiscal_rules
    s = instance.settlements
    region_pop = dict.fromkeys(instance.regions["region_id"], 0.0)
    for r, persons in zip(s["region_id"], s["population"], strict=True):
        region_pop[r] += float(persons)
    data = RuleData(own=_by_region_year(instance, "own_revenue"),
                    general=_by_region_year(instance, "general_transfer"),
                    region_pop=region_pop, dep_cap=_dependency_caps(instance),
                    floors=_floors(instance, pairs, pop))
    if rules.equalization is not None:
        data = replace(data, pool={t: float(rules.equalization.pool[t])
                                   for t in instance.settings.years},
                       theta=rules.equalization.theta)
    if rules.stability is not None:
        data = replace(data, max_decrease=rules.stability.max_decrease,
                       max_increase=rules.stability.max_increase,
                       allowance=rules.stability.allowance)
    if rules.baseline is not None:
        data = replace(data, approved={p: b for p, b in rules.baseline.starts.items()
                                       if b in on_time.get(p, [])},
                       baseline_penalty=rules.baseline.penalty)
    return data
