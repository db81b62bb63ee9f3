"""A growth-against-shortfall curve on disk: pareto.csv, the chart, a page, each point's plan."""

from __future__ import annotations

import html
import io
from pathlib import Path

import pandas as pd

from models.instance import Instance
from models.safe_output import OutputTarget, write_output
from optimizer.analysis.pareto import Front
from optimizer.outputs.solve_files import fill_solve_folder


def point_folder(number: int) -> str:
    """Where point ``number``'s result folder goes inside the curve's folder."""
    return f"points/point_{number:03d}"


def write_front(front: Front, instance: Instance, out: str | Path | OutputTarget, *,
                lang: str = "en") -> Path:
    """The folder ``out``: pareto.csv, pareto.png, pareto.html and ``points/point_NNN/``.

    Every point with a plan gets the folder ``srsopt solve`` writes (summary.json and the CSV
    tables); ``missing.csv`` names the points without a result. Written safely
    (``models.safe_output``): staged beside and swapped in whole.
    """
    def fill(folder: Path) -> None:
        front.points.to_csv(folder / "pareto.csv", index=False)
        if len(front.missing):
            front.missing.to_csv(folder / "missing.csv", index=False)
        chart = front_chart(front.points)
        if chart is not None:
            (folder / "pareto.png").write_bytes(chart_bytes(chart, "png"))
            (folder / "pareto.html").write_text(page(front.points, chart_bytes(chart, "svg")
                                                     .decode("utf-8"), instance),
                                                encoding="utf-8")
        for number, result in sorted(front.results.items()):
            fill_solve_folder(result, folder / point_folder(number), instance, excel=False,
                              report=False, lang=lang)

    return write_output(out, "pareto", fill)


def front_chart(points: pd.DataFrame) -> object | None:
    """Shortfall against output added, one marker per point with a plan; None without any."""
    from matplotlib.figure import Figure  # matplotlib is slow to import; only charts need it

    p = points.dropna(subset=["shortfall"])
    if p.empty:
        return None
    fig = Figure(figsize=(7.5, 4.5), dpi=100, layout="constrained")
    ax = fig.subplots()
    ax.plot(p["output_added"], p["shortfall"], marker="o", color="#1F4E79")
    for number, x, y in zip(p["point"], p["output_added"], p["shortfall"], strict=True):
        ax.annotate(str(int(number)), (x, y), textcoords="offset points", xytext=(4, 4),
                    fontsize=8)
    ax.set_xlabel("output added over the horizon (million KZT)")
    ax.set_ylabel("SRS shortfall, last target year (persons)")
    ax.set_title("Growth against shortfall: each point a plan")
    ax.grid(color="#E0E0E0")
    return fig


def chart_bytes(fig: object, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, facecolor="white")  # type: ignore[attr-defined]
    return buffer.getvalue()


def page(points: pd.DataFrame, svg: str, instance: Instance) -> str:
    """A small self-contained page: the chart and the table of pareto.csv."""
    shown = points.drop(columns=["reason"]).copy() if points["reason"].isna().all() else points
    table = shown.to_html(index=False, na_rep="", float_format=lambda v: f"{v:,.2f}",
                          border=0)
    name = html.escape(instance.settings.name)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Pareto: {name}</title>"
            "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;"
            "text-align:right}</style></head><body>"
            f"<h1>Growth against shortfall: {name}</h1><p>Each point minimises the "
            "objective with output added at least its level (million KZT over the horizon); "
            "shortfall in persons in the last target year; gap as a share.</p>"
            f"{svg}{table}</body></html>\n")
