"""The report's sections after the first page: tables, tile maps and charts, in reading order.

Each section is data for the page template (``templates/report.html.j2``): a title, a line on
how to read it, and blocks (a table of formatted cells, an inline SVG chart, or text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
from markupsafe import Markup

from models.instance import Instance
from models.result import Result
from optimizer.outputs import people_tables as people
from optimizer.outputs import report_charts as charts
from optimizer.outputs.formats import COLUMN_KIND, format_value, header
from optimizer.outputs.labels import Translate, label_or
from optimizer.outputs.results_io import (
    national_at_targets,
    plan_years,
    target_year,
    worst_regions,
)
from optimizer.outputs.tile_map import tile_map

LARGEST = 20
"""Projects in the Gantt chart and rows in the table of unfunded needs."""
LISTED = 50
"""Funded projects listed in the report (all of them are in the results workbook)."""


@dataclass(frozen=True)
class Table:
    """An HTML table's cells as text; a cell is ``(text, is_number)`` (numbers align right)."""

    headers: list[tuple[str, bool]]
    rows: list[list[tuple[str, bool]]]


@dataclass(frozen=True)
class Block:
    """One piece of a section: a table, an inline SVG chart or a paragraph."""

    kind: Literal["table", "svg", "text"]
    content: Table | Markup | str


@dataclass(frozen=True)
class Section:
    """A section of the report: its anchor, title, how to read it, and what it shows."""

    key: str
    title: str
    how: str
    blocks: list[Block] = field(default_factory=list)
    new_page: bool = False


def table(frame: pd.DataFrame, columns: list[str], t: Translate) -> Block:
    """The given columns of ``frame`` as a table block, codes in words, numbers formatted."""
    shown = people.in_words(frame[columns], t.lang)
    numeric = [c in COLUMN_KIND for c in columns]
    rows = [[(format_value(c, v, t.lang), n) for c, v, n in zip(columns, values, numeric,
                                                                 strict=True)]
            for values in shown.itertuples(index=False)]
    return Block("table", Table([(header(c, t.lang), n) for c, n in zip(columns, numeric,
                                                                         strict=True)], rows))


def chart(svg: str) -> Block:
    """An inline SVG chart (made by ``report_charts``, so safe to insert as markup)."""
    return Block("svg", Markup(svg))


def project_facts(instance: Instance) -> pd.DataFrame:
    """Per project: its main SRS category (of its largest gain) and the persons it would serve.

    ``provision_gain`` sums population x (effect level - baseline) over the project's effects,
    the persons-standards it adds alone (as in the model, only gains above baseline count).
    """
    keys = ["settlement_id", "standard_id"]
    effects = (instance.project_effects
               .merge(instance.coverage.rename(columns={"level": "baseline"}), on=keys,
                      how="left")
               .merge(instance.standards[["standard_id", "category"]], on="standard_id")
               .merge(instance.settlements[["settlement_id", "population"]], on="settlement_id"))
    gain = (effects["level"] - effects["baseline"].fillna(0.0)).clip(lower=0.0)
    effects["provision_gain"] = gain * effects["population"]
    main = effects.sort_values("provision_gain", ascending=False, kind="stable")
    category = main.drop_duplicates("project_id").set_index("project_id")["category"]
    return pd.concat([category, effects.groupby("project_id")["provision_gain"].sum()], axis=1)


def sections(result: Result, instance: Instance | None, t: Translate) -> list[Section]:
    """Every section after the first page, in reading order."""
    names = people.Names.of(instance)
    facts = project_facts(instance) if instance is not None else None
    projects = result.table("projects").copy()
    projects["region"] = names.region(projects["region_id"])
    if facts is not None:  # the timeline groups projects by category, else by status
        projects["group"] = [label_or(f"category.{c}", t.lang, c) if isinstance(c, str)
                             else t("chart.no_effect")
                             for c in projects["project_id"].map(facts["category"])]
    else:
        projects["group"] = people.in_words(projects[["status"]], t.lang)["status"]
    regions = people.per_region(result, names)
    return [_funded(result, names, facts, t), _per_region(regions, result, t),
            _maps(regions, result, t), *_charts(result, names, projects, facts is not None, t),
            _unfunded(projects, facts, t)]


def _funded(result: Result, names: people.Names, facts: pd.DataFrame | None,
            t: Translate) -> Section:
    funded = people.funded_projects(result, names)
    listed = funded.sort_values(["funded_capex", "project_id"], ascending=[False, True],
                                kind="stable").head(LISTED)
    how = (t("section.funded.all", count=len(funded)) if len(funded) <= LISTED else
           t("section.funded.largest", shown=len(listed), count=len(funded),
             sheet=t("sheet.funded")))
    blocks = []
    if facts is not None and len(funded):
        how += " " + t("section.funded.by_category")
        by = (funded.assign(category=funded["project_id"].map(facts["category"]))
              .groupby("category").agg(funded_projects=("project_id", "size"),
                                       funded_capex=("funded_capex", "sum"))
              .sort_values("funded_capex", ascending=False).reset_index())
        blocks.append(table(by, ["category", "funded_projects", "funded_capex"], t))
    blocks.append(table(listed, ["project_id", "name", "settlement", "region", "start_year",
                                 "completion_year", "funded", "funded_capex"], t))
    return Section("funded", t("section.funded.title"), how, blocks, new_page=True)


def _per_region(regions: pd.DataFrame, result: Result, t: Translate) -> Section:
    year = target_year(result)
    years = plan_years(result)
    how = t("section.per_region.how", first=years[0], last=years[-1],
            year=year if year is not None else "–")
    columns = ["region", "funded_projects", "funded_capex", "transfer", "cofinancing",
               "baseline", "provision", "target", "shortfall"]
    return Section("per-region", t("section.per_region.title"), how,
                   [table(regions, columns, t)], new_page=True)


def _maps(regions: pd.DataFrame, result: Result, t: Translate) -> Section:
    year = target_year(result)
    years = plan_years(result)
    names = regions.set_index("region_id")["region"]
    by_region = regions.set_index("region_id")
    blocks = [chart(tile_map(by_region["shortfall"], names, "map-shortfall",
                             t("map.shortfall", year=year if year is not None else "–"),
                             "OrRd", t)),
              chart(tile_map(by_region["transfer"], names, "map-transfer",
                             t("map.transfer", first=years[0], last=years[-1]), "Blues", t))]
    return Section("maps", t("section.maps.title"), t("section.maps.how"), blocks, new_page=True)


def _charts(result: Result, names: people.Names, projects: pd.DataFrame, by_category: bool,
            t: Translate) -> list[Section]:
    years = plan_years(result)
    money, envelope = result.table("region_years"), result.table("envelope")
    national = national_at_targets(result)
    national = people.in_words(national, t.lang).assign(area_code=national["area"])
    out = [Section("national", t("section.national.title"), t("section.national.how"),
                   [chart(charts.national_chart(national, years[-1], t))], new_page=True)]
    territories = people.designation_at_target(result)
    if territories is not None:  # beside the national table, for an instance with designations
        out.append(Section("designations", t("section.designations.title"),
                           t("section.designations.how", year=target_year(result)),
                           [table(territories, list(territories.columns), t)]))
    worst = worst_regions(result, count=money["region_id"].nunique())
    year = target_year(result)
    if worst.empty or year is None:
        body = Block("text", t("section.regions.no_target"))
    else:
        worst["label"] = names.region(worst["region_id"])
        body = chart(charts.regions_chart(worst, year, t))
    out.append(Section("regions", t("section.regions.title"), t("section.regions.how"),
                       [body]))
    out.append(Section("transfers", t("section.transfers.title"), t("section.transfers.how"),
                       [chart(charts.transfers_chart(money, names.regions, t))]))
    out.append(Section("timeline", t("section.timeline.title"),
                       t("section.timeline.how_category" if by_category else
                         "section.timeline.how_status"),
                       [chart(_timeline(result.table("starts"), projects, years, t))]))
    cofinancing = money.groupby("year")["cofinancing"].sum()
    out.append(Section("money", t("section.money.title"), t("section.money.how"),
                       [chart(charts.money_chart(envelope, cofinancing, t))]))
    return out


def _timeline(starts: pd.DataFrame, projects: pd.DataFrame, years: list[int],
              t: Translate) -> str:
    """The timeline chart: capex started per year and group, then the largest funded projects.

    A divisible project started in parts counts each part's share of capex in its year.
    """
    started = starts.merge(projects[["project_id", "capex", "group"]], on="project_id")
    started["capex"] *= started["share"]
    largest = (projects[projects["funded"] > people.FUNDED].nlargest(LARGEST, "funded_capex")
               .sort_values(["start_year", "completion_year", "funded_capex"],
                            ascending=[True, True, False]))
    largest["label"] = [f"{pid} {charts.short(name)}, {region}" for pid, name, region in zip(
        largest["project_id"], largest["name"], largest["region"], strict=True)]
    return charts.timeline_chart(started, largest, years, t)


def _unfunded(projects: pd.DataFrame, facts: pd.DataFrame | None, t: Translate) -> Section:
    need = projects[(projects["status"] == "candidate") & (projects["funded"] < 1 - 1e-6)]
    columns = ["project_id", "name", "region", "settlement_id", "capex", "opex", "funded"]
    if facts is not None:
        need = need.join(facts, on="project_id").sort_values(["provision_gain", "capex"],
                                                             ascending=False)
        columns += ["category", "provision_gain"]
    else:
        need = need.sort_values("capex", ascending=False)
    if "reason" in need:
        columns.append("reason")
    how = t("section.unfunded.how_facts" if facts is not None else "section.unfunded.how")
    body = (Block("text", t("section.unfunded.none")) if need.empty
            else table(need.head(LARGEST), columns, t))
    return Section("unfunded", t("section.unfunded.title"), how, [body], new_page=True)
