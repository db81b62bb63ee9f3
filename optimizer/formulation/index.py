"""Index arrays derived once from a validated instance: the only reshaping step.

Every constraint family reads these arrays; none touches the instance's DataFrames. Positions
(``*_code``) are 0-based into the id arrays kept here, so solution vectors map back to ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from models.checks import applicable_mask
from models.designations import designation_multiplier
from models.instance import Instance
from models.schema import AREAS
from optimizer.formulation.index_fiscal import FiscalIndex, build_fiscal_index
from optimizer.formulation.index_structure import (
    StructureIndex,
    build_structure_index,
    required_projects,
)

IntArray = np.ndarray
FloatArray = np.ndarray


@dataclass(frozen=True)
class IndexSets:
    """Sets, data and sparse incidence of the v1 model as flat numpy arrays."""

    years: IntArray
    """``T``, calendar years."""
    region_ids: np.ndarray
    alpha: FloatArray
    """Minimum co-financing share per region."""
    sigma: FloatArray
    """Max envelope share per region."""
    fiscal_space: FloatArray
    """``F[r,t]``, million KZT, shape (regions, years)."""
    envelope: FloatArray
    """``B_t``, million KZT."""
    carryover: bool

    settlement_ids: np.ndarray
    settlement_region: IntArray
    settlement_area: IntArray
    """0 urban, 1 rural (``models.schema.AREAS`` order)."""
    population: FloatArray

    standard_ids: np.ndarray
    categories: np.ndarray
    standard_category: IntArray
    category_weight: FloatArray
    """``W_g`` per category."""

    pair_settlement: IntArray
    """Applicable pairs ``A``: settlement position of each pair."""
    pair_standard: IntArray
    pair_c0: FloatArray
    pair_group: IntArray
    """Group (region, category, area, designation weight) of each pair."""

    group_region: IntArray
    group_category: IntArray
    group_area: IntArray
    group_den: FloatArray
    """``DEN[r,g,a,m]``: persons over the group's applicable pairs."""
    group_weight: FloatArray
    """``m``: the designation weight of the group's settlements (docs/formulation.md, section
    13); 1 everywhere, and one group per (r,g,a), without ``objective.designation_weights``."""
    target: FloatArray
    """``target[a,t]``, NaN where a year has no target; shape (areas, years)."""

    project_ids: np.ndarray
    """Projects with start variables (not ``excluded``), in instance order."""
    project_region: IntArray
    capex: FloatArray
    opex: FloatArray
    grp_effect: FloatArray
    """Regional output added per year once operating, million KZT (section 14)."""
    revenue_effect: FloatArray
    """Own revenue added per year once operating, million KZT; it adds to fiscal space."""
    duration: IntArray
    divisible: np.ndarray
    committed: np.ndarray
    project_first_start: IntArray
    """Position of each project's first start variable; its starts are contiguous. A project
    with no start (``project_start_count`` 0) has a valid position that it does not own."""
    project_start_count: IntArray

    start_project: IntArray
    """Start variables ``x[p,t]``: project position of each."""
    start_year: IntArray
    """Year position (0..|T|-1) of each start variable; candidates only get start years whose
    completion falls inside the horizon."""

    effect_project: IntArray
    """Effects with a positive gain: project position."""
    effect_pair: IntArray
    """Effects with a positive gain: pair position."""
    effect_gain: FloatArray
    """``max(0, e[p,s,k] - c0[s,k])``."""
    capped_pairs: IntArray
    """Pairs whose gains can add up past 1: only they need a ``y`` column capped at 1."""
    effect_capped: IntArray
    """Position of each effect's pair in ``capped_pairs``; -1 where the pair is linear, i.e.
    ``c0 + sum of its gains <= 1``, so that ``y = c0 + sum gain * done`` is substituted."""
    fiscal: FiscalIndex = field(default_factory=FiscalIndex)
    """Arrays of the phase-2 fiscal rules (``optimizer/formulation/index_fiscal.py``); empty when
    off."""
    structure: StructureIndex = field(default_factory=StructureIndex)
    """Spend profiles, groups and prerequisites (``optimizer/formulation/index_structure.py``);
    empty when the instance has none."""

    @property
    def n_years(self) -> int:
        """``|T|``."""
        return len(self.years)

    @property
    def n_regions(self) -> int:
        """``|R|``."""
        return len(self.region_ids)


def expand_years(
    first: IntArray, last: IntArray, n_years: int
) -> tuple[IntArray, IntArray]:
    """All (item, year) with ``first[item] <= year <= min(last[item], |T|-1)``, vectorized.

    The one piece of timing logic: start windows, construction, completion and operation.
    """
    last = np.minimum(last, n_years - 1)
    count = np.maximum(last - first + 1, 0)
    item = np.repeat(np.arange(len(first)), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return item, np.repeat(first, count) + offset


def _codes(values: pd.Series, ids: np.ndarray) -> IntArray:
    return pd.Index(ids).get_indexer(values).astype(np.int64)


def _pair_positions(pair_key: IntArray, key: IntArray) -> IntArray:
    """Position of each ``key`` in the sorted ``pair_key`` of the applicable pairs, -1 if absent.

    An exact match: a key outside ``A`` must not take the position of the next pair.
    """
    if not len(pair_key):
        return np.full(len(key), -1, dtype=np.int64)
    where = np.minimum(np.searchsorted(pair_key, key), len(pair_key) - 1)
    return np.where(pair_key[where] == key, where, -1).astype(np.int64)


def build_index(instance: Instance) -> IndexSets:
    """Derive every index array of the model from a validated instance."""
    s = instance.settings
    years = np.asarray(s.years, dtype=np.int64)
    regions = instance.regions
    region_ids = regions["region_id"].to_numpy(str)
    ry = instance.region_years
    fiscal = np.zeros((len(region_ids), len(years)))
    fiscal[_codes(ry["region_id"], region_ids), ry["year"].to_numpy(np.int64) - years[0]] = (
        ry["fiscal_space"].to_numpy(float))

    settlements, standards = instance.settlements, instance.standards
    settlement_ids = settlements["settlement_id"].to_numpy(str)
    standard_ids = standards["standard_id"].to_numpy(str)
    categories = np.asarray(sorted(set(standards["category"])), dtype=str)
    standard_category = _codes(standards["category"], categories)
    weights = s.objective.category_weights
    category_weight = np.asarray([weights.get(g, 1.0) for g in categories], dtype=float)
    s_region = _codes(settlements["region_id"], region_ids)
    s_area = _codes(settlements["area"], np.asarray(AREAS))
    population = settlements["population"].to_numpy(float)

    pair_s, pair_k = np.nonzero(applicable_mask(settlements, standards))
    pair_key = pair_s * len(standard_ids) + pair_k
    c0 = np.zeros(len(pair_s))
    cov = instance.coverage
    cov_key = (_codes(cov["settlement_id"], settlement_ids) * len(standard_ids)
               + _codes(cov["standard_id"], standard_ids))
    cov_pair = _pair_positions(pair_key, cov_key)
    hit = cov_pair >= 0  # coverage on a pair where the standard does not apply is ignored
    c0[cov_pair[hit]] = cov["level"].to_numpy(float)[hit]

    n_cat, n_area = len(categories), len(AREAS)
    # residents weighted differently (designation weights) form a shortfall group of their own
    weight_values, s_class = np.unique(
        designation_multiplier(settlements, s.objective.designation_weights),
        return_inverse=True)
    n_class = len(weight_values)
    group_key = (((s_region[pair_s] * n_cat + standard_category[pair_k]) * n_area
                  + s_area[pair_s]) * n_class + s_class[pair_s])
    group_keys, pair_group = np.unique(group_key, return_inverse=True)
    group_den = np.bincount(pair_group, weights=population[pair_s], minlength=len(group_keys))
    target = np.full((n_area, len(years)), np.nan)
    for area, by_year in s.targets.items():
        for year, value in by_year.items():
            target[AREAS.index(area), year - years[0]] = value

    projects = instance.projects
    active = projects[projects["status"] != "excluded"]
    first_start = active["earliest_start"].fillna(years[0]).to_numpy(np.int64)
    last_start = active["latest_start"].fillna(years[-1]).to_numpy(np.int64)
    lo = np.maximum(first_start, years[0]) - years[0]
    hi = np.minimum(last_start, years[-1]) - years[0]
    # a candidate completed after the horizon only costs money and fiscal space inside it;
    # dropping such starts keeps every optimum, so only committed projects keep them, and
    # projects that another requires (their start, not their completion, lets that one start)
    committed = (active["status"] == "committed").to_numpy(bool)
    duration = active["duration"].to_numpy(np.int64)
    keeps_late = committed
    if not instance.project_requires.empty:
        keeps_late = committed | required_projects(instance, active["project_id"])
    hi = np.where(keeps_late, hi, np.minimum(hi, len(years) - duration))
    start_project, start_year = expand_years(lo, hi, len(years))
    count = np.bincount(start_project, minlength=len(active)).astype(np.int64)
    # a project without start columns (a candidate that cannot finish in the horizon) still
    # points at a valid column, so a gather over every project never reads past the end
    first = np.minimum(np.cumsum(count) - count, max(len(start_project) - 1, 0)).astype(np.int64)
    project_ids = active["project_id"].to_numpy(str)

    effects = instance.project_effects
    e_project = _codes(effects["project_id"], project_ids)
    e_key = (_codes(effects["settlement_id"], settlement_ids) * len(standard_ids)
             + _codes(effects["standard_id"], standard_ids))
    e_pair = _pair_positions(pair_key, e_key)
    # an effect outside A (a draw's population fell below min_population) improves nothing
    e_gain = effects["level"].to_numpy(float) - np.append(c0, 0.0)[e_pair]  # -1: none
    keep = (e_project >= 0) & (e_pair >= 0) & (e_gain > 0)
    e_project, e_pair, e_gain = e_project[keep], e_pair[keep], e_gain[keep]
    reach = c0 + np.bincount(e_pair, weights=e_gain, minlength=len(c0))
    capped = np.zeros(len(c0), dtype=bool)
    capped[e_pair] = reach[e_pair] > 1.0 + 1e-12
    capped_pairs = np.flatnonzero(capped)
    position = np.full(len(c0), -1, dtype=np.int64)
    position[capped_pairs] = np.arange(len(capped_pairs))

    sets = IndexSets(
        years=years,
        region_ids=region_ids,
        alpha=regions["cofinancing_rate"].to_numpy(float),
        sigma=regions["max_envelope_share"].to_numpy(float),
        fiscal_space=fiscal,
        envelope=np.asarray([s.budget.envelope[int(y)] for y in years], dtype=float),
        carryover=s.budget.carryover,
        settlement_ids=settlement_ids,
        settlement_region=s_region,
        settlement_area=s_area,
        population=population,
        standard_ids=standard_ids,
        categories=categories,
        standard_category=standard_category,
        category_weight=category_weight,
        pair_settlement=pair_s,
        pair_standard=pair_k,
        pair_c0=c0,
        pair_group=pair_group,
        group_region=group_keys // (n_cat * n_area * n_class),
        group_category=(group_keys // (n_area * n_class)) % n_cat,
        group_area=(group_keys // n_class) % n_area,
        group_den=group_den,
        group_weight=weight_values[group_keys % n_class],
        target=target,
        project_ids=project_ids,
        project_region=s_region[_codes(active["settlement_id"], settlement_ids)],
        capex=active["capex"].to_numpy(float),
        opex=active["opex"].to_numpy(float),
        grp_effect=active["grp_effect"].to_numpy(float),
        revenue_effect=active["revenue_effect"].to_numpy(float),
        duration=duration,
        divisible=active["divisible"].to_numpy(bool),
        committed=committed,
        project_first_start=first,
        project_start_count=count,
        start_project=start_project,
        start_year=start_year,
        effect_project=e_project,
        effect_pair=e_pair,
        effect_gain=e_gain,
        capped_pairs=capped_pairs,
        effect_capped=position[e_pair],
    )
    return replace(sets, fiscal=build_fiscal_index(instance, sets),
                   structure=build_structure_index(instance, project_ids, duration, count))
