"""Why a project is not (fully) funded: the ``reason`` and ``reason_detail`` columns.

Every project the plan does not fund in full gets one reason from the vocabulary below,
derived from the instance and from the LP around the plan (``optimizer.solving.why_prices``),
with the figure behind it in ``reason_detail``. docs/why.md explains each with a worked
example; the rule, in order:

1. ``excluded``: status ``excluded`` in the instance (``locked`` when a scenario forced it out,
   ``mark_locked``).
2. ``window``: it has no start year from which it completes within the horizon.
   ``alternative``: another project of its group (``projects.group``) takes the group's one
   start. ``requires``: a project it requires (``project_requires``) is not funded, or starts
   only after this project's last start year.
3. the regional limit it breaks even with nothing else funded (``optimizer.solving.why_alone``:
   ``envelope``, ``envelope_share``, ``dependency_cap``, ``cofinancing``, ``fiscal_space``).
4. ``unpriced``: the LP around the plan did not solve in its time (the detail says why).
5. ``no_need``: no start year would gain anything (its effects do not raise provision, or the
   settlements it serves meet their targets and are fully provided).
6. ``gap``: the LP around the plan funds it in full (an indivisible one in one start year): it
   fits beside the plan and is worth more than its money; the solve stopped (gap, time) before
   it was weighed against the rest.
7. otherwise the limit through which its money costs the most, at its best start year (the
   year of least reduced cost, the earliest on a tie): ``envelope``, ``envelope_share``,
   ``cofinancing``, ``fiscal_space``, ``dependency_cap``, ``hold_harmless``,
   ``transfer_growth`` (a tie goes to the first in this order); ``low_value`` when no limit
   has a price and only the cost weight of republican money outweighs its value.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.instance import Instance
from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.solving.why_alone import never_fits
from optimizer.solving.why_prices import FAMILIES, ON, Prices, plan_prices

FULL = 1e-9
"""A project funded within this of 1 is fully funded: it has no reason."""
WHY_SHARE = 0.05
WHY_SECONDS = 2.0
"""The LP around the plan may take this share of the solve's time limit, at least
``WHY_SECONDS`` (0.7 s on the national instance, docs/why.md)."""
_WHERE = {"envelope_share": "{region}'s {sigma:.0%} share of the {year} envelope is used up",
          "cofinancing": "{region} cannot co-finance more in {year}: its {alpha:.0%} "
                         "co-financing takes all its fiscal space",
          "fiscal_space": "{region}'s fiscal space is used up in {year}",
          "dependency_cap": "{region}'s transfer dependency cap binds in {year}",
          "hold_harmless": "{region}'s hold-harmless rule binds around {year}: a transfer "
                           "then commits the next year's",
          "transfer_growth": "{region}'s transfer may not grow faster in {year}"}
"""The regional limits' sentence, as ``reason_detail`` begins."""


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _fits(share: float, need: float) -> str:
    """How far the project is from paying: the share that fits, or the capex cut it needs."""
    if share > ON:
        return f"only {share:.0%} of it fits beside the plan"
    if need >= 1.0:
        return "its opex alone costs more than it gains"
    return f"needs {need:.0%} lower capex"


@dataclass(frozen=True)
class _Best:
    """Per project (position in the index): its best start and what its money costs there."""

    col: np.ndarray
    """Start column of least reduced cost (the earliest on a tie); -1 without starts."""
    rc: FloatArray
    value_max: FloatArray
    """Most any start column of the project gains."""
    share: FloatArray
    """Share of the project the LP around the plan funds (indivisible: in one start year)."""
    family: np.ndarray
    """Position in ``FAMILIES`` of the limit it costs most through (the first on a tie)."""
    family_cost: FloatArray
    year: np.ndarray
    """Year position where that limit costs it most."""
    scale: float
    """Objective units below which a value or cost counts as nothing."""


def _best(index: IndexSets, prices: Prices) -> _Best:
    """The best start of every project and the limit behind its price, vectorized."""
    n_p, j = len(index.project_ids), np.arange(len(index.start_project))
    rc = prices.money - prices.value
    order = np.lexsort((j, rc, index.start_project))
    project = index.start_project[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = project[1:] != project[:-1]
    col = np.full(n_p, -1)
    col[project[first]] = order[first]
    value_max = np.full(n_p, -np.inf)
    np.maximum.at(value_max, index.start_project, prices.value)
    has = col >= 0
    share = np.bincount(index.start_project, weights=prices.x, minlength=n_p)
    whole = np.zeros(n_p)  # the largest share started in one year: a lump cannot be split
    np.maximum.at(whole, index.start_project, prices.x)
    share = np.where(index.divisible, share, whole)
    parts = np.stack([prices.parts[f][col[has]] for f in FAMILIES], axis=1)  # (m, F, T)
    costs = parts.sum(axis=2)
    family = np.zeros(n_p, dtype=np.int64)
    family[has] = np.argmax(costs, axis=1)  # the first of the largest: FAMILIES is the order
    family_cost = np.zeros(n_p)
    family_cost[has] = costs[np.arange(has.sum()), family[has]]
    year = np.zeros(n_p, dtype=np.int64)
    year[has] = np.argmax(parts[np.arange(has.sum()), family[has]], axis=1)
    return _Best(col=col, rc=np.where(has, rc[np.maximum(col, 0)], np.nan),
                 value_max=value_max, share=share,
                 family=family, family_cost=family_cost, year=year,
                 scale=ON * max(1.0, float(np.abs(prices.value).max(initial=0.0))))


def _priced_reason(index: IndexSets, prices: Prices, best: _Best, names: dict[str, str],
                   position: int, cost_weight: float) -> tuple[str, str]:
    """Reason and detail of a project the plan leaves out, from the prices (steps 5 to 7)."""
    col, rc, share = int(best.col[position]), float(best.rc[position]), best.share[position]
    scale = best.scale
    if best.value_max[position] <= scale:
        return "no_need", "no start year gains anything: its settlements meet their targets " \
            "and are fully provided, or its effects do not raise provision"
    if share >= 1.0 - ON:
        start = int(index.years[index.start_year[col]])
        return "gap", (f"fits beside the plan and is worth {_number(-rc)} more than its "
                       f"money (start {start}): a longer solve or a smaller gap may fund it")
    capex = float(index.capex[position])
    per_million = float(prices.value[col]) / capex if capex > 0 else float("inf")
    cost = float(prices.capex_cost[col])
    fits = _fits(share, rc / cost if cost > 0 else 1.0)
    if best.family_cost[position] <= scale:
        return "low_value", (f"value {_number(per_million)} per million KZT of capex is below "
                             f"the cost weight of republican money ({cost_weight:g}); {fits}")
    family, t = FAMILIES[best.family[position]], int(best.year[position])
    year = int(index.years[t])
    if family == "envelope":
        price = float(prices.money[col]) / capex if capex > 0 else float("inf")
        than = f"below the {_number(price)} its" if rc > scale else "as much as its"
        return family, (f"value {_number(per_million)} per million KZT of capex, {than} "
                        f"money costs at the plan's prices (the {year} envelope's marginal "
                        f"value is {_number(prices.envelope[t])}); {fits}")
    r = int(index.project_region[position])
    region = str(index.region_ids[r])
    price = prices.region_price[family][r, t]
    where = _WHERE[family].format(region=names.get(region, region), year=year,
                                  sigma=index.sigma[r], alpha=index.alpha[r])
    return family, f"{where} (marginal value {_number(price)} per million KZT); {fits}"


def _window(instance: Instance, ids: pd.Series) -> list[str]:
    """Why each project without a start year has none, in words."""
    p = instance.projects.set_index("project_id").loc[ids]
    last = instance.years[-1]
    earliest = p["earliest_start"].fillna(instance.years[0]).astype(int).clip(
        lower=instance.years[0])
    return [f"a {d}-year project starting no earlier than {e} cannot complete by {last}"
            for d, e in zip(p["duration"], earliest, strict=True)]


def structure_reasons(instance: Instance, projects: pd.DataFrame, open_: np.ndarray
                      ) -> dict[int, tuple[str, str]]:
    """Row of ``projects`` -> (``alternative`` or ``requires``, detail), for the rows ``open_``.

    ``projects``: the plan's projects table (``funded``, ``start_year``).
    """
    out: dict[int, tuple[str, str]] = {}
    funded = projects.set_index("project_id")["funded"].to_dict()
    start = projects.set_index("project_id")["start_year"].to_dict()
    groups = instance.projects.set_index("project_id")["group"].astype(str).to_dict()
    rows = {str(pid): i for i, pid in enumerate(projects["project_id"])}
    group = projects["project_id"].map(groups).fillna("").astype(str)
    on = (group != "") & (projects["funded"] > FULL)
    total = projects["funded"].where(on, 0.0).groupby(group).sum()
    names = projects["project_id"].where(on).groupby(group).agg(lambda s: list(s.dropna()))
    mine = group.iloc[open_]
    others = mine.map(total).fillna(0.0) - projects["funded"].iloc[open_].where(on.iloc[open_],
                                                                                 0.0)
    full = (mine != "") & (others > FULL) & (others + projects["funded"].iloc[open_]
                                             >= 1.0 - FULL)
    for i in np.asarray(open_)[full.to_numpy(bool)]:
        pid, g = str(projects["project_id"].iat[i]), str(group.iat[i])
        taken = ", ".join(str(q) for q in names[g] if q != pid)
        out[int(i)] = ("alternative", f"group {g!r}: {taken} takes its one start (at most one "
                                      "project of a group starts)")
    req = instance.project_requires
    if req.empty:
        return out
    last = instance.projects.set_index("project_id")["latest_start"].fillna(
        instance.years[-1]).astype(int).clip(upper=instance.years[-1]).to_dict()
    waiting = set(open_.tolist())
    for pid, q in zip(req["project_id"], req["requires"], strict=True):
        i = rows[str(pid)]
        if i in out or i not in waiting:
            continue
        if float(funded.get(q, 0.0)) <= FULL:
            out[i] = ("requires", f"requires {q}, which the plan does not fund")
        elif pd.notna(start[q]) and int(start[q]) > int(last[pid]):
            out[i] = ("requires", f"requires {q}, which the plan starts in {int(start[q])}, "
                                  f"after this project's latest start {int(last[pid])}")
    return out


def project_reasons(instance: Instance, index: IndexSets, projects: pd.DataFrame,
                    prices: Prices) -> pd.DataFrame:
    """``projects`` with ``reason`` and ``reason_detail`` (empty for fully funded projects)."""
    names = dict(zip(instance.regions["region_id"], instance.regions["name"], strict=True))
    reason = np.full(len(projects), "", dtype=object)
    detail = np.full(len(projects), "", dtype=object)
    short = projects["funded"].to_numpy(float) < 1.0 - FULL
    excluded = short & (projects["status"] == "excluded").to_numpy()
    reason[excluded], detail[excluded] = "excluded", "status excluded in the instance"
    position = pd.Index(index.project_ids).get_indexer(projects["project_id"])
    has_start = np.zeros(len(projects), dtype=bool)
    active = position >= 0
    has_start[active] = index.project_start_count[position[active]] > 0
    window = short & active & ~has_start
    reason[window] = "window"
    detail[window] = _window(instance, projects.loc[window, "project_id"])
    cost_weight = instance.settings.objective.cost_weight
    best = _best(index, prices) if prices.priced else None
    open_ = np.flatnonzero(short & has_start)
    structural = (structure_reasons(instance, projects, open_) if index.structure.has_rules
                  else {})
    alone = never_fits(index, position[open_], names)
    for i in open_:
        if int(i) in structural:
            reason[i], detail[i] = structural[int(i)]
        elif int(position[i]) in alone:
            reason[i], detail[i] = alone[int(position[i])]
        elif best is not None:
            reason[i], detail[i] = _priced_reason(index, prices, best, names, int(position[i]),
                                                  cost_weight)
        else:
            reason[i] = "unpriced"
            detail[i] = f"the LP around the plan did not solve: {prices.status}"
    return projects.assign(reason=reason, reason_detail=detail)


def locked_by(record: dict[str, Any] | None) -> dict[str, str]:
    """Project id -> the scenario change that forced it out or fixed its start."""
    out: dict[str, str] = {}
    for change in (record or {}).get("changes", []):
        params = change.get("params", {})
        if change.get("kind") != "lock" or params.get("force") == "in":
            continue
        wanted = params.get("project", [])
        for pid in [wanted] if isinstance(wanted, str) else wanted:
            what = ("forced out" if params.get("force") == "out"
                    else f"start fixed to {params.get('start_year')}")
            out[str(pid)] = f"{what} by scenario {change.get('scenario')} (change " \
                            f"{change.get('change')})"
    return out


def mark_locked(projects: pd.DataFrame, record: dict[str, Any] | None) -> pd.DataFrame:
    """``excluded`` and ``window`` reasons that a scenario's lock caused become ``locked``."""
    locks = locked_by(record)
    if not locks or "reason" not in projects:
        return projects
    hit = projects["project_id"].isin(list(locks)) & projects["reason"].isin(
        ["excluded", "window"])
    out = projects.copy()
    out.loc[hit, "reason"] = "locked"
    out.loc[hit, "reason_detail"] = out.loc[hit, "project_id"].map(locks)
    return out


def explain_projects(instance: Instance, index: IndexSets, form: Formulation,
                     projects: pd.DataFrame, x: FloatArray, time_limit: float,
                     threads: int | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The projects table with its reasons, and what pricing took (for ``steps``).

    ``x``: the plan's start columns. The LP around the plan gets ``WHY_SHARE`` of the solve's
    ``time_limit`` (at least ``WHY_SECONDS``) and is skipped when every project that could
    start is funded in full.
    """
    started = time.perf_counter()
    funded = np.bincount(index.start_project, weights=x, minlength=len(index.project_ids))
    open_ = (funded < 1.0 - FULL) & (index.project_start_count > 0)
    if not open_.any():
        prices = Prices(status="not needed: every project that can start is funded",
                        seconds=0.0)
    else:
        prices = plan_prices(index, form, x, max(WHY_SECONDS, WHY_SHARE * time_limit),
                             threads)
    table = project_reasons(instance, index, projects, prices)
    return table, {"why_seconds": round(time.perf_counter() - started, 4),
                   "why_status": prices.status}
