"""Whole-instance checks, one ``check_<rule>`` per rule of the Validation section.

Each takes the typed tables and settings and returns the Issues it finds; ``run_checks`` runs
them all so that an analyst sees every problem of a load at once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from models.errors import Issue
from models.schema import SETTLEMENT_TYPES, TABLES
from models.settings import InstanceSettings
from models.tables import issues_where

Tables = dict[str, pd.DataFrame]


def applicable_mask(settlements: pd.DataFrame, standards: pd.DataFrame) -> np.ndarray:
    """Boolean matrix (settlement x standard): type in ``applies_to`` and population large enough.

    Built as (settlement x type one-hot) @ (type x standard), never a loop over settlements.
    """
    types = pd.Categorical(settlements["type"], categories=SETTLEMENT_TYPES)
    one_hot = np.zeros((len(settlements), len(SETTLEMENT_TYPES)), dtype=bool)
    known = types.codes >= 0
    one_hot[np.flatnonzero(known), types.codes[known]] = True
    allows = np.zeros((len(SETTLEMENT_TYPES), len(standards)), dtype=bool)
    for j, spec in enumerate(standards["applies_to"].astype(str)):
        tokens = _tokens(spec)
        allows[:, j] = [t in tokens or "all" in tokens for t in SETTLEMENT_TYPES]
    by_type = (one_hot.astype(np.int32) @ allows.astype(np.int32)) > 0
    big_enough = (settlements["population"].to_numpy(float)[:, None]
                  >= standards["min_population"].to_numpy(float)[None, :])
    return by_type & big_enough


def _tokens(spec: str) -> set[str]:
    return {t.strip() for t in spec.split(";") if t.strip()}


def _unknown(
    tables: Tables, name: str, column: str, target: str, target_column: str
) -> list[Issue]:
    """Rows of ``name`` whose ``column`` names no row of ``target``."""
    frame = tables[name]
    bad = ~frame[column].isin(tables[target][target_column])
    return issues_where(TABLES[name], frame, bad, column,
                       f"does not exist in {TABLES[target].file}")


def check_references(tables: Tables, settings: InstanceSettings) -> list[Issue]:
    """Every foreign key names an existing row."""
    return (
        _unknown(tables, "region_years", "region_id", "regions", "region_id")
        + _unknown(tables, "settlements", "region_id", "regions", "region_id")
        + _unknown(tables, "coverage", "settlement_id", "settlements", "settlement_id")
        + _unknown(tables, "coverage", "standard_id", "standards", "standard_id")
        + _unknown(tables, "projects", "settlement_id", "settlements", "settlement_id")
        + _unknown(tables, "project_effects", "project_id", "projects", "project_id")
        + _unknown(tables, "project_effects", "settlement_id", "settlements", "settlement_id")
        + _unknown(tables, "project_effects", "standard_id", "standards", "standard_id")
    )


def check_applies_to(tables: Tables, settings: InstanceSettings) -> list[Issue]:
    """``applies_to`` lists known settlement types (or ``all``)."""
    standards = tables["standards"]
    allowed = {*SETTLEMENT_TYPES, "all"}
    bad = standards["applies_to"].astype(str).map(
        lambda spec: not _tokens(spec) or not _tokens(spec) <= allowed)
    return issues_where(TABLES["standards"], standards, bad, "applies_to",
                       "names an unknown settlement type; expected `all` or `;`-separated "
                       f"types from: {', '.join(SETTLEMENT_TYPES)}")


def check_effects_apply(tables: Tables, settings: InstanceSettings) -> list[Issue]:
    """A project effect must be on a pair where the standard applies (type and population)."""
    effects, settlements, standards = (tables[n] for n in ("project_effects", "settlements",
                                                           "standards"))
    s_pos = pd.Index(settlements["settlement_id"]).get_indexer(effects["settlement_id"])
    k_pos = pd.Index(standards["standard_id"]).get_indexer(effects["standard_id"])
    known = (s_pos >= 0) & (k_pos >= 0)
    applies = applicable_mask(settlements, standards)
    ok = np.ones(len(effects), dtype=bool)
    ok[known] = applies[s_pos[known], k_pos[known]]
    return issues_where(TABLES["project_effects"], effects, pd.Series(~ok, index=effects.index),
                       "standard_id", "does not apply to this settlement "
                       "(its type is not in applies_to, or its population is below min_population)")


def check_region_years(tables: Tables, settings: InstanceSettings) -> list[Issue]:
    """One ``region_years`` row per region and planning year; no year outside the horizon."""
    frame = tables["region_years"]
    years = settings.years
    issues = issues_where(TABLES["region_years"], frame, ~frame["year"].isin(years), "year",
                         f"is outside the horizon {years[0]}..{years[-1]}")
    have = set(zip(frame["region_id"], frame["year"].astype("Int64"), strict=True))
    for region in tables["regions"]["region_id"]:
        missing = [y for y in years if (region, y) not in have]
        if missing:
            issues.append(Issue(TABLES["region_years"].file, "year",
                                f"has no row for region {region!r} in year(s) "
                                f"{', '.join(map(str, missing))}; expected one row per region "
                                "and planning year", row_id=region))
    return issues


def check_project_years(tables: Tables, settings: InstanceSettings) -> list[Issue]:
    """Start windows lie in the horizon, are not empty, and committed projects can start."""
    projects = tables["projects"]
    first, last = settings.years[0], settings.years[-1]
    spec = TABLES["projects"]
    earliest = projects["earliest_start"].fillna(first)
    latest = projects["latest_start"].fillna(last)
    issues = issues_where(spec, projects, projects["earliest_start"].notna()
                         & ((earliest < first) | (earliest > last)), "earliest_start",
                         f"is outside the horizon {first}..{last}")
    issues += issues_where(spec, projects, projects["latest_start"].notna()
                          & ((latest < first) | (latest > last)), "latest_start",
                          f"is outside the horizon {first}..{last}")
    inverted = (earliest > latest).fillna(False)
    committed = projects["status"] == "committed"
    issues += issues_where(spec, projects, inverted & committed, "latest_start",
                          "is before earliest_start: this committed project cannot start "
                          "in the horizon")
    issues += issues_where(spec, projects, inverted & ~committed, "latest_start",
                          "is before earliest_start; expected latest_start >= earliest_start")
    return issues


def check_budget(tables: Tables, settings: InstanceSettings) -> list[Issue]:
    """The envelope covers every planning year; envelope and target years lie in the horizon."""
    years = set(settings.years)
    issues = [
        Issue("instance.yaml", "budget.envelope", f"has no value for year {y}; expected one "
              "envelope (million KZT) per planning year")
        for y in settings.years if y not in settings.budget.envelope
    ]
    issues += [
        Issue("instance.yaml", "budget.envelope", f"year {y} is outside the horizon", value=y)
        for y in settings.budget.envelope if y not in years
    ]
    issues += [
        Issue("instance.yaml", f"targets.{area}", f"year {y} is outside the horizon", value=y)
        for area, by_year in settings.targets.items() for y in by_year if y not in years
    ]
    return issues


def check_category_weights(tables: Tables, settings: InstanceSettings) -> list[Issue]:
    """``objective.category_weights`` may only name categories that exist in standards."""
    known = set(tables["standards"]["category"])
    return [
        Issue("instance.yaml", "objective.category_weights",
              f"names category {name!r}, which no standard has; expected one of: "
              f"{', '.join(sorted(known))}", value=name)
        for name in settings.objective.category_weights if name not in known
    ]


def check_coverage_applies(tables: Tables, settings: InstanceSettings) -> list[Issue]:
    """Warning: coverage rows on pairs the standard does not apply to are ignored."""
    coverage, settlements, standards = (tables[n] for n in ("coverage", "settlements",
                                                            "standards"))
    s_pos = pd.Index(settlements["settlement_id"]).get_indexer(coverage["settlement_id"])
    k_pos = pd.Index(standards["standard_id"]).get_indexer(coverage["standard_id"])
    known = (s_pos >= 0) & (k_pos >= 0)
    if not known.any():
        return []
    applies = applicable_mask(settlements, standards)
    idle = np.zeros(len(coverage), dtype=bool)
    idle[known] = ~applies[s_pos[known], k_pos[known]]
    count = int(idle.sum())
    if not count:
        return []
    return [Issue(TABLES["coverage"].file, "standard_id",
                  f"{count} row(s) are on pairs where the standard does not apply; they are "
                  "ignored", severity="warning")]


def check_idle_projects(tables: Tables, settings: InstanceSettings) -> list[Issue]:
    """Warning: a project with no effect row cannot improve provision."""
    projects = tables["projects"]
    idle = ~projects["project_id"].isin(tables["project_effects"]["project_id"])
    found = issues_where(TABLES["projects"], projects, idle, "project_id",
                        "has no row in project_effects: it cannot improve provision")
    return [Issue(i.table, i.field, i.message, i.line, i.row_id, i.value, "warning")
            for i in found]


def check_fiscal_space(tables: Tables, settings: InstanceSettings) -> list[Issue]:
    """Warning: a region with no fiscal space in any year can co-finance nothing."""
    frame = tables["region_years"]
    total = frame.groupby("region_id")["fiscal_space"].sum()
    return [
        Issue(TABLES["region_years"].file, "fiscal_space", "is 0 in every year: the region can "
              "co-finance no project", row_id=str(region), severity="warning")
        for region in total.index[total <= 0]
    ]


CHECKS: tuple[Callable[[Tables, InstanceSettings], list[Issue]], ...] = (
    check_references,
    check_applies_to,
    check_effects_apply,
    check_region_years,
    check_project_years,
    check_budget,
    check_category_weights,
    check_coverage_applies,
    check_idle_projects,
    check_fiscal_space,
)


def run_checks(tables: Tables, settings: InstanceSettings) -> list[Issue]:
    """Every whole-instance check, errors and warnings together."""
    return [issue for check in CHECKS for issue in check(tables, settings)]
