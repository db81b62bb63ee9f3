"""A budget sweep on disk: the curve's tables and its chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.safe_output import OutputTarget, write_output
from optimizer.analysis.sweep import Curve


def write_curve(curve: Curve, out: str | Path | OutputTarget) -> list[Path]:
    """``sweep.csv``, ``sweep_national.csv`` and the chart ``sweep.png`` as the folder ``out``.

    ``missing.csv`` too when some scales have no point (``Curve.missing``: scale, reason).
    Written safely (``models.safe_output``): staged beside and swapped in whole.
    """
    names = ["sweep.csv", "sweep_national.csv"] + (["sweep.png"] if len(curve.points) else [])
    missing = "missing.csv" if len(curve.missing) else None

    def fill(folder: Path) -> None:
        curve.points.to_csv(folder / names[0], index=False)
        curve.national.to_csv(folder / names[1], index=False)
        if len(names) > 2:
            curve_chart(curve, folder / names[2])
        if missing is not None:
            curve.missing.to_csv(folder / missing, index=False)

    folder = write_output(out, "sweep", fill)
    return [folder / name for name in [*names, *([missing] if missing else [])]]


def curve_chart(curve: Curve, path: Path) -> Path:
    """Provision and shortfall against money, and the marginal persons per million KZT.

    A point without a plan (infeasible, or stopped first) is marked on every panel at its
    envelope: a red cross and a dotted line, its status in the legend; sweep.csv has its reason.
    """
    from matplotlib.figure import Figure  # matplotlib is slow to import; only charts need it

    points = curve.points.reindex(columns=[*curve.points.columns, *(
        c for c in ("shortfall", "provision", "marginal_persons_per_million")
        if c not in curve.points)])
    p = points.dropna(subset=["shortfall"])
    missing = points[points["shortfall"].isna()]
    money = p["envelope"] / 1e3
    fig = Figure(figsize=(13, 4.2), dpi=100, layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    for column, label in (("provision", "all"), ("provision_urban", "urban"),
                          ("provision_rural", "rural")):
        if column in p:
            ax1.plot(money, 100 * p[column], marker="o", label=label)
    ax1.set_title("National provision, last target year (%)")
    ax2.plot(money, p["shortfall"] / 1e3, marker="o", color="#C00000")
    ax2.set_title("Shortfall, last target year (thousand persons)")
    mid = (money + money.shift()) / 2
    ax3.bar(mid[1:], p["marginal_persons_per_million"][1:],
            width=0.8 * float(np.diff(money).min()) if len(p) > 1 else 1.0, color="#1F4E79")
    ax3.set_title("Persons of shortfall removed per extra million KZT")
    for ax in (ax1, ax2, ax3):
        mark_missing(ax, missing)
        ax.set_xlabel("envelope over the horizon (billion KZT)")
        ax.grid(color="#E0E0E0")
    ax1.legend()
    fig.savefig(path, facecolor="white")
    return path


def mark_missing(ax: Any, missing: pd.DataFrame) -> None:
    """A red cross at the foot of ``ax`` and a dotted line at each point without a plan."""
    for k, (status, rows) in enumerate(missing.groupby("status", sort=True)):
        at = rows["envelope"] / 1e3
        for x in at:
            ax.axvline(x, color="#C00000", linestyle=":", linewidth=1)
        ax.plot(at, [0.0] * len(at), linestyle="none", marker="x", markersize=9,
                color="#C00000", label=f"no plan: {status}" if k < 3 else None)
