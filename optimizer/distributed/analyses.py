"""The analyses of ``optimizer.analysis`` as batches: sweep and pareto points, cases, draws.

Each task is one fresh solve of a small spec against the instance sent once: a sweep point is
``analysis.sweep.solve_point(instance, scale, options)``, a what-if case
``analysis.whatif.solve_case(base, scenarios, options)``, a Monte Carlo draw
``analysis.montecarlo.run_draw(base, seed, index, options)``. The analysis then assembles the
results exactly as it does for solves made here (the curve, the comparison), so a run on any
number of workers gives what a run here gives whenever the solves are deterministic
(reproducible mode ``node_limit``, or every solve within its gap).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from models.instance import Instance
from models.result import Result
from optimizer.analysis.montecarlo import DrawRecord, MonteCarloBase, run_draw
from optimizer.analysis.pareto import Front, Point
from optimizer.analysis.pareto import PointRunner as ParetoRunner
from optimizer.analysis.pareto import pareto as assemble_pareto
from optimizer.analysis.pareto import solve_point as pareto_point
from optimizer.analysis.starts import scenario_seconds, started
from optimizer.analysis.sweep import Curve, Output, PointRunner, solve_point
from optimizer.analysis.sweep import sweep as assemble_sweep
from optimizer.analysis.whatif import Case, solve_case, with_scenario
from optimizer.distributed.batch import Outcome, Progress, Task, gather
from optimizer.distributed.runner import Runner
from optimizer.solving.pipeline import solve_options
from optimizer.solving.warm import BasePlan

OnProgress = Callable[[Progress], None] | None


def point_key(k: int, scale: float) -> str:
    """How a sweep point is named in progress lines and reports."""
    return f"point {k + 1} (envelope x{scale:g})"


def point_runner(runner: Runner, on_progress: OnProgress = None,
                 outcomes: list[Outcome] | None = None) -> PointRunner:
    """A ``PointRunner`` submitting one task per scale to ``runner``.

    The outputs come back in the order of the scales whatever order the tasks finish in;
    every outcome is appended to ``outcomes`` when given.
    """
    def run(instance: Instance, scales: list[float], options: dict[str, Any]
            ) -> tuple[list[Output], dict[float, str]]:
        tasks = [Task(point_key(k, s), solve_point, (s, options)) for k, s in enumerate(scales)]
        ended = gather(runner.submit(instance, tasks), on_progress)
        if outcomes is not None:
            outcomes.extend(ended)
        got = [o.value for o in ended if o.ok]
        missing = {s: str(o.error) for s, o in zip(scales, ended, strict=True) if not o.ok}
        return got, missing

    return run


def sweep(instance: Instance, scales: Sequence[float], *, runner: Runner,
          time_limit: float | None = None, mip_rel_gap: float | None = None,
          threads: int = 1, node_limit: int | None = None,
          start_from: BasePlan | None = None, scenario_time_limit: float | None = None,
          on_progress: OnProgress = None) -> tuple[Curve, list[Outcome]]:
    """``optimizer.analysis.sweep.sweep`` with its points as tasks; the curve and each outcome.

    ``Curve.missing`` names the points without a result and why.
    """
    outcomes: list[Outcome] = []
    curve = assemble_sweep(instance, scales, run_points=point_runner(runner, on_progress,
                                                                      outcomes),
                           time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
                           node_limit=node_limit, start_from=start_from,
                           scenario_time_limit=scenario_time_limit)
    return curve, outcomes


def pareto(instance: Instance, points: int, *, runner: Runner,
           time_limit: float | None = None, mip_rel_gap: float | None = None,
           threads: int = 1, node_limit: int | None = None,
           on_progress: OnProgress = None) -> tuple[Front, list[Outcome]]:
    """``optimizer.analysis.pareto.pareto`` with its points as tasks; the front and outcomes.

    The two ends are solved here first; each level is then one task
    ``pareto.solve_point(instance, (number, level), options)``, the instance sent once.
    """
    outcomes: list[Outcome] = []

    def run(base: Instance, every: list[Point], options: dict[str, Any]
            ) -> tuple[list[tuple[dict[str, Any], Result | None]], dict[int, str]]:
        tasks = [Task(f"point {k} (output added >= {level:,.1f})", pareto_point,
                      ((k, level), options)) for k, level in every]
        ended = gather(runner.submit(base, tasks), on_progress)
        outcomes.extend(ended)
        return ([o.value for o in ended if o.ok],
                {k: str(o.error) for (k, _), o in zip(every, ended, strict=True) if not o.ok})

    given: ParetoRunner = run
    front = assemble_pareto(instance, points, run_points=given, time_limit=time_limit,
                            mip_rel_gap=mip_rel_gap, threads=threads, node_limit=node_limit)
    return front, outcomes


def run_cases(cases: Sequence[Case], *, runner: Runner, time_limit: float | None = None,
              mip_rel_gap: float | None = None, threads: int | None = None,
              scenario_time_limit: float | None = None, warm: bool = True,
              on_progress: OnProgress = None) -> tuple[dict[str, Result], list[Outcome]]:
    """Every case (the base first) as a task built from scratch; results in the cases' order.

    Unlike ``optimizer.analysis.whatif.run_cases`` no live model is shared (each task has its
    own process), so each result's ``metadata["resolve"]`` says ``built from scratch``. The base
    is solved first, alone; with ``warm`` every scenario then starts from its plan (read by ids,
    ``optimizer.solving.warm``) within ``scenario_time_limit`` (default: a quarter of the
    base's). A case without a result is missing from the dict; its outcome says why.
    """
    options: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap,
                               "threads": threads}
    base = cases[0]
    ended = gather(runner.submit(base.instance, [Task(base.name, solve_case, (
        base.scenarios, options))]), on_progress)
    plan = BasePlan.of(ended[0].value) if warm and ended[0].ok else None
    if plan is not None:
        full = solve_options(base.instance, time_limit, mip_rel_gap, threads)
        options = options | {"start_from": plan, "time_limit": scenario_seconds(
            full.time_limit, scenario_time_limit)}
    tasks = [Task(case.name, solve_case, (case.scenarios, options)) for case in cases[1:]]
    if tasks:
        ended += gather(runner.submit(base.instance, tasks), on_progress)
    results = {}
    for k, (case, outcome) in enumerate(zip(cases, ended, strict=True)):
        if outcome.ok:
            how = {"model": "built" if k == 0 else "built from scratch",
                   "worker": outcome.worker} | started(outcome.value, k, warm, plan is not None)
            results[case.name] = with_scenario(outcome.value, case.record, resolve=how)
    return results, ended


def montecarlo(base: MonteCarloBase, seed: int, draws: int, options: dict[str, Any], *,
               runner: Runner, on_progress: OnProgress = None
               ) -> tuple[list[DrawRecord], dict[int, str], list[Outcome]]:
    """Draws ``0 .. draws-1`` of ``seed`` as tasks, ``base`` sent once; records in draw order.

    A draw's numbers depend only on (seed, index), so any number of workers, in any order,
    gives the same records; a draw without a result is in the second value, with why.
    """
    tasks = [Task(f"draw {k}", run_draw, (seed, k, options)) for k in range(draws)]
    ended = gather(runner.submit(base, tasks), on_progress)
    records = [o.value for o in ended if o.ok]
    missing = {k: str(o.error) for k, o in enumerate(ended) if not o.ok}
    return records, missing, ended
