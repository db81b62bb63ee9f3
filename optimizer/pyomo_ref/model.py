"""The model of docs/formulation.md in Pyomo, written the plain textbook way.

One named constraint per family, its inequality as its ``doc`` (each rule keeps the variables
on the left, so that the exported LP reads the same way). Unlike the array build it keeps
a ``provision`` variable for every improved pair, states co-financing as ``loc >= alpha * spend``
and concentration as a constraint, and counts shortfall in persons. The fiscal rules of section
11 are in ``fiscal.py``. It must reach the same optimum: that is what the cross-checks in
tests/test_backends.py and tests/test_pyomo_fiscal.py assert.
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.pyomo_ref.aliases import Expr, Rule
from optimizer.pyomo_ref.data import ModelData
from optimizer.pyomo_ref.fiscal import fiscal_rules, fiscal_variables
from optimizer.pyomo_ref.structure import structure_rules


def build_model(d: ModelData) -> pyo.ConcreteModel:
    """The ConcreteModel: sets, variables, derived expressions, the families, objective.

    The eight families of the v1 model, then the fiscal rules' (``fiscal.py``), whose rows and
    columns are empty when their rule is off, then the project structure (``structure.py``).
    """
    m = pyo.ConcreteModel(name="srsopt v1")
    m.T = pyo.Set(initialize=d.years, ordered=True, doc="planning years")
    m.R = pyo.Set(initialize=d.regions, ordered=True, doc="regions")
    m.P = pyo.Set(initialize=d.projects, ordered=True, doc="projects that are not excluded")
    m.starts = pyo.Set(dimen=2, ordered=True, doc="(p, t): start years of project p",
                       initialize=[(p, t) for p in d.projects for t in d.starts[p]])
    m.improved = pyo.Set(dimen=2, ordered=True, initialize=list(d.gain),
                         doc="A+: applicable pairs (s, k) that some project improves")
    m.Q = pyo.Set(dimen=5, ordered=True,
                  doc="(r, g, a, m, t): shortfall groups (m: designation weight), target years",
                  initialize=[(*q, t) for q in d.groups if d.den[q] > 0 for t in d.years
                              if (q[2], t) in d.target])

    m.project_start = pyo.Var(
        m.starts, bounds=(0, 1), doc="x[p,t]: project p starts in year t (share if divisible)",
        domain=lambda m, p, t: pyo.UnitInterval if p in d.divisible else pyo.Binary)
    m.provision = pyo.Var(m.improved, m.T, bounds=(0, 1),
                          doc="y[s,k,t]: share of residents served at the end of year t")
    m.region_transfer = pyo.Var(m.R, m.T, domain=pyo.NonNegativeReals,
                                doc="tau[r,t]: targeted transfer, million KZT")
    m.region_cofinancing = pyo.Var(m.R, m.T, domain=pyo.NonNegativeReals,
                                   doc="loc[r,t]: the region's co-financing, million KZT")
    m.shortfall = pyo.Var(m.Q, domain=pyo.NonNegativeReals,
                          doc="short[r,g,a,m,t]: persons below the target")
    fiscal_variables(m, d)  # eq[r,t] and the elastic floors' slack (section 11)
    x, y = m.project_start, m.provision
    tau, loc = m.region_transfer, m.region_cofinancing
    projects_in = {r: [p for p in d.projects if d.region_of[p] == r] for r in d.regions}

    # derived expressions (docs/formulation.md, section 3)
    def spend(p: str, t: int) -> Expr:
        """C_p * sum_{t' <= t <= t'+D_p-1} s[p,t-t'+1] * x[p,t']: capex by the spend profile.

        Without a profile ``s[p,k] = 1 / D_p``: spread evenly over construction.
        """
        if p in d.spend_share:
            return d.capex[p] * pyo.quicksum(
                d.spend_share[p].get(t - s + 1, 0.0) * x[p, s] for s in d.starts[p]
                if s <= t <= s + d.duration[p] - 1)
        return d.capex[p] / d.duration[p] * pyo.quicksum(
            x[p, s] for s in d.starts[p] if s <= t <= s + d.duration[p] - 1)

    def done(p: str, t: int) -> Expr:
        """sum_{t'+D_p-1 <= t} x[p,t']: complete at the end of year t."""
        return pyo.quicksum(x[p, s] for s in d.starts[p] if s + d.duration[p] - 1 <= t)

    def oper(p: str, t: int) -> Expr:
        """sum_{t'+D_p <= t} x[p,t']: opex paid from the year after completion."""
        return pyo.quicksum(x[p, s] for s in d.starts[p] if s + d.duration[p] <= t)

    def region_spend(r: str, t: int) -> Expr:
        """spend[r,t] = sum_{p in P_r} spend[p,t]."""
        return pyo.quicksum(spend(p, t) for p in projects_in[r])

    def revenue(r: str, t: int) -> Expr:
        """sum_{p in P_r} V_p * oper[p,t]: own revenue added by growth projects (section 14)."""
        return pyo.quicksum(d.revenue[p] * oper(p, t) for p in projects_in[r])

    def served(s: str, k: str, t: int) -> Expr:
        """y[s,k,t] for an improved pair, else c0[s,k]: no project can change it."""
        return y[s, k, t] if (s, k) in d.gain else d.c0[s, k]

    @m.Constraint(m.P, doc="sum_t x[p,t] <= 1, and = 1 for committed projects")
    def one_start(m: pyo.ConcreteModel, p: str) -> Rule:
        if not d.starts[p]:  # a candidate that cannot complete in the horizon
            return pyo.Constraint.Skip
        total = pyo.quicksum(x[p, t] for t in d.starts[p])
        return total == 1 if p in d.committed else total <= 1

    @m.Constraint(m.improved, m.T,
                  doc="y[s,k,t] <= c0[s,k] + sum_p max(0, e[p,s,k] - c0[s,k]) * done[p,t]")
    def provision_limit(m: pyo.ConcreteModel, s: str, k: str, t: int) -> Rule:
        return y[s, k, t] <= d.c0[s, k] + pyo.quicksum(
            g * done(p, t) for p, g in d.gain[s, k].items())

    @m.Constraint(m.R, m.T, doc="tau[r,t] + loc[r,t] = spend[r,t]")
    def funding(m: pyo.ConcreteModel, r: str, t: int) -> Rule:
        return tau[r, t] + loc[r, t] == region_spend(r, t)

    @m.Constraint(m.R, m.T, doc="loc[r,t] >= alpha_r * spend[r,t]")
    def cofinancing(m: pyo.ConcreteModel, r: str, t: int) -> Rule:
        return loc[r, t] - d.alpha[r] * region_spend(r, t) >= 0

    @m.Constraint(m.R, m.T, doc="loc[r,t] + sum_{p in P_r} (O_p - V_p) * oper[p,t] - eq[r,t]"
                  " <= F[r,t] (V_p: revenue effect; eq only with the equalization pool)")
    def fiscal_space(m: pyo.ConcreteModel, r: str, t: int) -> Rule:
        used = loc[r, t] + pyo.quicksum(d.opex[p] * oper(p, t) for p in projects_in[r]) \
            - revenue(r, t)
        if (r, t) in m.equalization:  # the pool's share adds to the fiscal space
            return used - m.equalization[r, t] <= d.fiscal[r, t]
        return used <= d.fiscal[r, t]

    @m.Constraint(m.T, doc="sum_r tau[r,t] <= B_t; with carryover summed over t' <= t")
    def envelope(m: pyo.ConcreteModel, t: int) -> Rule:
        upto = [u for u in d.years if u <= t] if d.carryover else [t]
        return pyo.quicksum(tau[r, u] for r in d.regions for u in upto) <= sum(
            d.envelope[u] for u in upto)

    @m.Constraint(m.R, m.T, doc="tau[r,t] <= sigma_r * B_t")
    def concentration(m: pyo.ConcreteModel, r: str, t: int) -> Rule:
        return tau[r, t] <= d.sigma[r] * d.envelope[t]

    @m.Constraint(m.Q, doc="short[r,g,a,m,t] >= target[a,t] * DEN[r,g,a,m] - NUM[r,g,a,m,t]")
    def shortfall_floor(m: pyo.ConcreteModel, r: str, g: str, a: str, w: float, t: int
                        ) -> Rule:
        num = pyo.quicksum(d.pop[s] * served(s, k, t) for s, k in d.groups[r, g, a, w])
        return m.shortfall[r, g, a, w, t] + num >= d.target[a, t] * d.den[r, g, a, w]

    rule_terms = fiscal_rules(m, d, served, revenue)  # section 11: penalties, deviation cost
    structure_rules(m, d)  # section 12: alternatives and prerequisites

    short_term = pyo.quicksum(d.weight[g] * w * m.shortfall[r, g, a, w, t]
                              for r, g, a, w, t in m.Q)
    access = pyo.quicksum(d.weight[d.category[k]] * d.pop[s] * served(s, k, t)
                          for s, k in d.pairs for t in d.years) / len(d.years)
    money = pyo.quicksum(tau[r, t] for r in d.regions for t in d.years)
    growth = pyo.quicksum(d.grp[p] * oper(p, t) for p in d.projects for t in d.years)
    if d.growth_floor is not None:  # section 15: the epsilon-constraint row of srsopt pareto
        m.growth_floor = pyo.Constraint(expr=growth >= d.growth_floor,
                                        doc="sum_t sum_p G_p oper[p,t] >= level")
    m.objective = pyo.Objective(
        expr=(short_term - d.access_weight * access + d.cost_weight * money
              - d.growth_weight * growth + rule_terms),
        sense=pyo.minimize, doc="sum W_g m short - aw * sum_t sum_A W_g pop y / |T| + cw * sum tau"
                                " - gw * sum_t sum_p G_p oper[p,t]"
        " + sum_f pen_f * slack_f + pen_B * sum_{p in B} (1 - x[p,b_p])")
    return m
