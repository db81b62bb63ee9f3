"""The weighted objective's solve path: index -> formulation -> HiGHS -> assembled result.

``optimizer.api.solve`` calls it after the pre-solve checks; the staged objective modes
(``optimizer.solving.modes``) and the Pyomo reference (``optimizer.pyomo_ref``) are the other
paths, and all of them end in ``optimizer.solving.assemble``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from models.caps import CAPS, machine_cores
from models.instance import Instance
from models.result import Result
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.index import IndexSets, build_index
from optimizer.highs.adapter import HighsOptions, HighsOutcome, make_highs, to_highs_lp
from optimizer.highs.mip_start import run_checked
from optimizer.solving.assemble import assemble_result
from optimizer.solving.regions import RegionRunner
from optimizer.solving.strategy import Strategy, attack
from optimizer.solving.warm import BasePlan, warm_start, with_memory

log = logging.getLogger(__name__)

REPRODUCIBLE_SAFETY_NET = 900.0
"""Seconds of the time safety net in reproducible mode when the caller gives no time limit.

The instance's ``solver.time_limit`` is sized for a solve that stops on time; a node-limited
solve ends on its nodes and needs longer. On 2 cores at 200 nodes the slowest measured run took
245 s (generated 7,000 settlements, seed 2; docs/performance.md, "Reproducible runs").
"""


def solve_options(instance: Instance, time_limit: float | None, mip_rel_gap: float | None,
                  threads: int | None, log_to_console: bool = False,
                  node_limit: int | None = None) -> HighsOptions:
    """Instance solver settings, overridden by whatever the caller gives.

    A caller's value is held to the same caps as the instance's (``models.caps``): a
    ``ValueError`` names the argument; threads beyond the machine's cores are clamped to them.
    """
    s = instance.settings.solver
    given = {"time_limit": (time_limit, "seconds"), "mip_rel_gap": (mip_rel_gap, "share"),
             "threads": (threads, "threads"), "node_limit": (node_limit, "count")}
    for name, (value, unit) in given.items():
        problem = None if value is None else CAPS[unit].problem(value)
        if problem is not None:
            raise ValueError(f"{name} {problem}")
    wanted = s.threads if threads is None else threads
    if wanted is not None and wanted > machine_cores():
        log.warning("%d threads asked for, this machine has %d cores; using %d", wanted,
                    machine_cores(), machine_cores())
        wanted = machine_cores()
    nodes = s.node_limit if node_limit is None else node_limit
    limit = s.time_limit if time_limit is None else time_limit
    if time_limit is None and nodes is not None:  # reproducible mode: time is a safety net
        limit = max(limit, REPRODUCIBLE_SAFETY_NET)
    return HighsOptions(
        time_limit=limit,
        mip_rel_gap=s.mip_rel_gap if mip_rel_gap is None else mip_rel_gap,
        threads=wanted,
        log_to_console=log_to_console,
        node_limit=nodes,
    )


def solve_relaxation(form: Formulation, options: HighsOptions) -> HighsOutcome:
    """The LP relaxation: its duals price the envelope, its bound and solution seed the MIP."""
    return run_checked(make_highs(form, replace(options, relax_integrality=True)),
                       deadline=options.time_limit, mip_rel_gap=options.mip_rel_gap).outcome



def envelope_prices(form: Formulation, index: IndexSets, outcome: HighsOutcome
                    ) -> pd.DataFrame:
    """Dual of each year's envelope row in the LP relaxation (objective units per million KZT).

    An LP estimate: with the integer decisions fixed the envelope's dual says nothing, so the
    relaxation is what prices money; the what-if sweep gives the MIP's true marginal value.
    """
    rows = form.rows["envelope"]
    duals = (outcome.row_duals[rows] if outcome.row_duals is not None
             else np.full(index.n_years, np.nan))
    if index.carryover:
        # B_t enters every cumulative row t' >= t: its value is the sum of those rows' duals
        duals = np.cumsum(duals[::-1])[::-1]
    return pd.DataFrame({"year": index.years, "lp_marginal_value": duals,
                         "lp_status": outcome.status.value})



def solve_weighted(instance: Instance, options: HighsOptions, *, price_envelope: bool = True,
                   strategy: Strategy = "engineered", start_from: BasePlan | None = None,
                   regions: RegionRunner | None = None) -> Result:
    """Build the model, attack it with ``strategy`` and assemble the verified result.

    ``start_from``: a plan to start from (``optimizer.solving.warm``). ``regions``: where the
    decomposition's region MIPs go (``strategy.attack``); what its runner says went otherwise
    than planned ends the result's message.
    """
    started = time.perf_counter()
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    to_highs_lp(form)  # the hand-over to HiGHS is part of the build
    build_seconds = time.perf_counter() - started
    log.info("built %d rows x %d columns (%d nonzeros) in %.3f s", *form.shape,
             form.matrix.nnz, build_seconds)
    solve_started = time.perf_counter()
    warm = None if start_from is None else warm_start(index, form, start_from)
    result = attack(index, form, options, started, strategy, warm=warm, regions=regions)
    prices = envelope_prices(form, index, result.lp) if price_envelope else None
    solve_seconds = time.perf_counter() - solve_started
    assembled = assemble_result(instance, index, form, result.outcome, options,
                                build_seconds=build_seconds, solve_seconds=solve_seconds,
                                prices=prices, steps=result.steps)
    assembled = with_memory(assembled, result.memory)
    notes = result.steps.get("region_notes")
    if not notes:
        return assembled
    return assembled.model_copy(update={"message": "; ".join([assembled.message, *notes])})
