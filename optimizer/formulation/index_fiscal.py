"""Index arrays of the phase-2 fiscal rules (``fiscal_rules:`` in instance.yaml).

Built once after the v1 index, from the instance and that index; every fiscal family reads
these arrays only. A rule that is off leaves its arrays empty (or NaN), so it builds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from models.instance import Instance
from models.schema import AREAS


class V1Index(Protocol):
    """What the fiscal index reads of the v1 index (``optimizer.formulation.index.IndexSets``).

    Stated here so that the v1 index can build the fiscal one without the two modules
    importing each other.
    """

    years: np.ndarray
    region_ids: np.ndarray
    settlement_region: np.ndarray
    settlement_area: np.ndarray
    population: np.ndarray
    standard_ids: np.ndarray
    pair_settlement: np.ndarray
    pair_standard: np.ndarray
    project_ids: np.ndarray
    start_project: np.ndarray
    start_year: np.ndarray

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


def _eq_floor(instance: Instance, index: V1Index, pool: np.ndarray, own: np.ndarray,
              general: np.ndarray) -> np.ndarray:
    """``theta * avg_t * pop_r - own - general``; ``avg_t`` includes the pool (a constant)."""
    theta = instance.settings.fiscal_rules.equalization.theta
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


def _floors(instance: Instance, index: V1Index) -> dict[str, np.ndarray]:
    """One row per (floor, region) with applicable persons; pairs as (row, pair) incidence."""
    floors = instance.settings.fiscal_rules.critical_floors
    pair_region = index.settlement_region[index.pair_settlement]
    pair_area = index.settlement_area[index.pair_settlement]
    pop = index.population[index.pair_settlement]
    rows: list[tuple] = []
    pairs: list[np.ndarray] = []
    for name, f in floors.items():  # a loop over the analyst's few floors, not over pairs
        k = int(np.flatnonzero(index.standard_ids == f.standard)[0])
        area = -1 if f.area is None else AREAS.index(f.area)
        mask = (index.pair_standard == k) & ((pair_area == area) | (area < 0))
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
        return {}
    cols = list(zip(*rows, strict=True))
    keys = ("floor_name", "floor_region", "floor_standard", "floor_area", "floor_year",
            "floor_level", "floor_penalty", "floor_den")
    out = {key: np.asarray(col) for key, col in zip(keys, cols, strict=True)}
    out["floor_pair"] = np.concatenate(pairs).astype(np.int64)
    out["floor_pair_row"] = np.repeat(np.arange(len(pairs)), [len(p) for p in pairs])
    return out


def _baseline(instance: Instance, index: V1Index) -> dict[str, object]:
    """Start columns of the approved starts that the new plan can keep."""
    base = instance.settings.fiscal_rules.baseline
    approved = pd.DataFrame({"project_id": list(base.starts), "year": list(base.starts.values())})
    columns = pd.DataFrame({"project_id": index.project_ids[index.start_project],
                            "year": index.years[index.start_year],
                            "column": np.arange(len(index.start_project))})
    kept = approved.merge(columns, on=["project_id", "year"])
    return {"baseline_start": kept["column"].to_numpy(np.int64),
            "baseline_penalty": float(base.penalty)}


def build_fiscal_index(instance: Instance, index: V1Index) -> FiscalIndex:
    """The fiscal rules' arrays; only the rules that are set produce any."""
    rules = instance.settings.fiscal_rules
    own, general = _revenue(instance, index, "own_revenue"), _revenue(instance, index,
                                                                    "general_transfer")
    parts: dict[str, object] = {"own_revenue": own, "general": general,
                                "dep_cap": _dep_cap(instance, index)}
    if rules.equalization is not None:
        pool = np.asarray([rules.equalization.pool[int(y)] for y in index.years], dtype=float)
        parts |= {"pool": pool, "eq_floor": _eq_floor(instance, index, pool, own, general)}
    if rules.stability is not None:
        s = rules.stability
        parts |= {"max_decrease": np.nan if s.max_decrease is None else s.max_decrease,
                  "max_increase": np.nan if s.max_increase is None else s.max_increase,
                  "allowance": s.allowance}
    if rules.baseline is not None:
        parts |= _baseline(instance, index)
    return FiscalIndex(**parts, **_floors(instance, index))
