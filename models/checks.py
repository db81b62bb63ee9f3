"""Whole-instance checks, one ``check_<rule>`` per rule of the Validation section.

Each check reads a ``CheckContext`` and returns the Issues it finds. Checks see the tables with
the rows that already failed a cell check (and repeated keys) removed, so that one mistake is
reported once, not again by every rule that reads the broken row; references are judged against
every ID present in the file, so a row that exists but is broken is not also called unknown.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from models.checks_fiscal import check_fiscal_rules
from models.checks_structure import check_groups, check_requirements, check_spend_profiles
from models.context import CheckContext
from models.errors import Issue
from models.schema import SETTLEMENT_TYPES, TABLES
from models.settings import InstanceSettings
from models.tables import issues_where


def applies_tokens(spec: str) -> set[str]:
    """Settlement types named by an ``applies_to`` cell (``all`` stays a token)."""
    return {t.strip() for t in str(spec).split(";") if t.strip()}


def applicable_mask(settlements: pd.DataFrame, standards: pd.DataFrame) -> np.ndarray:
    """Boolean matrix (settlement x standard): type in ``applies_to`` and population large enough.

    Built as (settlement x type one-hot) @ (type x standard), never a loop over settlements.
    """
    codes = pd.Index(SETTLEMENT_TYPES).get_indexer(pd.Index(settlements["type"]))
    one_hot = np.zeros((len(settlements), len(SETTLEMENT_TYPES)), dtype=np.int32)
    known = codes >= 0
    one_hot[np.flatnonzero(known), codes[known]] = 1
    allows = np.zeros((len(SETTLEMENT_TYPES), len(standards)), dtype=np.int32)
    for j, spec in enumerate(standards["applies_to"]):
        tokens = applies_tokens(spec)
        allows[:, j] = ["all" in tokens or t in tokens for t in SETTLEMENT_TYPES]
    big_enough = (settlements["population"].to_numpy(float)[:, None]
                  >= standards["min_population"].to_numpy(float)[None, :])
    return ((one_hot @ allows) > 0) & big_enough


def _unknown(ctx: CheckContext, name: str, column: str, target: str) -> list[Issue]:
    """Rows of ``name`` whose ``column`` names no row of ``target``."""
    frame = ctx.tables[name]
    bad = ~frame[column].isin(ctx.ids[target])
    return issues_where(TABLES[name], frame, bad, column,
                        f"does not exist in {TABLES[target].file}")


def check_references(ctx: CheckContext) -> list[Issue]:
    """Every foreign key names an existing row."""
    return [issue for name, table in TABLES.items() for col in table.columns if col.refers
            for issue in _unknown(ctx, name, col.name, col.refers)]


def _applies_ok(standards: pd.DataFrame) -> pd.Series:
    allowed = {*SETTLEMENT_TYPES, "all"}
    return standards["applies_to"].map(
        lambda spec: bool(applies_tokens(spec)) and applies_tokens(spec) <= allowed
    ).astype(bool)  # an empty table maps to an object Series


def check_applies_to(ctx: CheckContext) -> list[Issue]:
    """``applies_to`` lists known settlement types (or ``all``)."""
    standards = ctx.tables["standards"]
    return issues_where(TABLES["standards"], standards, ~_applies_ok(standards), "applies_to",
                        "names an unknown settlement type; expected `all` or `;`-separated "
                        f"types from: {', '.join(SETTLEMENT_TYPES)}")


def _pair_positions(ctx: CheckContext, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray,
                                                                    np.ndarray]:
    """Positions of each row's settlement and standard in the clean tables, and which exist."""
    settlements, standards = ctx.tables["settlements"], ctx.tables["standards"]
    standards_ok = standards[_applies_ok(standards)]
    s_pos = pd.Index(settlements["settlement_id"]).get_indexer(frame["settlement_id"])
    k_pos = pd.Index(standards["standard_id"]).get_indexer(frame["standard_id"])
    known = (s_pos >= 0) & (k_pos >= 0) & frame["standard_id"].isin(
        standards_ok["standard_id"]).to_numpy()
    return s_pos, k_pos, known


def check_effects_apply(ctx: CheckContext) -> list[Issue]:
    """A project effect must be on a pair where the standard applies (type and population)."""
    effects = ctx.tables["project_effects"]
    settlements, standards = ctx.tables["settlements"], ctx.tables["standards"]
    s_pos, k_pos, known = _pair_positions(ctx, effects)
    applies = applicable_mask(settlements, standards)
    bad = np.zeros(len(effects), dtype=bool)
    bad[known] = ~applies[s_pos[known], k_pos[known]]
    if not bad.any():
        return []
    s_row, k_row = settlements.iloc[s_pos[bad]], standards.iloc[k_pos[bad]]
    by_type = [t in applies_tokens(a) or "all" in applies_tokens(a)
               for t, a in zip(s_row["type"], k_row["applies_to"], strict=True)]
    reasons = [
        (f"does not apply to {sid}: population {pop:,.0f} is below {kid}'s min_population "
         f"{minimum:,.0f}") if ok_type else
        (f"does not apply to {sid}: it is {stype}, and {kid} applies to {applies}")
        for sid, stype, pop, kid, applies, minimum, ok_type in zip(
            s_row["settlement_id"], s_row["type"], s_row["population"], k_row["standard_id"],
            k_row["applies_to"], k_row["min_population"], by_type, strict=True)
    ]
    messages = pd.Series(reasons, index=effects.index[bad]).reindex(effects.index)
    return issues_where(TABLES["project_effects"], effects, bad, "standard_id", messages)


def check_region_years(ctx: CheckContext, settings: InstanceSettings) -> list[Issue]:
    """One ``region_years`` row per region and planning year; no year outside the horizon."""
    frame, years = ctx.tables["region_years"], settings.years
    issues = issues_where(TABLES["region_years"], frame, ~frame["year"].isin(years), "year",
                          f"is outside the horizon {years[0]}..{years[-1]}")
    have = set(zip(frame["region_id"], frame["year"].astype(int), strict=True))
    # a region with a broken row was reported there; its "missing" year is that row
    for region in ctx.tables["regions"]["region_id"]:
        if region in ctx.broken["region_years"]:
            continue
        missing = [y for y in years if (region, y) not in have]
        if missing:
            issues.append(Issue(TABLES["region_years"].file, "year",
                                f"has no row for region {region!r} in year(s) "
                                f"{', '.join(map(str, missing))}; expected one row per region "
                                "and planning year", row_id=region))
    return issues


def check_project_years(ctx: CheckContext, settings: InstanceSettings) -> list[Issue]:
    """Start windows lie in the horizon, are not empty, and committed projects can start."""
    projects = ctx.tables["projects"]
    first, last = settings.years[0], settings.years[-1]
    spec = TABLES["projects"]
    issues: list[Issue] = []
    outside = pd.Series(False, index=projects.index)
    for column in ("earliest_start", "latest_start"):
        values = projects[column]
        wrong = (values.notna() & ((values < first) | (values > last))).fillna(False)
        issues += issues_where(spec, projects, wrong, column,
                               f"is outside the horizon {first}..{last}")
        outside |= wrong
    earliest = projects["earliest_start"].fillna(first)
    latest = projects["latest_start"].fillna(last)
    inverted = ((earliest > latest).fillna(False) & ~outside).to_numpy()
    committed = (projects["status"] == "committed").to_numpy()
    message: pd.Series = (
        "is before earliest_start " + earliest.astype("string").fillna("?")
        + np.where(committed, ": this committed project cannot start in the horizon",
                   "; expected latest_start >= earliest_start"))
    return issues + issues_where(spec, projects, inverted, "latest_start", message)


def check_budget(ctx: CheckContext, settings: InstanceSettings) -> list[Issue]:
    """The envelope covers every planning year; envelope and target years lie in the horizon."""
    s = settings
    years = set(s.years)
    horizon = f"{s.years[0]}..{s.years[-1]}"
    issues = [
        Issue("instance.yaml", "budget.envelope", f"has no value for year {y}; expected one "
              "envelope (million KZT) per planning year")
        for y in s.years if y not in s.budget.envelope
    ]
    issues += [
        Issue("instance.yaml", "budget.envelope", f"is outside the horizon {horizon}", value=y)
        for y in s.budget.envelope if y not in years
    ]
    issues += [
        Issue("instance.yaml", f"targets.{area}", f"is outside the horizon {horizon}", value=y)
        for area, by_year in s.targets.items() for y in by_year if y not in years
    ]
    return issues


def check_category_weights(ctx: CheckContext, settings: InstanceSettings) -> list[Issue]:
    """``objective.category_weights`` may only name categories that exist in standards."""
    known = set(ctx.tables["standards"]["category"])
    return [
        Issue("instance.yaml", "objective.category_weights",
              f"is not the category of any standard; expected one of: "
              f"{', '.join(sorted(known))}", value=name)
        for name in settings.objective.category_weights if name not in known
    ]


def check_coverage_applies(ctx: CheckContext) -> list[Issue]:
    """Warning: coverage rows on pairs where the standard does not apply are ignored."""
    coverage = ctx.tables["coverage"]
    s_pos, k_pos, known = _pair_positions(ctx, coverage)
    applies = applicable_mask(ctx.tables["settlements"], ctx.tables["standards"])
    idle = np.zeros(len(coverage), dtype=bool)
    idle[known] = ~applies[s_pos[known], k_pos[known]]
    if not idle.any():
        return []
    lines = ", ".join(str(i + 2) for i in coverage.index[idle][:10])
    more = "" if idle.sum() <= 10 else ", ..."
    return [Issue(TABLES["coverage"].file, "standard_id",
                  f"does not apply to the settlement on {int(idle.sum())} row(s) (lines "
                  f"{lines}{more}); those rows are ignored", severity="warning")]


def check_idle_projects(ctx: CheckContext) -> list[Issue]:
    """Warning: a project with no effect row and no growth or revenue effect does nothing."""
    projects = ctx.tables["projects"]
    idle = ~projects["project_id"].isin(ctx.ids["project_effects"])
    for column in ("grp_effect", "revenue_effect"):  # a growth project needs no SRS effect
        if column in projects:
            idle &= ~(pd.to_numeric(projects[column], errors="coerce").fillna(0.0) > 0)
    found = issues_where(TABLES["projects"], projects, idle, "project_id",
                         "has no row in project_effects: it cannot improve provision")
    return [Issue(i.table, i.field, i.message, i.line, i.row_id, i.value, "warning")
            for i in found]


def check_fiscal_space(ctx: CheckContext) -> list[Issue]:
    """Warning: a region with no fiscal space in any year can co-finance nothing."""
    frame = ctx.tables["region_years"]
    total = frame.groupby("region_id")["fiscal_space"].sum()
    return [
        Issue(TABLES["region_years"].file, "fiscal_space", "is 0 in every year: the region can "
              "co-finance no project", row_id=str(region), severity="warning")
        for region in total.index[total <= 0]
    ]


Check = Callable[[CheckContext], list[Issue]]
SettingsCheck = Callable[[CheckContext, InstanceSettings], list[Issue]]
"""A check that also reads instance.yaml: it runs only when the settings are valid."""

TABLE_CHECKS: tuple[Check, ...] = (
    check_references,
    check_applies_to,
    check_effects_apply,
    check_coverage_applies,
    check_idle_projects,
    check_fiscal_space,
    check_spend_profiles,
    check_groups,
)
"""Checks that read the tables only."""

SETTINGS_CHECKS: tuple[SettingsCheck, ...] = (
    check_region_years,
    check_project_years,
    check_budget,
    check_category_weights,
    check_fiscal_rules,
    check_requirements,
)
"""Checks that also need a valid instance.yaml."""

CHECKS: tuple[Check | SettingsCheck, ...] = TABLE_CHECKS + SETTINGS_CHECKS


def run_checks(ctx: CheckContext) -> list[Issue]:
    """Every check that can run, errors and warnings together."""
    issues = [issue for check in TABLE_CHECKS for issue in check(ctx)]
    if ctx.settings is not None:
        issues += [issue for check in SETTINGS_CHECKS for issue in check(ctx, ctx.settings)]
    return issues
