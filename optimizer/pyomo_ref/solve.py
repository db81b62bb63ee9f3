"""Solve the Pyomo reference through Pyomo's HiGHS interface and hand its plan to the pipeline.

The solution is mapped onto the array build's column vector by name (``optimizer.highs.names``), so
polishing, the result tables and the verifier are the same code for both backends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib.metadata import version

import highspy
import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import Results
from pyomo.contrib.solver.solvers.highs import Highs

from models.instance import Instance
from models.result import PLAN_STATUSES, Result, SolveStatus
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.index import FloatArray, IndexSets, build_index
from optimizer.formulation.provision import PERSONS_SCALE
from optimizer.highs.adapter import (
    HighsOptions,
    HighsOutcome,
    map_status,
    settle,
    use_threads,
)
from optimizer.highs.claims import claim_problems
from optimizer.highs.interrupt import solve_interruptibly
from optimizer.highs.mip_start import Checked, model_objective
from optimizer.highs.names import area_tag, column_names, label, safe_name
from optimizer.pyomo_ref.data import model_data
from optimizer.pyomo_ref.model import build_model
from optimizer.solving.assemble import assemble_result
from optimizer.solving.pipeline import envelope_prices, solve_relaxation
from optimizer.solving.strategy import LP_SHARE, MIP_RESERVE, POLISH_RESERVE, POLISH_SHARE

log = logging.getLogger(__name__)

STATED_FAMILIES = ("one_start", "provision", "funding", "cofinancing", "fiscal_space",
                   "envelope", "shortfall", "equalization_pool", "equalization_floor",
                   "dependency_cap", "critical_floor", "hold_harmless", "transfer_growth",
                   "alternatives", "prerequisite", "growth_floor")
"""The families the reference states: v1, the fiscal rules of section 11 and the project
structure of section 12; a family added to the array build later must stay empty until the
reference states it too."""


@dataclass(frozen=True)
class PyomoHandle:
    """A Pyomo model already handed over to HiGHS by Pyomo's persistent interface."""

    model: pyo.ConcreteModel
    solver: Highs

    @property
    def highs(self) -> highspy.Highs:
        """The ``highspy.Highs`` Pyomo fills: for threads, the deadline and names.

        Pyomo 6.10 keeps it in a private attribute; only this and ``named_highs`` (its column
        and row maps) read Pyomo's private state.
        """
        return self.solver._solver_model


def check_stated(instance: Instance, form: Formulation) -> None:
    """Refuse an instance the reference would get wrong: it states the ``weighted`` model.

    That is the v1 model with every fiscal rule of section 11.

    Raises:
        NotImplementedError: naming what the instance uses beyond it (another objective mode,
            or rows of a family the array build has and the reference does not state).
    """
    beyond = [f"objective mode {instance.settings.objective.mode!r}"
              ] if instance.settings.objective.mode != "weighted" else []
    beyond += [f"{name} rows" for name, rows in form.rows.items()
               if name not in STATED_FAMILIES and rows.stop > rows.start]
    if beyond:
        raise NotImplementedError("the Pyomo reference states the weighted model (v1 and the "
                                  "fiscal rules); this instance also uses "
                                  f"{', '.join(dict.fromkeys(beyond))}")


def hand_over(instance: Instance, late_starts: bool = False) -> PyomoHandle:
    """Build the Pyomo model and pass it to HiGHS (``set_instance``): build + hand-over."""
    model = build_model(model_data(instance, late_starts))
    solver = Highs()
    for option in solver.config.auto_updates:  # nothing changes between hand-over and solve
        setattr(solver.config.auto_updates, option, False)
    solver.set_instance(model)
    return PyomoHandle(model=model, solver=solver)


def _solve(handle: PyomoHandle, options: HighsOptions, presolve: bool) -> Results:
    """One call of Pyomo's ``solve``; the outcome is read from HiGHS afterwards."""
    return handle.solver.solve(
        handle.model, tee=options.log_to_console, time_limit=float(options.time_limit),
        rel_gap=float(options.mip_rel_gap), load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        solver_options={"random_seed": int(options.random_seed),
                        "presolve": "on" if presolve else "off"})


def _claims(h: highspy.Highs, mip_rel_gap: float) -> list[str]:
    """Why HiGHS's claims about its last solve do not hold, in its own (Pyomo's) columns."""
    info = h.getInfo()
    if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return []
    status = map_status(h.getModelStatus(), True)
    objective = info.objective_function_value  # an LP's own value is its bound
    return claim_problems(status, model_objective(h, np.asarray(h.getSolution().col_value)),
                          objective, info.mip_dual_bound if info.mip_node_count >= 0
                          else objective, mip_rel_gap)


def run_pyomo(handle: PyomoHandle, index: IndexSets, form: Formulation, options: HighsOptions,
              deadline: float | None = None) -> Checked:
    """Solve through Pyomo and report as ``optimizer.highs.adapter.run`` does, in the array layout.

    A claim of HiGHS that does not hold (``optimizer.highs.claims``) is not passed on: the model is
    solved again without presolve, and what was done is in the notes.
    """
    started = time.perf_counter()
    h = handle.highs
    use_threads(h, options.threads)
    results = solve_interruptibly(h, lambda: _solve(handle, options, presolve=True), deadline)
    if h.getModelStatus() == highspy.HighsModelStatus.kUnboundedOrInfeasible:
        # without presolve HiGHS decides
        results = solve_interruptibly(h, lambda: _solve(handle, options, presolve=False), None)
    notes: list[str] = []
    problems = _claims(h, options.mip_rel_gap)
    if problems:
        notes.append(f"HiGHS's claim did not hold ({'; '.join(problems)}); solved again "
                     "without presolve")
        log.warning("%s", notes[-1])
        results = solve_interruptibly(h, lambda: _solve(handle, options, presolve=False),
                                      None if deadline is None
                                      else deadline - (time.perf_counter() - started))
        problems = _claims(h, options.mip_rel_gap)
        if problems:
            notes.append(f"the claim did not hold either ({'; '.join(problems)})")
            log.warning("%s", notes[-1])
    seconds = time.perf_counter() - started
    info = h.getInfo()
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    status = map_status(h.getModelStatus(), has_solution)
    if deadline is not None and status == SolveStatus.LIMIT and seconds >= deadline:
        status = SolveStatus.TIME_LIMIT  # our deadline interrupt, as in optimizer.highs.adapter.run
    status = settle(status)
    values = objective = bound = gap = None
    if has_solution and status in PLAN_STATUSES:
        values = to_columns(results.solution_loader.get_vars(), index, form)
        objective = info.objective_function_value
        is_mip = info.mip_node_count >= 0
        bound = info.mip_dual_bound if is_mip else objective
        gap = (info.mip_gap if np.isfinite(info.mip_gap) else None) if is_mip else 0.0
    model_status = h.modelStatusToString(h.getModelStatus())
    log.info("Pyomo/HiGHS: %s in %.2f s (objective %s)", model_status, seconds, objective)
    if problems and values is not None:  # not passed on: the plan, its own value, no bound
        status, bound, gap = SolveStatus.LIMIT, None, None
        objective = model_objective(h, np.asarray(h.getSolution().col_value))
    return Checked(HighsOutcome(status=status, model_status=model_status, values=values,
                                row_duals=None, objective=objective, bound=bound, gap=gap,
                                seconds=seconds, nodes=max(int(info.mip_node_count), 0)),
                   tuple(notes))


def solve_reference(instance: Instance, options: HighsOptions, price_envelope: bool = True
                    ) -> Result:
    """``optimizer.solve(..., backend="pyomo")``: the Pyomo model decides the plan.

    The array build is still made: its column layout receives the plan, so that polishing,
    tables and the verifier are shared, and its LP relaxation prices the envelope (an LP
    estimate either way). No heuristic incumbent is handed over: the reference stays plain.
    """
    started = time.perf_counter()
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    check_stated(instance, form)
    handle = hand_over(instance)
    build_seconds = time.perf_counter() - started

    def left() -> float:
        return max(options.time_limit - (time.perf_counter() - started), 0.5)

    solve_started = time.perf_counter()
    prices = None
    if price_envelope:
        lp = solve_relaxation(form, replace(options, time_limit=LP_SHARE * left()))
        prices = envelope_prices(form, index, lp)
    reserve = max(POLISH_RESERVE, POLISH_SHARE * options.time_limit)
    checked = run_pyomo(handle, index, form,
                        replace(options, time_limit=(1 - MIP_RESERVE) * left()),
                        deadline=left() - reserve)
    result = assemble_result(instance, index, form, checked.outcome, options,
                             build_seconds=build_seconds,
                             solve_seconds=time.perf_counter() - solve_started, prices=prices,
                             steps={"claims": list(checked.notes)} if checked.notes else None)
    h = handle.highs
    return result.model_copy(update={"metadata": result.metadata | {
        "backend": "pyomo", "pyomo_version": version("pyomo"),
        "rows": h.getNumRow(), "columns": h.getNumCol(), "nonzeros": h.getNumNz(),
        "integer_columns": sum(t != highspy.HighsVarType.kContinuous
                               for t in h.getLp().integrality_)}})


FLOOR_NAMED = ("floor_slack", "critical_floor")
"""Components indexed by a critical floor's name, a settings key: ``optimizer.highs.names`` writes
it
with ``_`` for every character the LP writer rejects, whatever the ids map says."""

MUST_MAP = ("project_start(", "equalization(", "floor_slack(")
"""Pyomo variables whose value the array layout must receive (the others are recomputed)."""


def readable(component: str, key: object, ids: Mapping[str, str] | None = None) -> str:
    """The name ``optimizer.highs.names`` gives the column or row of ``component[key]``."""
    if component in FLOOR_NAMED and isinstance(key, tuple):
        key = (safe_name(key[0]), *key[1:])
    if component == "alternatives":  # a group name is free text, not an id
        return f"{component}({safe_name(str(key))})"
    if component in ("shortfall", "shortfall_floor") and isinstance(key, tuple):
        r, g, a, weight, t = key  # (r, g, a, m, t): a weight other than 1 goes with the area
        key = (r, g, a if weight == 1.0 else area_tag(ids.get(a, a) if ids else a, weight), t)
    return label(component, key, ids)


def to_columns(primals: Mapping[pyo.Var, float], index: IndexSets, form: Formulation
               ) -> FloatArray:
    """The Pyomo solution as the array build's column vector, matched by column name.

    ``provision`` of a linear pair has no array column (it is substituted there) and is
    dropped; polishing recomputes it from the starts. ``shortfall`` and ``floor_slack`` are
    converted from persons to the array's thousands (``PERSONS_SCALE``); ``equalization`` is in
    million KZT in both.
    """
    pyomo = pd.Series({readable(v.parent_component().name, v.index()): value
                       for v, value in primals.items()}, dtype=float)
    columns = pd.Index(column_names(index, form))
    values = pyomo.reindex(columns).fillna(0.0).to_numpy(float, copy=True)
    layout = form.layout
    values[layout.shortfall0: layout.equalization0] /= PERSONS_SCALE
    values[layout.floor_slack0: layout.n_cols] /= PERSONS_SCALE
    lost = pyomo.index[~pyomo.index.isin(columns) & (pyomo.abs() > 1e-9)
                       & pyomo.index.str.startswith(MUST_MAP)]
    if len(lost):
        raise ValueError(f"Pyomo values without an array column: {', '.join(lost[:5])}")
    return values


def named_highs(instance: Instance, ids: Mapping[str, str]) -> highspy.Highs:
    """The Pyomo model in HiGHS with readable names, for ``srsopt export --backend pyomo``.

    Pyomo's own LP writer decorates names (``c_u_one_start(P1)_``, ``ONE_VAR_CONSTANT``); HiGHS
    writing the model Pyomo handed over gives the same names and layout as the array export.
    """
    check_stated(instance, build_formulation(build_index(instance), instance.settings.objective))
    handle = hand_over(instance)
    solver, h = handle.solver, handle.highs
    h.setOptionValue("output_flag", False)
    col_of = solver._pyomo_var_to_solver_var_map  # private in Pyomo 6.10, as is the model
    row_of = solver._pyomo_con_to_solver_con_map
    for var in handle.model.component_data_objects(pyo.Var, descend_into=True):
        if id(var) in col_of:
            h.passColName(col_of[id(var)],
                          readable(var.parent_component().name, var.index(), ids))
    for con in handle.model.component_data_objects(pyo.Constraint, active=True):
        if con in row_of:
            h.passRowName(row_of[con],
                          readable(con.parent_component().name, con.index(), ids))
    return h
