"""A primal heuristic: round the LP relaxation into a feasible plan, then fill greedily.

HiGHS's own heuristics reach a first plan on the national model only after its root LP and a
cut round (tens of seconds, ~4% gap). The LP relaxation is solved anyway to price the envelope;
rounding it under the money rules gives a plan within about a percent of the LP bound in well
under a second, which HiGHS then receives as its incumbent (``setSolution``).

Money feasibility of a plan is checked in closed form per region and year: with capex spend
``S`` and new opex ``O``, the least transfer is ``tau = max(0, S - (F - O))``, which needs
``alpha * S <= F - O`` (co-financing within fiscal space), ``tau <= sigma * B`` and the yearly
(or, with carryover, cumulative) sum of ``tau`` within the envelope.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.formulation.projects import Terms, operation_terms, spend_terms
from optimizer.highs import progress
from optimizer.highs.adapter import HighsOptions, highs_for
from optimizer.highs.mip_start import run_checked
from optimizer.solving.cumulative import cumulative_form

TOL = 1e-7
NEIGHBOURHOOD_CUT_POOL = 500
"""HiGHS's cut pool in the sub-MIPs of a plan's neighbourhood (``crossover``'s ``cut_pool``)."""
NEIGHBOURHOOD_GAP = 1e-6
"""A neighbourhood given the whole model's ``target`` searches to this gap of its own: at the
model's 0.1% it stopped as soon as its incumbent was within 0.1% of the neighbourhood's bound,
which the plan it starts from usually is, so a second crossover never improved the national
plan; searched on, a 6,350-start neighbourhood took 0.02% off it in 15 s (docs/performance.md).
"""


class MoneyState:
    """Capex spend and opex per region and year of a growing plan, and its least transfers."""

    def __init__(self, index: IndexSets) -> None:
        self.index = index
        n_r, n_t = index.n_regions, index.n_years
        self.spend = np.zeros((n_r, n_t))
        self.opex = np.zeros((n_r, n_t))
        self.tau = np.zeros((n_r, n_t))
        self.cap = index.sigma[:, None] * index.envelope[None, :]
        self.budget = np.cumsum(index.envelope) if index.carryover else index.envelope

    def least_transfer(self, r: int, spend: FloatArray, opex: FloatArray) -> FloatArray | None:
        """Least transfer of region ``r`` for this spend and opex, or None if it cannot pay."""
        local = self.index.fiscal_space[r] - opex
        if np.any(self.index.alpha[r] * spend > local + TOL):
            return None
        tau = np.maximum(0.0, spend - local)
        if np.any(tau > self.cap[r] + TOL):
            return None
        return tau

    def try_add(self, r: int, spend: FloatArray, opex: FloatArray) -> bool:
        """Add a start's money to region ``r`` if every rule still holds."""
        new_spend, new_opex = self.spend[r] + spend, self.opex[r] + opex
        tau = self.least_transfer(r, new_spend, new_opex)
        if tau is None:
            return False
        used = self.tau.sum(axis=0) - self.tau[r] + tau
        if self.index.carryover:
            used = np.cumsum(used)
        if np.any(used > self.budget + TOL):
            return False
        self.spend[r], self.opex[r], self.tau[r] = new_spend, new_opex, tau
        return True


def _per_start(index: IndexSets, terms: Terms, n_start: int) -> FloatArray:
    j, t, coef = terms
    out = np.zeros((n_start, index.n_years))
    np.add.at(out, (j, t), coef)
    return out


class StructureState:
    """Groups taken and start years of a growing plan, for the rules of section 12."""

    def __init__(self, index: IndexSets) -> None:
        s = index.structure
        self.index = index
        self.group_row = s.group_row
        self.taken: set[int] = set()
        self.started = np.full(len(index.project_ids), -1, dtype=np.int64)
        """Start year position of each project in the plan; -1 when not started."""
        self.requires: dict[int, list[int]] = {}
        for p, q in zip(s.requires_project.tolist(), s.requires_on.tolist(), strict=True):
            self.requires.setdefault(p, []).append(q)

    def allows(self, p: int, year: int) -> bool:
        """Whether ``p`` may start in ``year``: its group is free, its requirements started."""
        if len(self.group_row) and self.group_row[p] in self.taken:
            return False
        return all(q >= 0 and 0 <= self.started[q] <= year for q in self.requires.get(p, ()))

    def add(self, p: int, year: int) -> None:
        """Record ``p`` as started in ``year``."""
        self.started[p] = year
        if len(self.group_row) and self.group_row[p] >= 0:
            self.taken.add(int(self.group_row[p]))


def round_lp(index: IndexSets, form: Formulation, lp_values: FloatArray | None
             ) -> FloatArray | None:
    """A feasible column vector from the LP solution, or None when commitments cannot be met.

    Committed projects first, then candidates in order of their LP share, each at its start
    year of largest LP value, else the earliest year that fits; ties (and every project when
    the LP did not finish: ``lp_values`` None) by access value per million KZT of capex. Only
    ``x``, ``tau`` and ``loc`` are set; ``optimizer.solving.solution.polish`` derives the rest.
    With groups or prerequisites (section 12) a start must also leave its group free and
    follow its requirements; the order is then passed twice, so that a project whose
    requirement came later in it gets a second chance.
    """
    if index.fiscal.has_rows:  # rounding knows only the v1 money rules, not the fiscal ones
        return None
    layout = form.layout
    n_start = layout.n_start
    x_lp = (np.zeros(n_start) if lp_values is None
            else np.clip(lp_values[:n_start], 0.0, 1.0))
    spend = _per_start(index, spend_terms(index), n_start)
    opex = _per_start(index, operation_terms(index), n_start)
    share = np.bincount(index.start_project, weights=x_lp, minlength=len(index.project_ids))
    # benefit the LP sees per start column (negative cost = access gain; shortfall via rows)
    has_start = index.project_start_count > 0  # a candidate that cannot finish has none
    value = np.zeros(len(index.project_ids))
    value[has_start] = -form.columns.cost[:n_start][index.project_first_start[has_start]
                                                     ] / np.maximum(index.capex[has_start], 1e-9)
    order = np.lexsort((-value, -share, ~index.committed))
    if form.columns.cost[layout.transfer0: layout.cofinancing0].max(initial=0.0) > 0:
        order = order[(share[order] > TOL) | index.committed[order]]
    state = MoneyState(index)
    rules = StructureState(index) if index.structure.has_rules else None
    x = np.zeros(n_start)
    deferred: list[int] = []
    for p in order:
        if index.project_start_count[p] == 0:
            continue
        placed = _place(index, state, rules, x_lp, x, int(p), spend, opex)
        if not placed and index.committed[p]:
            if rules is None:
                return None
            deferred.append(int(p))  # perhaps its requirement comes later in the order
    if rules is not None:
        for p in [*deferred, *order[~index.committed[order]]]:
            if rules.started[p] < 0 and not _place(index, state, rules, x_lp, x, int(p), spend,
                                                   opex) and index.committed[p]:
                return None
    values = np.zeros(layout.n_cols)
    values[:n_start] = x
    values[layout.transfer0: layout.cofinancing0] = state.tau.reshape(-1)
    values[layout.cofinancing0: layout.shortfall0] = (state.spend - state.tau).reshape(-1)
    return values


def _place(index: IndexSets, state: MoneyState, rules: StructureState | None,
           x_lp: FloatArray, x: FloatArray, p: int, spend: FloatArray, opex: FloatArray) -> bool:
    """Start ``p`` in its best start year that fits the money and the structure rules."""
    first, count = index.project_first_start[p], index.project_start_count[p]
    if count == 0:
        return False
    r = index.project_region[p]
    for j in first + np.argsort(-x_lp[first: first + count], kind="stable"):
        if rules is not None and not rules.allows(p, int(index.start_year[j])):
            continue
        if state.try_add(r, spend[j], opex[j]):
            x[j] = 1.0
            if rules is not None:
                rules.add(p, int(index.start_year[j]))
            return True
    return False


def _fixed_submip(form: Formulation, options: HighsOptions, fixed: np.ndarray,
                  values: FloatArray, start: FloatArray | None = None,
                  cut_pool: int | None = None, target: float | None = None
                  ) -> FloatArray | None:
    """The full model with the start columns of ``fixed`` held at ``values``; its plan or None.

    HiGHS's presolve removes the fixed columns, so the sub-MIP is as small as what is left free.
    It is solved in cumulative start columns (``optimizer.solving.cumulative``).
    ``start``: a plan inside the neighbourhood, handed over as the incumbent. ``cut_pool``:
    HiGHS's ``mip_pool_soft_limit`` (default 10,000 cuts), see ``crossover``. ``target``: an
    objective that closes the whole model's gap (``claims.gap_target``): the search stops at
    the first plan reaching it, else goes on to ``NEIGHBOURHOOD_GAP`` or its time limit;
    without it, at ``options.mip_rel_gap`` of the neighbourhood's own bound.
    """
    lower, upper = form.columns.lower.copy(), form.columns.upper.copy()
    columns = np.flatnonzero(fixed)
    lower[columns] = upper[columns] = np.round(values[:form.layout.n_start][fixed])
    model = cumulative_form(form, lower, upper)
    if target is not None:
        options = replace(options, mip_rel_gap=NEIGHBOURHOOD_GAP)
    h = highs_for(model.to_highs_lp(), options)
    if cut_pool is not None:
        h.setOptionValue("mip_pool_soft_limit", cut_pool)
    if target is not None:
        h.setOptionValue("objective_target", float(target))
    found = run_checked(h, start=None if start is None else model.start(start),
                        deadline=options.time_limit, mip_rel_gap=options.mip_rel_gap
                        ).outcome.values
    return model.plan(found) if found is not None else start


def _integral(form: Formulation, values: FloatArray) -> np.ndarray:
    """Start columns that are integer and take an integral value in ``values``."""
    x = values[:form.layout.n_start]
    return (np.abs(x - np.round(x)) <= 1e-6) & form.columns.integer[:form.layout.n_start]


@progress.stage("heuristic", bounds=False)  # a neighbourhood's bound is not the model's
def rens(form: Formulation, options: HighsOptions, lp_values: FloatArray) -> FloatArray | None:
    """Solve the sub-MIP with every integral LP start fixed (RENS); its plan or None.

    On the national model the LP leaves ~800 of 58,000 start columns fractional, so the
    sub-MIP is small; it lands about 1.5% above the LP bound where rounding lands 3.4% above.
    """
    return _fixed_submip(form, options, _integral(form, lp_values), lp_values)


@progress.stage("heuristic", bounds=False)  # a neighbourhood's bound is not the model's
def crossover(form: Formulation, options: HighsOptions, anchor: FloatArray,
              region_values: FloatArray, start: FloatArray | None = None,
              cut_pool: int | None = None, settled: np.ndarray | None = None,
              target: float | None = None) -> FloatArray | None:
    """Solve the sub-MIP with every start fixed where ``anchor`` and the region plans agree.

    The region plans (``optimizer.solving.decompose``) come from each region's own MIP with the
    envelope priced: they shift the timing of a few dozen projects per region and swap a few,
    which the LP's neighbourhood (RENS) cannot do, but together they overspend some years'
    envelopes by about 1%. Where both agree the start is kept; the ~2,000 starts where they
    differ (or the LP is fractional) are decided again under the real envelope. On the
    generated 7,000-settlement model, with region plans solved to optimality, this lands 0.4%
    above the Lagrangian bound where RENS lands 1.6% above it. The anchor is the LP solution,
    then (a second, smaller neighbourhood) the plan found, passed again as ``start``.

    ``cut_pool``: a smaller cut pool than HiGHS's 10,000 ends its root's separation rounds
    sooner, and with them the wait for its root heuristics, where the plans come from (a 10%
    raised envelope, ~6,000 starts free: 0.07% above the optimum in 9 s at 500 cuts, 0.2-1.3%
    at the default, docs/performance.md).

    ``settled``: per column, whether its region plan is final (its region's MIP finished). A
    fractional anchor start there agrees where it rounds to the region plan's value. With 27,000
    projects the LP leaves ~1,000 integer starts fractional that the region plans have decided;
    freeing them too made the sub-MIP too large to find a plan near the region plans in its
    time (seed 4, every region finished: 33,138 against 23,931 in 12 s, the region plans
    stitched 23,780). A region plan cut short by its time is no better a guide than the LP
    there, so those starts stay free. The solve does not use it: its whole-solve benchmark
    was worse (docs/performance.md, issue 23); ``benchmarks/bench_regions.py`` measures it.

    ``target``: the objective that closes the whole model's gap (``_fixed_submip``).
    """
    return _fixed_submip(form, options, agreeing(form, anchor, region_values, settled), anchor,
                         start, cut_pool, target)


def agreeing(form: Formulation, anchor: FloatArray, region_values: FloatArray,
             settled: np.ndarray | None = None) -> np.ndarray:
    """The start columns ``crossover`` fixes: integral in both, the same value (see there)."""
    n = form.layout.n_start
    decided = _integral(form, anchor) | (False if settled is None else settled[:n])
    return (_integral(form, region_values) & decided
            & (np.round(anchor[:n]) == np.round(region_values[:n])))


@progress.stage("heuristic", bounds=False)  # a neighbourhood's bound is not the model's
def regions_freed(form: Formulation, options: HighsOptions, plan: FloatArray,
                  free: np.ndarray, cut_pool: int | None = None,
                  target: float | None = None) -> FloatArray | None:
    """The sub-MIP with every start fixed at ``plan`` but those of ``free`` (per column).

    The neighbourhood of a few whole regions (``recombine.by_slack``): their projects are
    decided again under what the other regions leave of the envelope. ``plan`` is its
    incumbent; ``cut_pool`` and ``target`` as for ``crossover``.
    """
    n = form.layout.n_start
    fixed = form.columns.integer[:n] & ~free[:n]
    return _fixed_submip(form, options, fixed, plan, plan, cut_pool, target)
