"""What-if runs: solve a base and its scenarios, re-solving in place where possible, and compare.

Every scenario's instance is built by ``models.scenario_apply`` (pure data, re-validated). The
base is solved on a live model (``optimizer.solving.live.LiveModel``); a scenario that changes only
bounds, right-hand sides, costs or coefficients is solved by editing that model, any other one
from scratch with ``optimizer.solve``; the reason is kept with the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.instance import Instance
from models.result import Result
from models.scenario import Scenario, ScenarioError, read_scenarios
from models.scenario_apply import apply_scenarios
from optimizer.analysis.starts import scenario_seconds, started
from optimizer.analysis.whatif_compare import (
    Comparison,
    compare,
    funded,
    national_at_target_year,
    target_year,
)
from optimizer.api import solve
from optimizer.runtime import stopping
from optimizer.solving.live import LiveModel
from optimizer.solving.pipeline import solve_options
from optimizer.solving.warm import BasePlan, WarmStart
from optimizer.solving.why import mark_locked

__all__ = ["Case", "Comparison", "compare", "funded", "national_at_target_year", "run_cases",
           "scenario_case", "solve_case", "target_year", "with_scenario"]
"""The comparison lives in ``whatif_compare``; it is re-exported here, where callers find it."""


@dataclass(frozen=True)
class Case:
    """One instance to solve: the base, or the base with scenarios applied."""

    name: str
    instance: Instance
    record: dict[str, Any] | None = None
    """What the scenarios changed (``models.scenario_apply.apply_scenarios``); None for the base."""
    scenarios: tuple[Scenario, ...] = ()
    """The scenarios applied to the base, in order: how a worker builds ``instance`` again
    (``solve_case``) from the base it already has."""


def _same_folder(a: Path, b: Path) -> bool:
    return a.expanduser().resolve() == b.expanduser().resolve()


def scenario_case(base: Instance, spec: str, base_path: Path | None = None) -> Case:
    """The base with the scenarios of ``spec`` (``a.yaml,b.yaml``) applied in order.

    Raises:
        ScenarioError: a bad change, or a scenario written for another base instance.
    """
    scenarios, problems = read_scenarios(spec)  # applied below, every mistake reported at once
    for scenario in scenarios:
        if scenario.base is not None and base_path is not None and not _same_folder(
                scenario.base, base_path):
            raise ScenarioError(scenario.file, "base", f"is {scenario.base}, but the base "
                                f"instance here is {base_path}")
    instance, record = apply_scenarios(base, scenarios, problems)
    return Case(name=record["name"], instance=instance, record=record,
                scenarios=tuple(scenarios))


def solve_case(base: Instance, scenarios: Sequence[Scenario], options: dict[str, Any]
               ) -> Result:
    """One case from scratch: ``scenarios`` applied to ``base``, then solved (a Dask task).

    ``options``: ``time_limit``, ``mip_rel_gap``, ``threads`` as for ``run_cases``; the LP
    envelope prices are skipped as there. The scenarios were applied once already by the
    caller (``scenario_case``, where an error is reported), so they apply here too.
    """
    instance = apply_scenarios(base, scenarios)[0] if scenarios else base
    return solve(instance, price_envelope=False, **options)


def with_scenario(result: Result, record: dict[str, Any] | None, **extra: Any) -> Result:
    """The result with the applied changes (and e.g. how it was solved) in its metadata.

    Projects a scenario's lock forced out (or whose start it fixed out of the horizon) get the
    reason ``locked`` (``optimizer.solving.why.mark_locked``).
    """
    meta = dict(extra)
    update: dict[str, Any] = {}
    if record is not None:
        meta["scenario"] = record
        if result.projects is not None:  # a project a lock left out is ``locked``
            update["projects"] = mark_locked(result.projects, record)
    return result.model_copy(update=update | {"metadata": result.metadata | meta})


def run_cases(cases: Sequence[Case], *, time_limit: float | None = None,
              mip_rel_gap: float | None = None, threads: int | None = None,
              scenario_time_limit: float | None = None, warm: bool = True,
              on_start: Callable[[Case], None] | None = None,
              on_done: Callable[[Case, Result], None] | None = None) -> dict[str, Result]:
    """Solve every case, the first one (the base) on a live model the others re-use if they can.

    Every scenario starts from the base's plan (``warm``; ``optimizer.solving.warm``) and gets
    ``scenario_time_limit`` seconds (default: a quarter of the base's): on the live model when
    it reaches the case by edits, otherwise on a model built from scratch with the plan read
    by ids. Each result's ``metadata["resolve"]`` says ``edited in place`` (with the counts of
    edits) or why the model was built from scratch, and ``start``: ``warm`` or ``cold`` with
    why. After a stop request (``optimizer.runtime.stopping``) the cases not yet started are
    skipped.
    """
    base = cases[0].instance
    live = None
    options = solve_options(base, time_limit, mip_rel_gap, threads)
    if base.settings.objective.mode == "weighted":
        live = LiveModel(base, options)
    seconds = scenario_seconds(options.time_limit, scenario_time_limit)
    results: dict[str, Result] = {}
    vector: np.ndarray | None = None  # the base's plan as a column vector of the live model
    base_plan: BasePlan | None = None  # ... and by ids, for a model of another structure
    for k, case in enumerate(cases):
        if k > 0 and stopping.requested():
            break
        if on_start is not None:
            on_start(case)
        reason: str | None = "the base" if k == 0 else "no live model: the base is solved in stages"
        if live is not None and k > 0:
            reason = live.switch_to(case.instance, rebuild=False)
        warm_from = warm and k > 0 and base_plan is not None
        if live is not None and (k == 0 or reason is None):
            result = live.solve(time_limit=seconds if warm_from else None, price_envelope=False,
                                warm=WarmStart(vector, base_plan.memory)
                                if warm_from and vector is not None and base_plan is not None
                                else None)
            vector = live.last_plan if k == 0 else vector
            how: dict[str, object] = {"model": "edited in place" if k else "built",
                                      "edits": live.last_edits}
        else:
            weighted = case.instance.settings.objective.mode == "weighted"
            result = solve(case.instance, time_limit=seconds if warm_from and weighted
                           else time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
                           price_envelope=False, start_from=base_plan if warm_from else None)
            how = {"model": "built from scratch", "reason": reason}
        if k == 0:
            base_plan = BasePlan.of(result)
        how |= started(result, k, warm, base_plan is not None)
        result = with_scenario(result, case.record, resolve=how)
        results[case.name] = result
        if on_done is not None:
            on_done(case, result)
    return results
