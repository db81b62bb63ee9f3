"""``optimizer.solve``: the pre-solve checks, then the path that fits the instance and backend.

The choice is made here, above every path: the Pyomo reference (``backend="pyomo"``), the staged
objective modes (``lexicographic``, ``equity``) or the weighted array build. Reproducible mode
(``node_limit``) is checked here too: whatever path ran, a HiGHS run that ended on time instead
of on its node limit is reported (``reproducibility``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal

from models.instance import Instance
from models.result import Result
from models.safe_output import OutputTarget
from optimizer.check.prechecks import blocked_result
from optimizer.highs.adapter import HighsOptions
from optimizer.highs.names import ModelFormat, lp_ids, named_highs, write_highs_model
from optimizer.highs.on_time import time_stops
from optimizer.solving.pipeline import solve_options, solve_weighted
from optimizer.solving.regions import RegionRunner
from optimizer.solving.strategy import Strategy
from optimizer.solving.warm import BasePlan

Backend = Literal["highs", "pyomo"]
"""The array build solved by HiGHS, or the Pyomo reference formulation."""


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float | None = None,
    threads: int | None = None,
    price_envelope: bool = True,
    strategy: Strategy = "engineered",
    node_limit: int | None = None,
    log_to_console: bool = False,
    backend: Backend = "highs",
    start_from: BasePlan | None = None,
    regions: RegionRunner | None = None,
) -> Result:
    """Check the instance, solve it with HiGHS, and return verified result tables.

    Arguments left ``None`` take the instance's ``solver`` settings. The LP relaxation is
    solved first (it prices the envelope and bounds the objective); ``strategy`` says how the
    MIP is attacked (``optimizer.solving.strategy``: RENS plan + Lagrangian bound + HiGHS, or HiGHS
    alone). ``backend="pyomo"`` solves the Pyomo reference formulation instead
    (``optimizer.pyomo_ref``), slower but written for reading; its plan goes through the same
    polishing, tables and verifier. ``start_from``: the plan of an instance this one was changed
    from (``BasePlan.of(result)``): the solve starts from it (``optimizer.solving.warm``; the
    weighted objective on the array build only, otherwise ignored).
    ``regions``: where the Lagrangian decomposition's region
    MIPs are solved (``optimizer.solving.regions.RegionRunner``; e.g. one Dask task per region,
    ``optimizer.distributed.regions.ClusterRegions``); default: local worker processes. Only
    the weighted objective on the array build decomposes.

    Raises:
        VerificationError: the solver's plan breaks a rule when recomputed from the raw tables.
    """
    blocked = blocked_result(instance)  # pre-solve checks: a proven infeasibility stops here
    if blocked is not None:
        return blocked
    options = solve_options(instance, time_limit, mip_rel_gap, threads, log_to_console,
                            node_limit)
    with time_stops() as stops:
        result = _solve(instance, options, price_envelope=price_envelope, strategy=strategy,
                        backend=backend, start_from=start_from, regions=regions)
    # the Pyomo backend runs HiGHS on time alone: it has no reproducible mode
    return reproducibility(result, None if backend == "pyomo" else options.node_limit, stops)


def reproducibility(result: Result, node_limit: int | None, stops: list[str]) -> Result:
    """Say whether a reproducible-mode plan kept its word: no stage ended on time.

    Outside reproducible mode (``node_limit`` None) a result is left as it is.
    """
    if node_limit is None:
        return result
    metadata = result.metadata | {"reproducible": not stops, "time_stops": list(stops)}
    message = result.message
    if stops:
        message += (f"; NOT REPRODUCIBLE: the time safety net stopped {len(stops)} HiGHS "
                    f"run(s) ({', '.join(sorted(set(stops)))}) before the node limit of "
                    f"{node_limit:,}, so another machine may end elsewhere: allow more time or "
                    "fewer nodes")
    return result.model_copy(update={"metadata": metadata, "message": message})


def _solve(instance: Instance, options: HighsOptions, *, price_envelope: bool,
           strategy: Strategy, backend: Backend, start_from: BasePlan | None = None,
           regions: RegionRunner | None = None) -> Result:
    """``solve`` after the pre-checks, with the options settled."""
    if backend == "pyomo":
        from optimizer.pyomo_ref import solve_reference  # Pyomo is slow to import

        return solve_reference(instance, replace(options, node_limit=None), price_envelope)
    if instance.settings.objective.mode != "weighted":
        from optimizer.solving.modes import solve_mode  # staged solves; they reuse assemble_result

        return solve_mode(instance, time_limit=options.time_limit,
                          mip_rel_gap=options.mip_rel_gap, threads=options.threads,
                          node_limit=options.node_limit,
                          log_to_console=options.log_to_console)
    return solve_weighted(instance, options, price_envelope=price_envelope, strategy=strategy,
                          start_from=start_from, regions=regions)


def export_model(instance: Instance, out: Path | OutputTarget, fmt: ModelFormat = "lp",
                 backend: Backend = "highs") -> Path:
    """Write the model of ``instance`` with readable names, as the array build or Pyomo builds it.

    The two files state the same optimum in different words: the Pyomo reference keeps a
    ``provision`` column for every improved pair, ``loc >= alpha * spend`` literally and
    concentration as rows (docs/formulation.md, "Reading the model").
    """
    ids = lp_ids(instance)
    if backend == "pyomo":
        from optimizer.pyomo_ref import named_highs as pyomo_named  # Pyomo is slow to import

        return write_highs_model(pyomo_named(instance, ids), out, fmt)
    return write_highs_model(named_highs(instance, ids), out, fmt)
