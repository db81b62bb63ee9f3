"""Near-optimal alternatives on disk: the overview, the differences and one folder per plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.safe_output import OutputTarget, write_output
from optimizer.analysis.alternatives import Alternatives
from optimizer.analysis.whatif import with_scenario
from optimizer.outputs.results_io import fill_results


def write_alternatives(found: Alternatives, out: str | Path | OutputTarget,
                       record: dict[str, Any] | None = None) -> Path:
    """``plans.csv``, ``differences.csv`` and one results folder per plan, as one output.

    ``optimum/`` and ``alt-K/`` are laid out as ``write_results`` does (``record``: the scenario
    applied, kept as each plan's ``scenario.json``); staged and swapped in whole.
    """
    def fill(folder: Path) -> None:
        found.overview.to_csv(folder / "plans.csv", index=False)
        found.differences.to_csv(folder / "differences.csv", index=False)
        for k, plan in enumerate([found.optimum, *found.plans]):
            name = "optimum" if k == 0 else f"alt-{k}"
            fill_results(with_scenario(plan, record), folder / name)

    return write_output(out, "alternatives", fill)
