"""An independent evaluator of the v1 allocation model, for tests only.

It reads an instance folder with pandas and yaml directly and imports nothing from ``models``
or ``optimizer``, so a wrong formulation in the engine cannot also be wrong here in the same way.
Given the start year of every started project, the funding split with the least transfer is
``loc = min(spend, F - opex)``, ``tau = spend - loc``; the plan is feasible when that split
meets co-financing, the concentration cap and the envelope (see
``/work/shared/design/formulation.md``).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

TOL = 1e-7
"""Slack allowed on every money constraint, million KZT."""
MAX_PLANS = 200_000
"""Largest number of start combinations ``brute_force`` agrees to enumerate."""


@dataclass
class Project:
    """One project as the evaluator needs it."""

    pid: str
    region: str
    capex: float
    opex: float
    duration: int
    first: int
    last: int
    status: str
    divisible: bool
    effects: list[tuple[str, str, float]] = field(default_factory=list)
    """(settlement, standard, level) rows."""


@dataclass
class Data:
    """The instance, reshaped once so that scoring a plan is cheap."""

    years: list[int]
    envelope: dict[int, float]
    carryover: bool
    alpha: dict[str, float]
    sigma: dict[str, float]
    fiscal: dict[tuple[str, int], float]
    projects: dict[str, Project]
    pairs: dict[tuple[str, str], tuple[float, float, float]]
    """Applicable pair -> (population, baseline c0, category weight)."""
    group_of: dict[tuple[str, str], tuple[str, str, str]]
    """Applicable pair -> (region, category, area)."""
    targets: dict[tuple[str, int], float]
    access_weight: float
    cost_weight: float


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == ""


def _num(value: Any, default: float) -> float:
    return default if _blank(value) else float(value)


def _flag(value: Any) -> bool:
    return not _blank(value) and str(value).strip().lower() in {"true", "1", "yes"}


def load(folder: str | Path) -> Data:
    """Read ``instance.yaml`` and the seven CSV files of an instance folder."""
    path = Path(folder)
    settings = yaml.safe_load((path / "instance.yaml").read_text(encoding="utf-8"))

    def table(name: str) -> pd.DataFrame:
        return pd.read_csv(path / f"{name}.csv", dtype=str, keep_default_na=False)

    years = [int(y) for y in settings["years"]]
    budget = settings["budget"]
    objective = settings.get("objective") or {}
    weights = {str(g): float(w) for g, w in (objective.get("category_weights") or {}).items()}
    regions, region_years = table("regions"), table("region_years")
    settlements, standards, coverage = table("settlements"), table("standards"), table("coverage")
    alpha = {r.region_id: float(r.cofinancing_rate) for r in regions.itertuples()}
    sigma = {r.region_id: _num(getattr(r, "max_envelope_share", ""), 1.0)
             for r in regions.itertuples()}
    fiscal = {(r.region_id, int(float(r.year))): float(r.fiscal_space)
              for r in region_years.itertuples()}
    base = {(c.settlement_id, c.standard_id): float(c.level) for c in coverage.itertuples()}
    pairs: dict[tuple[str, str], tuple[float, float, float]] = {}
    group_of: dict[tuple[str, str], tuple[str, str, str]] = {}
    for s in settlements.itertuples():
        pop = float(s.population)
        for k in standards.itertuples():
            types = {t.strip() for t in str(k.applies_to).split(";")}
            min_pop = _num(getattr(k, "min_population", ""), 0.0)
            if ("all" in types or s.type in types) and pop >= min_pop:
                pair = (s.settlement_id, k.standard_id)
                pairs[pair] = (pop, base.get(pair, 0.0), weights.get(k.category, 1.0))
                group_of[pair] = (s.region_id, k.category, s.area)
    region_of = dict(zip(settlements.settlement_id, settlements.region_id, strict=True))
    projects: dict[str, Project] = {}
    for p in table("projects").itertuples():
        first = max(years[0], int(_num(getattr(p, "earliest_start", ""), years[0])))
        last = min(years[-1], int(_num(getattr(p, "latest_start", ""), years[-1])))
        status = getattr(p, "status", "") or "candidate"
        projects[p.project_id] = Project(
            p.project_id, region_of[p.settlement_id], float(p.capex), float(p.opex),
            int(float(p.duration)), first, last, status, _flag(getattr(p, "divisible", "")))
    for e in table("project_effects").itertuples():
        projects[e.project_id].effects.append((e.settlement_id, e.standard_id, float(e.level)))
    targets = {(str(a), int(t)): float(v)
               for a, by_year in (settings.get("targets") or {}).items()
               for t, v in by_year.items()}
    return Data(
        years, {int(t): float(b) for t, b in budget["envelope"].items()},
        bool(budget.get("carryover", False)), alpha, sigma, fiscal, projects, pairs, group_of,
        targets, float(objective.get("access_weight", 0.01)),
        float(objective.get("cost_weight", 0.0)))


def score(data: Data, starts: dict[str, int], shares: dict[str, float] | None = None
          ) -> float | None:
    """The objective of a plan, or ``None`` when the plan breaks a constraint.

    ``starts`` maps each started project to its start year; ``shares`` gives the funded share
    of a divisible project (default 1).
    """
    shares = shares or {}
    years = data.years
    for pid, p in data.projects.items():
        if pid in starts:
            if p.status == "excluded" or not p.first <= starts[pid] <= p.last:
                return None
        elif p.status == "committed":
            return None
    spend: dict[tuple[str, int], float] = defaultdict(float)
    opex: dict[tuple[str, int], float] = defaultdict(float)
    gain: dict[tuple[str, str, int], float] = defaultdict(float)
    for pid, start in starts.items():
        p, x = data.projects[pid], shares.get(pid, 1.0)
        done = start + p.duration - 1
        for t in years:
            if start <= t <= done:
                spend[p.region, t] += x * p.capex / p.duration
            if t > done:
                opex[p.region, t] += x * p.opex
        for s, k, level in p.effects:
            if (s, k) in data.pairs:
                lift = x * max(0.0, level - data.pairs[s, k][1])
                for t in years:
                    if t >= done:
                        gain[s, k, t] += lift
    total_tau = 0.0
    cum_tau = cum_env = 0.0
    for t in years:
        year_tau = 0.0
        for r, a in data.alpha.items():
            room = data.fiscal[r, t] - opex[r, t]
            loc = min(spend[r, t], room)
            if loc < -TOL or loc < a * spend[r, t] - TOL:
                return None
            tau = spend[r, t] - loc
            if tau > data.sigma[r] * data.envelope[t] + TOL:
                return None
            year_tau += tau
        cum_tau, cum_env = cum_tau + year_tau, cum_env + data.envelope[t]
        if data.carryover and cum_tau > cum_env + TOL:
            return None
        if not data.carryover and year_tau > data.envelope[t] + TOL:
            return None
        total_tau += year_tau
    access = 0.0
    den: dict[tuple[str, str, str], float] = defaultdict(float)
    num: dict[tuple[str, str, str, int], float] = defaultdict(float)
    weight: dict[tuple[str, str, str], float] = {}
    for (s, k), (pop, c0, w) in data.pairs.items():
        group = data.group_of[s, k]
        den[group] += pop
        weight[group] = w
        for t in years:
            level = min(1.0, c0 + gain[s, k, t])
            access += w * pop * level
            num[(*group, t)] += pop * level
    short = 0.0
    for (r, g, a), d in den.items():
        for t in years:
            if d > 0 and (a, t) in data.targets:
                short += weight[r, g, a] * max(0.0, data.targets[a, t] * d - num[r, g, a, t])
    return short - data.access_weight * access / len(years) + data.cost_weight * total_tau


def evaluate(folder: str | Path, starts: dict[str, int],
             shares: dict[str, float] | None = None) -> float | None:
    """The objective of the plan ``starts`` on the instance in ``folder`` (None: infeasible)."""
    return score(load(folder), starts, shares)


def plans(data: Data) -> list[tuple[float, dict[str, int]]]:
    """Every feasible plan of a non-divisible instance with its objective, best first."""
    assert not any(p.divisible for p in data.projects.values()), "divisible projects"
    live = [p for p in data.projects.values() if p.status != "excluded"]
    options = [([] if p.status == "committed" else [None]) + list(range(p.first, p.last + 1))
               for p in live]
    assert math.prod(len(o) for o in options) <= MAX_PLANS, "too many plans to enumerate"
    found: list[tuple[float, dict[str, int]]] = []
    for combo in itertools.product(*options):
        starts = {p.pid: t for p, t in zip(live, combo, strict=True) if t is not None}
        value = score(data, starts)
        if value is not None:
            found.append((value, starts))
    found.sort(key=lambda item: item[0])
    return found


def brute_force(folder: str | Path) -> tuple[float | None, dict[str, int] | None]:
    """The best objective and starts over every start combination; ``(None, None)`` if none."""
    found = plans(load(folder))
    return found[0] if found else (None, None)
