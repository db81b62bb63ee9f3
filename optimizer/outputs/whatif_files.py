"""A what-if comparison on disk: CSV tables, a workbook when openpyxl is there, and a chart.

Each case's own results go to a sub-folder ``cases/NAME`` as ``write_results`` lays them out
(with its ``scenario.json``), so every plan of the comparison can be opened like any other
solve.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

import optimizer.outputs.report_charts  # noqa: F401  # labels are text, never mathtext
from models.errors import short
from models.safe_output import OutputTarget, write_output
from optimizer.analysis.whatif import Comparison
from optimizer.outputs.results_io import fill_results

TABLES = ("overview", "national", "money", "regions", "projects")
"""The comparison's tables, written as ``<name>.csv`` and as workbook sheets."""


def folder_name(name: str) -> str:
    """A scenario name as a safe folder name.

    A long one is cut and tagged with its hash: a file name has at most 255 bytes, and two
    long names must not share a folder.
    """
    safe = re.sub(r"[^A-Za-z0-9_.+-]+", "_", name).strip("._") or "scenario"
    if len(safe) <= 64:
        return safe
    return f"{safe[:55]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def write_comparison(comparison: Comparison, out: str | Path | OutputTarget) -> list[Path]:
    """Write the comparison tables, each case's results, the workbook and the chart.

    One output (``models.safe_output``): staged beside and swapped in whole as ``out``.
    """
    written: list[Path] = []

    def fill(folder: Path) -> None:
        for name in TABLES:
            getattr(comparison, name).to_csv(folder / f"{name}.csv", index=False)
            written.append(Path(f"{name}.csv"))
        for name, result in comparison.results.items():
            case = Path("cases", folder_name(name))
            fill_results(result, folder / case)
            written.append(case)
        try:
            import openpyxl  # noqa: F401  # only to learn whether it is installed
        except ImportError:
            pass
        else:
            import pandas as pd

            with pd.ExcelWriter(folder / "comparison.xlsx", engine="openpyxl") as book:
                for name in TABLES:
                    getattr(comparison, name).to_excel(book, sheet_name=name, index=False)
            written.append(Path("comparison.xlsx"))
        if len(comparison.national):
            comparison_chart(comparison, folder / "comparison.png")
            written.append(Path("comparison.png"))

    folder = write_output(out, "whatif", fill)
    return [folder / path for path in written]


def _offsets(n: int, k: int, of: int) -> np.ndarray:
    """Centres of bar ``k`` of ``of`` in each of ``n`` groups centred on 0..n-1."""
    return np.arange(n) + (k - (of - 1) / 2) * 0.8 / of


def comparison_chart(comparison: Comparison, path: Path) -> Path:
    """Four panels: objective change, national provision by area, money per year, regions."""
    names = list(comparison.results)
    label = {name: short(name, 40) for name in names}  # a 500-character name fits no chart
    colours = [colormaps["tab10"](i % 10) for i in range(len(names))]  # listed: colour i
    fig = Figure(figsize=(13, 9), dpi=100, layout="constrained")
    (ax1, ax2), (ax3, ax4) = fig.subplots(2, 2)
    over = comparison.overview.set_index("scenario").reindex(names)
    ax1.bar(range(len(names)), over["objective_change"].fillna(0.0), color=colours)
    ax1.set_xticks(range(len(names)), [label[n] for n in names], rotation=20, ha="right")
    ax1.axhline(0, color="black", linewidth=0.8)
    ax1.set_title("Objective change against the base (lower is better)")

    nat = comparison.national
    persons = nat.assign(served=nat["provision"] * nat["persons"]).groupby(
        ["scenario", "area"])[["served", "persons"]].sum()
    areas = sorted(set(nat["area"]))
    share = 100 * persons["served"] / persons["persons"]
    for k, name in enumerate(names):
        if name in share.index.get_level_values(0):
            ax2.bar(_offsets(len(areas), k, len(names)), share.loc[name].reindex(areas),
                    0.8 / len(names), color=colours[k], label=label[name])
    ax2.set_xticks(np.arange(len(areas)), areas)
    ax2.set_ylim(max(0.0, float(share.min()) - 10), 100)
    ax2.set_title("National provision in the last target year, all categories (%)")
    ax2.legend(fontsize=8)

    money = comparison.money
    for k, name in enumerate(names):
        rows = money[money["scenario"] == name]
        ax3.plot(rows["year"], rows["transfer"], marker="o", color=colours[k], label=label[name])
    ax3.set_xticks(sorted(set(money["year"])))
    ax3.set_title("Republican transfers per year (million KZT)")
    ax3.legend(fontsize=8)

    regions = comparison.regions
    others = [n for n in names[1:] if n in set(regions["scenario"])]
    ids = sorted(set(regions["region_id"]))
    for k, name in enumerate(others):
        rows = regions[regions["scenario"] == name].set_index("region_id").reindex(ids)
        ax4.bar(_offsets(len(ids), k, len(others)), 100 * rows["change"], 0.8 / len(others),
                color=colours[names.index(name)], label=label[name])
    ax4.set_xticks(np.arange(len(ids)), ids, rotation=60, ha="right", fontsize=7)
    ax4.axhline(0, color="black", linewidth=0.8)
    ax4.set_title("Regional provision change against the base (percentage points)")
    fig.savefig(path, facecolor="white")
    return path
