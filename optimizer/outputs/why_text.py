"""Why envelope is left unused, year by year, in one sentence each (terminal and report).

``unused_envelope_reasons`` reads only the result tables (``region_years.binding``,
``projects.reason``, ``provision``), so it works as well on a results folder read back from
disk. Each region is named by its tightest explanation for the year, in this order:

1. its own limits that year: co-financing, envelope share, dependency cap, transfer band
   (the ``binding`` column; fiscal space alone does not stop a transfer);
2. nothing it could still start spends money that year: "targets met" when it has no
   shortfall left, else "nothing left to start";
3. otherwise the most common reason of the projects it leaves out that could spend that year
   (``projects.reason``; docs/why.md).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from models.instance import Instance
from models.result import Result
from optimizer.outputs.labels import label, number

UNUSED = 0.5
"""Million KZT of a year's envelope (and persons of a region's shortfall) below which it
counts as used (as met)."""
_OWN = {"cofinancing": "why.own.cofinancing", "envelope_share": "why.own.envelope_share",
        "dependency_cap": "why.own.dependency_cap", "hold_harmless": "why.own.band",
        "transfer_growth": "why.own.band"}
"""Region-year limits of the ``binding`` column that stop a region taking more transfer."""
_LEFT = {"envelope": "why.left.envelope", "envelope_share": "why.left.envelope_share",
         "dependency_cap": "why.left.dependency_cap", "cofinancing": "why.left.cofinancing",
         "fiscal_space": "why.left.fiscal_space", "hold_harmless": "why.left.band",
         "transfer_growth": "why.left.band", "gap": "why.left.gap",
         "low_value": "why.left.low_value", "unpriced": "why.left.unpriced"}
"""The phrase (catalogue key) of the most common reason of a region's left-out projects."""
_COUNTED = ("why.met", "why.nothing")


def _spending_years(projects: pd.DataFrame, instance: Instance | None) -> pd.DataFrame:
    """(project_id, year) for every year a left-out project could spend capex in.

    Its start years are a range (a candidate's cut to those that complete in the horizon), so
    the years it could build in run from its first start to its last start's completion.
    """
    if instance is None:  # without the instance: every left-out project, every year
        return pd.DataFrame({"project_id": projects["project_id"], "year": pd.NA})
    years = instance.years
    raw = instance.projects.set_index("project_id").loc[projects["project_id"]]
    duration = raw["duration"].to_numpy(np.int64)
    first = np.maximum(raw["earliest_start"].fillna(years[0]).to_numpy(np.int64), years[0])
    last = np.minimum(raw["latest_start"].fillna(years[-1]).to_numpy(np.int64), years[-1])
    last = np.where(raw["status"].to_numpy() == "committed", last,
                    np.minimum(last, years[-1] - duration + 1))
    end = np.where(last >= first, np.minimum(last + duration - 1, years[-1]), first - 1)
    count = end - first + 1
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return pd.DataFrame({"project_id": np.repeat(raw.index.to_numpy(), count),
                         "year": np.repeat(first, count) + offset})


def _names(instance: Instance | None) -> dict[str, str]:
    if instance is None:
        return {}
    return dict(zip(instance.regions["region_id"], instance.regions["name"], strict=True))


def _listed(regions: list[str], lang: str) -> str:
    shown = ", ".join(regions[:6])
    return label("why.more", lang, listed=shown, n=len(regions) - 6) if len(regions) > 6 else shown


def _year(year: int, unused: float, money: pd.DataFrame, spending: pd.DataFrame,
          short: pd.Series, names: dict[str, str], lang: str) -> str:
    """The sentence of one year: each region under its first explanation, grouped."""
    groups: dict[str, list[str]] = defaultdict(list)
    counted = [0, 0]
    rows = money[money["year"] == year]
    for region, binding in zip(rows["region_id"].astype(str), rows["binding"].astype(str),
                               strict=True):
        shown = names.get(region, region)
        own = [k for k in binding.split(";") if k in _OWN]
        here = spending[(spending["region_id"] == region) & (
            spending["year"].isna() | (spending["year"] == year))]
        if own:
            groups[_OWN[own[0]]].append(shown)
        elif here.empty:
            persons = float(short.get(region, float("nan")))
            counted[0 if persons <= UNUSED else 1] += 1  # NaN: no target to meet
        else:
            top = str(here["reason"].value_counts().sort_index(kind="stable").idxmax())
            groups[_LEFT.get(top, "why.left.other")].append(shown)
    parts = [label(f"{key}.{'one' if n == 1 else 'many'}", lang, n=n)
             for key, n in zip(_COUNTED, counted, strict=True) if n]
    order = list(dict.fromkeys([*_OWN.values(), *_LEFT.values()]))
    parts += [label(key, lang, regions=_listed(groups[key], lang)) for key in sorted(
        groups, key=lambda k: order.index(k) if k in order else len(order))]
    amount = number(unused, lang, 0 if unused >= 10 else 1)
    return label("why.year", lang, year=str(year), amount=amount, parts="; ".join(parts))


def unused_envelope_reasons(result: Result, instance: Instance | None = None,
                            lang: str = "en") -> list[str]:
    """One sentence per year with unused envelope, e.g.

    ``2027: 63 million KZT unused: targets met in 14 regions; co-financing limit binding in
    Turkistan, Zhambyl``. Region names come from ``instance`` (ids without it). Empty without
    a plan or when every year's envelope is used.
    """
    envelope, money, projects = result.envelope, result.region_years, result.projects
    if not result.has_plan or envelope is None or money is None or projects is None:
        return []
    money = money.assign(binding=money.get("binding", pd.Series("", index=money.index)
                                           ).fillna(""))
    projects = projects.assign(reason=projects.get(
        "reason", pd.Series("", index=projects.index)).fillna(""))
    left = projects[(projects["funded"] < 1 - 1e-9) & ~projects["reason"].isin(
        ["", "excluded", "locked", "window", "no_need", "alternative", "requires"])]
    spending = _spending_years(left, instance).merge(
        left[["project_id", "region_id", "reason"]], on="project_id")
    short = (result.provision.groupby("region_id")["shortfall"].sum(min_count=1)
             if result.provision is not None else pd.Series(dtype=float))
    names = _names(instance)
    unused = envelope["envelope"].to_numpy(float) - envelope["transfer"].to_numpy(float)
    return [_year(int(year), float(u), money, spending, short, names, lang)
            for year, u in zip(envelope["year"], unused, strict=True) if u > UNUSED]
