"""What-if results against the base: the figures an analyst reads first, and what moved.

Every scenario is compared with the first case, the base. A project **changes** in a scenario
when its start year differs from the base's (funded in one plan and not in the other included:
it is *added* or *dropped*) or when its funded share differs by more than ``SHARE_TOLERANCE``
(0.5 percentage point): a divisible project that falls from 72% to 4% funded changes though it
starts in the same year. A project's start year is the first year a part of it starts. The
tables hold ids and numbers only; ``optimizer.outputs.whatif_tables`` puts names beside the ids
and the changes in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.instance import Instance
from models.result import Result
from optimizer.analysis.starts import start_text

FUNDED = 1e-9
"""Funded share above which a project counts as funded."""
SHARE_TOLERANCE = 0.005
"""A funded share that moves by more than this (0.5 percentage point) is a change."""
KINDS = ("added", "dropped", "start+funded", "start", "funded")
"""The kinds of project change, as the ``kind`` column of ``Comparison.changes`` holds them."""
CHANGED = ("start+funded", "start", "funded")
"""Kinds of a project funded in both plans (counted as ``projects_changed``)."""


@dataclass(frozen=True)
class Comparison:
    """The tables of a what-if run; every scenario is compared with the first case, the base."""

    overview: pd.DataFrame
    national: pd.DataFrame
    money: pd.DataFrame
    regions: pd.DataFrame
    projects: pd.DataFrame
    """One row per project that changes in some scenario: every case's start year (empty: not
    funded) under the case's name, and its funded share under ``funded:<case>``."""
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per scenario and project that changes in it: its ``kind`` (``KINDS``), start
    year and funded share in the base and in the scenario."""
    results: dict[str, Result] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    """The instance each case was solved from (names of regions and settlements), when known."""

    @property
    def base(self) -> str:
        """The base case's name (the first case)."""
        return next(iter(self.results)) if self.results else str(
            self.overview["scenario"].iloc[0])


def funded(result: Result) -> pd.Series:
    """Start year of every funded project (0 for a funded project without one), by id."""
    return plan_of(result)["start_year"]


def plan_of(result: Result) -> pd.DataFrame:
    """Every funded project's start year (0 without one) and funded share, by project id."""
    if not result.has_plan:
        return pd.DataFrame({"start_year": pd.Series(dtype="Int64"),
                             "funded": pd.Series(dtype=float)})
    projects = result.table("projects")
    p = projects[projects["funded"] > FUNDED].set_index("project_id")
    return pd.DataFrame({"start_year": p["start_year"].fillna(0),
                         "funded": p["funded"].astype(float)})


def project_changes(base: pd.DataFrame, other: pd.DataFrame,
                    tolerance: float = SHARE_TOLERANCE) -> pd.DataFrame:
    """The projects whose plan differs between ``base`` and ``other`` (both from ``plan_of``).

    Per project, by id: ``kind`` and the start year (empty: not funded) and funded share (0:
    not funded) in each plan. Start years differ, or shares by more than ``tolerance``.
    """
    table = pd.DataFrame({
        "base_start_year": base["start_year"], "scenario_start_year": other["start_year"],
        "base_funded": base["funded"], "scenario_funded": other["funded"]})
    table = table.reindex(sorted(table.index)).rename_axis("project_id")
    table[["base_funded", "scenario_funded"]] = table[["base_funded", "scenario_funded"]
                                                      ].fillna(0.0)
    in_base = table["base_start_year"].notna().to_numpy()
    in_other = table["scenario_start_year"].notna().to_numpy()
    start = (table["base_start_year"] != table["scenario_start_year"]).fillna(False).to_numpy(bool)
    share = ((table["base_funded"] - table["scenario_funded"]).abs() > tolerance).to_numpy()
    kind = np.select([~in_base, ~in_other, start & share, start, share], list(KINDS), "")
    return table.assign(kind=kind)[kind != ""]


def target_year(result: Result) -> int:
    """The last year with a target (the last planning year when there is none)."""
    prov = result.table("provision")
    years = prov.dropna(subset=["target"])["year"]
    return int(years.max() if len(years) else prov["year"].max())


def national_at_target_year(result: Result) -> pd.DataFrame:
    """National provision per category and area in the last target year, with the year."""
    nat = result.table("national")
    year = target_year(result)
    return nat[nat["year"] == year][["category", "area", "year", "persons", "baseline",
                                      "provision", "target", "shortfall"]].reset_index(drop=True)


def region_provision(result: Result) -> pd.Series:
    """Provision per region in the last target year over every category and area."""
    per = _region_sums(result)
    return per["served"] / per["persons"]


def _region_sums(result: Result) -> pd.DataFrame:
    prov = result.table("provision")
    return prov[prov["year"] == target_year(result)].groupby("region_id")[
        ["served", "persons", "shortfall"]].sum()


def _per_region(result: Result) -> pd.DataFrame:
    """Per region: provision and shortfall (persons) in the last target year, transfers."""
    per = _region_sums(result)
    transfer = result.table("region_years").groupby("region_id")["transfer"].sum()
    return pd.DataFrame({"provision": per["served"] / per["persons"],
                         "shortfall": per["shortfall"],
                         "transfer": transfer.reindex(per.index).fillna(0.0)}
                        ).rename_axis("region_id").reset_index()


def _last_target_shortfall(result: Result) -> float:
    prov = result.table("provision")
    return float(prov.loc[prov["year"] == target_year(result), "shortfall"].sum())


def _against(frame: pd.DataFrame, keys: list[str], column: str, base: str) -> pd.Series:
    """``column`` of every row minus the base case's row with the same ``keys``."""
    if frame.empty:
        return pd.Series(dtype=float)
    ref = frame[frame["scenario"] == base].set_index(keys)[column]
    at = pd.MultiIndex.from_frame(frame[keys]) if len(keys) > 1 else pd.Index(frame[keys[0]])
    return frame[column] - ref.reindex(at).to_numpy()


def _overview_row(name: str, r: Result, base: Result, changes: pd.DataFrame) -> dict[str, Any]:
    row: dict[str, Any] = {"scenario": name, "status": r.status.value, "objective": r.objective,
                           "mip_gap": r.mip_gap, "solve_seconds": round(r.solve_seconds, 2),
                           "model": r.metadata.get("resolve", {}).get("model", ""),
                           "start": start_text(r.metadata.get("resolve", {}))}
    if r.has_plan:
        if base.has_plan:
            kinds = np.asarray(changes.loc[changes["scenario"] == name, "kind"]
                               if len(changes) else [], dtype=object)
            row |= {"objective_change": r.plan_objective - base.plan_objective,
                    "projects_added": int(np.sum(kinds == "added")),
                    "projects_dropped": int(np.sum(kinds == "dropped")),
                    "projects_changed": int(np.isin(kinds, CHANGED).sum())}
        row |= {"funded_projects": len(plan_of(r)),
                "transfer": float(r.table("region_years")["transfer"].sum()),
                "shortfall_target_year": _last_target_shortfall(r)}
        if base.has_plan:
            row["transfer_change"] = row["transfer"] - float(
                base.table("region_years")["transfer"].sum())
            row["shortfall_change"] = row["shortfall_target_year"] - _last_target_shortfall(base)
    row["reason"] = r.metadata.get("resolve", {}).get("reason")
    return row


def compare(results: dict[str, Result],
            instances: Mapping[str, Instance] | None = None) -> Comparison:
    """Compare every result with the first (the base) on what an analyst reads first.

    ``instances``: each case's instance by name, kept for the names of regions and
    settlements (``optimizer.outputs.whatif_tables``).
    """
    names = list(results)
    base = results[names[0]]
    changes = _changes(results)
    national, money, regions = [], [], []
    for name, r in results.items():
        if not r.has_plan:
            continue
        national.append(national_at_target_year(r).assign(scenario=name))
        per_year = r.table("region_years").groupby("year", as_index=False)[
            ["transfer", "cofinancing", "new_opex"]].sum()
        money.append(per_year.merge(r.table("envelope")[["year", "envelope"]], on="year")
                     .assign(scenario=name))
        regions.append(_per_region(r).assign(scenario=name))
    nat = pd.concat(national, ignore_index=True) if national else pd.DataFrame()
    if len(nat):
        nat["change"] = _against(nat, ["category", "area"], "provision", names[0])
        nat["shortfall_change"] = _against(nat, ["category", "area"], "shortfall", names[0])
    cash = pd.concat(money, ignore_index=True) if money else pd.DataFrame()
    if len(cash):
        cash["transfer_change"] = _against(cash, ["year"], "transfer", names[0])
    return Comparison(
        overview=pd.DataFrame([_overview_row(n, r, base, changes) for n, r in results.items()]),
        national=nat, money=cash, regions=_regions(regions, changes, names[0]),
        projects=_wide(results, changes), changes=changes, results=results,
        instances=dict(instances or {}))


def _regions(regions: list[pd.DataFrame], changes: pd.DataFrame, base: str) -> pd.DataFrame:
    """Per region and case: provision, shortfall, transfers, their change, projects moved."""
    if not regions:
        return pd.DataFrame()
    reg = pd.concat(regions, ignore_index=True)[
        ["region_id", "provision", "scenario", "shortfall", "transfer"]]
    reg.insert(3, "change", _against(reg, ["region_id"], "provision", base))
    reg.insert(5, "shortfall_change", _against(reg, ["region_id"], "shortfall", base))
    reg["transfer_change"] = _against(reg, ["region_id"], "transfer", base)
    columns = ["projects_added", "projects_dropped", "projects_changed"]
    at = pd.MultiIndex.from_frame(reg[["scenario", "region_id"]])
    counts = pd.DataFrame(0, index=at, columns=columns)
    if len(changes):
        moved = changes.assign(column=np.select(
            [changes["kind"] == "added", changes["kind"] == "dropped"], columns[:2], columns[2]))
        counts = (moved.groupby(["scenario", "region_id", "column"]).size().unstack()
                  .reindex(index=at, columns=columns).fillna(0).astype(int))
    return pd.concat([reg, counts.reset_index(drop=True)], axis=1)


def _changes(results: dict[str, Result]) -> pd.DataFrame:
    """One row per scenario and changed project, with the project's name, region and capex."""
    names = list(results)
    base = results[names[0]]
    if not base.has_plan:
        return pd.DataFrame()
    reference = plan_of(base)
    info = base.table("projects").set_index("project_id")[
        ["name", "region_id", "settlement_id", "capex"]]
    found = [project_changes(reference, plan_of(results[name])).assign(scenario=name)
             for name in names[1:] if results[name].has_plan]
    if not found:
        return pd.DataFrame()
    moved = pd.concat(found).join(info).reset_index()
    return moved[["scenario", "project_id", "name", "region_id", "settlement_id", "capex",
                  "kind", "base_start_year", "scenario_start_year", "base_funded",
                  "scenario_funded"]].reset_index(drop=True)


def _wide(results: dict[str, Result], changes: pd.DataFrame) -> pd.DataFrame:
    """Every changed project with every case's start year and funded share, side by side."""
    if not results[next(iter(results))].has_plan:
        return pd.DataFrame()  # no base plan to compare with
    ids = sorted(set(changes["project_id"])) if len(changes) else []
    plans = {name: plan_of(r) for name, r in results.items() if r.has_plan}
    starts = pd.DataFrame({name: p["start_year"] for name, p in plans.items()}).reindex(ids)
    shares = pd.DataFrame({f"funded:{name}": p["funded"] for name, p in plans.items()}
                          ).reindex(ids).fillna(0.0)
    base = results[next(iter(results))].table("projects").set_index("project_id")
    info = base[["region_id", "capex", "name", "settlement_id"]].reindex(ids)
    table = info[["region_id", "capex"]].join(starts).join(shares).rename_axis("project_id")
    table.insert(0, "name", info["name"])
    table.insert(2, "settlement_id", info["settlement_id"])
    return table.reset_index()
