"""The project structure of docs/formulation.md section 12 in Pyomo: groups and prerequisites.

Stated the textbook way: one ``alternatives`` row per non-empty group (the array build skips a
group with a single project that can start, which ``one_start`` already bounds), and one
``prerequisite`` row per requirement and planning year (the array build keeps only the start
years of the project that requires, from which the other years follow). Spend profiles are in
``model.py``'s ``spend``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.pyomo_ref.aliases import Rule
from optimizer.pyomo_ref.data import ModelData


def structure_rules(m: pyo.ConcreteModel, d: ModelData) -> None:
    """``alternatives[g]`` and ``prerequisite[p,q,t]``; no rows without groups or requirements."""
    x = m.project_start
    m.groups = pyo.Set(initialize=list(d.group_members), ordered=True,
                       doc="non-empty values of projects.group")
    m.requirement_years = pyo.Set(
        dimen=3, ordered=True, doc="(p, q, t): p requires q, t a planning year",
        initialize=[(p, q, t) for p, q in d.requires for t in d.years])

    @m.Constraint(m.groups, doc="sum_{p in G} sum_t x[p,t] <= 1: at most one of the group")
    def alternatives(m: pyo.ConcreteModel, g: str) -> Rule:
        members = [(p, t) for p in d.group_members[g] for t in d.starts[p]]
        if not members:
            return pyo.Constraint.Skip
        return pyo.quicksum(x[p, t] for p, t in members) <= 1

    @m.Constraint(m.requirement_years,
                  doc="sum_{t'<=t} x[p,t'] <= sum_{t'<=t} x[q,t']: p only once q has started")
    def prerequisite(m: pyo.ConcreteModel, p: str, q: str, t: int) -> Rule:
        mine = [s for s in d.starts[p] if s <= t]
        if not mine:
            return pyo.Constraint.Skip
        theirs = [s for s in d.starts.get(q, []) if s <= t]  # an excluded q has no starts
        return (pyo.quicksum(x[p, s] for s in mine)
                - pyo.quicksum(x[q, s] for s in theirs) <= 0)
