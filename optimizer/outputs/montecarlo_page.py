"""A Monte Carlo run as one self-contained HTML page, ``montecarlo.html``, with its charts.

The report's page (``report.page_template``) in the reader's language: the run in words, then
the probability of meeting the targets by region (bars) and by region and category (table),
fan charts over the years (national provision and money: P10-P90 band, P50 line) and the
projects most often cut or delayed. Charts are inline SVG (``report_charts``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from optimizer.analysis.montecarlo_summary import ALL, Summary
from optimizer.outputs.labels import MISSING, Translate, percent
from optimizer.outputs.report import page_template
from optimizer.outputs.report_charts import PLAN, TARGET, figure, grid, legend_on_top, svg
from optimizer.outputs.report_sections import Section, chart, table

LISTED = 30
"""Projects listed on the page (all of them are in projects.csv)."""
FAN = {"p10": "p10", "p50": "p50", "p90": "p90"}


def _fan(ax: Any, rows: pd.DataFrame, label: str, colour: Any, scale: float = 1.0) -> None:
    years = rows["year"].to_numpy()
    ax.fill_between(years, rows["p10"] * scale, rows["p90"] * scale, color=colour, alpha=0.2,
                    label=f"{label}: P10-P90")
    ax.plot(years, rows["p50"] * scale, color=colour, marker="o", label=f"{label}: P50")
    ax.set_xticks(years)


def fan_charts(summary: Summary, t: Translate) -> str | None:
    """National provision per area and money per year, P10-P90 band and P50 line."""
    if summary.provision.empty:
        return None
    fig, (left, right) = figure(11, 3.8, 2)
    for area, colour in ((ALL, PLAN), ("urban", "#2E75B6"), ("rural", "#70AD47")):
        rows = summary.provision[summary.provision["area"] == area]
        if len(rows):
            _fan(left, rows, t(f"mc.area.{area}"), colour, 100)
    left.set_title(t("mc.chart.provision"))
    for measure, colour in (("transfer", PLAN), ("cofinancing", "#E69F00")):
        rows = summary.money[summary.money["measure"] == measure]
        if len(rows):
            _fan(right, rows, t(f"mc.measure.{measure}"), colour)
    right.set_title(t("mc.chart.money"))
    for ax in (left, right):
        grid(ax, "y")
        ax.legend(fontsize=7, frameon=False)
    return svg(fig, "mc-fan", t("mc.chart.fan_title"))


def probability_bars(summary: Summary, names: dict[str, str], t: Translate) -> str | None:
    """Per region, the probability of meeting every target of each target year."""
    rows = summary.targets[(summary.targets["region_id"] != ALL)
                           & (summary.targets["category"] == ALL)]
    if rows.empty:
        return None
    years = sorted(rows["year"].unique())
    regions = sorted(rows["region_id"].unique(), key=lambda r: names.get(r, r))
    fig, (ax,) = figure(10, 0.28 * len(regions) * len(years) + 1.6)
    height = 0.8 / len(years)
    colours = [PLAN, TARGET, "#70AD47", "#7F7F7F"]
    for k, year in enumerate(years):
        mine = rows[rows["year"] == year].set_index("region_id").reindex(regions)
        ax.barh([i + k * height for i in range(len(regions))], 100 * mine["probability"],
                height=height, color=colours[k % len(colours)], label=str(year))
    ax.set_yticks([i + height * (len(years) - 1) / 2 for i in range(len(regions))],
                  [names.get(r, r) for r in regions])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(t("mc.chart.probability_axis"))
    grid(ax, "x")
    legend_on_top(fig, ax, len(years))
    return svg(fig, "mc-regions", t("mc.chart.regions_title"))


def _words(summary: Summary, meta: dict[str, Any], t: Translate) -> list[str]:
    out = [t(f"mc.words.mode.{meta['mode']}", draws=meta["draws"], seed=meta["seed"],
             file=meta.get("uncertainty") or MISSING)]
    national = summary.targets[(summary.targets["region_id"] == ALL)
                               & (summary.targets["category"] == ALL)]
    for row in national.itertuples():
        q = summary.shortfall[(summary.shortfall["region_id"] == ALL)
                              & (summary.shortfall["year"] == row.year)]
        if len(q):
            out.append(t("mc.words.year", year=row.year, probability=percent(
                row.probability, t.lang), p10=q["p10"].iloc[0], p50=q["p50"].iloc[0],
                p90=q["p90"].iloc[0]))
    if len(summary.projects) and meta["mode"] == "fixed_plan":
        top = summary.projects.iloc[0]
        out.append(t("mc.words.project", project=top["project_id"], cut=top["times_cut"],
                     delayed=top["times_delayed"], draws=meta["draws"]))
    if len(summary.missing):
        out.append(t("mc.words.missing", count=len(summary.missing)))
    return out


def render_montecarlo(summary: Summary, meta: dict[str, Any], names: dict[str, str],
                      lang: str) -> str:
    """The page in ``lang`` (no external file, script or font); ``names``: region names."""
    t = Translate(lang)
    targets = summary.targets.assign(region=summary.targets["region_id"].map(
        lambda r: t("mc.area.all") if r == ALL else names.get(r, r)))
    sections = []
    bars = probability_bars(summary, names, t)
    sections.append(Section("targets", t("mc.section.targets.title"),
                            t("mc.section.targets.how"),
                            ([chart(bars)] if bars else [])
                            + [table(targets, ["region", "category", "year", "draws", "met",
                                               "probability"], t)]))
    fan = fan_charts(summary, t)
    q = summary.shortfall.assign(region=summary.shortfall["region_id"].map(
        lambda r: t("mc.area.all") if r == ALL else names.get(r, r)))
    sections.append(Section("fan", t("mc.section.fan.title"), t("mc.section.fan.how"),
                            ([chart(fan)] if fan else [])
                            + [table(q, ["region", "year", "mean", "p10", "p50", "p90"], t)],
                            new_page=True))
    if len(summary.projects):
        sections.append(Section("projects", t("mc.section.projects.title"),
                                t("mc.section.projects.how"),
                                [table(summary.projects.head(LISTED),
                                       list(summary.projects.columns), t)], new_page=True))
    return page_template().render(
        lang=lang, title=t("mc.page.title", name=meta.get("instance") or MISSING),
        subtitle=t("mc.page.subtitle", draws=meta["draws"], seed=meta["seed"]),
        kpis=[], words_title=t("mc.words.title"), words=_words(summary, meta, t),
        reasons_title="", reasons=None, sections=sections,
        footer=t("mc.page.footer", version=meta.get("srsopt_version") or MISSING))
