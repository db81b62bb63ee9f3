"""Build, hand-over and solve times, gap and peak memory on generated instances.

Usage: python benchmarks/bench_core.py [--sizes 200,2000,7000] [--time-limit 60] [--repeats 3]

Each size runs in its own process so that peak memory (max RSS) belongs to that size alone.
Build times are medians over ``--repeats`` builds; the machine is shared, so compare ratios.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

PROJECTS_PER_SETTLEMENT = 2.5


def measure(settlements: int, time_limit: float, repeats: int, seed: int) -> dict:
    """Generate, validate, build (median of repeats), hand to HiGHS, solve once."""
    from models.instance import instance_from_tables
    from models.synthetic import generate_tables
    from optimizer.api import solve
    from optimizer.formulation import build_formulation
    from optimizer.formulation.index import build_index
    from optimizer.highs.adapter import HighsOptions, make_highs

    projects = int(settlements * PROJECTS_PER_SETTLEMENT)
    started = time.perf_counter()
    settings, tables = generate_tables(settlements, projects, seed)
    generate_s = time.perf_counter() - started
    started = time.perf_counter()
    instance = instance_from_tables(settings, tables, source=f"generated-{settlements}")
    validate_s = time.perf_counter() - started
    builds, handovers = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        form = build_formulation(build_index(instance), instance.settings.objective)
        built = time.perf_counter()
        make_highs(form, HighsOptions())
        builds.append(built - started)
        handovers.append(time.perf_counter() - built)
    result = solve(instance, time_limit=time_limit, mip_rel_gap=1e-3)
    return {
        "settlements": settlements, "projects": projects,
        "rows": form.shape[0], "columns": form.shape[1], "nonzeros": int(form.matrix.nnz),
        "generate_s": generate_s, "validate_s": validate_s,
        "build_s": statistics.median(builds), "handover_s": statistics.median(handovers),
        "build_and_handover_s": statistics.median(b + h for b, h in zip(builds, handovers,
                                                                        strict=True)),
        "solve_s": result.solve_seconds, "status": result.status.value,
        "gap": result.mip_gap,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000,7000")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one, args.time_limit, args.repeats, args.seed)))
        return
    header = (f"{'settl.':>7} {'projects':>8} {'rows':>8} {'cols':>8} {'nnz':>9} "
              f"{'valid s':>7} {'build s':>7} {'hand s':>7} {'b+h s':>7} {'solve s':>7} "
              f"{'status':>11} {'gap':>8} {'peak MB':>8}")
    print(header)
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--time-limit", str(args.time_limit),
             "--repeats", str(args.repeats), "--seed", str(args.seed)],
            check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        gap = "-" if r["gap"] is None else f"{100 * r['gap']:.2f}%"
        print(f"{r['settlements']:>7,} {r['projects']:>8,} {r['rows']:>8,} {r['columns']:>8,} "
              f"{r['nonzeros']:>9,} {r['validate_s']:>7.2f} {r['build_s']:>7.3f} "
              f"{r['handover_s']:>7.3f} {r['build_and_handover_s']:>7.3f} {r['solve_s']:>7.1f} "
              f"{r['status']:>11} {gap:>8} {r['peak_mb']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
