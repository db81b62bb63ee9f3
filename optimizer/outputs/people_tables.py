"""The plan's tables as people read them: names beside ids, totals per region and per year.

Shared by the results workbook (its first sheets) and the HTML report (its tables), so both
show the same figures. Columns keep the result's column names (``transfer``, ``shortfall``);
``formats.header`` turns them into labelled headers with units, ``in_words`` turns category,
area and status codes into words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from models.instance import Instance
from models.result import Result
from optimizer.outputs.labels import label_or
from optimizer.outputs.results_io import region_provision

FUNDED = 1e-9
"""A project counts as funded above this share (the solver's zero)."""


@dataclass(frozen=True)
class Names:
    """Names of regions and settlements by id, as the instance gives them (none without one)."""

    regions: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    settlements: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))

    @classmethod
    def of(cls, instance: Instance | None) -> Names:
        """The names of ``instance``'s regions and settlements (ids stand in without one)."""
        if instance is None:
            return cls()
        return cls(instance.regions.set_index("region_id")["name"],
                   instance.settlements.set_index("settlement_id")["name"])

    def region(self, ids: pd.Series) -> pd.Series:
        """Each region's name, or its id when the instance gives none (or is not at hand)."""
        return _named(ids, self.regions)

    def settlement(self, ids: pd.Series) -> pd.Series:
        """Each settlement's name, or its id."""
        return _named(ids, self.settlements)


def _named(ids: pd.Series, names: pd.Series) -> pd.Series:
    return ids.map(names).astype(object).fillna(ids)


def beside(frame: pd.DataFrame, after: str, column: str, values: pd.Series) -> pd.DataFrame:
    """``frame`` with ``column`` inserted right after ``after``."""
    out = frame.copy()
    out.insert(list(out.columns).index(after) + 1, column, values.to_numpy())
    return out


def funded_projects(result: Result, names: Names) -> pd.DataFrame:
    """The funded projects with settlement and region names, by region, start year and id."""
    projects = result.table("projects")
    funded = projects[projects["funded"] > FUNDED]
    funded = beside(funded, "settlement_id", "settlement",
                     names.settlement(funded["settlement_id"]))
    funded = beside(funded, "region_id", "region", names.region(funded["region_id"]))
    order = ["project_id", "name", "settlement_id", "settlement", "region_id", "region", "status",
             "start_year", "completion_year", "funded", "capex", "funded_capex", "opex"]
    columns = [c for c in order if c in funded] + [c for c in funded if c not in order]
    return (funded[columns].sort_values(["region", "start_year", "project_id"], kind="stable")
            .reset_index(drop=True))


def per_region(result: Result, names: Names) -> pd.DataFrame:
    """Per region, totals over the horizon and provision in the last target year.

    Money (transfer, co-financing, new opex), funded projects and their capex; provision at the
    start and in the plan against the target, and the persons still short; with growth
    projects, the output added over the horizon and, in the last year, as a share of GRP.
    """
    ry = result.table("region_years")
    growth = ["grp_added"] if "grp_added" in ry else []  # growth projects: output added
    money = ry.groupby("region_id", sort=False)[["transfer", "cofinancing", "new_opex",
                                                  *growth]].sum()
    projects = result.table("projects")
    funded = projects[projects["funded"] > FUNDED].groupby("region_id")
    table = pd.concat([funded.size().rename("funded_projects"), funded["funded_capex"].sum(),
                       money], axis=1)
    table = table.join(region_provision(result)[["baseline", "provision", "target", "shortfall"]])
    if "grp_added_share" in ry:  # what the plan adds to the region's output by the last year
        table = table.join(ry[ry["year"] == ry["year"].max()].set_index("region_id")[
            "grp_added_share"])
    table["funded_projects"] = table["funded_projects"].fillna(0).astype(int)
    table["funded_capex"] = table["funded_capex"].fillna(0.0)
    table = table.rename_axis("region_id").reset_index()
    table.insert(1, "region", names.region(table["region_id"]).to_numpy())
    return table.sort_values("region", kind="stable").reset_index(drop=True)


def per_region_year(result: Result, names: Names) -> pd.DataFrame:
    """The ``region_years`` table with region names.

    The columns of fiscal rules that are off (empty, or an equalization pool of nothing) are
    left out.
    """
    table = result.table("region_years").dropna(axis=1, how="all")
    if "equalization" in table and not table["equalization"].any():
        table = table.drop(columns="equalization")
    return beside(table, "region_id", "region", names.region(table["region_id"]))


def money_per_year(result: Result) -> pd.DataFrame:
    """Per year: envelope, transfers, the share used and what is left, and the regions' money.

    Also co-financing, new opex, capex spending and the LP value of one more million KZT of
    envelope (objective units, larger is more).
    """
    env = result.table("envelope")
    spent = result.table("region_years").groupby("year")[
        ["cofinancing", "new_opex", "capex_spend"]].sum()
    table = env[["year", "envelope", "transfer"]].copy()
    table["used_share"] = (env["transfer"] / env["envelope"]).where(env["envelope"] > 0)
    table["unused"] = (env["envelope"] - env["transfer"]).clip(lower=0.0)
    table = table.join(spent, on="year")
    if "lp_marginal_value" in env:
        table["lp_value"] = -env["lp_marginal_value"] + 0.0  # + 0.0: no -0
    return table.reset_index(drop=True)


def national_provision(result: Result) -> pd.DataFrame:
    """National provision per category, area and year against the target, shortfall in persons."""
    columns = ["category", "area", "year", "persons", "baseline", "provision", "target",
               "shortfall"]
    national = result.table("national")[columns]
    return national.sort_values(["category", "area", "year"], kind="stable").reset_index(drop=True)


def designation_provision(result: Result) -> pd.DataFrame | None:
    """Priority territories per category, area and year (``None``: the instance has none).

    Monotowns, border settlements, agglomerations together and each by name: persons,
    provision at the start and in the plan, the target and the persons (and share) short.
    """
    if result.designations is None:
        return None
    columns = ["designation", "category", "area", "year", "persons", "baseline", "provision",
               "target", "shortfall", "shortfall_share"]
    return result.designations[columns].reset_index(drop=True)


def designation_at_target(result: Result) -> pd.DataFrame | None:
    """Per priority territory in the last target year, over every category and area.

    The target is persons-weighted, as in ``region_provision``; ``None`` when the instance has
    no designation or no year has a target.
    """
    if result.designations is None:
        return None
    d = result.designations.dropna(subset=["shortfall"])
    if d.empty:
        return None
    last = d[d["year"] == d["year"].max()].assign(
        target_served=lambda f: f["target"] * f["persons"])
    per = last.groupby("designation", sort=False, as_index=False).agg(
        persons=("persons", "sum"), baseline_served=("baseline_served", "sum"),
        served=("served", "sum"), target_served=("target_served", "sum"),
        shortfall=("shortfall", "sum"))
    per["baseline"] = per["baseline_served"] / per["persons"]
    per["provision"] = per["served"] / per["persons"]
    per["target"] = per["target_served"] / per["persons"]
    per["shortfall_share"] = per["shortfall"] / per["persons"]
    return per[["designation", "persons", "baseline", "provision", "target", "shortfall",
                "shortfall_share"]]


_CODES = {"category": "category", "area": "area", "status": "projstatus",
          "designation": "designation"}
"""Columns holding codes the catalogue has words for: column -> message id prefix."""


def in_words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with category, area and project status codes in words (unknown codes kept)."""
    out = frame.copy()
    for column, prefix in _CODES.items():
        if column in out:
            out[column] = out[column].map(
                lambda code, p=prefix: label_or(f"{p}.{code}", lang, code)
                if isinstance(code, str) else code)
    return out
