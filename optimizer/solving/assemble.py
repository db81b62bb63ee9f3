"""The result assembler: every solve path ends here, whatever found the plan.

The solver's vector is polished into a plan, its claims are checked against that plan
(``check_claims``), the result tables are built and the verifier re-checks them all from the
raw instance tables.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

from models.instance import Instance
from models.result import PLAN_STATUSES, Result, SolveStatus
from optimizer.check.verify import verify
from optimizer.formulation import Formulation, objective_of
from optimizer.formulation.index import IndexSets
from optimizer.highs.adapter import HighsOptions, HighsOutcome
from optimizer.highs.claims import gap, kept_claims, result_claims, tolerance
from optimizer.solving.designations import designation_table
from optimizer.solving.solution import (
    polish,
    project_table,
    provision_tables,
    region_year_table,
    start_table,
)
from optimizer.solving.why import explain_projects

log = logging.getLogger(__name__)

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
    metadata: dict[str, Any] = {
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
    projects, priced = explain_projects(instance, index, form,
                                        project_table(instance, index, form, plan),
                                        plan.values[: form.layout.n_start], options.time_limit,
                                        options.threads)
    steps |= priced
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
        designations=designation_table(instance.settlements, index, plan.pair_provision),
        envelope=envelope, metadata=metadata | {"highs_objective": outcome.objective,
                                                "steps": steps},
    )
    verify(instance, result)
    return result



def check_claims(form: Formulation, outcome: HighsOutcome, objective: float, mip_rel_gap: float,
                 stages: list[dict[str, Any]] | None, steps: dict[str, Any], message: str
                 ) -> tuple[HighsOutcome, dict[str, Any], str]:
    """The solver's claims about the plan, kept only where they hold (``optimizer.highs.claims``).

    ``form``'s objective at the solver's values may not be above the objective it reported
    (below is allowed: the Pyomo reference's incumbent may leave a provision short of what its
    starts give, which the array layout recomputes); the bound must be at most the polished
    plan's ``objective``, and ``optimal`` proven within ``mip_rel_gap``. HiGHS's runs are
    checked both ways (and re-solved) as they finish (``optimizer.highs.mip_start``); this last
    check covers every path, the Pyomo backend's mapping of its plan included. What fails is logged
    at WARNING and written to ``steps["claims"]`` and the message.
    """
    problems = result_claims(outcome.status, objective, None, outcome.bound, mip_rel_gap, stages)
    if outcome.objective is not None and outcome.values is not None:  # set together
        raw = objective_of(form, outcome.values)
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
