"""The what-if comparison's charts: inline SVG for ``comparison.html``, and ``comparison.png``.

Each chart is drawn by one ``draw_*`` function on the axes it is given, so the page's SVG
charts (one figure each, ``report_charts.svg``: text stays text) and the four-panel PNG show
the same thing. Every case keeps its colour (the base first); regions are named; words come
from the catalogue through ``t``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from optimizer.analysis.whatif_compare import Comparison
from optimizer.outputs import people_tables as people
from optimizer.outputs.labels import Translate, number
from optimizer.outputs.report_charts import (
    TARGET,
    Colour,
    categorical,
    figure,
    grid,
    legend_on_top,
    short,
    svg,
    thousands,
)
from optimizer.outputs.whatif_tables import regions_file

_WIDTH = 0.8
"""Width of a group of bars (one bar per case)."""


def _offsets(n: int, k: int, of: int) -> np.ndarray:
    """Centres of bar ``k`` of ``of`` in each of ``n`` groups centred on 0..n-1."""
    return np.arange(n) + (k - (of - 1) / 2) * _WIDTH / of


class _Cases:
    """The cases in order, each with its colour and a label short enough for a chart."""

    def __init__(self, comparison: Comparison) -> None:
        self.names = list(comparison.results) or list(comparison.overview["scenario"])
        self.colour: dict[str, Colour] = dict(zip(self.names, categorical(len(self.names)),
                                                  strict=True))
        self.label = {name: short(name, 40) for name in self.names}


def draw_change(ax: Axes, overview: pd.DataFrame, column: str, cases: _Cases, title: str,
                t: Translate) -> None:
    """One bar per scenario: its change of ``column`` against the base."""
    others = cases.names[1:]
    values = overview.set_index("scenario").reindex(others).get(
        column, pd.Series(0.0, index=others)).fillna(0.0)  # no base plan: no change
    ax.bar(range(len(others)), values, 0.5, color=[cases.colour[n] for n in others])
    ax.set_xlim(-0.9, len(others) - 0.1)  # one scenario: a bar, not a wall
    ax.set_xticks(range(len(others)), [cases.label[n] for n in others], rotation=15,
                  ha="right")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.yaxis.set_major_formatter(thousands(t.lang))
    ax.set_title(title, fontsize=10)
    grid(ax, "y")


def draw_national(ax: Axes, national: pd.DataFrame, area: str, cases: _Cases,
                  t: Translate) -> None:
    """Per SRS category, one bar per case: provision in ``area`` in the last target year.

    The target shown is the base's (a scenario may move it).
    """
    rows = national[national["area"] == area]
    words = people.in_words(rows, t.lang)
    categories = sorted(set(words["category"]), reverse=True)
    for k, name in enumerate(cases.names):
        mine = words[rows["scenario"] == name].set_index("category").reindex(categories)
        ax.barh(_offsets(len(categories), k, len(cases.names)), mine["provision"],
                _WIDTH / len(cases.names), color=cases.colour[name], label=cases.label[name])
    base = rows["scenario"] == cases.names[0]
    target = words[base].set_index("category").reindex(categories)
    ax.scatter(target["target"], np.arange(len(categories)), marker="|", s=400,
               linewidths=2.5, color=TARGET, label=t("whatif.chart.target"), zorder=3)
    ax.set_yticks(np.arange(len(categories)), categories)
    ax.set_xlim(0, 1.05)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_title(t(f"chart.area.{area}"), fontsize=10)
    grid(ax)


def draw_transfers(ax: Axes, money: pd.DataFrame, cases: _Cases, t: Translate) -> None:
    """Per year, one line per case: the transfers used (solid) and the envelope (dotted)."""
    for name in cases.names:
        rows = money[money["scenario"] == name]
        ax.plot(rows["year"], rows["transfer"], marker="o", color=cases.colour[name],
                label=cases.label[name])
        ax.plot(rows["year"], rows["envelope"], linestyle=":", color=cases.colour[name])
    ax.set_xticks(sorted(set(money["year"])))
    ax.yaxis.set_major_formatter(thousands(t.lang))
    ax.set_ylabel(t("whatif.chart.transfer_axis"))
    grid(ax, "y")


def draw_regions(ax: Axes, regions: pd.DataFrame, cases: _Cases, t: Translate) -> None:
    """Per region (named), one bar per scenario: provision change in percentage points."""
    others = [n for n in cases.names[1:] if n in set(regions["scenario"])]
    order = (regions[regions["scenario"].isin(others)].groupby("region")["change"].sum()
             .sort_values(ascending=False).index)
    for k, name in enumerate(others):
        rows = regions[regions["scenario"] == name].set_index("region").reindex(order)
        ax.barh(_offsets(len(order), k, len(others)), 100 * rows["change"],
                _WIDTH / len(others), color=cases.colour[name], label=cases.label[name])
    ax.set_yticks(np.arange(len(order)), [short(r, 30) for r in order], fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    span = float(100 * regions["change"].abs().max()) if len(regions) else 0.0
    decimals = 2 if span < 1 else 1 if span < 10 else 0
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, t.lang, decimals)))
    ax.set_xlabel(t("whatif.chart.points_axis"))
    grid(ax)


def svg_charts(comparison: Comparison, t: Translate) -> dict[str, str]:
    """The page's charts as inline SVG, by section: changes, national, money, regions."""
    cases = _Cases(comparison)
    out: dict[str, str] = {}
    if len(cases.names) > 1 and "objective_change" in comparison.overview:
        fig, axes = figure(10, 3.6, 2)
        draw_change(axes[0], comparison.overview, "objective_change", cases,
                    t("whatif.chart.objective"), t)
        draw_change(axes[1], comparison.overview, "shortfall_change", cases,
                    t("whatif.chart.shortfall"), t)
        out["overview"] = svg(fig, "cmp-changes", t("whatif.chart.changes_title"))
    nat = comparison.national
    areas = [a for a in ("urban", "rural") if a in set(nat.get("area", []))]
    if areas:
        fig, axes = figure(11, 0.5 * nat["category"].nunique() * len(cases.names) / 2 + 2,
                           len(areas), sharey=True)
        for ax, area in zip(axes, areas, strict=True):
            draw_national(ax, nat, area, cases, t)
        legend_on_top(fig, axes[0], min(len(cases.names) + 1, 5))
        out["national"] = svg(fig, "cmp-national", t("whatif.chart.national_title"))
    if len(comparison.money):
        fig, (ax,) = figure(10, 4.2)
        draw_transfers(ax, comparison.money, cases, t)
        legend_on_top(fig, ax, min(len(cases.names), 5))
        out["money"] = svg(fig, "cmp-money", t("whatif.chart.money_title"))
    regions = regions_file(comparison)
    if len(regions) and len(cases.names) > 1:
        count = regions["region_id"].nunique()
        fig, (ax,) = figure(10, 0.25 * count * max(len(cases.names) - 1, 1) + 1.8)
        draw_regions(ax, regions, cases, t)
        legend_on_top(fig, ax, min(len(cases.names) - 1, 5))
        out["regions"] = svg(fig, "cmp-regions", t("whatif.chart.regions_title"))
    return out


def comparison_png(comparison: Comparison, path: Path, t: Translate) -> Path:
    """The four-panel PNG.

    Objective change, national provision (rural), transfers per year, regional change.
    """
    cases = _Cases(comparison)
    fig = Figure(figsize=(13, 9), dpi=100, layout="constrained")
    (ax1, ax2), (ax3, ax4) = fig.subplots(2, 2)
    draw_change(ax1, comparison.overview, "objective_change", cases,
                t("whatif.chart.objective"), t)
    nat = comparison.national
    area = "rural" if "rural" in set(nat["area"]) else str(nat["area"].iloc[0])
    draw_national(ax2, nat, area, cases, t)
    ax2.legend(fontsize=8)
    draw_transfers(ax3, comparison.money, cases, t)
    ax3.set_title(t("whatif.chart.money_title"), fontsize=10)
    regions = regions_file(comparison)
    if len(cases.names) > 1:
        draw_regions(ax4, regions, cases, t)
    ax4.set_title(t("whatif.chart.regions_title"), fontsize=10)
    fig.savefig(path, facecolor="white")
    return path
