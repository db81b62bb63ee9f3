"""A worker process for the Lagrangian decomposition: region blocks in, bounds and plans out.

The worker is an isolated interpreter in its own process group (``optimizer.runtime.isolated``): it
imports only srsopt's own code whatever the current directory holds, never the caller's
``__main__``, stops with its parent, and is killed with its group when the call ends early.
"""

from __future__ import annotations

from optimizer.formulation.index import FloatArray
from optimizer.highs.adapter import HighsOptions
from optimizer.runtime.isolated import call
from optimizer.solving.regions import RegionModel


def run_worker(models: list[RegionModel], options: HighsOptions, deadline: float
               ) -> tuple[list[tuple[int, float, FloatArray, str]], list[str]]:
    """Solve ``models`` in a fresh Python process.

    Returns ``solve_regions``' rows and the worker's runs that ended on time
    (``optimizer.highs.adapter.time_stops``).
    """
    return call("optimizer.solving.regions:solve_regions_counted", models, options, deadline)
