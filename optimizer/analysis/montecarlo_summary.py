"""The draws of a Monte Carlo run as figures: probabilities of meeting targets, quantiles, cuts.

A region and category *meets* the target of a year in a draw when its shortfall then, over both
areas, is at most ``MET_PERSONS``. A draw without a plan (infeasible, stopped first) meets no
target; a draw that failed as a task is missing and counts nowhere (``Summary.missing``).
Quantiles are numpy's (linear interpolation), so the same draws give the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from optimizer.analysis.montecarlo import DrawRecord

MET_PERSONS = 0.5
"""A shortfall of at most this many persons is no shortfall (solver tolerance)."""
QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}
ALL = "all"
"""The region or category of a row that sums over every one."""


@dataclass(frozen=True)
class Summary:
    """Every table of a Monte Carlo run (money million KZT, persons, shares in [0, 1])."""

    draws: pd.DataFrame
    """One row per draw (``DrawRecord.row``)."""
    targets: pd.DataFrame
    """region_id, category, year, draws, met, probability (``all``: summed over)."""
    shortfall: pd.DataFrame
    """region_id (``all``: national), year, mean, p10, p50, p90 of the shortfall (persons)."""
    money: pd.DataFrame
    """measure (transfer, cofinancing, capex_spend), year, mean, p10, p50, p90."""
    provision: pd.DataFrame
    """National provision per area (``all``: both) and year: mean, p10, p50, p90 (shares)."""
    projects: pd.DataFrame
    """The plan's projects a draw delays or cuts: how often, most often first."""
    missing: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["draw", "reason"]))


def _quantiles(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Mean and ``QUANTILES`` of ``value`` over the draws, per ``keys``."""
    rows = []
    for key, group in frame.groupby(keys, sort=True):
        values = group[value].to_numpy(float)
        rows.append({**dict(zip(keys, key, strict=True)),
                     "mean": float(values.mean()),
                     **{name: float(np.quantile(values, q)) for name, q in QUANTILES.items()}})
    return pd.DataFrame(rows, columns=[*keys, "mean", *QUANTILES])


def _per_draw(groups: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Shortfall and served persons per draw and ``keys`` (target years only)."""
    return groups.groupby(["draw", *keys], sort=True)[["shortfall", "persons",
                                                        "served"]].sum().reset_index()


def _targets(groups: pd.DataFrame, draws: Sequence[int]) -> pd.DataFrame:
    """Probability of meeting the target per region x category, region and nation."""
    targeted = groups.dropna(subset=["target"])
    frames = []
    for region, category in ((True, True), (True, False), (False, False)):
        keys = [k for k, on in (("region_id", region), ("category", category)) if on]
        short = _per_draw(targeted, [*keys, "year"])
        short["met"] = short["shortfall"] <= MET_PERSONS
        met = short.groupby([*keys, "year"], sort=True)["met"].sum().reset_index()
        met = met.assign(**{k: ALL for k in ("region_id", "category") if k not in keys})
        frames.append(met)
    table = pd.concat(frames, ignore_index=True)
    table["draws"] = len(draws)
    table["met"] = table["met"].astype(int)
    table["probability"] = table["met"] / max(len(draws), 1)
    return table[["region_id", "category", "year", "draws", "met", "probability"]]


def summarize(records: Sequence[DrawRecord], missing: dict[int, str] | None = None
              ) -> Summary:
    """The tables of ``records`` (one per draw that ran), in draw order."""
    records = sorted(records, key=lambda r: int(r.row["draw"]))
    draws = pd.DataFrame([r.row for r in records])
    numbers = [int(r.row["draw"]) for r in records]
    with_plan = [r for r in records if len(r.groups)]
    groups = (pd.concat([r.groups.assign(draw=r.row["draw"]) for r in with_plan],
                        ignore_index=True) if with_plan else pd.DataFrame(
        columns=["draw", "region_id", "category", "area", "year", "persons", "served",
                 "target", "shortfall"]))
    targets = _targets(groups, numbers)
    targeted = groups.dropna(subset=["target"])
    national = _per_draw(targeted, ["year"]).assign(region_id=ALL)
    regional = _per_draw(targeted, ["region_id", "year"])
    shortfall = _quantiles(pd.concat([national, regional], ignore_index=True),
                           ["region_id", "year"], "shortfall")
    money = pd.concat([r.money.assign(draw=r.row["draw"]) for r in with_plan],
                      ignore_index=True) if with_plan else pd.DataFrame(
        columns=["draw", "year", "transfer", "cofinancing", "capex_spend"])
    long = money.melt(id_vars=["draw", "year"], value_vars=["transfer", "cofinancing",
                                                             "capex_spend"], var_name="measure")
    by_area = _per_draw(groups, ["area", "year"])
    both = _per_draw(groups, ["year"]).assign(area=ALL)
    served = pd.concat([by_area, both], ignore_index=True)
    served["provision"] = served["served"] / served["persons"].where(served["persons"] > 0)
    changes = [r.changes for r in records if len(r.changes)]
    return Summary(draws=draws, targets=targets, shortfall=shortfall,
                   money=_quantiles(long, ["measure", "year"], "value"),
                   provision=_quantiles(served.dropna(subset=["provision"]), ["area", "year"],
                                        "provision"),
                   projects=_projects(pd.concat(changes, ignore_index=True) if changes
                                      else pd.DataFrame(columns=["project_id", "change"]),
                                      len(records)),
                   missing=pd.DataFrame({"draw": list(missing or {}),
                                         "reason": list((missing or {}).values())},
                                        columns=["draw", "reason"]))


def _projects(changes: pd.DataFrame, draws: int) -> pd.DataFrame:
    """Per project: draws that cut it, draws that delay it, and their shares."""
    counts = pd.crosstab(changes["project_id"], changes["change"]) if len(changes) else (
        pd.DataFrame())
    counts = counts.reindex(columns=["cut", "delayed"], fill_value=0)
    table = counts.rename(columns={"cut": "times_cut", "delayed": "times_delayed"})
    table["share_cut"] = table["times_cut"] / max(draws, 1)
    table["share_delayed"] = table["times_delayed"] / max(draws, 1)
    table = table.reset_index().rename(columns={"index": "project_id"})
    if "project_id" not in table:
        table["project_id"] = []
    table["total"] = table["times_cut"] + table["times_delayed"]
    table = table[table["total"] > 0].sort_values(["total", "times_cut", "project_id"],
                              ascending=[False, False, True], ignore_index=True)
    return table[["project_id", "times_cut", "times_delayed", "share_cut", "share_delayed"]]


def headline(summary: Summary) -> dict[str, Any]:
    """The figures a terminal summary and ``summary.json`` open with."""
    national = summary.targets[(summary.targets["region_id"] == ALL)
                               & (summary.targets["category"] == ALL)]
    out: dict[str, Any] = {"draws": len(summary.draws), "missing": len(summary.missing)}
    for row in national.itertuples():
        out[f"probability_all_targets_{row.year}"] = float(row.probability)  # type: ignore[arg-type]
    for row in summary.shortfall[summary.shortfall["region_id"] == ALL].itertuples():
        out[f"shortfall_{row.year}"] = {"mean": row.mean, "p10": row.p10, "p50": row.p50,
                                        "p90": row.p90}
    if "projects_cut" in summary.draws:
        out["mean_projects_cut"] = float(summary.draws["projects_cut"].fillna(0).mean())
        out["mean_projects_delayed"] = float(summary.draws["projects_delayed"].fillna(0).mean())
    return out
