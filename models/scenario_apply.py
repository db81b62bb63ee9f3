"""Apply scenarios to an instance as pure data: settings and table edits, then re-validation.

Each change is checked against what the instance has (regions, projects, categories, years)
before it is applied, and the changed instance goes through ``instance_from_tables`` again, so a
scenario cannot produce an instance that ``srsopt validate`` would reject.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from models.errors import InstanceError
from models.instance import Instance, instance_from_tables
from models.scenario import (
    CapexOverrunChange,
    Change,
    EnvelopeChange,
    LockChange,
    ObjectiveChange,
    Problem,
    RegionChange,
    Scenario,
    ScenarioError,
    TargetsChange,
    existing,
)

Tables = dict[str, pd.DataFrame]
Applier = Callable[[Any, dict[str, Any], Tables, Callable[[str], ScenarioError]], str]
"""(params, settings, tables, error) -> what the change did, in words; edits in place."""


def _years(settings: dict[str, Any], years: Sequence[int], fail: Callable[[str], ScenarioError]
           ) -> None:
    for year in years:
        if year not in settings["years"]:
            raise fail(existing("year", year, settings["years"], "planning years"))


def _envelope(c: EnvelopeChange, settings: dict[str, Any], _: Tables,
              fail: Callable[[str], ScenarioError]) -> str:
    env = settings["budget"]["envelope"]
    before = sum(env.values())
    if c.scale is not None:
        settings["budget"]["envelope"] = {y: v * c.scale for y, v in env.items()}
    else:
        _years(settings, list(c.set or {}), fail)
        env.update(c.set or {})
    return (f"envelope total {before:,.0f} -> {sum(settings['budget']['envelope'].values()):,.0f}"
            " million KZT")


def _targets(c: TargetsChange, settings: dict[str, Any], _: Tables,
             fail: Callable[[str], ScenarioError]) -> str:
    done = []
    for area in ("urban", "rural"):
        values = getattr(c, area)
        _years(settings, list(values), fail)
        old = settings["targets"].setdefault(area, {})
        done += [f"{area} {y}: {old.get(y, 'none')} -> {v}" for y, v in values.items()]
        old.update(values)
    return "targets " + ", ".join(done)


def _objective(c: ObjectiveChange, settings: dict[str, Any], tables: Tables,
               fail: Callable[[str], ScenarioError]) -> str:
    objective = settings["objective"]
    known = sorted(set(tables["standards"]["category"]))
    for category in c.category_weights:
        if category not in known:
            raise fail(existing("category", category, known, "categories"))
    objective["category_weights"] = {**objective["category_weights"], **c.category_weights}
    given = c.model_dump(exclude_none=True, exclude={"category_weights"})
    objective.update(given)
    return "objective " + ", ".join(f"{k} = {v}" for k, v in
                                    {**given, **c.category_weights}.items())


def _regions(wanted: str | list[str], tables: Tables, fail: Callable[[str], ScenarioError]
             ) -> list[str]:
    ids = list(tables["regions"]["region_id"])
    if wanted == "all":
        return ids
    names = [wanted] if isinstance(wanted, str) else wanted
    for name in names:
        if name not in ids:
            raise fail(existing("region", name, ids))
    return names


def _region(c: RegionChange, _: dict[str, Any], tables: Tables,
            fail: Callable[[str], ScenarioError]) -> str:
    names = _regions(c.region, tables, fail)
    regions, ry = tables["regions"], tables["region_years"]
    rows = regions["region_id"].isin(names)
    for column in ("cofinancing_rate", "max_envelope_share"):
        if getattr(c, column) is not None:
            regions.loc[rows, column] = getattr(c, column)
    if c.fiscal_space_scale is not None:
        ry.loc[ry["region_id"].isin(names), "fiscal_space"] *= c.fiscal_space_scale
    what = c.model_dump(exclude_none=True, exclude={"region"})
    return (f"{', '.join(names) if len(names) <= 5 else f'{len(names)} regions'}: "
            + ", ".join(f"{k} = {v}" for k, v in what.items()))


def _projects(wanted: str | list[str], tables: Tables, fail: Callable[[str], ScenarioError]
              ) -> pd.Series:
    projects = tables["projects"]
    names = [wanted] if isinstance(wanted, str) else wanted
    ids = set(projects["project_id"])
    for name in names:
        if name not in ids:
            raise fail(existing("project", name, projects["project_id"]))
    return projects["project_id"].isin(names)


def _lock(c: LockChange, settings: dict[str, Any], tables: Tables,
          fail: Callable[[str], ScenarioError]) -> str:
    rows = _projects(c.project, tables, fail)
    projects = tables["projects"]
    said = []
    if c.force is not None:
        projects.loc[rows, "status"] = "committed" if c.force == "in" else "excluded"
        said.append("forced in (committed)" if c.force == "in" else "forced out (excluded)")
    if c.start_year is not None:
        _years(settings, [c.start_year], fail)
        projects["earliest_start"] = projects["earliest_start"].astype("Int64")
        projects["latest_start"] = projects["latest_start"].astype("Int64")
        projects.loc[rows, ["earliest_start", "latest_start"]] = c.start_year
        said.append(f"start fixed to {c.start_year}")
    names = list(projects.loc[rows, "project_id"])
    return f"{', '.join(names[:5])}{' ...' if len(names) > 5 else ''}: {' and '.join(said)}"


def project_categories(tables: Tables) -> pd.DataFrame:
    """(project_id, category) for every category a project has an effect in."""
    effects = tables["project_effects"][["project_id", "standard_id"]]
    merged = effects.merge(tables["standards"][["standard_id", "category"]], on="standard_id")
    return merged[["project_id", "category"]].drop_duplicates()


def _capex(c: CapexOverrunChange, _: dict[str, Any], tables: Tables,
           fail: Callable[[str], ScenarioError]) -> str:
    projects = tables["projects"]
    rows = pd.Series(True, index=projects.index)
    if c.category is not None:
        pairs = project_categories(tables)
        known = sorted(set(tables["standards"]["category"]))
        if c.category not in known:
            raise fail(existing("category", c.category, known, "categories"))
        rows &= projects["project_id"].isin(pairs.loc[pairs["category"] == c.category,
                                                      "project_id"])
    if c.region is not None:
        _regions(c.region, tables, fail)
        host = tables["settlements"].set_index("settlement_id")["region_id"]
        rows &= (projects["settlement_id"].map(host) == c.region).to_numpy()
    before = projects.loc[rows, "capex"].sum()
    projects.loc[rows, "capex"] = projects.loc[rows, "capex"] * c.factor
    return (f"capex x{c.factor} on {int(rows.sum()):,} projects: {before:,.0f} -> "
            f"{before * c.factor:,.0f} million KZT")


APPLIERS: dict[type, Applier] = {
    EnvelopeChange: _envelope, TargetsChange: _targets, ObjectiveChange: _objective,
    RegionChange: _region, LockChange: _lock, CapexOverrunChange: _capex,
}


def _apply_change(change: Change, scenario: Scenario, settings: dict[str, Any], tables: Tables
                  ) -> dict[str, Any]:
    def fail(message: str) -> ScenarioError:
        return ScenarioError(scenario.file, change.where, message, change.line)

    effect = APPLIERS[type(change.params)](change.params, settings, tables, fail)
    return {"file": scenario.file, "scenario": scenario.name, "change": change.number,
            "kind": change.kind, "params": change.params.model_dump(mode="json",
                                                                    exclude_defaults=True),
            "effect": effect}


def apply_scenarios(instance: Instance, scenarios: Sequence[Scenario],
                    read: Sequence[Problem] = ()) -> tuple[Instance, dict[str, Any]]:
    """The instance with every scenario's changes applied in order, and the record of them.

    The record (``name``, ``files``, ``changes`` with each change's effect in words) is what
    ``Result.metadata["scenario"]`` and ``scenario.json`` keep. ``read``: the problems found
    reading the files (``models.scenario.read_scenarios``), reported with those found here.

    Raises:
        ScenarioError: changes name unknown keys, regions, projects, categories or years
            (every such change, each with its line), or the changed instance fails validation.
    """
    settings = instance.settings_dict()
    tables = {name: frame.copy() for name, frame in instance.tables().items()}
    applied, problems = [], list(read)
    for scenario in scenarios:
        for change in scenario.changes:
            try:
                applied.append(_apply_change(change, scenario, settings, tables))
            except ScenarioError as exc:  # the next changes are still checked
                problems += exc.problems
    if problems:
        raise ScenarioError.of(sorted(problems, key=lambda p: (p.file, p.line or 0)))
    name = "+".join(s.name for s in scenarios) or "base"
    files = [s.file for s in scenarios]
    try:
        changed = instance_from_tables(settings, tables, source=f"{instance.source} + {name}")
    except InstanceError as exc:
        raise ScenarioError(", ".join(files), "after all changes",
                            "the changed instance is invalid:\n" + "\n".join(
                                f"  - {issue}" for issue in exc.issues[:20])) from None
    record = {"name": name, "files": files,
              "descriptions": [s.description for s in scenarios if s.description],
              "changes": applied}
    return changed, record
