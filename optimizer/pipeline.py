"""The solve pipeline: index -> formulation -> HiGHS -> polished plan -> verified result."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

import numpy as np
import pandas as pd

from models.caps import CAPS, machine_cores
from models.instance import Instance
from models.result import PLAN_STATUSES, Result, SolveStatus
from optimizer.claims import gap, kept_claims, result_claims, tolerance
from optimizer.formulation import Formulation, build_formulation
from optimizer.highs import (
    HighsOptions,
    HighsOutcome,
    make_highs,
    time_stops,
    to_highs_lp,
)
from optimizer.index import IndexSets, build_index
from optimizer.mip_start import run_checked
from optimizer.prechecks import blocked_result
from optimizer.solution import (
    polish,
    project_table,
    provision_tables,
    region_year_table,
    start_table,
)
from optimizer.strategy import (
    HEURISTIC_SHARE,
    LP_SHARE,
    MIP_RESERVE,
    POLISH_RESERVE,
    POLISH_SHARE,
    Strategy,
    attack,
)
from optimizer.verify import verify

__all__ = ["HEURISTIC_SHARE", "LP_SHARE_OF_TIME", "MIP_RESERVE", "POLISH_RESERVE", "POLISH_SHARE",
           "solve", "solve_relaxation", "with_bound"]

log = logging.getLogger(__name__)

LP_SHARE_OF_TIME = LP_SHARE
"""Kept for callers of the earlier name; see ``optimizer.strategy``."""

_MEANING = {
    SolveStatus.OPTIMAL: "optimal within the requested MIP gap",
    SolveStatus.TIME_LIMIT: "time limit reached: the best plan found is returned with its gap",
    SolveStatus.LIMIT: "a solver limit was reached, or the solver's claim of optimality did not "
    "hold: the best plan found is returned with the gap srsopt can prove",
    SolveStatus.INFEASIBLE: "no plan satisfies every constraint (commitments, co-financing, "
    "fiscal space, envelope); check committed projects against regions' fiscal space",
    SolveStatus.UNBOUNDED: "the objective is unbounded: a cost or bound is missing",
    SolveStatus.NO_SOLUTION: "a limit was reached before any plan was found; allow more time",
    SolveStatus.ERROR: "HiGHS failed to solve the model",
    SolveStatus.INTERRUPTED: "stopped on request (SIGINT or SIGTERM): the best plan found by then "
    "is returned with its gap against the proven bound",
}
_NO_PLAN_YET = "stopped on request (SIGINT or SIGTERM) before any plan was found"


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


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
    return HighsOptions(
        time_limit=s.time_limit if time_limit is None else time_limit,
        mip_rel_gap=s.mip_rel_gap if mip_rel_gap is None else mip_rel_gap,
        threads=wanted,
        log_to_console=log_to_console,
        node_limit=s.node_limit if node_limit is None else node_limit,
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
    backend: Literal["highs", "pyomo"] = "highs",
) -> Result:
    """Build the v1 model, solve it with HiGHS, and return verified result tables.

    Arguments left ``None`` take the instance's ``solver`` settings. The LP relaxation is
    solved first (it prices the envelope and bounds the objective); ``strategy`` says how the
    MIP is attacked (``optimizer.strategy``: RENS plan + Lagrangian bound + HiGHS, or HiGHS
    alone). ``backend="pyomo"`` solves the Pyomo reference formulation instead
    (``optimizer.pyomo_ref``), slower but written for reading; its plan goes through the same
    polishing, tables and verifier.

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
                        backend=backend)
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
           strategy: Strategy, backend: Literal["highs", "pyomo"]) -> Result:
    """``solve`` after the pre-checks, with the options settled."""
    if backend == "pyomo":
        from optimizer.pyomo_ref import solve_reference  # Pyomo is slow to import

        return solve_reference(instance, replace(options, node_limit=None), price_envelope)
    if instance.settings.objective.mode != "weighted":
        from optimizer.modes import solve_mode  # staged solves; they reuse assemble_result

        return solve_mode(instance, time_limit=options.time_limit,
                          mip_rel_gap=options.mip_rel_gap, threads=options.threads,
                          node_limit=options.node_limit,
                          log_to_console=options.log_to_console)
    started = time.perf_counter()
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    to_highs_lp(form)  # the hand-over to HiGHS is part of the build
    build_seconds = time.perf_counter() - started
    log.info("built %d rows x %d columns (%d nonzeros) in %.3f s", *form.shape,
             form.matrix.nnz, build_seconds)
    solve_started = time.perf_counter()
    result = attack(index, form, options, started, strategy)
    prices = envelope_prices(form, index, result.lp) if price_envelope else None
    solve_seconds = time.perf_counter() - solve_started
    return assemble_result(instance, index, form, result.outcome, options,
                           build_seconds=build_seconds, solve_seconds=solve_seconds,
                           prices=prices, steps=result.steps)


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
                    solve_seconds: float, prices: pd.DataFrame | None = None,
                    steps: dict[str, Any] | None = None,
                    extra: dict[str, Any] | None = None) -> Result:
    """Polish HiGHS's vector into verified result tables; every solve path ends here.

    ``outcome.objective``: the objective HiGHS reported for ``form``'s own objective (None when
    it solved another, as the staged modes do); it is checked against ``outcome.values`` and
    the bound and status against the polished plan (``check_claims``). ``extra``: metadata
    the verifier reads too (the staged modes' ``stages``).

    Raises:
        VerificationError: the plan breaks a rule when recomputed from the raw tables, or the
            result claims more than it proves.
    """
    metadata = {
        "srsopt_version": _version("srsopt"),
        "highs_version": _version("highspy"),
        "input_hash": instance.data_hash(),
        "instance": instance.settings.name,
        "rows": form.shape[0], "columns": form.shape[1], "nonzeros": int(form.matrix.nnz),
        "integer_columns": int(form.columns.integer.sum()),
        "time_limit": options.time_limit, "mip_rel_gap": options.mip_rel_gap,
        "threads": options.threads, "node_limit": options.node_limit,
        "highs_model_status": outcome.model_status,
        "nodes": outcome.nodes,
    } | (extra or {})
    message = f"{_MEANING[outcome.status]} (HiGHS: {outcome.model_status})"
    if outcome.status not in PLAN_STATUSES or outcome.values is None:
        if outcome.status == SolveStatus.INTERRUPTED:
            message = f"{_NO_PLAN_YET} (HiGHS: {outcome.model_status})"
        return Result(status=outcome.status, message=message, build_seconds=build_seconds,
                      solve_seconds=solve_seconds, metadata=metadata)
    plan = polish(index, form, outcome.values)
    outcome, steps, message = check_claims(form, outcome, plan.objective, options.mip_rel_gap,
                                           metadata.get("stages"), dict(steps or {}), message)
    projects = project_table(instance, index, form, plan)
    region_years = region_year_table(instance, index, form, plan)
    provision, national = provision_tables(index, plan)
    envelope = pd.DataFrame({"year": index.years, "envelope": index.envelope,
                             "transfer": region_years.groupby("year")["transfer"].sum().to_numpy()})
    if prices is not None:
        envelope = envelope.merge(prices, on="year")
    bound = outcome.bound
    mip_gap = gap(plan.objective, bound)
    result = Result(
        status=outcome.status, message=message, objective=plan.objective, bound=bound,
        mip_gap=mip_gap, build_seconds=build_seconds, solve_seconds=solve_seconds,
        projects=projects, starts=start_table(index, form, plan), region_years=region_years,
        provision=provision, national=national,
        envelope=envelope, metadata=metadata | {"highs_objective": outcome.objective,
                                                "steps": steps},
    )
    verify(instance, result)
    return result


def check_claims(form: Formulation, outcome: HighsOutcome, objective: float, mip_rel_gap: float,
                 stages: list[dict[str, Any]] | None, steps: dict[str, Any], message: str
                 ) -> tuple[HighsOutcome, dict[str, Any], str]:
    """The solver's claims about the plan, kept only where they hold (``optimizer.claims``).

    ``form``'s objective at the solver's values may not be above the objective it reported
    (below is allowed: the Pyomo reference's incumbent may leave a provision short of what its
    starts give, which the array layout recomputes); the bound must be at most the polished
    plan's ``objective``, and ``optimal`` proven within ``mip_rel_gap``. HiGHS's runs are
    checked both ways (and re-solved) as they finish (``optimizer.mip_start``); this last check
    covers every path, the Pyomo backend's mapping of its plan included. What fails is logged
    at WARNING and written to ``steps["claims"]`` and the message.
    """
    problems = result_claims(outcome.status, objective, None, outcome.bound, mip_rel_gap, stages)
    if outcome.objective is not None:
        raw = float(form.columns.cost @ outcome.values + form.columns.offset)
        if raw > outcome.objective + tolerance(raw):
            problems.insert(0, f"the plan's objective {raw:,.6f} is above the reported "
                               f"{outcome.objective:,.6f}")
    if not problems:
        return outcome, steps, message
    status, bound = kept_claims(outcome.status, objective, outcome.bound, mip_rel_gap, stages)
    note = f"the solver's claim was not kept: {'; '.join(problems)}"
    log.warning("%s", note)
    return (replace(outcome, status=status, bound=bound),
            steps | {"claims": [*steps.get("claims", []), note]},
            f"{_MEANING[status]} ({note}; HiGHS: {outcome.model_status})")
