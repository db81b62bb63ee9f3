"""Pre-solve checks with the numbers in them, run before any solver.

Each check is sound: an ``error`` is raised only when no plan can exist (a bound that holds
whatever the start years and transfers), so a solve it stops would have been infeasible. A
``warning`` names a likely problem (e.g. committed projects that do not fit at their earliest
start years) without stopping anything. docs/fiscal-rules.md lists the checks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from models.instance import Instance
from models.result import Result, SolveStatus
from optimizer.check.findings import Finding, mkzt
from optimizer.check.prechecks_fiscal import check_baseline, check_fiscal_rules, check_floors
from optimizer.formulation.fiscal import dependency_bound
from optimizer.formulation.index import FloatArray, IndexSets, build_index
from optimizer.formulation.projects import Terms, operation_terms, spend_terms

log = logging.getLogger(__name__)


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

    def _per_start(self, terms: Terms) -> FloatArray:
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


def largest_transfer(index: IndexSets) -> FloatArray:
    """Upper bound on ``tau[r,t]``: concentration, and the dependency cap where set.

    The cap counts the most own revenue growth projects can add (``revenue_room``).
    """
    cap = index.sigma[:, None] * index.envelope[None, :]
    bound = dependency_bound(index).reshape(cap.shape)
    delta = index.fiscal.dep_cap if index.fiscal.dep_cap.size else np.full(cap.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_cap = np.where(np.isnan(bound) | (delta >= 1.0), np.inf,
                          (bound + delta * revenue_room(index)) / (1.0 - delta))
    return np.minimum(cap, by_cap)


def pool_room(index: IndexSets) -> FloatArray:
    """Most of the pool region ``r`` can get in year ``t``: what the others' floors leave."""
    f = index.fiscal
    if not f.equalization:
        return np.zeros((index.n_regions, index.n_years))
    need = np.maximum(f.eq_floor, 0.0)
    return np.maximum(f.pool[None, :] - (need.sum(axis=0)[None, :] - need), 0.0)


def revenue_room(index: IndexSets) -> FloatArray:
    """Most own revenue the projects of region ``r`` can add in year ``t`` (section 14).

    Every project with a revenue effect started as early as it can and fully funded: an
    upper bound, so that a check against fiscal space never calls a plan impossible that a
    growth project's revenue would pay for.
    """
    out = np.zeros((index.n_regions, index.n_years))
    if not index.revenue_effect.any():
        return out
    j, t, _ = operation_terms(index, index.revenue_effect)
    project = index.start_project[j]
    seen = np.unique(project * index.n_years + t)  # each (project, year) once, whatever start
    p, y = seen // index.n_years, seen % index.n_years
    np.add.at(out, (index.project_region[p], y), index.revenue_effect[p])
    return out


def local_room(index: IndexSets) -> FloatArray:
    """Fiscal space with the most the pool and revenue effects can add: (regions, years)."""
    return index.fiscal_space + pool_room(index) + revenue_room(index)


def check_committed(index: IndexSets, c: Committed) -> list[Finding]:
    """Committed co-financing and opex against fiscal space, per region-year and horizon."""
    room = local_room(index)
    spend, opex = c.per_region(c.spend), c.per_region(c.opex)
    largest = largest_transfer(index)
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
    for r in np.flatnonzero(total > room.sum(axis=1) * (1 + 1e-9) + 1e-6).tolist():
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
    room = local_room(index)
    largest = largest_transfer(index)
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
    room = local_room(index)
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


def run_prechecks(instance: Instance, index: IndexSets | None = None) -> list[Finding]:
    """Every pre-solve finding, errors first."""
    index = index if index is not None else build_index(instance)
    committed = Committed(index)
    found = (check_committed(index, committed) + check_envelope(index, committed)
             + check_floors(index) + check_fiscal_rules(index) + check_baseline(instance, index))
    return sorted(found, key=lambda f: f.severity != "error")


_told: ContextVar[frozenset[str]] = ContextVar("prechecks_told", default=frozenset())
"""Warnings the caller has already shown the user (``told``)."""


@contextmanager
def told(findings: Iterable[Finding]) -> Iterator[None]:
    """The caller has shown these findings: ``blocked_result`` does not log them again.

    The command line prints the pre-solve warnings before it solves; without this, the
    solve's log repeated each one.
    """
    token = _told.set(_told.get() | {f.message for f in findings})
    try:
        yield
    finally:
        _told.reset(token)


def blocked_result(instance: Instance) -> Result | None:
    """An ``infeasible`` Result when a pre-solve check proves no plan exists, else ``None``.

    The warnings are logged, but for those the caller has shown already (``told``).
    """
    found = run_prechecks(instance)
    for f in found:
        if f.severity == "warning" and f.message not in _told.get():  # errors: in the Result
            log.warning(f.message)
    errors = [f for f in found if f.severity == "error"]
    if not errors:
        return None
    return Result(status=SolveStatus.INFEASIBLE,
                  message="pre-solve checks: no plan can exist: " + "; ".join(
                      f.message for f in errors[:5]) + ("; ..." if len(errors) > 5 else ""),
                  metadata={"prechecks": [f.to_dict() for f in found],
                            "instance": instance.settings.name})
