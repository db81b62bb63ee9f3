"""Build + hand-over time of the Pyomo reference against the array build, on generated instances.

Usage: python benchmarks/bench_backends.py [--sizes 200,2000] [--repeats 3] [--seed 1]

"Build" is instance -> model (the array build: index arrays and formulation; Pyomo: model data
and the ConcreteModel); "hand-over" is model -> HiGHS (``passModel``; Pyomo's persistent
``set_instance``). Times are medians over ``--repeats``, wall clock and this process's CPU time;
on a shared machine the CPU ratio is the steadier one. No solve: both backends hand HiGHS the
same optimum.
"""

from __future__ import annotations

import argparse
import statistics
import time

PROJECTS_PER_SETTLEMENT = 2.5


def _now() -> tuple[float, float]:
    """Wall clock and this process's CPU time."""
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    """(wall, CPU) seconds since ``start``."""
    wall, cpu = _now()
    return wall - start[0], cpu - start[1]


def measure(settlements: int, repeats: int, seed: int) -> dict:
    """Median build and hand-over seconds (wall and CPU) of both backends on one instance."""
    from pyomo.contrib.solver.solvers.highs import Highs

    from models.instance import instance_from_tables
    from models.synthetic import generate_tables
    from optimizer.formulation import build_formulation
    from optimizer.formulation.index import build_index
    from optimizer.highs.adapter import HighsOptions, make_highs
    from optimizer.pyomo_ref import PyomoHandle, build_model, model_data

    projects = int(settlements * PROJECTS_PER_SETTLEMENT)
    settings, tables = generate_tables(settlements, projects, seed)
    instance = instance_from_tables(settings, tables, source=f"generated-{settlements}")
    runs: dict[str, list[tuple[float, float]]] = {"array_build": [], "array_hand": [],
                                                  "pyomo_build": [], "pyomo_hand": []}
    for _ in range(repeats):  # interleaved, so that load from other processes hits both
        start = _now()
        form = build_formulation(build_index(instance), instance.settings.objective)
        runs["array_build"].append(_since(start))
        start = _now()
        make_highs(form, HighsOptions())
        runs["array_hand"].append(_since(start))
        start = _now()
        model = build_model(model_data(instance))
        runs["pyomo_build"].append(_since(start))
        start, solver = _now(), Highs()
        solver.set_instance(model)
        runs["pyomo_hand"].append(_since(start))
    handed = PyomoHandle(model=model, solver=solver).highs
    out: dict = {"settlements": settlements, "projects": projects,
                 "array_size": f"{form.shape[0]:,} x {form.shape[1]:,}",
                 "pyomo_size": f"{handed.getNumRow():,} x {handed.getNumCol():,}"}
    for clock, k in (("wall", 0), ("cpu", 1)):
        for backend in ("array", "pyomo"):
            build, hand = runs[f"{backend}_build"], runs[f"{backend}_hand"]
            out[f"{backend}_build_{clock}"] = statistics.median(b[k] for b in build)
            out[f"{backend}_total_{clock}"] = statistics.median(
                b[k] + h[k] for b, h in zip(build, hand, strict=True))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{'settl.':>7} {'projects':>8} {'array rows x cols':>18} {'pyomo rows x cols':>18} "
          f"{'array b+h s':>11} {'pyomo build s':>13} {'pyomo b+h s':>11} {'ratio':>6} "
          f"{'CPU ratio':>9}")
    for size in (int(s) for s in args.sizes.split(",")):
        r = measure(size, args.repeats, args.seed)
        print(f"{r['settlements']:>7,} {r['projects']:>8,} {r['array_size']:>18} "
              f"{r['pyomo_size']:>18} {r['array_total_wall']:>11.3f} "
              f"{r['pyomo_build_wall']:>13.2f} {r['pyomo_total_wall']:>11.2f} "
              f"{r['pyomo_total_wall'] / r['array_total_wall']:>5.0f}x "
              f"{r['pyomo_total_cpu'] / r['array_total_cpu']:>8.0f}x", flush=True)


if __name__ == "__main__":
    main()
