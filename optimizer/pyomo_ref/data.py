"""The sets and parameters of docs/formulation.md, read straight from the instance tables.

Plain dicts keyed by instance ids, so that the Pyomo model reads like the page. Nothing here
comes from ``optimizer.formulation.index``: the reference must stay an independent formulation,
which is what makes the cross-check between the two backends worth running.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.checks import applicable_mask
from models.designations import designation_multiplier
from models.instance import Instance
from optimizer.pyomo_ref.fiscal_data import RuleData, rule_data

Pair = tuple[str, str]
"""A settlement and a standard, ``(s, k)``."""
Group = tuple[str, str, str, float]
"""A region, a category, an area and a designation weight, ``(r, g, a, m)``."""


@dataclass(frozen=True)
class ModelData:
    """Everything the model reads; money in million KZT, population in persons."""

    years: list[int]
    """``T``: planning years."""
    regions: list[str]
    alpha: dict[str, float]
    """Minimum co-financing share of each region."""
    sigma: dict[str, float]
    """Largest share of the envelope a region may receive."""
    fiscal: dict[tuple[str, int], float]
    """``F[r,t]``: local fiscal space per region and year."""
    envelope: dict[int, float]
    """``B_t``: envelope per year."""
    carryover: bool
    pairs: list[Pair]
    """``A``: applicable pairs."""
    c0: dict[Pair, float]
    """Baseline provision of every applicable pair (0 without a coverage row)."""
    pop: dict[str, float]
    category: dict[str, str]
    """``g(k)`` of every standard."""
    weight: dict[str, float]
    """``W_g`` of every category."""
    projects: list[str]
    """``P*``: projects that are not excluded."""
    region_of: dict[str, str]
    """Host region of every project."""
    capex: dict[str, float]
    opex: dict[str, float]
    grp: dict[str, float]
    """``G_p``: regional output added per year once operating (section 14)."""
    revenue: dict[str, float]
    """``V_p``: own revenue added per year once operating; it adds to fiscal space."""
    duration: dict[str, int]
    committed: set[str]
    divisible: set[str]
    starts: dict[str, list[int]]
    """Start years of every project in ``P*``."""
    gain: dict[Pair, dict[str, float]]
    """``max(0, e[p,s,k] - c0[s,k]) > 0`` per improved pair and project; its keys are ``A+``."""
    groups: dict[Group, list[Pair]]
    """Applicable pairs of every shortfall group."""
    den: dict[Group, float]
    target: dict[tuple[str, int], float]
    """``target[a,t]`` (only years that have one)."""
    access_weight: float
    cost_weight: float
    growth_weight: float
    rules: RuleData = field(default_factory=RuleData)
    """The fiscal rules of section 11 (``fiscal_data.py``); by default every rule is off."""
    spend_share: dict[str, dict[int, float]] = field(default_factory=dict)
    """``s[p,k]``: share of capex spent in construction year ``k`` (1 = the start year) of
    every project with a spend profile; a year without a value spends nothing (section 12)."""
    group_members: dict[str, list[str]] = field(default_factory=dict)
    """Projects of ``P*`` in each non-empty ``projects.group``."""
    requires: list[tuple[str, str]] = field(default_factory=list)
    """``(p, q)``: project ``p`` of ``P*`` may start only once ``q`` has started."""
    growth_floor: float | None = None
    """Output added over the horizon at least this, million KZT (section 15); none: no row."""


def start_years(first: int, last: int, duration: int, keeps_late: bool, horizon: list[int],
                late_starts: bool) -> list[int]:
    """The start window ``[max(E,t0), min(L,tN)]``; for a candidate also ``t + D - 1 <= tN``.

    ``keeps_late``: a committed project, or one another project requires, keeps every start
    of its window. ``late_starts`` keeps a candidate's starts that complete after the horizon,
    to check the claim of docs/formulation.md ("start years that cannot count") that dropping
    them keeps every optimum.
    """
    t0, tn = horizon[0], horizon[-1]
    last = min(last, tn)
    if not keeps_late and not late_starts:
        last = min(last, tn - duration + 1)
    return list(range(max(first, t0), last + 1))


def model_data(instance: Instance, late_starts: bool = False) -> ModelData:
    """Read the model's data from a validated instance."""
    s = instance.settings
    years = list(s.years)
    regions, settlements = instance.regions, instance.settlements
    standards, projects = instance.standards, instance.projects
    settlement_ids = settlements["settlement_id"].tolist()
    standard_ids = standards["standard_id"].tolist()
    si, ki = np.nonzero(applicable_mask(settlements, standards))
    pairs = [(settlement_ids[i], standard_ids[j]) for i, j in zip(si, ki, strict=True)]
    c0 = dict.fromkeys(pairs, 0.0)
    cov = instance.coverage
    for sid, kid, level in zip(cov["settlement_id"], cov["standard_id"], cov["level"],
                               strict=True):
        if (sid, kid) in c0:  # coverage on a pair where the standard does not apply is ignored
            c0[sid, kid] = float(level)
    region_of_settlement = dict(zip(settlement_ids, settlements["region_id"], strict=True))
    area = dict(zip(settlement_ids, settlements["area"], strict=True))
    pop = dict(zip(settlement_ids, settlements["population"].astype(float), strict=True))
    category = dict(zip(standard_ids, standards["category"], strict=True))
    weights = s.objective.category_weights
    weight = {g: float(weights.get(g, 1.0)) for g in set(category.values())}

    active = projects[projects["status"] != "excluded"]
    ids = active["project_id"].tolist()
    duration = dict(zip(ids, active["duration"].astype(int), strict=True))
    committed = set(active.loc[active["status"] == "committed", "project_id"])
    first = active["earliest_start"].fillna(years[0]).astype(int)
    last = active["latest_start"].fillna(years[-1]).astype(int)
    required = set(instance.project_requires["requires"])
    keeps_late = committed | required
    starts = {p: start_years(e, ls, duration[p], p in keeps_late, years, late_starts)
              for p, e, ls in zip(ids, first, last, strict=True)}
    on_time = starts if not late_starts else {  # the starts an approved plan can keep
        p: start_years(e, ls, duration[p], p in keeps_late, years, False)
        for p, e, ls in zip(ids, first, last, strict=True)}
    spend_share: dict[str, dict[int, float]] = {}
    for pid, k, part in zip(instance.project_spend["project_id"],
                            instance.project_spend["construction_year"],
                            instance.project_spend["share"], strict=True):
        spend_share.setdefault(pid, {})[int(k)] = float(part)
    group_members: dict[str, list[str]] = {}
    for pid, name in zip(active["project_id"], active["group"].astype(str), strict=True):
        if name:
            group_members.setdefault(name, []).append(pid)

    gain: dict[Pair, dict[str, float]] = {}
    fx = instance.project_effects
    for p, sid, kid, level in zip(fx["project_id"], fx["settlement_id"], fx["standard_id"],
                                  fx["level"], strict=True):
        g = float(level) - c0[sid, kid]  # validation: every effect is on an applicable pair
        if p in duration and g > 0:
            gain.setdefault((sid, kid), {})[p] = g

    m = dict(zip(settlement_ids, designation_multiplier(
        settlements, s.objective.designation_weights).tolist(), strict=True))
    groups: dict[Group, list[Pair]] = {}
    for sid, kid in pairs:
        groups.setdefault((region_of_settlement[sid], category[kid], area[sid], m[sid]),
                          []).append((sid, kid))
    den = {q: sum(pop[sid] for sid, _ in members) for q, members in groups.items()}
    return ModelData(
        years=years,
        regions=regions["region_id"].tolist(),
        alpha=dict(zip(regions["region_id"], regions["cofinancing_rate"].astype(float),
                       strict=True)),
        sigma=dict(zip(regions["region_id"], regions["max_envelope_share"].astype(float),
                       strict=True)),
        fiscal={(r, int(t)): float(f) for r, t, f in zip(
            instance.region_years["region_id"], instance.region_years["year"],
            instance.region_years["fiscal_space"], strict=True)},
        envelope={t: float(s.budget.envelope[t]) for t in years},
        carryover=s.budget.carryover,
        pairs=pairs, c0=c0, pop=pop, category=category, weight=weight,
        projects=ids,
        region_of={p: region_of_settlement[h] for p, h in zip(ids, active["settlement_id"],
                                                               strict=True)},
        capex=dict(zip(ids, active["capex"].astype(float), strict=True)),
        opex=dict(zip(ids, active["opex"].astype(float), strict=True)),
        grp=dict(zip(ids, active["grp_effect"].astype(float), strict=True)),
        revenue=dict(zip(ids, active["revenue_effect"].astype(float), strict=True)),
        duration=duration, committed=committed,
        divisible=set(active.loc[active["divisible"].astype(bool), "project_id"]),
        starts=starts, gain=gain, groups=groups, den=den,
        target={(a, int(t)): float(v) for a, by_year in s.targets.items()
                for t, v in by_year.items()},
        access_weight=s.objective.access_weight,
        cost_weight=s.objective.cost_weight,
        growth_weight=s.objective.growth_weight,
        growth_floor=s.objective.growth_floor,
        rules=rule_data(instance, pairs, pop, on_time),
        spend_share={p: by_year for p, by_year in spend_share.items() if p in duration},
        group_members=group_members,
        requires=[(p, q) for p, q in zip(instance.project_requires["project_id"],
                                         instance.project_requires["requires"], strict=True)
                  if p in duration],
    )
