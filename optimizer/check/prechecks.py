"""Pre-solve checks with the numbers in them, run before any solver.

Each check is sound: an ``error`` is raised only when no plan can exist (a bound that holds
whatever the start years and transfers), so a solve it stops would have been infeasible. A
``warning`` names a likely problem (e.g. committed projects that do not fit at their earliest
start years) without stopping anything. docs/fiscal-rules.md lists the checks.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from models.instance import Instance
from models.result import Result, SolveStatus
from optimizer.formulation.fiscal import dependency_bound
from optimizer.formulation.index import FloatArray, IndexSets, build_index
from optimizer.formulation.projects import completion_year, operation_terms, spend_terms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    """One pre-solve finding: which rule, where, how much is needed and how much there is."""

    severity: Literal["error", "warning"]
    rule: str
    message: str
    region: str | None = None
    year: int | None = None
    needed: float | None = None
    available: float | None = None
    projects: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return asdict(self) | {"projects": list(self.projects)}


def mkzt(amount: float) -> str:
    """``1,250,000 million KZT``; one decimal below 1,000 (``4.5 million KZT``)."""
    return f"{amount:,.0f} million KZT" if abs(amount) >= 1000 else f"{amount:,.1f} million KZT"


class Committed:
    """Committed projects' least capex and opex per region and year, whatever their starts."""

    def __init__(self, index: IndexSets) -> None:
        self.index = index
        p = index.start_project
        self.projects = np.flatnonzero(index.committed & (index.project_start_count > 0))
        spend, opex = self._per_start(spend_terms(index)), self._per_start(operation_terms(index))
        self.start_spend, self.start_opex = spend, opex
        offsets = index.project_first_start[self.projects]
        self.offsets = offsets
        # a project's starts are contiguous: the least of each year over its starts
        self.spend = np.minimum.reduceat(spend, offsets, axis=0) if len(offsets) else spend[:0]
        self.opex = np.minimum.reduceat(opex, offsets, axis=0) if len(offsets) else opex[:0]
        self.earliest_spend, self.earliest_opex = spend[offsets], opex[offsets]
        alpha = index.alpha[index.project_region[p]][:, None]
        horizon = (alpha * spend + opex).sum(axis=1)
        self.horizon_need = (np.minimum.reduceat(horizon, offsets) if len(offsets)
                             else horizon[:0])

    def _per_start(self, terms: tuple) -> FloatArray:
        j, t, coef = terms
        out = np.zeros((len(self.index.start_project), self.index.n_years))
        np.add.at(out, (j, t), coef)
        return out

    def per_region(self, values: FloatArray) -> FloatArray:
        """Sum a (committed project, year) array per region: shape (regions, years)."""
        out = np.zeros((self.index.n_regions, self.index.n_years))
        np.add.at(out, self.index.project_region[self.projects], values)
        return out

    def names(self, region: int) -> tuple[str, ...]:
        """Ids of the region's committed projects."""
        mine = self.projects[self.index.project_region[self.projects] == region]
        return tuple(str(p) for p in self.index.project_ids[mine])


def _largest_transfer(index: IndexSets) -> FloatArray:
    """Upper bound on ``tau[r,t]``: concentration, and the dependency cap where set."""
    cap = index.sigma[:, None] * index.envelope[None, :]
    bound = dependency_bound(index).reshape(cap.shape)
    delta = index.fiscal.dep_cap if index.fiscal.dep_cap.size else np.full(cap.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_cap = np.where(np.isnan(bound) | (delta >= 1.0), np.inf, bound / (1.0 - delta))
    return np.minimum(cap, by_cap)


def _pool_room(index: IndexSets) -> FloatArray:
    """Most of the pool region ``r`` can get in year ``t``: what the others' floors leave."""
    f = index.fiscal
    if not f.equalization:
        return np.zeros((index.n_regions, index.n_years))
    need = np.maximum(f.eq_floor, 0.0)
    return np.maximum(f.pool[None, :] - (need.sum(axis=0)[None, :] - need), 0.0)


def check_committed(index: IndexSets, c: Committed) -> list[Finding]:
    """Committed co-financing and opex against fiscal space, per region-year and horizon."""
    room = index.fiscal_space + _pool_room(index)
    spend, opex = c.per_region(c.spend), c.per_region(c.opex)
    largest = _largest_transfer(index)
    local = np.maximum(index.alpha[:, None] * spend, spend - largest)
    need = local + opex
    out: list[Finding] = []
    years = index.years
    for r, t in zip(*np.nonzero(need > room * (1 + 1e-9) + 1e-6), strict=True):
        region = str(index.region_ids[r])
        capped = (f" (the transfer can be at most {mkzt(largest[r, t])})"
                  if local[r, t] > index.alpha[r] * spend[r, t] + 1e-9 else "")
        out.append(Finding(
            "error", "fiscal_space",
            f"committed projects in {region} need at least {mkzt(need[r, t])} of co-financing "
            f"and new opex in {years[t]} whatever their start years{capped}; fiscal space is "
            f"{mkzt(room[r, t])}", region, int(years[t]), float(need[r, t]),
            float(room[r, t]), c.names(r)))
    flagged = {f.region for f in out}
    total = np.zeros(index.n_regions)
    np.add.at(total, index.project_region[c.projects], c.horizon_need)
    for r in np.flatnonzero(total > room.sum(axis=1) * (1 + 1e-9) + 1e-6):
        region = str(index.region_ids[r])
        if region not in flagged:
            out.append(Finding(
                "error", "fiscal_space",
                f"committed projects in {region} need at least {mkzt(total[r])} of co-financing"
                f" and new opex over {years[0]}-{years[-1]}; fiscal space over the horizon is "
                f"{mkzt(room[r].sum())}", region, None, float(total[r]), float(room[r].sum()),
                c.names(r)))
            flagged.add(region)
    single = [f for f in check_single_commitments(index, c) if f.region not in flagged]
    out += single
    flagged |= {f.region for f in single}
    early = (index.alpha[:, None] * c.per_region(c.earliest_spend)
             + c.per_region(c.earliest_opex))
    for r, t in zip(*np.nonzero(early > room * (1 + 1e-9) + 1e-6), strict=True):
        region = str(index.region_ids[r])
        if region not in flagged:
            out.append(Finding(
                "warning", "fiscal_space",
                f"committed projects in {region} need {mkzt(early[r, t])} of co-financing and "
                f"new opex in {years[t]} at their earliest start years; fiscal space is "
                f"{mkzt(room[r, t])} (later starts may fit)", region, int(years[t]),
                float(early[r, t]), float(room[r, t]), c.names(r)))
    return out


def check_single_commitments(index: IndexSets, c: Committed) -> list[Finding]:
    """Indivisible committed projects that fit their region's fiscal space in no start year.

    Each start of such a project is checked alone: its co-financing (at least ``alpha`` of
    its spend, or what the largest possible transfer leaves) plus its new opex, against the
    fiscal space of every year. When every start breaks some year, no plan exists; the finding
    names the start that comes closest and the year it breaks.
    """
    whole = c.projects[~index.divisible[c.projects]]
    if not len(whole):
        return []
    room = index.fiscal_space + _pool_room(index)
    largest = _largest_transfer(index)
    region = index.project_region[index.start_project]
    spend, opex = c.start_spend, c.start_opex
    need = np.maximum(index.alpha[region][:, None] * spend, spend - largest[region]) + opex
    excess = need - room[region] * (1 + 1e-9) - 1e-6
    worst_year = excess.argmax(axis=1)
    worst = excess.max(axis=1)
    out: list[Finding] = []
    years = index.years
    for p in whole:
        first, count = index.project_first_start[p], index.project_start_count[p]
        best = first + int(worst[first: first + count].argmin())  # the start closest to fitting
        if worst[best] <= 0:
            continue
        r, t = index.project_region[p], worst_year[best]
        window = (f"{years[index.start_year[first]]}-{years[index.start_year[first + count - 1]]}"
                  if count > 1 else f"{years[index.start_year[first]]}")
        pid, rid = str(index.project_ids[p]), str(index.region_ids[r])
        out.append(Finding(
            "error", "fiscal_space",
            f"committed project {pid} in {rid} fits no start year of {window}: even started in "
            f"{years[index.start_year[best]]} it needs {mkzt(need[best, t])} of co-financing "
            f"and new opex in {years[t]}; fiscal space is {mkzt(room[r, t])}",
            rid, int(years[t]), float(need[best, t]), float(room[r, t]), (pid,)))
    return out


def check_envelope(index: IndexSets, c: Committed) -> list[Finding]:
    """Republican transfers committed projects need at least, against the envelope."""
    room = index.fiscal_space + _pool_room(index)
    spend, opex = c.per_region(c.spend), c.per_region(c.opex)
    tau = np.maximum(0.0, spend - (room - opex)).sum(axis=0)
    budget = index.envelope
    if index.carryover:
        tau, budget = np.cumsum(tau), np.cumsum(budget)
    word = "up to and including" if index.carryover else "in"
    return [Finding("error", "envelope",
                    f"committed projects need at least {mkzt(tau[t])} of republican transfers "
                    f"{word} {index.years[t]} (capex beyond what their regions can co-finance)"
                    f"; the envelope is {mkzt(budget[t])}", None, int(index.years[t]),
                    float(tau[t]), float(budget[t]))
            for t in np.flatnonzero(tau > budget * (1 + 1e-9) + 1e-6)]


def check_floors(index: IndexSets) -> list[Finding]:
    """Critical floors that no set of projects completed by their year can reach."""
    f = index.fiscal
    if len(f.floor_level) == 0:
        return []
    done = completion_year(index)
    by_year = np.full(len(index.project_ids), np.iinfo(np.int64).max)
    np.minimum.at(by_year, index.start_project, done)  # earliest completion of each project
    pop = index.population[index.pair_settlement]
    out: list[Finding] = []
    for i in range(len(f.floor_level)):  # the analyst's few floor rows
        ready = by_year[index.effect_project] <= f.floor_year[i]
        gain = np.bincount(index.effect_pair[ready], weights=index.effect_gain[ready],
                           minlength=len(index.pair_c0))
        pairs = f.floor_pair[f.floor_pair_row == i]
        best = float((pop[pairs] * np.minimum(1.0, index.pair_c0[pairs] + gain[pairs])).sum())
        needed = f.floor_level[i] * f.floor_den[i]
        if best >= needed - 1e-9 * max(needed, 1.0):
            continue
        hard = np.isnan(f.floor_penalty[i])
        region = str(index.region_ids[f.floor_region[i]])
        year = int(index.years[f.floor_year[i]])
        std = str(index.standard_ids[f.floor_standard[i]])
        out.append(Finding(
            "error" if hard else "warning", "critical_floor",
            f"the {std} floor '{f.floor_name[i]}' in {region} by {year} "
            f"({f.floor_level[i]:.0%}) cannot be reached: every project that can complete by "
            f"{year} brings provision to {best / f.floor_den[i]:.1%} "
            f"({needed - best:,.0f} persons short)" + ("" if hard else "; its penalty is paid"),
            region, year, needed, best))
    return out


def check_fiscal_rules(index: IndexSets) -> list[Finding]:
    """Equalization floors against the pool; regions above the dependency cap by law."""
    f, years, out = index.fiscal, index.years, []
    if f.equalization:
        need = np.maximum(f.eq_floor, 0.0).sum(axis=0)
        out += [Finding("error", "equalization_pool",
                        f"the equalization floors need {mkzt(need[t])} in {years[t]}; the pool "
                        f"is {mkzt(f.pool[t])}", None, int(years[t]), float(need[t]),
                        float(f.pool[t])) for t in np.flatnonzero(need > f.pool + 1e-6)]
    if f.dep_cap.size:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = f.general / (f.own_revenue + f.general)
        for r, t in zip(*np.nonzero(ratio > f.dep_cap), strict=True):
            region = str(index.region_ids[r])
            out.append(Finding(
                "warning", "dependency_cap",
                f"the general transfer alone is {ratio[r, t]:.1%} of {region}'s revenue in "
                f"{years[t]}, above the {f.dep_cap[r, t]:.0%} cap: it can receive no targeted "
                "transfer", region, int(years[t]), float(ratio[r, t]), float(f.dep_cap[r, t])))
    return out


def check_baseline(instance: Instance, index: IndexSets) -> list[Finding]:
    """Approved starts the new plan cannot keep (no start column for them)."""
    base = instance.settings.fiscal_rules.baseline
    if base is None or len(index.fiscal.baseline_start) == len(base.starts):
        return []
    kept = set(index.project_ids[index.start_project[index.fiscal.baseline_start]])
    lost = [f"{p} ({y})" for p, y in base.starts.items() if p not in kept]
    return [Finding("warning", "baseline",
                    f"{len(lost)} approved start(s) cannot be kept (project excluded or unknown, "
                    f"or the year is outside its window or completes after the horizon): "
                    f"{', '.join(lost[:8])}" + (", ..." if len(lost) > 8 else ""))]


def run_prechecks(instance: Instance, index: IndexSets | None = None) -> list[Finding]:
    """Every pre-solve finding, errors first."""
    index = index if index is not None else build_index(instance)
    committed = Committed(index)
    found = (check_committed(index, committed) + check_envelope(index, committed)
             + check_floors(index) + check_fiscal_rules(index) + check_baseline(instance, index))
    return sorted(found, key=lambda f: f.severity != "error")


def blocked_result(instance: Instance) -> Result | None:
    """An ``infeasible`` Result when a pre-solve check proves no plan exists, else ``None``."""
    found = run_prechecks(instance)
    for f in found:
        if f.severity == "warning":  # errors go into the Result's message
            log.warning(f.message)
    errors = [f for f in found if f.severity == "error"]
    if not errors:
        return None
    return Result(status=SolveStatus.INFEASIBLE,
                  message="pre-solve checks: no plan can exist: " + "; ".join(
                      f.message for f in errors[:5]) + ("; ..." if len(errors) > 5 else ""),
                  metadata={"prechecks": [f.to_dict() for f in found],
                            "instance": instance.settings.name})
