"""A solve's results on disk: ``summary.json`` plus one CSV per result table."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from models.result import Result
from models.safe_output import OutputTarget, write_output

UNITS = {
    "money": "million KZT",
    "population": "persons",
    "provision": "share of residents served, 0..1",
    "lp_marginal_value": "objective units per million KZT of envelope (LP relaxation estimate)",
}


def _clean(value: Any) -> Any:
    """JSON-safe scalars: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def summary(result: Result) -> dict[str, Any]:
    """What a person or a program reads first: status, quality, money, targets, worst regions."""
    out: dict[str, Any] = {
        "status": result.status.value,
        "message": result.message,
        "objective": result.objective,
        "bound": result.bound,
        "mip_gap": result.mip_gap,
        "build_seconds": round(result.build_seconds, 4),
        "solve_seconds": round(result.solve_seconds, 4),
        "units": UNITS,
        **{k: result.metadata.get(k) for k in ("srsopt_version", "highs_version", "input_hash",
                                               "instance")},
        "model": {k: result.metadata.get(k) for k in ("rows", "columns", "nonzeros",
                                                      "integer_columns", "nodes",
                                                      "highs_model_status")},
        "settings": {k: result.metadata.get(k) for k in ("time_limit", "mip_rel_gap", "threads",
                                                         "node_limit")},
        **{k: result.metadata[k] for k in ("reproducible", "time_stops", "robust")
           if k in result.metadata},
        "steps": result.metadata.get("steps", {}),
    }
    if not result.has_plan:
        return _clean(out)
    money = result.table("region_years")
    projects = result.table("projects")
    out["total_transfer"] = float(money["transfer"].sum())
    out["total_cofinancing"] = float(money["cofinancing"].sum())
    out["funded_projects"] = int((projects["funded"] > 1e-9).sum())
    out["funded_capex"] = float(projects["funded_capex"].sum())
    out["per_year"] = (money.groupby("year", as_index=False)[
        ["transfer", "cofinancing", "new_opex"]].sum()
        .merge(result.table("envelope").drop(columns="transfer"), on="year", how="left")
        .to_dict(orient="records"))
    out["national"] = national_at_targets(result).to_dict(orient="records")
    out["worst_regions"] = worst_regions(result).to_dict(orient="records")
    return _clean(out)


def national_at_targets(result: Result) -> pd.DataFrame:
    """National provision per category and area in the last year: baseline, plan, target."""
    nat = result.table("national")
    last = nat[nat["year"] == nat["year"].max()]
    return last[["category", "area", "persons", "baseline", "provision", "target",
                 "shortfall"]].reset_index(drop=True)


def plan_years(result: Result) -> list[int]:
    """The planning years, first to last."""
    return sorted(int(y) for y in result.table("envelope")["year"])


def target_year(result: Result) -> int | None:
    """The last year with a provision target (``None`` when no year has one)."""
    years = result.table("provision").dropna(subset=["shortfall"])["year"]
    return None if years.empty else int(years.max())


def region_provision(result: Result) -> pd.DataFrame:
    """Per region in the last target year, over every group with a target.

    Persons, provision at the start and in the plan, the target (persons-weighted) and the
    shortfall in persons; indexed by ``region_id``, empty when no year has a target.
    """
    columns = ["persons", "shortfall", "baseline", "provision", "target"]
    prov = result.table("provision").dropna(subset=["shortfall"])
    if prov.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="region_id"))
    last = prov[prov["year"] == prov["year"].max()].assign(
        target_served=lambda f: f["target"] * f["persons"])
    per = last.groupby("region_id").agg(
        shortfall=("shortfall", "sum"), persons=("persons", "sum"),
        baseline_served=("baseline_served", "sum"), served=("served", "sum"),
        target_served=("target_served", "sum"))
    per["baseline"] = per["baseline_served"] / per["persons"]
    per["provision"] = per["served"] / per["persons"]
    per["target"] = per["target_served"] / per["persons"]
    return per[columns]


def worst_regions(result: Result, count: int = 5) -> pd.DataFrame:
    """Regions with the largest remaining shortfall (persons) in the last target year."""
    per = region_provision(result)
    if per.empty:
        return pd.DataFrame(columns=["region_id", "shortfall", "baseline", "provision"])
    per = per.sort_values(["shortfall", "provision"], ascending=[False, True]).head(count)
    return per[["shortfall", "baseline", "provision"]].reset_index()


def fill_results(result: Result, folder: Path) -> None:
    """Write ``summary.json``, the result tables as CSV and ``scenario.json`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary(result), indent=2) + "\n",
                                         encoding="utf-8")
    for name, table in result.tables().items():
        table.to_csv(folder / f"{name}.csv", index=False)
    if "scenario" in result.metadata:  # the what-if changes this plan was solved under
        (folder / "scenario.json").write_text(
            json.dumps(_clean(result.metadata["scenario"]), indent=2) + "\n", encoding="utf-8")


def write_results(result: Result, out: str | Path | OutputTarget) -> Path:
    """Write ``summary.json`` and the result tables as CSV as the folder ``out``.

    Through ``models.safe_output``: staged beside and swapped in whole, never over a folder
    srsopt did not write (``OutputError``).
    """
    return write_output(out, "results", lambda folder: fill_results(result, folder),
                        plan=result.has_plan)
