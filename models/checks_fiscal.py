"""Whole-instance checks of the fiscal rules: known standards, regions, projects; revenue data."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from models.context import CheckContext
from models.designations import DESIGNATIONS, agglomerations
from models.errors import Issue
from models.fiscal import SETTINGS_FILE, FiscalRules
from models.schema import TABLES
from models.settings import InstanceSettings
from models.tables import issues_where


def _rule_issue(field: str, message: str, value: object = None,
                severity: Literal["error", "warning"] = "error") -> Issue:
    return Issue(SETTINGS_FILE, f"fiscal_rules.{field}", message, value=value, severity=severity)


def _horizon_issues(rules: FiscalRules, years: list[int]) -> list[Issue]:
    """Pool, cap and floor years inside the horizon; the pool covers every year."""
    horizon = f"{years[0]}..{years[-1]}"
    issues: list[Issue] = []
    if rules.equalization is not None:
        pool = rules.equalization.pool
        issues += [_rule_issue("equalization.pool", f"has no value for year {y}; expected one "
                               "pool (million KZT) per planning year") for y in years
                   if y not in pool]
        issues += [_rule_issue("equalization.pool", f"is outside the horizon {horizon}", y)
                   for y in pool if y not in years]
    issues += [_rule_issue("dependency_cap", f"is outside the horizon {horizon}", y)
               for y in rules.dependency_cap if y not in years]
    issues += [_rule_issue(f"critical_floors.{name}.year", f"is outside the horizon {horizon}",
                           f.year) for name, f in rules.critical_floors.items()
               if f.year not in years]
    return issues


def check_fiscal_rules(ctx: CheckContext, settings: InstanceSettings) -> list[Issue]:
    """Fiscal rules name known standards, regions and projects, and have the revenue data."""
    rules = settings.fiscal_rules
    issues = _horizon_issues(rules, settings.years)
    standards, regions = ctx.ids["standards"], ctx.ids["regions"]
    known = [*DESIGNATIONS, *agglomerations(ctx.tables["settlements"])]
    for name, floor in rules.critical_floors.items():
        if floor.standard not in standards:
            issues.append(_rule_issue(f"critical_floors.{name}.standard",
                                      "does not exist in standards.csv", floor.standard))
        if floor.region is not None and floor.region not in regions:
            issues.append(_rule_issue(f"critical_floors.{name}.region",
                                      "does not exist in regions.csv", floor.region))
        if floor.designation is not None and floor.designation not in known:
            issues.append(_rule_issue(
                f"critical_floors.{name}.designation",
                "is not a designation; expected monotown, border, agglomeration or an "
                "agglomeration of settlements.csv (" + (", ".join(known[3:]) or "none") + ")",
                floor.designation))
    if rules.needs_revenue or ctx.tables["regions"]["dependency_cap"].notna().any():
        frame = ctx.tables["region_years"]
        for column in ("own_revenue", "general_transfer"):
            issues += [replace(i, value=None) for i in issues_where(
                TABLES["region_years"], frame, frame[column].isna(), column,
                "is empty: the per-capita floor and the dependency cap need own revenue and "
                "general transfer in every row")]
    if rules.baseline is not None:
        unknown = [p for p in rules.baseline.starts if p not in ctx.ids["projects"]]
        if unknown:
            issues.append(_rule_issue(
                "baseline.starts", f"names {len(unknown)} project(s) not in projects.csv "
                f"({', '.join(unknown[:5])}); their approved starts are ignored",
                severity="warning"))
    return issues
