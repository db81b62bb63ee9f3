"""What-if runs: solve a base and its scenarios, re-solving in place where possible, and compare.

Every scenario's instance is built by ``models.scenario_apply`` (pure data, re-validated). The
base is solved on a live model (``optimizer.solving.live.LiveModel``); a scenario that changes only
bounds, right-hand sides, costs or coefficients is solved by editing that model, any other one
from scratch with ``optimizer.solve``; the reason is kept with the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from models.instance import Instance
from models.result import Result
from models.scenario import Scenario, ScenarioError, load_scenarios
from models.scenario_apply import apply_scenarios
from optimizer.api import solve
from optimizer.runtime import stopping
from optimizer.solving.live import LiveModel
from optimizer.solving.pipeline import solve_options

FUNDED = 1e-9
"""Funded share above which a project counts as funded."""


@dataclass(frozen=True)
class Case:
    """One instance to solve: the base, or the base with scenarios applied."""

    name: str
    instance: Instance
    record: dict[str, Any] | None = None
    """What the scenarios changed (``models.scenario_apply.apply_scenarios``); None for the base."""
    scenarios: tuple[Scenario, ...] = ()
    """The scenarios applied to the base, in order: how a worker builds ``instance`` again
    (``solve_case``) from the base it already has."""


@dataclass(frozen=True)
class Comparison:
    """The tables of a what-if run; every scenario is compared with the first case, the base."""

    overview: pd.DataFrame
    national: pd.DataFrame
    money: pd.DataFrame
    regions: pd.DataFrame
    projects: pd.DataFrame
    results: dict[str, Result] = field(default_factory=dict)


def _same_folder(a: Path, b: Path) -> bool:
    return a.expanduser().resolve() == b.expanduser().resolve()


def scenario_case(base: Instance, spec: str, base_path: Path | None = None) -> Case:
    """The base with the scenarios of ``spec`` (``a.yaml,b.yaml``) applied in order.

    Raises:
        ScenarioError: a bad change, or a scenario written for another base instance.
    """
    scenarios = load_scenarios(spec)
    for scenario in scenarios:
        if scenario.base is not None and base_path is not None and not _same_folder(
                scenario.base, base_path):
            raise ScenarioError(scenario.file, "base", f"is {scenario.base}, but the base "
                                f"instance here is {base_path}")
    instance, record = apply_scenarios(base, scenarios)
    return Case(name=record["name"], instance=instance, record=record,
                scenarios=tuple(scenarios))


def solve_case(base: Instance, scenarios: Sequence[Scenario], options: dict[str, Any]
               ) -> Result:
    """One case from scratch: ``scenarios`` applied to ``base``, then solved (a Dask task).

    ``options``: ``time_limit``, ``mip_rel_gap``, ``threads`` as for ``run_cases``; the LP
    envelope prices are skipped as there. The scenarios were applied once already by the
    caller (``scenario_case``, where an error is reported), so they apply here too.
    """
    instance = apply_scenarios(base, scenarios)[0] if scenarios else base
    return solve(instance, price_envelope=False, **options)


def with_scenario(result: Result, record: dict[str, Any] | None, **extra: Any) -> Result:
    """The result with the applied changes (and e.g. how it was solved) in its metadata."""
    meta = dict(extra)
    if record is not None:
        meta["scenario"] = record
    return result.model_copy(update={"metadata": result.metadata | meta})


def run_cases(cases: Sequence[Case], *, time_limit: float | None = None,
              mip_rel_gap: float | None = None, threads: int | None = None,
              on_start: Callable[[Case], None] | None = None,
              on_done: Callable[[Case, Result], None] | None = None) -> dict[str, Result]:
    """Solve every case, the first one (the base) on a live model the others re-use if they can.

    Each result's ``metadata["resolve"]`` says ``edited in place`` (with the counts of edits) or
    why the model was built from scratch. After a stop request (``optimizer.runtime.stopping``) the
    cases not yet started are skipped.
    """
    base = cases[0].instance
    live = None
    if base.settings.objective.mode == "weighted":
        live = LiveModel(base, solve_options(base, time_limit, mip_rel_gap, threads))
    results: dict[str, Result] = {}
    for k, case in enumerate(cases):
        if k > 0 and stopping.requested():
            break
        if on_start is not None:
            on_start(case)
        reason = "the base" if k == 0 else "no live model: the base is solved in stages"
        if live is not None and k > 0:
            reason = live.switch_to(case.instance, rebuild=False)
        if live is not None and (k == 0 or reason is None):
            result = live.solve(price_envelope=False)
            how = {"model": "edited in place" if k else "built", "edits": live.last_edits}
        else:
            result = solve(case.instance, time_limit=time_limit, mip_rel_gap=mip_rel_gap,
                           threads=threads, price_envelope=False)
            how = {"model": "built from scratch", "reason": reason}
        result = with_scenario(result, case.record, resolve=how)
        results[case.name] = result
        if on_done is not None:
            on_done(case, result)
    return results


def funded(result: Result) -> pd.Series:
    """Start year of every funded project (0 for a funded project without one), by id."""
    if not result.has_plan:
        return pd.Series(dtype="Int64")
    p = result.projects[result.projects["funded"] > FUNDED]
    return p.set_index("project_id")["start_year"].fillna(0)


def target_year(result: Result) -> int:
    """The last year with a target (the last planning year when there is none)."""
    years = result.provision.dropna(subset=["target"])["year"]
    return int(years.max() if len(years) else result.provision["year"].max())


def national_at_target_year(result: Result) -> pd.DataFrame:
    """National provision per category and area in the last target year, with the year."""
    nat = result.national
    year = target_year(result)
    return nat[nat["year"] == year][["category", "area", "year", "persons", "baseline",
                                      "provision", "target", "shortfall"]].reset_index(drop=True)


def region_provision(result: Result) -> pd.Series:
    """Provision per region in the last target year over every category and area."""
    prov = result.provision
    per = prov[prov["year"] == target_year(result)].groupby("region_id")[
        ["served", "persons"]].sum()
    return per["served"] / per["persons"]


def _last_target_shortfall(result: Result) -> float:
    prov = result.provision
    return float(prov.loc[prov["year"] == target_year(result), "shortfall"].sum())


def compare(results: dict[str, Result]) -> Comparison:
    """Compare every result with the first (the base) on what an analyst reads first."""
    names = list(results)
    base = results[names[0]]
    base_funded = funded(base)
    overview, national, money, regions, starts = [], [], [], [], {}
    for name, r in results.items():
        row: dict[str, Any] = {"scenario": name, "status": r.status.value,
                               "objective": r.objective, "mip_gap": r.mip_gap,
                               "solve_seconds": round(r.solve_seconds, 2),
                               "model": r.metadata.get("resolve", {}).get("model", "")}
        if r.has_plan:
            f = funded(r)
            if base.has_plan:
                row |= {"objective_change": r.objective - base.objective,
                        "projects_added": len(f.index.difference(base_funded.index)),
                        "projects_dropped": len(base_funded.index.difference(f.index))}
            row |= {"funded_projects": len(f),
                    "transfer": float(r.region_years["transfer"].sum()),
                    "shortfall_target_year": _last_target_shortfall(r)}
            national.append(national_at_target_year(r).assign(scenario=name))
            per_year = r.region_years.groupby("year", as_index=False)[
                ["transfer", "cofinancing", "new_opex"]].sum()
            money.append(per_year.merge(r.envelope[["year", "envelope"]], on="year")
                         .assign(scenario=name))
            regions.append(region_provision(r).rename("provision").reset_index()
                           .assign(scenario=name))
            starts[name] = f
        row["reason"] = r.metadata.get("resolve", {}).get("reason")
        overview.append(row)
    nat = pd.concat(national, ignore_index=True) if national else pd.DataFrame()
    if len(nat):
        ref = nat[nat["scenario"] == names[0]].set_index(["category", "area"])["provision"]
        nat["change"] = nat["provision"] - ref.reindex(
            pd.MultiIndex.from_frame(nat[["category", "area"]])).to_numpy()
    reg = pd.concat(regions, ignore_index=True) if regions else pd.DataFrame()
    if len(reg):
        ref = reg[reg["scenario"] == names[0]].set_index("region_id")["provision"]
        reg["change"] = reg["provision"] - reg["region_id"].map(ref)
    return Comparison(overview=pd.DataFrame(overview), national=nat,
                      money=pd.concat(money, ignore_index=True) if money else pd.DataFrame(),
                      regions=reg, projects=_project_changes(base, starts, names[0]),
                      results=results)


def _project_changes(base: Result, starts: dict[str, pd.Series], base_name: str
                     ) -> pd.DataFrame:
    """Projects whose funding or start year differs from the base in some scenario."""
    if base_name not in starts:  # no base plan to compare with
        return pd.DataFrame()
    table = pd.DataFrame(starts)
    table = table.reindex(sorted(table.index))
    years = table.fillna(-1)  # -1: not funded
    table = table[years.ne(years[base_name], axis=0).any(axis=1)]
    info = base.projects.set_index("project_id")[["region_id", "capex"]]
    return info.reindex(table.index).join(table).rename_axis("project_id").reset_index()
