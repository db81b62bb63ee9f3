"""The solve pipeline: index -> formulation -> HiGHS -> polished plan -> verified result."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from typing import Literal

import numpy as np
import pandas as pd

from models.instance import Instance
from models.result import PLAN_STATUSES, Result, SolveStatus
from optimizer.formulation import Formulation, build_formulation
from optimizer.heuristic import incumbent
from optimizer.highs import HighsOptions, HighsOutcome, make_highs, run
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
HEURISTIC_SHARE = 0.25
"""At most this share of the time left goes to the RENS heuristic that seeds the MIP."""
MIP_RESERVE = 0.05
"""Share of the remaining time not given to HiGHS's own time limit; past it, a deadline
interrupt stops the cut round HiGHS would otherwise finish (see ``optimizer.highs.run``)."""
POLISH_RESERVE = 1.0
POLISH_SHARE = 0.08
"""Time kept after the MIP (at least ``POLISH_RESERVE`` s, or this share of the limit) for
HiGHS to react to the interrupt and for the plan to be polished and verified."""

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


def solve_relaxation(form: Formulation, options: HighsOptions) -> HighsOutcome:
    """The LP relaxation: its duals price the envelope, its bound and solution seed the MIP."""
    return run(make_highs(form, replace(options, relax_integrality=True)))


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


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float | None = None,
    threads: int | None = None,
    price_envelope: bool = True,
    heuristic: bool = True,
    log_to_console: bool = False,
    backend: Literal["highs", "pyomo"] = "highs",
) -> Result:
    """Build the v1 model, solve it with HiGHS, and return verified result tables.

    Arguments left ``None`` take the instance's ``solver`` settings. The LP relaxation is
    solved first (it prices the envelope and bounds the objective); with ``heuristic`` a RENS
    plan built from it is handed to HiGHS as the incumbent of the MIP. ``backend="pyomo"``
    solves the Pyomo reference formulation instead (``optimizer.pyomo_ref``), slower but
    written for reading; its plan goes through the same polishing, tables and verifier.

    Raises:
        VerificationError: the solver's plan breaks a rule when recomputed from the raw tables.
    """
    if backend == "pyomo":
        from optimizer.pyomo_ref import solve_reference  # Pyomo is slow to import

        return solve_reference(instance, solve_options(
            instance, time_limit, mip_rel_gap, threads, log_to_console), price_envelope)
    if instance.settings.objective.mode != "weighted":
        from optimizer.modes import solve_mode  # staged solves; they reuse assemble_result

        return solve_mode(instance, time_limit=time_limit, mip_rel_gap=mip_rel_gap,
                          threads=threads, log_to_console=log_to_console)
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
    lp = solve_relaxation(form, replace(options, time_limit=LP_SHARE_OF_TIME * left()))
    prices = envelope_prices(form, index, lp) if price_envelope else None
    start = None
    if heuristic and lp.values is not None and form.columns.integer.any():
        start = incumbent(index, form, replace(options, time_limit=HEURISTIC_SHARE * left()),
                          lp.values)
    if start is not None:
        h.setSolution(len(start), np.arange(len(start), dtype=np.int32), start)
    h.setOptionValue("time_limit", float((1 - MIP_RESERVE) * left()))
    reserve = max(POLISH_RESERVE, POLISH_SHARE * options.time_limit)
    outcome = with_bound(run(h, deadline=left() - reserve), lp)
    solve_seconds = time.perf_counter() - solve_started
    return assemble_result(instance, index, form, outcome, options, build_seconds=build_seconds,
                           solve_seconds=solve_seconds, prices=prices)


def with_bound(outcome: HighsOutcome, lp: HighsOutcome) -> HighsOutcome:
    """The MIP outcome with the LP relaxation's bound when that is the stronger proven bound.

    HiGHS's dual bound starts from its own root LP; an interrupted MIP may stop before it, so
    the separately solved relaxation (a valid lower bound when optimal) is kept.
    """
    if lp.status != SolveStatus.OPTIMAL or lp.objective is None or outcome.objective is None:
        return outcome
    bound = lp.objective if outcome.bound is None else max(outcome.bound, lp.objective)
    return replace(outcome, bound=bound)


def assemble_result(instance: Instance, index: IndexSets, form: Formulation,
                    outcome: HighsOutcome, options: HighsOptions, *, build_seconds: float,
                    solve_seconds: float, prices: pd.DataFrame | None = None) -> Result:
    """Polish HiGHS's vector into verified result tables; every solve path ends here.

    Raises:
        VerificationError: the plan breaks a rule when recomputed from the raw tables.
    """
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
