"""Index arrays of the phase-2 fiscal rules (``fiscal_rules:`` in instance.yaml).

Built once after the v1 index, from the instance and that index; every fiscal family reads
these arrays only. A rule that is off leaves its arrays empty (or NaN), so it builds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import pandas as pd

from models.designations import designated
from models.fiscal import BaselinePlan
from models.instance import Instance
from models.schema import AREAS


class V1Index(Protocol):
    """What the fiscal index reads of the v1 index (``optimizer.formulation.index.IndexSets``).

    Stated here so that the v1 index can build the fiscal one without the two modules
    importing each other.
    """

    # properties, so that the frozen (read-only) IndexSets satisfies the protocol
    @property
    def years(self) -> np.ndarray:
        """``T``, calendar years."""

    @property
    def region_ids(self) -> np.ndarray:
        """Region ids, in instance order."""

    @property
    def settlement_region(self) -> np.ndarray:
        """Region position of each settlement."""

    @property
    def settlement_area(self) -> np.ndarray:
        """Area position of each settlement (``models.schema.AREAS`` order)."""

    @property
    def population(self) -> np.ndarray:
        """Residents of each settlement."""

    @property
    def standard_ids(self) -> np.ndarray:
        """Standard ids, in instance order."""

    @property
    def pair_settlement(self) -> np.ndarray:
        """Settlement position of each applicable pair."""

    @property
    def pair_standard(self) -> np.ndarray:
        """Standard position of each applicable pair."""

    @property
    def project_ids(self) -> np.ndarray:
        """Projects with start variables, in instance order."""

    @property
    def start_project(self) -> np.ndarray:
        """Project position of each start variable."""

    @property
    def start_year(self) -> np.ndarray:
        """Year position of each start variable."""

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        ...

    @property
    def n_years(self) -> int:
        """Number of planning years."""
        ...


def _floats() -> np.ndarray:
    return np.zeros(0)


def _ints() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


def _names() -> np.ndarray:
    return np.zeros(0, dtype=str)


@dataclass(frozen=True)
class FiscalIndex:
    """Data of the fiscal rules as flat arrays; see docs/formulation.md section 11."""

    pool: np.ndarray = field(default_factory=_floats)
    """``pool[t]``, million KZT; empty when the equalization pool is off."""
    eq_floor: np.ndarray = field(default_factory=_floats)
    """Least ``eq[r,t]`` the per-capita floor asks for, shape (regions, years); <= 0: none."""
    own_revenue: np.ndarray = field(default_factory=_floats)
    """``own[r,t]``, shape (regions, years); NaN where the instance has no value."""
    general: np.ndarray = field(default_factory=_floats)
    """``general[r,t]`` (negative: a budget withdrawal); NaN where missing."""
    dep_cap: np.ndarray = field(default_factory=_floats)
    """``delta_max[r,t]``, shape (regions, years); NaN where no cap applies."""

    floor_name: np.ndarray = field(default_factory=_names)
    """Critical floor rows: the settings name of each."""
    floor_region: np.ndarray = field(default_factory=_ints)
    floor_standard: np.ndarray = field(default_factory=_ints)
    floor_area: np.ndarray = field(default_factory=_ints)
    """Area position, -1 for both areas."""
    floor_year: np.ndarray = field(default_factory=_ints)
    """Year position at whose end the floor holds."""
    floor_level: np.ndarray = field(default_factory=_floats)
    floor_penalty: np.ndarray = field(default_factory=_floats)
    """Objective units per person short; NaN for a hard floor."""
    floor_den: np.ndarray = field(default_factory=_floats)
    """Persons of the floor's applicable pairs."""
    floor_pair: np.ndarray = field(default_factory=_ints)
    """(floor row, pair) incidence: the pair of each entry..."""
    floor_pair_row: np.ndarray = field(default_factory=_ints)
    """...and its floor row."""

    max_decrease: float = np.nan
    """Hold-harmless share; NaN when off."""
    max_increase: float = np.nan
    """Growth cap share; NaN when off."""
    allowance: float = 0.0
    """Million KZT a transfer may move beyond both limits."""

    baseline_start: np.ndarray = field(default_factory=_ints)
    """Start column of each approved start that can still be kept."""
    baseline_penalty: float = 0.0

    @property
    def equalization(self) -> bool:
        """Whether the equalization pool is on."""
        return len(self.pool) > 0

    @property
    def has_rows(self) -> bool:
        """Whether a rule adds rows or columns (the baseline only changes costs)."""
        return bool(self.equalization or len(self.floor_level)
                    or np.isfinite(self.dep_cap).any() or np.isfinite(self.max_decrease)
                    or np.isfinite(self.max_increase))

    @property
    def elastic_floors(self) -> np.ndarray:
        """Floor rows with a penalty: each gets a slack column."""
        return np.flatnonzero(~np.isnan(self.floor_penalty))


def fiscal_rules_active(instance: Instance) -> bool:
    """Whether any fiscal rule is set, in ``instance.yaml`` or as a regional dependency cap."""
    return (instance.settings.fiscal_rules.active
            or bool(instance.regions["dependency_cap"].notna().any()))


def _revenue(instance: Instance, index: V1Index, column: str) -> np.ndarray:
    """A ``region_years`` column as a (regions, years) array, NaN where empty."""
    ry = instance.region_years
    out = np.full((index.n_regions, index.n_years), np.nan)
    rows = pd.Index(index.region_ids).get_indexer(ry["region_id"])
    out[rows, ry["year"].to_numpy(np.int64) - index.years[0]] = ry[column].to_numpy(float)
    return out


def _eq_floor(theta: float, index: V1Index, pool: np.ndarray, own: np.ndarray,
              general: np.ndarray) -> np.ndarray:
    """``theta * avg_t * pop_r - own - general``; ``avg_t`` includes the pool (a constant)."""
    pop = np.bincount(index.settlement_region, weights=index.population,
                      minlength=index.n_regions)
    avg = (np.nansum(own, axis=0) + np.nansum(general, axis=0) + pool) / max(pop.sum(), 1.0)
    return theta * avg[None, :] * pop[:, None] - own - general


def _dep_cap(instance: Instance, index: V1Index) -> np.ndarray:
    """Regional cap where given, else the year's ``fiscal_rules.dependency_cap``."""
    by_year = instance.settings.fiscal_rules.dependency_cap
    cap = np.asarray([by_year.get(int(y), np.nan) for y in index.years], dtype=float)
    regional = instance.regions["dependency_cap"].to_numpy(float)
    return np.where(np.isnan(regional)[:, None], cap[None, :], regional[:, None])


def _floors(instance: Instance, index: V1Index) -> FiscalIndex:
    """One row per (floor, region) with applicable persons; pairs as (row, pair) incidence."""
    floors = instance.settings.fiscal_rules.critical_floors
    pair_region = index.settlement_region[index.pair_settlement]
    pair_area = index.settlement_area[index.pair_settlement]
    pop = index.population[index.pair_settlement]
    rows: list[tuple[str, int, int, int, int, float, float, float]] = []
    pairs: list[np.ndarray] = []
    for name, f in floors.items():  # a loop over the analyst's few floors, not over pairs
        k = int(np.flatnonzero(index.standard_ids == f.standard)[0])
        area = -1 if f.area is None else AREAS.index(f.area)
        mask = (index.pair_standard == k) & ((pair_area == area) | (area < 0))
        if f.designation is not None:  # only the designated settlements' residents
            mask &= designated(instance.settlements, f.designation)[index.pair_settlement]
        regions = (range(index.n_regions) if f.region is None
                   else [int(np.flatnonzero(index.region_ids == f.region)[0])])
        for r in regions:
            members = np.flatnonzero(mask & (pair_region == r))
            den = float(pop[members].sum())
            if den <= 0:
                continue
            rows.append((name, r, k, area, f.year - int(index.years[0]), f.level,
                         np.nan if f.penalty is None else f.penalty, den))
            pairs.append(members)
    if not rows:
        return FiscalIndex()
    names, regs, stds, areas, years, levels, penalties, dens = (
        np.asarray(col) for col in zip(*rows, strict=True))
    return FiscalIndex(
        floor_name=names, floor_region=regs, floor_standard=stds, floor_area=areas,
        floor_year=years, floor_level=levels, floor_penalty=penalties, floor_den=dens,
        floor_pair=np.concatenate(pairs).astype(np.int64),
        floor_pair_row=np.repeat(np.arange(len(pairs)), [len(p) for p in pairs]))


def _baseline(base: BaselinePlan, index: V1Index) -> np.ndarray:
    """Start columns of the approved starts that the new plan can keep."""
    approved = pd.DataFrame({"project_id": list(base.starts), "year": list(base.starts.values())})
    columns = pd.DataFrame({"project_id": index.project_ids[index.start_project],
                            "year": index.years[index.start_year],
                            "column": np.arange(len(index.start_project))})
    kept = approved.merge(columns, on=["project_id", "year"])
    return kept["column"].to_numpy(np.int64)


def build_fiscal_index(instance: Instance, index: V1Index) -> FiscalIndex:
    """The fiscal rules' arrays; only the rules that are set produce any."""
    rules = instance.settings.fiscal_rules
    own, general = _revenue(instance, index, "own_revenue"), _revenue(instance, index,
                                                                    "general_transfer")
    fiscal = replace(_floors(instance, index), own_revenue=own, general=general,
                     dep_cap=_dep_cap(instance, index))
    if rules.equalization is not None:
        eq = rules.equalization
        pool = np.asarray([eq.pool[int(y)] for y in index.years], dtype=float)
        fiscal = replace(fiscal, pool=pool,
                         eq_floor=_eq_floor(eq.theta, index, pool, own, general))
    if rules.stability is not None:
        s = rules.stability
        fiscal = replace(fiscal,
                         max_decrease=np.nan if s.max_decrease is None else s.max_decrease,
                         max_increase=np.nan if s.max_increase is None else s.max_increase,
                         allowance=s.allowance)
    if rules.baseline is not None:
        fiscal = replace(fiscal, baseline_start=_baseline(rules.baseline, index),
                         baseline_penalty=float(rules.baseline.penalty))
    return fiscal
