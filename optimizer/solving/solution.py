"""Solver vectors -> a polished plan -> result tables keyed by instance ids.

Polishing rounds integer starts, re-derives the funding split from the rounded plan, and sets
provision and shortfall to what the plan achieves (a MIP incumbent may leave them slack), so
every number in the tables is the plan's own and the objective is evaluated on it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.instance import Instance
from models.schema import AREAS
from optimizer.formulation import Formulation, objective_of
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.formulation.projects import (
    Terms,
    completion_year,
    operation_terms,
    spend_terms,
)
from optimizer.highs.mip_start import meets_rows
from optimizer.solving.binding import binding_columns
from optimizer.solving.solution_fiscal import (
    dependency_ratio,
    fiscal_region_columns,
    polish_fiscal,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """A polished solution: every column of the model, and the plan's per-year quantities."""

    values: FloatArray
    spend: FloatArray
    """Capex spent per region and year, shape (regions, years), million KZT."""
    opex: FloatArray
    """New opex per region and year, million KZT."""
    pair_provision: FloatArray
    """Provision of every applicable pair at the end of each year, shape (pairs, years)."""
    objective: float
    revenue: FloatArray
    """Own revenue added per region and year by operating projects, million KZT."""
    grp: FloatArray
    """Regional output added per region and year by operating projects, million KZT."""


def feasible_plan(index: IndexSets, form: Formulation, values: FloatArray | None
                  ) -> FloatArray | None:
    """A heuristic's plan polished into a full column vector, if it meets every row and bound.

    Rounding only knows the money rules; a plan that breaks another family (a fiscal rule, a
    floor) is dropped here rather than handed to HiGHS or reported.
    """
    if values is None:
        return None
    full = polish(index, form, values).values
    cols = form.columns
    ok = meets_rows(form.matrix, form.row_lower, form.row_upper, cols.lower, cols.upper, full)
    if not ok:
        log.info("heuristic plan dropped: it breaks a row or bound of the full model")
    return full if ok else None


def _per_region_year(index: IndexSets, terms: Terms, x: FloatArray) -> FloatArray:
    j, t, coef = terms
    flat = np.bincount(index.project_region[index.start_project[j]] * index.n_years + t,
                       weights=coef * x[j], minlength=index.n_regions * index.n_years)
    return flat.reshape(index.n_regions, index.n_years)


def polish(index: IndexSets, form: Formulation, values: FloatArray) -> Plan:
    """The plan implied by the solver's starts and transfers, with the objective evaluated on it."""
    layout, n_t = form.layout, index.n_years
    v = values.copy()
    x = np.clip(v[: layout.n_start], 0.0, 1.0)
    x = np.where(form.columns.integer[: layout.n_start], np.round(x), x)
    v[: layout.n_start] = x
    spend = _per_region_year(index, spend_terms(index), x)
    opex = _per_region_year(index, operation_terms(index), x)
    money = slice(layout.transfer0, layout.cofinancing0)
    transfer = np.clip(v[money].reshape(index.n_regions, n_t), 0.0, None)
    transfer = np.minimum(transfer, spend)
    v[money] = transfer.reshape(-1)
    v[layout.cofinancing0: layout.shortfall0] = (spend - transfer).reshape(-1)

    # provision gained by each improved pair, year by year (done[p,t] is cumulative)
    start_done = np.zeros((layout.n_start, n_t))
    done_year = completion_year(index)
    ok = done_year < n_t
    start_done[np.flatnonzero(ok), done_year[ok]] = x[ok]
    start_done = np.cumsum(start_done, axis=1)
    project_done = np.zeros((len(index.project_ids), n_t))
    np.add.at(project_done, index.start_project, start_done)
    gain = np.zeros((len(index.pair_c0), n_t))
    np.add.at(gain, index.effect_pair,
              index.effect_gain[:, None] * project_done[index.effect_project])
    pair_provision = np.minimum(1.0, index.pair_c0[:, None] + gain)
    v[layout.provision0: layout.transfer0] = pair_provision[index.capped_pairs].reshape(-1)

    rows = form.rows["shortfall"]
    sf = form.matrix[rows][:, : layout.shortfall0] @ v[: layout.shortfall0]
    v[layout.shortfall0: layout.equalization0] = np.maximum(0.0, form.row_lower[rows] - sf)
    polish_fiscal(index, form, v)
    objective = objective_of(form, v)
    return Plan(values=v, spend=spend, opex=opex, pair_provision=pair_provision,
                objective=objective,
                revenue=_per_region_year(index, operation_terms(index, index.revenue_effect), x),
                grp=_per_region_year(index, operation_terms(index, index.grp_effect), x))


def project_table(instance: Instance, index: IndexSets, form: Formulation, plan: Plan
                  ) -> pd.DataFrame:
    """Per project: funded share, start and completion year, capex, region (all projects)."""
    x = plan.values[: form.layout.n_start]
    funded = np.bincount(index.start_project, weights=x, minlength=len(index.project_ids))
    on = x > 1e-9
    # starts are in year order within a project; fancy assignment keeps the last write, so
    # writing in reverse order leaves the first start year and in order the last one
    first_on = np.full(len(index.project_ids), -1)
    last_on = np.full(len(index.project_ids), -1)
    order = np.flatnonzero(on)
    first_on[index.start_project[order[::-1]]] = index.start_year[order[::-1]]
    last_on[index.start_project[order]] = index.start_year[order]
    projects = instance.projects
    settlements = instance.settlements.set_index("settlement_id")["region_id"]
    table = pd.DataFrame({
        "project_id": projects["project_id"],
        "name": projects["name"],
        "region_id": projects["settlement_id"].map(settlements).to_numpy(),
        "settlement_id": projects["settlement_id"],
        "status": projects["status"],
    })
    pos = pd.Index(index.project_ids).get_indexer(projects["project_id"])
    active = pos >= 0
    share = np.zeros(len(projects))
    share[active] = funded[pos[active]]
    start = np.full(len(projects), -1)
    start[active] = first_on[pos[active]]
    last = np.full(len(projects), -1)
    last[active] = last_on[pos[active]]
    has = start >= 0
    year0 = int(index.years[0])
    table["funded"] = np.round(share, 9)
    table["start_year"] = pd.array(np.where(has, start + year0, 0), dtype="Int64")
    table.loc[~has, "start_year"] = pd.NA
    completion = last + projects["duration"].to_numpy(np.int64) - 1 + year0
    table["completion_year"] = pd.array(np.where(has, completion, 0), dtype="Int64")
    table.loc[~has, "completion_year"] = pd.NA
    table["capex"] = projects["capex"].to_numpy(float)
    table["funded_capex"] = table["capex"] * table["funded"]
    table["opex"] = projects["opex"].to_numpy(float)
    return table


def start_table(index: IndexSets, form: Formulation, plan: Plan) -> pd.DataFrame:
    """Every start with a positive share: project_id, start_year, share (1 unless divisible)."""
    x = plan.values[: form.layout.n_start]
    on = np.flatnonzero(x > 1e-9)
    return pd.DataFrame({
        "project_id": index.project_ids[index.start_project[on]],
        "start_year": index.years[index.start_year[on]],
        "share": x[on],
    })


def region_year_table(instance: Instance, index: IndexSets, form: Formulation, plan: Plan
                      ) -> pd.DataFrame:
    """Per region and year: transfer, co-financing, new opex, fiscal space used, envelope share.

    Plus the fiscal columns: equalization, own revenue, general transfer, dependency ratios;
    then ``binding`` and a ``slack_*`` column per regional limit (``optimizer.solving.binding``).
    """
    layout, n_t = form.layout, index.n_years
    transfer = plan.values[layout.transfer0: layout.cofinancing0]
    cofin = plan.values[layout.cofinancing0: layout.shortfall0]
    region = np.repeat(index.region_ids, n_t)
    year = np.tile(index.years, index.n_regions)
    envelope = np.tile(index.envelope, index.n_regions)
    fiscal = index.fiscal_space.reshape(-1)
    opex = plan.opex.reshape(-1)
    revenue = plan.revenue.reshape(-1)
    rules = fiscal_region_columns(index, form, plan.values)  # equalization, dependency ratios
    room = fiscal + rules["equalization"] + revenue  # revenue effects add to fiscal space
    if revenue.any():  # and to own revenue: the dependency after the plan counts them
        rules["dependency_after"] = dependency_ratio(rules["own_revenue"] + revenue,
                                                     rules["general_transfer"], transfer)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(envelope > 0, transfer / envelope, 0.0)
        used = np.where(room > 0, (cofin + opex) / room, np.nan)
    return pd.DataFrame({
        "region_id": region, "year": year,
        "capex_spend": plan.spend.reshape(-1), "transfer": transfer, "cofinancing": cofin,
        "new_opex": opex, "fiscal_space": fiscal, "fiscal_space_used": cofin + opex,
        "fiscal_space_used_share": used, "envelope_share": share, **rules,
        **growth_columns(index, revenue, plan.grp.reshape(-1),
                         np.repeat(instance.regions["grp"].to_numpy(float), n_t)),
        **binding_columns(index, transfer, cofin, plan.spend.reshape(-1), opex,
                          rules["equalization"], revenue),
    })


def growth_columns(index: IndexSets, revenue: FloatArray, grp: FloatArray, base: FloatArray
                   ) -> dict[str, FloatArray]:
    """``revenue_added``, ``grp_added`` (million KZT) and ``grp_added_share`` (of ``base``).

    ``base``: the region's ``regions.grp`` (NaN where not given), so that the share reads "the
    plan adds 3.1% to the region's output in 2030". Left out when no project has an effect,
    so that a plan without growth projects keeps its columns.
    """
    if not (index.revenue_effect.any() or index.grp_effect.any()):
        return {}
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(base > 0, grp / base, np.nan)
    return {"revenue_added": revenue, "grp_added": grp, "grp_added_share": share}


def provision_tables(index: IndexSets, plan: Plan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Provision at baseline and end of each year, target, and shortfall in persons.

    Regional rows are per (region, category, area, year); national rows sum the regions'
    persons, persons served and shortfalls (a region above target does not offset another).
    With designation weights a group's parts of different weight are short each on its own
    (docs/formulation.md, section 13), and its row sums their shortfalls.
    """
    n_t, n_g = index.n_years, len(index.group_den)
    pop = index.population[index.pair_settlement]
    served = np.stack([np.bincount(index.pair_group, weights=pop * plan.pair_provision[:, t],
                                   minlength=n_g) for t in range(n_t)], axis=1)
    base = np.bincount(index.pair_group, weights=pop * index.pair_c0, minlength=n_g)
    regional = pd.DataFrame({
        "region_id": np.repeat(index.region_ids[index.group_region], n_t),
        "category": np.repeat(index.categories[index.group_category], n_t),
        "area": np.repeat(np.asarray(AREAS)[index.group_area], n_t),
        "year": np.tile(index.years, n_g),
        "persons": np.repeat(index.group_den, n_t),
        "baseline_served": np.repeat(base, n_t),
        "served": served.reshape(-1),
        "target": index.target[index.group_area].reshape(-1),
    })
    regional["shortfall"] = np.maximum(
        0.0, regional["target"] * regional["persons"] - regional["served"])
    if len(np.unique(index.group_weight)) > 1:  # designation weights split groups: join them
        regional = regional.groupby(["region_id", "category", "area", "year"], as_index=False,
                                    sort=False).agg(
            persons=("persons", "sum"), baseline_served=("baseline_served", "sum"),
            served=("served", "sum"), target=("target", "first"),
            shortfall=("shortfall", lambda s: s.sum(min_count=1)))
    national = regional.groupby(["category", "area", "year"], as_index=False, sort=True).agg(
        persons=("persons", "sum"), baseline_served=("baseline_served", "sum"),
        served=("served", "sum"), target=("target", "first"),
        shortfall=("shortfall", lambda s: s.sum(min_count=1)))
    return _with_shares(regional), _with_shares(national)


def _with_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``baseline`` and ``provision`` shares from person counts (NaN where no persons)."""
    persons = frame["persons"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["baseline"] = np.where(persons > 0, frame["baseline_served"] / persons, np.nan)
        frame["provision"] = np.where(persons > 0, frame["served"] / persons, np.nan)
    return frame
