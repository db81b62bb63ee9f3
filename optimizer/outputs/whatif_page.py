"""The what-if comparison as one self-contained HTML page, ``comparison.html``.

The report's page (``report.page_template``: its style, A4 print layout, no external file,
script or font) in the reader's language: the comparison in words, every case side by side,
then per topic (shortfall by SRS category and area, money per year, regions, projects) a table
of the base against each scenario, with inline SVG charts (``whatif_charts``). The tables are
those of ``comparison.xlsx`` (``whatif_tables.people_tables``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from optimizer.analysis.whatif_compare import SHARE_TOLERANCE, Comparison
from optimizer.outputs import people_tables as people
from optimizer.outputs.formats import COLUMN_KIND, format_value, header
from optimizer.outputs.labels import MISSING, Translate
from optimizer.outputs.report import page_template
from optimizer.outputs.report_sections import Block, Section, Table, chart
from optimizer.outputs.whatif_charts import svg_charts
from optimizer.outputs.whatif_tables import OVERVIEW, people_tables

LISTED = 200
"""Project changes listed per scenario on the page (all of them are in comparison.xlsx)."""
Cell = tuple[str, bool]


def _cell(column: str, value: object, lang: str) -> Cell:
    return format_value(column, value, lang), column in COLUMN_KIND


def versus(frame: pd.DataFrame, keys: Sequence[str], both: Sequence[str], base: str,
           scenario: str, t: Translate, only: Sequence[str] = ()) -> Block:
    """The base beside ``scenario``, one row per value of ``keys``.

    Each column of ``both`` in the base, in the scenario and its change (``<column>_change``,
    when the frame has it); then the scenario's ``only`` columns.
    """
    frame = people.in_words(frame, t.lang)
    left = frame[frame["scenario"] == base].set_index(list(keys))
    right = frame[frame["scenario"] == scenario].set_index(list(keys))
    rows = right.index.append(left.index.difference(right.index))
    left, right = left.reindex(rows), right.reindex(rows)
    headers: list[Cell] = [(header(k, t.lang), k in COLUMN_KIND) for k in keys]
    picks: list[tuple[pd.DataFrame, str]] = []
    for column in both:
        headers += [(t("whatif.in_case", label=header(column, t.lang), case=base), True),
                    (t("whatif.in_case", label=header(column, t.lang), case=scenario), True)]
        picks += [(left, column), (right, column)]
        if f"{column}_change" in right:
            headers.append((header(f"{column}_change", t.lang), True))
            picks.append((right, f"{column}_change"))
    headers += [(header(c, t.lang), True) for c in only]
    picks += [(right, c) for c in only]
    body = []
    for k, key in enumerate(rows):
        values = key if isinstance(key, tuple) else (key,)
        body.append([_cell(c, v, t.lang) for c, v in zip(keys, values, strict=True)]
                    + [_cell(c, side[c].iloc[k], t.lang) for side, c in picks])
    return Block("table", Table(headers, body))


def _overview(table: pd.DataFrame, t: Translate) -> Block:
    """Every case side by side, one figure a row."""
    cases = table.set_index("scenario")
    headers: list[Cell] = [("", False), *[(str(name), True) for name in cases.index]]
    rows = [[(header(c, t.lang), False), *[_cell(c, v, t.lang) for v in cases[c]]]
            for c in OVERVIEW[1:] if c in cases and c != "scenario_changes"]
    return Block("table", Table(headers, rows))


def _projects(changes: pd.DataFrame, scenario: str, t: Translate) -> list[Block]:
    mine = changes[changes["scenario"] == scenario]
    if mine.empty:
        return [Block("text", t("whatif.section.projects.none", scenario=scenario))]
    shown = mine.head(LISTED)
    columns = ["region", "project_id", "name", "settlement", "change", "capex"]
    rows = [[_cell(c, row[c], t.lang) for c in columns] for row in shown.to_dict("records")]
    blocks = [Block("table", Table([(header(c, t.lang), c in COLUMN_KIND) for c in columns],
                                   rows))]
    if len(mine) > LISTED:
        blocks.append(Block("text", t("whatif.section.projects.more", shown=LISTED,
                                      count=len(mine), sheet=t("sheet.whatif_projects"))))
    return blocks


def _words(tables: dict[str, pd.DataFrame], comparison: Comparison, t: Translate) -> list[str]:
    """The comparison in sentences: the rule for a changed project, then one per scenario."""
    out = [t("whatif.words.rule", points=100 * SHARE_TOLERANCE)]
    base = tables["overview"].iloc[0]
    if "objective_change" not in tables["overview"]:  # the base has no plan
        return [*out, t("whatif.words.no_base", base=base["scenario"],
                        status=base["solve_status"])]
    year = comparison.national["year"].max() if len(comparison.national) else MISSING
    for row in tables["overview"].iloc[1:].to_dict("records"):
        if pd.isna(row.get("objective_change")):
            out.append(t("whatif.words.no_plan", scenario=row["scenario"],
                         status=row["solve_status"]))
            continue
        out.append(t("whatif.words.case", scenario=row["scenario"], status=row["solve_status"],
                     year=year, **{c: format_value(c, row.get(c), t.lang) for c in (
                         "objective_change", "shortfall_change", "projects_added",
                         "projects_dropped", "projects_changed", "transfer_change")}))
    return out


def render_comparison(comparison: Comparison, lang: str) -> str:
    """The comparison as one HTML document in ``lang`` (no external file, script or font)."""
    t = Translate(lang)
    tables = people_tables(comparison, lang)
    charts = svg_charts(comparison, t)
    names = list(tables["overview"]["scenario"])
    base, others = names[0], names[1:]
    first = comparison.results.get(base)
    meta = first.metadata if first is not None else {}
    overview = [_overview(tables["overview"], t)] + [
        Block("text", t("whatif.changes_of", scenario=name, changes=text))
        for name, text in zip(tables["overview"]["scenario"], tables["overview"][
            "scenario_changes"], strict=True) if text]
    sections = [Section("overview", t("whatif.section.overview.title"),
                        t("whatif.section.overview.how"),
                        overview + ([chart(charts["overview"])] if "overview" in charts
                                    else []))]
    topics = [("national", ["category", "area"], ["provision", "shortfall"], []),
              ("money", ["year"], ["envelope", "transfer", "cofinancing"], []),
              ("regions", ["region"], ["provision", "shortfall", "transfer"],
               ["projects_added", "projects_dropped", "projects_changed"])]
    for key, keys, both, only in topics:
        blocks = []
        if len(tables[key]):
            for name in others:
                blocks += [Block("text", t("whatif.versus", base=base, scenario=name)),
                           versus(tables[key], keys, both, base, name, t, only)]
        if key in charts:
            blocks.append(chart(charts[key]))
        sections.append(Section(key, t(f"whatif.section.{key}.title"),
                                t(f"whatif.section.{key}.how"), blocks, new_page=True))
    projects = [b for name in others for b in [
        Block("text", t("whatif.versus", base=base, scenario=name)),
        *_projects(tables["projects"], name, t)]]
    sections.append(Section("projects", t("whatif.section.projects.title"),
                            t("whatif.section.projects.how", points=100 * SHARE_TOLERANCE),
                            projects, new_page=True))
    name = str(meta.get("instance") or "instance")
    return page_template().render(
        lang=lang, title=t("whatif.page.title", name=name),
        subtitle=t("whatif.page.subtitle", name=name, base=base, count=len(others)),
        kpis=[], words_title=t("whatif.words.title"), words=_words(tables, comparison, t),
        reasons_title="", reasons=None, sections=sections,
        footer=t("whatif.page.footer", version=meta.get("srsopt_version") or MISSING,
                 highs=meta.get("highs_version") or MISSING))
