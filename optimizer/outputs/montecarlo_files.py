"""A Monte Carlo run on disk: its tables as CSV, ``summary.json`` and ``montecarlo.html``.

- ``draws.csv``: one row per draw: status, totals drawn, money, projects kept, delayed and
  cut, the national shortfall of each target year;
- ``targets.csv``: the probability of meeting each target year's targets per region and
  category (``all``: summed over);
- ``shortfall_quantiles.csv``: mean, P10, P50, P90 of the shortfall (persons), national and
  per region, per target year;
- ``money_quantiles.csv``: the same of transfers, co-financing and capex spent per year
  (million KZT); ``provision_quantiles.csv``: of national provision per area and year;
- ``projects.csv``: the plan's projects cut or delayed, how often, most often first;
  ``changes.csv``: every cut or delay of every draw;
- ``missing.csv``: the draws without a result and why (only when there are some).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from models.safe_output import OutputTarget, write_output
from optimizer.analysis.montecarlo_summary import Summary
from optimizer.outputs.montecarlo_page import render_montecarlo

FLOAT_FORMAT = "%.10g"
"""Figures written with 10 significant digits: the same on any machine for the same draws."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_montecarlo(summary: Summary, changes: pd.DataFrame, meta: dict[str, Any],
                     names: dict[str, str], out: str | Path | OutputTarget,
                     lang: str = "ru") -> list[Path]:
    """Every file of the run as the folder ``out``, staged and swapped in whole."""
    tables = {"draws.csv": summary.draws, "targets.csv": summary.targets,
              "shortfall_quantiles.csv": summary.shortfall,
              "money_quantiles.csv": summary.money,
              "provision_quantiles.csv": summary.provision,
              "projects.csv": summary.projects, "changes.csv": changes}
    if len(summary.missing):
        tables["missing.csv"] = summary.missing

    def fill(folder: Path) -> None:
        for name, frame in tables.items():
            frame.to_csv(folder / name, index=False, float_format=FLOAT_FORMAT)
        (folder / "summary.json").write_text(json.dumps(_jsonable(meta), indent=2,
                                                        ensure_ascii=False) + "\n")
        (folder / "montecarlo.html").write_text(render_montecarlo(summary, meta, names, lang),
                                                encoding="utf-8")

    folder = write_output(out, "montecarlo", fill)
    return [folder / name for name in [*tables, "summary.json", "montecarlo.html"]]
