"""The report's charts: matplotlib figures rendered to PNG (Agg, no display, no pyplot state).

Each function takes plain result tables and returns the PNG as base64 text for an ``<img>``.
Money is in million KZT, provision a share of residents shown as %, persons in thousands.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib import colormaps, rcParams
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

BASELINE = "#A6A6A6"
PLAN = "#1F4E79"
TARGET = "#C00000"
COFINANCING = "#E69F00"
ENVELOPE = "#DCE6F1"
_THOUSANDS = FuncFormatter(lambda v, _: f"{v:,.0f}")
_DPI = 110
rcParams["text.parse_math"] = False  # names are text: a "$" in one is not a formula


Colour = tuple[float, float, float, float]
"""RGBA, as a colour map gives it."""


def _figure(width: float, height: float, columns: int = 1, *, sharey: bool = False,
            width_ratios: Sequence[float] | None = None) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    axes = fig.subplots(1, columns, squeeze=False, sharey=sharey, width_ratios=width_ratios)
    return fig, list(axes[0])


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _grid(ax: Axes, axis: Literal["both", "x", "y"] = "x") -> None:
    ax.grid(axis=axis, color="#E0E0E0", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _colours(n: int) -> list[Colour]:
    """Sequential colours (years) from light to dark that stay apart in print."""
    return [colormaps["viridis"](x) for x in np.linspace(0.85, 0.15, max(n, 1))]


def _categorical(n: int) -> list[Colour]:
    """Distinct colours for groups (categories or statuses)."""
    palette = colormaps["tab10" if n <= 10 else "tab20"]  # listed: colour i is palette(i)
    return [palette(i % palette.N) for i in range(n)]


def _legend_on_top(fig: Figure, ax: Axes, columns: int = 4) -> None:
    """One legend above the panels, so it never hides a bar or a title."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=columns, frameon=False)


def short(text: str, width: int = 30) -> str:
    """Text cut at a word to fit a tick label."""
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def national_chart(national: pd.DataFrame, year: int) -> str:
    """Per category, one panel per area: baseline and plan provision bars, target as a tick."""
    areas = [a for a in ("urban", "rural") if a in set(national["area"])]
    categories = sorted(national["category"].unique(), reverse=True)
    fig, axes = _figure(11, 0.55 * len(categories) + 1.6, len(areas), sharey=True)
    y = np.arange(len(categories))
    for ax, area in zip(axes, areas, strict=True):
        rows = national[national["area"] == area].set_index("category").reindex(categories)
        ax.barh(y + 0.2, rows["baseline"], 0.38, color=BASELINE, label="baseline (start)")
        ax.barh(y - 0.2, rows["provision"], 0.38, color=PLAN, label=f"plan, end of {year}")
        ax.scatter(rows["target"], y, marker="|", s=500, linewidths=2.5, color=TARGET,
                   label=f"target {year}", zorder=3)
        ends = rows[["provision", "target"]].max(axis=1)
        for yi, value, end in zip(y, rows["provision"], ends, strict=True):
            if pd.notna(value):
                ax.text(end + 0.015, yi - 0.2, f"{value:.0%}", va="center", fontsize=8)
        ax.set_xlim(0, 1.12)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("share of residents served (%)")
        ax.set_title(f"{area} settlements", fontsize=11)
        _grid(ax)
    axes[0].set_yticks(y, [c.replace("_", " ") for c in categories])
    _legend_on_top(fig, axes[0], 3)
    return _png(fig)


def regions_chart(regions: pd.DataFrame, year: int) -> str:
    """Regions ordered by remaining gap: provision before/after, and the gap in persons."""
    rows = regions.sort_values("shortfall", ascending=True)
    fig, (left, right) = _figure(11, 0.32 * len(rows) + 1.8, 2, sharey=True,
                                 width_ratios=(3, 2))
    y = np.arange(len(rows))
    left.barh(y + 0.2, rows["baseline"], 0.38, color=BASELINE, label="baseline (start)")
    left.barh(y - 0.2, rows["provision"], 0.38, color=PLAN, label=f"plan, end of {year}")
    left.set_xlim(0, 1.0)
    left.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    left.set_xlabel("share of applicable residents served (%)")
    left.set_yticks(y, rows["label"])
    _legend_on_top(fig, left, 2)
    scale, unit = (1e3, "thousand persons") if rows["shortfall"].max() >= 1e4 else (1, "persons")
    right.barh(y, rows["shortfall"] / scale, 0.6, color=TARGET)
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_xlabel(f"gap to the {year} target ({unit})")
    right.xaxis.set_major_formatter(_THOUSANDS)
    for ax in (left, right):
        _grid(ax)
    return _png(fig)


def transfers_chart(region_years: pd.DataFrame, labels: pd.Series) -> str:
    """Republican transfer per region, stacked by year, largest region on top."""
    table = region_years.pivot_table(index="region_id", columns="year", values="transfer",
                                     aggfunc="sum").fillna(0.0)
    table = table.loc[table.sum(axis=1).sort_values().index]
    fig, (ax,) = _figure(11, 0.32 * len(table) + 1.8)
    left = np.zeros(len(table))
    for colour, year in zip(_colours(table.shape[1]), table.columns, strict=True):
        ax.barh(np.arange(len(table)), table[year], 0.7, left=left, color=colour, label=str(year))
        left += table[year].to_numpy()
    ax.set_yticks(np.arange(len(table)), labels.reindex(table.index).fillna(
        pd.Series(table.index, index=table.index)))
    ax.xaxis.set_major_formatter(_THOUSANDS)
    ax.set_xlabel("targeted development transfer (million KZT)")
    _legend_on_top(fig, ax, table.shape[1])
    _grid(ax)
    return _png(fig)


def timeline_chart(starts: pd.DataFrame, largest: pd.DataFrame, years: list[int]) -> str:
    """Capex started per year by group (stacked bars) above a Gantt of the largest projects.

    ``starts``: start_year, group, capex (million KZT started). ``largest``: label, group,
    start_year, completion_year, in the order to draw from the top.
    """
    groups = sorted(set(starts["group"]) | set(largest["group"]))
    colour = dict(zip(groups, _categorical(len(groups)), strict=True))
    fig = Figure(figsize=(11, 4.2 + 0.3 * len(largest)), dpi=_DPI, layout="constrained")
    bars, gantt = fig.subplots(2, 1, height_ratios=(3.2, 0.3 * len(largest) + 1.0))
    table = starts.pivot_table(index="start_year", columns="group", values="capex",
                               aggfunc="sum").reindex(years).fillna(0.0)
    bottom = np.zeros(len(table))
    for group in table.columns:
        bars.bar(table.index, table[group], 0.6, bottom=bottom, color=colour[group], label=group)
        bottom += table[group].to_numpy()
    bars.set_xticks(years, [str(y) for y in years])
    bars.yaxis.set_major_formatter(_THOUSANDS)
    bars.set_ylabel("capex starting\n(million KZT)")
    bars.set_title("capex of the funded projects starting each year", fontsize=10)
    _legend_on_top(fig, bars, min(len(groups), 7))
    _grid(bars, "y")
    rows = largest.iloc[::-1]
    y = np.arange(len(rows))
    gantt.barh(y, rows["completion_year"] - rows["start_year"] + 1, 0.6,
               left=rows["start_year"] - 0.5, color=[colour[g] for g in rows["group"]])
    gantt.set_yticks(y, rows["label"], fontsize=8)
    last = int(rows["completion_year"].max()) if len(rows) else years[-1]
    gantt.set_xlim(years[0] - 0.5, max(years[-1], last) + 0.5)
    gantt.set_xticks(range(years[0], max(years[-1], last) + 1))
    gantt.set_xlabel("construction years, from the start to the completion year")
    gantt.set_title(f"the {len(rows)} largest funded projects by capex", fontsize=10)
    _grid(gantt)
    return _png(fig)


def money_chart(envelope: pd.DataFrame, cofinancing: pd.Series) -> str:
    """Per year: the envelope beside the money used (transfer + the regions' co-financing)."""
    fig, (ax,) = _figure(10, 4.5)
    x = np.arange(len(envelope))
    ax.bar(x - 0.2, envelope["envelope"], 0.38, color=ENVELOPE, edgecolor=PLAN,
           label="envelope (republican budget)")
    ax.bar(x + 0.2, envelope["transfer"], 0.38, color=PLAN, label="transfer used")
    co = cofinancing.reindex(envelope["year"]).fillna(0.0).to_numpy()
    ax.bar(x + 0.2, co, 0.38, bottom=envelope["transfer"], color=COFINANCING,
           label="regional co-financing")
    for xi, (env, used) in enumerate(zip(envelope["envelope"], envelope["transfer"],
                                         strict=True)):
        share = f"{used / env:.0%} used" if env > 0 else "no envelope"
        ax.annotate(share, (xi - 0.2, env), xytext=(0, 3), textcoords="offset points",
                    ha="center", fontsize=9)
    ax.set_xticks(x, envelope["year"].astype(str))
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.set_ylabel("million KZT")
    ax.margins(y=0.12)
    _legend_on_top(fig, ax, 3)
    _grid(ax, "y")
    return _png(fig)
