"""The proven gap at a time limit, run after run: the issue-23 goals for cold solves.

Usage: python benchmarks/bench_gaps.py [--national-runs 5] [--settlements 7000]
       [--projects 17500 27000] [--seeds 1 2 3 4 5 6 7 8 9 10] [--time-limit 60]

Solves the national instance ``--national-runs`` times, then each generated instance
(``generate_tables(settlements, projects, seed)``) once, every solve cold and engineered within
``--time-limit`` and ``mip_rel_gap`` 1e-3. Prints each run's status, proven gap and wall
seconds as it ends, then the median and the largest gap of each set, with the load average
(the machine may be shared: the gaps move with it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from models.instance import Instance, instance_from_tables, load_instance
from models.synthetic import generate_tables
from optimizer.api import solve

NATIONAL = "instances/kz-2026-2030"


def run(name: str, instance: Instance, limit: float) -> float:
    """One cold solve; its proven gap (infinity without one), printed."""
    started = time.perf_counter()
    result = solve(instance, time_limit=limit, mip_rel_gap=1e-3, price_envelope=False)
    gap = float("inf") if result.mip_gap is None else result.mip_gap
    print(f"{name}: {result.status.value}, gap {100 * gap:.2f}%, "
          f"{time.perf_counter() - started:.1f} s wall, load {os.getloadavg()[0]:.1f}",
          flush=True)
    return gap


def summary(name: str, gaps: list[float]) -> None:
    """Median and largest gap of a set."""
    if gaps:
        print(f"== {name}: median {100 * statistics.median(gaps):.2f}%, "
              f"max {100 * max(gaps):.2f}% over {len(gaps)} runs", flush=True)


def main() -> None:
    """Run the sets and print their gaps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national-runs", type=int, default=5)
    parser.add_argument("--settlements", type=int, default=7000)
    parser.add_argument("--projects", type=int, nargs="*", default=[17500, 27000])
    parser.add_argument("--seeds", type=int, nargs="*", default=list(range(1, 11)))
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    national = load_instance(NATIONAL)
    summary("national", [run(f"national run {k + 1}", national, args.time_limit)
                         for k in range(args.national_runs)])
    for projects in args.projects:
        gaps = []
        for seed in args.seeds:
            settings, tables = generate_tables(args.settlements, projects, seed)
            instance = instance_from_tables(settings, tables, source=f"generated {seed}")
            gaps.append(run(f"{args.settlements} x {projects}, seed {seed}", instance,
                            args.time_limit))
        summary(f"{args.settlements} settlements x {projects} projects", gaps)


if __name__ == "__main__":
    main()
