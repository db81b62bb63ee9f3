"""The solve pipeline: index -> formulation -> HiGHS -> polished plan -> verified result."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import pandas as pd

from models.instance import Instance
from models.result import PLAN_STATUSES, Result, SolveStatus
from optimizer.formulation import Formulation, build_formulation
from optimizer.highs import HighsOptions, make_highs, run
from optimizer.index import IndexSets, build_index
from optimizer.solution import (
    polish,
    project_table,
    provision_tables,
    region_year_table,
    start_table,
)
from optimizer.verify import verify

log = logging.getLogger(__name__)

LP_SHARE_OF_TIME = 0.3
"""At most this share of the time limit goes to the LP relaxation that prices the envelope."""
MIP_RESERVE = 0.05
"""Share of the remaining time not given to HiGHS's own time limit; past it, a deadline
interrupt stops the cut round HiGHS would otherwise finish (see ``optimizer.highs.run``)."""
POLISH_RESERVE = 1.0
"""Seconds kept after the MIP to polish and verify the plan within the caller's time limit."""

_MEANING = {
    SolveStatus.OPTIMAL: "optimal within the requested MIP gap",
    SolveStatus.TIME_LIMIT: "time limit reached: the best plan found is returned with its gap",
    SolveStatus.LIMIT: "a solver limit was reached: the best plan found is returned",
    SolveStatus.INFEASIBLE: "no plan satisfies every constraint (commitments, co-financing, "
    "fiscal space, envelope); check committed projects against regions' fiscal space",
    SolveStatus.UNBOUNDED: "the objective is unbounded: a cost or bound is missing",
    SolveStatus.NO_SOLUTION: "a limit was reached before any plan was found; allow more time",
    SolveStatus.ERROR: "HiGHS failed to solve the model",
}


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def solve_options(instance: Instance, time_limit: float | None, mip_rel_gap: float | None,
                  threads: int | None, log_to_console: bool = False) -> HighsOptions:
    """Instance solver settings, overridden by whatever the caller gives."""
    s = instance.settings.solver
    return HighsOptions(
        time_limit=s.time_limit if time_limit is None else time_limit,
        mip_rel_gap=s.mip_rel_gap if mip_rel_gap is None else mip_rel_gap,
        threads=s.threads if threads is None else threads,
        log_to_console=log_to_console,
    )


def envelope_prices(form: Formulation, index: IndexSets, options: HighsOptions
                    ) -> pd.DataFrame:
    """Dual of each year's envelope row in the LP relaxation (objective units per million KZT).

    An LP estimate: with the integer decisions fixed the envelope's dual says nothing, so the
    relaxation is what prices money; the what-if sweep gives the MIP's true marginal value.
    """
    outcome = run(make_highs(form, replace(options, relax_integrality=True)))
    rows = form.rows["envelope"]
    duals = (outcome.row_duals[rows] if outcome.row_duals is not None
             else np.full(index.n_years, np.nan))
    if index.carryover:
        # B_t enters every cumulative row t' >= t: its value is the sum of those rows' duals
        duals = np.cumsum(duals[::-1])[::-1]
    return pd.DataFrame({"year": index.years, "lp_marginal_value": duals,
                         "lp_status": outcome.status.value})


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float | None = None,
    threads: int | None = None,
    price_envelope: bool = True,
    log_to_console: bool = False,
) -> Result:
    """Build the v1 model, solve it with HiGHS, and return verified result tables.

    Arguments left ``None`` take the instance's ``solver`` settings.

    Raises:
        VerificationError: the solver's plan breaks a rule when recomputed from the raw tables.
    """
    if instance.settings.objective.mode != "weighted":
        raise NotImplementedError(
            f"objective mode {instance.settings.objective.mode!r} is not available yet; "
            "set objective.mode: weighted")
    options = solve_options(instance, time_limit, mip_rel_gap, threads, log_to_console)
    started = time.perf_counter()
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    h = make_highs(form, options)
    build_seconds = time.perf_counter() - started
    log.info("built %d rows x %d columns (%d nonzeros) in %.3f s", *form.shape,
             form.matrix.nnz, build_seconds)

    def left() -> float:
        return max(options.time_limit - (time.perf_counter() - started), 0.5)

    solve_started = time.perf_counter()
    prices = None
    if price_envelope:
        prices = envelope_prices(
            form, index, replace(options, time_limit=LP_SHARE_OF_TIME * left()))
    h.setOptionValue("time_limit", float((1 - MIP_RESERVE) * left()))
    outcome = run(h, deadline=left() - POLISH_RESERVE)
    solve_seconds = time.perf_counter() - solve_started
    metadata = {
        "srsopt_version": _version("srsopt"),
        "highs_version": _version("highspy"),
        "input_hash": instance.data_hash(),
        "instance": instance.settings.name,
        "rows": form.shape[0], "columns": form.shape[1], "nonzeros": int(form.matrix.nnz),
        "integer_columns": int(form.columns.integer.sum()),
        "time_limit": options.time_limit, "mip_rel_gap": options.mip_rel_gap,
        "threads": options.threads, "highs_model_status": outcome.model_status,
        "nodes": outcome.nodes,
    }
    message = f"{_MEANING[outcome.status]} (HiGHS: {outcome.model_status})"
    if outcome.status not in PLAN_STATUSES or outcome.values is None:
        return Result(status=outcome.status, message=message, build_seconds=build_seconds,
                      solve_seconds=solve_seconds, metadata=metadata)
    plan = polish(index, form, outcome.values)
    projects = project_table(instance, index, form, plan)
    region_years = region_year_table(instance, index, form, plan)
    provision, national = provision_tables(index, plan)
    envelope = pd.DataFrame({"year": index.years, "envelope": index.envelope,
                             "transfer": region_years.groupby("year")["transfer"].sum().to_numpy()})
    if prices is not None:
        envelope = envelope.merge(prices, on="year")
    bound = outcome.bound
    gap = _gap(plan.objective, bound)
    result = Result(
        status=outcome.status, message=message, objective=plan.objective, bound=bound,
        mip_gap=gap, build_seconds=build_seconds, solve_seconds=solve_seconds,
        projects=projects, starts=start_table(index, form, plan), region_years=region_years,
        provision=provision, national=national,
        envelope=envelope, metadata=metadata | {"highs_objective": outcome.objective},
    )
    verify(instance, result)
    return result


def _gap(objective: float, bound: float | None) -> float | None:
    """Relative gap of the reported plan against the proven bound, as HiGHS defines it."""
    if bound is None or not np.isfinite(bound):
        return None
    return max(0.0, objective - bound) / max(abs(objective), 1e-9) if objective != bound else 0.0
