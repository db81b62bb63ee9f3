"""Why a project is not (fully) funded: the ``reason`` and ``reason_detail`` columns.

Every project the plan does not fund in full gets one reason from the vocabulary below,
derived from the instance and from the LP around the plan (``optimizer.solving.why_prices``),
with the figure behind it in ``reason_detail``. docs/why.md explains each with a worked
example; the rule, in order:

1. ``excluded``: status ``excluded`` in the instance (``locked`` when a scenario forced it out,
   ``mark_locked``).
2. ``window``: it has no start year from which it completes within the horizon.
3. ``unpriced``: the LP around the plan did not solve in its time (the detail says why).
4. ``no_need``: no start year would gain anything (its effects do not raise provision, or the
   settlements it serves meet their targets and are fully provided).
5. ``gap``: the LP around the plan funds it in full: it fits beside the plan and is worth more
   than its money; the solve stopped (gap, time) before it was weighed against the rest.
6. otherwise the limit through which its money costs the most, at its best start year (the
   year of least reduced cost, the earliest on a tie): ``envelope``, ``envelope_share``,
   ``cofinancing``, ``fiscal_space``, ``dependency_cap``, ``hold_harmless``,
   ``transfer_growth`` (a tie goes to the first in this order); ``low_value`` when no limit
   has a price and only the cost weight of republican money outweighs its value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from models.instance import Instance
from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets
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
          "hold_harmless": "{region}'s transfer may not fall faster in {year}",
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


class _Project:
    """One project's start columns and the prices of the LP around the plan."""

    def __init__(self, index: IndexSets, prices: Prices, position: int) -> None:
        first = int(index.project_first_start[position])
        self.cols = np.arange(first, first + int(index.project_start_count[position]))
        rc = prices.money[self.cols] - prices.value[self.cols]
        self.best = int(self.cols[np.argmin(rc)])  # argmin keeps the earliest on a tie
        self.rc = float(rc.min())
        self.value = float(prices.value[self.best])
        self.share = float(prices.x[self.cols].sum())
        cost = float(prices.capex_cost[self.best])
        self.need = self.rc / cost if cost > 0 else 1.0
        self.year = int(index.years[index.start_year[self.best]])


def _priced_reason(index: IndexSets, prices: Prices, names: dict[str, str], position: int,
                   cost_weight: float) -> tuple[str, str]:
    """Reason and detail of a project the plan leaves out, from the prices (steps 4 to 6)."""
    p = _Project(index, prices, position)
    scale = ON * max(1.0, float(np.abs(prices.value).max(initial=0.0)))
    if prices.value[p.cols].max() <= scale:
        return "no_need", "no start year gains anything: its settlements meet their targets " \
            "and are fully provided, or its effects do not raise provision"
    if p.share >= 1.0 - ON:
        return "gap", (f"fits beside the plan and is worth {_number(-p.rc)} more than its "
                       f"money (start {p.year}): a longer solve or a smaller gap may fund it")
    costs = np.asarray([prices.parts[f][p.best].sum() for f in FAMILIES])
    k = int(np.argmax(costs))  # the first of the largest: FAMILIES is the tie order
    capex = float(index.capex[position])
    per_million = p.value / capex if capex > 0 else float("inf")
    fits = _fits(p.share, p.need)
    if costs[k] <= scale:
        return "low_value", (f"value {_number(per_million)} per million KZT of capex is below "
                             f"the cost weight of republican money ({cost_weight:g}); {fits}")
    family = FAMILIES[k]
    by_year = prices.parts[family][p.best]
    t = int(np.argmax(by_year))
    year = int(index.years[t])
    if family == "envelope":
        than = "below" if p.rc > scale else "at"
        return family, (f"value {_number(per_million)} per million KZT of capex {than} the "
                        f"{year} envelope's marginal value {_number(prices.envelope[t])}; {fits}")
    r = int(index.project_region[position])
    region = str(index.region_ids[r])
    price = prices.region_price[family][r, t]
    where = _WHERE[family].format(region=names.get(region, region), year=year,
                                  sigma=index.sigma[r], alpha=index.alpha[r])
    return family, f"{where} (marginal value {_number(price)} per million KZT); {fits}"


def _window(instance: Instance, ids: pd.Series) -> pd.Series:
    """Why each project without a start year has none, in words."""
    p = instance.projects.set_index("project_id").loc[ids]
    last = instance.years[-1]
    earliest = p["earliest_start"].fillna(instance.years[0]).astype(int).clip(
        lower=instance.years[0])
    return pd.Series([f"a {d}-year project starting no earlier than {e} cannot complete by "
                      f"{last}" for d, e in zip(p["duration"], earliest, strict=True)],
                     index=ids.index, dtype=object)


def project_reasons(instance: Instance, index: IndexSets, projects: pd.DataFrame,
                    prices: Prices) -> pd.DataFrame:
    """``projects`` with ``reason`` and ``reason_detail`` (empty for fully funded projects)."""
    names = dict(zip(instance.regions["region_id"], instance.regions["name"], strict=True))
    reason = pd.Series("", index=projects.index, dtype=object)
    detail = pd.Series("", index=projects.index, dtype=object)
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
    for i in np.flatnonzero(short & has_start):
        if prices.priced:
            reason.iat[i], detail.iat[i] = _priced_reason(index, prices, names,
                                                          int(position[i]), cost_weight)
        else:
            reason.iat[i] = "unpriced"
            detail.iat[i] = f"the LP around the plan did not solve: {prices.status}"
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
    funded = np.bincount(index.start_project, weights=x, minlength=len(index.project_ids))
    open_ = (funded < 1.0 - FULL) & (index.project_start_count > 0)
    if not open_.any():
        prices = Prices(status="not needed: every project that can start is funded",
                        seconds=0.0)
    else:
        prices = plan_prices(index, form, x, max(WHY_SECONDS, WHY_SHARE * time_limit),
                             threads)
    table = project_reasons(instance, index, projects, prices)
    return table, {"why_seconds": round(prices.seconds, 4), "why_status": prices.status}
