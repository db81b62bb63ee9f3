"""A budget sweep on disk: the curve's tables and its chart."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.safe_output import OutputTarget, write_output
from optimizer.analysis.sweep import Curve


def write_curve(curve: Curve, out: str | Path | OutputTarget) -> list[Path]:
    """``sweep.csv``, ``sweep_national.csv`` and the chart ``sweep.png`` as the folder ``out``.

    ``missing.csv`` too when some scales have no point (``Curve.missing``: scale, reason).
    Written safely (``models.safe_output``): staged beside and swapped in whole.
    """
    names = ["sweep.csv", "sweep_national.csv"] + (
        ["sweep.png"] if "shortfall" in curve.points else [])
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
    """Provision and shortfall against money, and the marginal persons per million KZT."""
    from matplotlib.figure import Figure  # matplotlib is slow to import; only charts need it

    p = curve.points.dropna(subset=["shortfall"])
    money = p["envelope"] / 1e3
    fig = Figure(figsize=(13, 4.2), dpi=100, layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    for column, label in (("provision", "all"), ("provision_urban", "urban"),
                          ("provision_rural", "rural")):
        if column in p:
            ax1.plot(money, 100 * p[column], marker="o", label=label)
    ax1.set_title("National provision, last target year (%)")
    ax1.legend()
    ax2.plot(money, p["shortfall"] / 1e3, marker="o", color="#C00000")
    ax2.set_title("Shortfall, last target year (thousand persons)")
    mid = (money + money.shift()) / 2
    ax3.bar(mid[1:], p["marginal_persons_per_million"][1:],
            width=0.8 * float(np.diff(money).min()) if len(p) > 1 else 1.0, color="#1F4E79")
    ax3.set_title("Persons of shortfall removed per extra million KZT")
    for ax in (ax1, ax2, ax3):
        ax.set_xlabel("envelope over the horizon (billion KZT)")
        ax.grid(color="#E0E0E0")
    fig.savefig(path, facecolor="white")
    return path
