"""The fiscal rules of docs/formulation.md section 11 in Pyomo, one named constraint per family.

``fiscal_variables`` declares the pool shares ``equalization`` and the elastic floors'
``floor_slack`` (before the v1 families: fiscal space reads ``eq``); ``fiscal_rules`` states
the six families and returns the rules' objective terms. A rule that is off has an empty index
set, or its family skips every row: no row, no column and no cost.

Where the array build rearranges a rule, the reference states the contract: the per-capita
floor as revenue against the national average for every region-year with revenue data (the
array build keeps only rows asking for a positive ``eq``), the dependency cap as the ratio of
transfers to revenue (the array build solves it for ``tau``), the floors on ``y`` for every
improved pair and their slack in persons (the array build substitutes linear pairs and counts
thousands), and the deviation from an approved plan as ``1 - x`` per approved start.
"""

from __future__ import annotations

from collections.abc import Callable

import pyomo.environ as pyo

from optimizer.pyomo_ref.aliases import Expr, Rule
from optimizer.pyomo_ref.data import ModelData

Served = Callable[[str, str, int], Expr]
"""``served(s, k, t)``: ``y[s,k,t]`` for an improved pair, else ``c0[s,k]``."""


def fiscal_variables(m: pyo.ConcreteModel, d: ModelData) -> None:
    """``eq[r,t] >= 0`` when the pool is on, ``slack[f,r] >= 0`` per elastic floor and region."""
    rules = d.rules
    m.pool_years = pyo.Set(initialize=list(rules.pool), dimen=1, ordered=True,
                           doc="years of the equalization pool (empty: the pool is off)")
    m.equalization = pyo.Var(m.R, m.pool_years, domain=pyo.NonNegativeReals,
                             doc="eq[r,t]: the region's share of the pool, million KZT")
    m.floors = pyo.Set(initialize=list(rules.floors), dimen=2, ordered=True,
                       doc="(f, r): critical floor f in region r (regions with DEN > 0)")
    m.elastic_floors = pyo.Set(initialize=[key for key, f in rules.floors.items()
                                           if f.penalty is not None],
                               dimen=2, ordered=True, doc="(f, r): floors with a penalty")
    m.floor_slack = pyo.Var(m.elastic_floors, domain=pyo.NonNegativeReals,
                            doc="slack[f,r]: persons short of an elastic floor")


def fiscal_rules(m: pyo.ConcreteModel, d: ModelData, served: Served,
                 revenue: Callable[[str, int], Expr]) -> Expr:
    """The families of section 11; returns the floors' penalties plus the deviation cost.

    ``revenue(r, t)``: the own revenue growth projects add (section 14), in the dependency cap.
    """
    rules = d.rules
    tau, eq, x = m.region_transfer, m.equalization, m.project_start
    m.revenue_years = pyo.Set(
        dimen=2, ordered=True, doc="(r, t) with own revenue and general transfer data",
        initialize=[(r, t) for r in d.regions for t in d.years
                    if (r, t) in rules.own and (r, t) in rules.general])
    m.capped = pyo.Set(initialize=list(rules.dep_cap), dimen=2, ordered=True,
                       doc="(r, t) with a dependency cap (the region's own, else the year's)")
    m.later_years = pyo.Set(initialize=[(r, t) for r in d.regions for t in d.years[1:]],
                            dimen=2, ordered=True, doc="(r, t) for every year after the first")

    @m.Constraint(m.pool_years, doc="sum_r eq[r,t] = pool[t]")
    def equalization_pool(m: pyo.ConcreteModel, t: int) -> Rule:
        return pyo.quicksum(eq[r, t] for r in d.regions) == rules.pool[t]

    @m.Constraint(m.revenue_years, doc="eq[r,t] + own[r,t] + general[r,t] >= theta * avg[t] * "
                  "pop_r, avg[t] = (sum_r own + sum_r general + pool[t]) / sum_r pop_r")
    def equalization_floor(m: pyo.ConcreteModel, r: str, t: int) -> Rule:
        if not rules.equalization:
            return pyo.Constraint.Skip
        revenue = rules.own[r, t] + rules.general[r, t]
        return eq[r, t] + revenue >= rules.theta * rules.average(t) * rules.region_pop[r]

    @m.Constraint(m.capped, doc="general[r,t] + tau[r,t] <= delta_max[r,t] * (own[r,t] + "
                  "V[r,t] + general[r,t] + tau[r,t]); where general alone is above it, "
                  "(1 - delta) tau[r,t] <= delta V[r,t] (V: revenue added, section 14)")
    def dependency_cap(m: pyo.ConcreteModel, r: str, t: int) -> Rule:
        own, general, delta = rules.own[r, t], rules.general[r, t], rules.dep_cap[r, t]
        added = revenue(r, t)
        if general > delta * (own + general):  # fixed by law above the cap: no transfer
            return (1 - delta) * tau[r, t] - delta * added <= 0  # unless revenue is added
        return general + tau[r, t] <= delta * (own + added + general + tau[r, t])

    @m.Constraint(m.floors, doc="sum_{(s,k_f) in A_f,r} pop_s * y[s,k_f,Y_f] + slack[f,r] >= "
                  "level_f * DEN_f[r]; slack only for an elastic floor")
    def critical_floor(m: pyo.ConcreteModel, f: str, r: str) -> Rule:
        floor = rules.floors[f, r]
        persons = pyo.quicksum(d.pop[s] * served(s, k, floor.year) for s, k in floor.pairs)
        if (f, r) in m.floor_slack:
            persons += m.floor_slack[f, r]
        need = floor.level * floor.den
        if isinstance(persons, int | float):  # no project improves it: holds or cannot
            return pyo.Constraint.Feasible if persons >= need else pyo.Constraint.Infeasible
        return persons >= need

    @m.Constraint(m.later_years, doc="tau[r,t] >= (1 - d) * tau[r,t-1] - a")
    def hold_harmless(m: pyo.ConcreteModel, r: str, t: int) -> Rule:
        if rules.max_decrease is None:
            return pyo.Constraint.Skip
        return tau[r, t] - (1 - rules.max_decrease) * tau[r, t - 1] >= -rules.allowance

    @m.Constraint(m.later_years, doc="tau[r,t] <= (1 + u) * tau[r,t-1] + a")
    def transfer_growth(m: pyo.ConcreteModel, r: str, t: int) -> Rule:
        if rules.max_increase is None:
            return pyo.Constraint.Skip
        return tau[r, t] - (1 + rules.max_increase) * tau[r, t - 1] <= rules.allowance

    penalties = pyo.quicksum(rules.floors[key].penalty * m.floor_slack[key]
                             for key in m.elastic_floors)
    deviation = rules.baseline_penalty * pyo.quicksum(1 - x[p, b]
                                                      for p, b in rules.approved.items())
    return penalties + deviation
