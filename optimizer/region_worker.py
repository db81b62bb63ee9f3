"""A worker process for the Lagrangian decomposition: region blocks in, bounds and plans out.

The worker is an isolated interpreter in its own process group (``optimizer.isolated``): it
imports only srsopt's own code whatever the current directory holds, never the caller's
``__main__``, stops with its parent, and is killed with its group when the call ends early.
"""

from __future__ import annotations

from optimizer.decompose import RegionModel
from optimizer.highs import HighsOptions
from optimizer.isolated import call


def run_worker(models: list[RegionModel], options: HighsOptions, deadline: float
               ) -> list[tuple]:
    """Solve ``models`` in a fresh Python process and return ``solve_regions``' rows."""
    return call("optimizer.decompose:solve_regions", models, options, deadline)
