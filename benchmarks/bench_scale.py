"""Gap against time: HiGHS alone ("plain") vs the engineered solve, side by side.

Usage: python benchmarks/bench_scale.py [--sizes 2000,7000,20000] [--national]
                                        [--limits 15,30,60] [--big-limits 60,300]

Each (instance, strategy, time limit) runs in its own process, so that peak memory (max RSS)
is that run's own. Generated instances use 2.5 candidate projects per settlement, seed 1.
Every plan is verified; the gap is always against a proven bound.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

NATIONAL = "instances/kz-2026-2030"


def measure(source: str, strategy: str, limit: float) -> dict:
    from models.instance import instance_from_tables, load_instance
    from models.synthetic import generate_tables
    from optimizer.api import solve

    if source == "national":
        instance = load_instance(NATIONAL)
    else:
        n = int(source)
        settings, tables = generate_tables(n, int(2.5 * n), 1)
        instance = instance_from_tables(settings, tables, source=f"generated-{n}")
    started = time.perf_counter()
    result = solve(instance, time_limit=limit, mip_rel_gap=1e-3, strategy=strategy)
    return {
        "instance": source, "settlements": len(instance.settlements), "strategy": strategy,
        "limit": limit, "wall": time.perf_counter() - started, "status": result.status.value,
        "objective": result.objective, "bound": result.bound, "gap": result.mip_gap,
        "peak_mb": max(resource.getrusage(who).ru_maxrss for who in
                       (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024,
        "steps": result.metadata.get("steps", {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,7000,20000")
    parser.add_argument("--national", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--limits", default="15,30,60")
    parser.add_argument("--big-limits", default="60,300", help="limits for >= 20,000")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        source, strategy, limit = args.one
        print(json.dumps(measure(source, strategy, float(limit))))
        return
    sources = [s for s in args.sizes.split(",") if s] + (["national"] if args.national else [])
    print(f"{'instance':>9} {'settl.':>7} {'limit s':>7} | {'plain: wall s':>13} {'gap':>7} "
          f"{'peak MB':>7} | {'engineered: wall s':>18} {'gap':>7} {'peak MB':>7} | "
          f"{'bound from':>10}")
    for source in sources:
        big = source != "national" and int(source) >= 20_000
        for limit in (args.big_limits if big else args.limits).split(","):
            rows = {}
            for strategy in ("plain", "engineered"):
                out = subprocess.run([sys.executable, __file__, "--one", source, strategy, limit],
                                     check=True, capture_output=True, text=True).stdout
                rows[strategy] = json.loads(out.strip().splitlines()[-1])
            p, e = rows["plain"], rows["engineered"]
            steps = e["steps"]
            origin = ("lagrangian" if steps.get("lagrangian_bound") == e["bound"] else
                      "LP" if steps.get("lp_bound") == e["bound"] else "HiGHS")
            print(f"{source:>9} {p['settlements']:>7,} {float(limit):>7.0f} | {p['wall']:>13.1f} "
                  f"{_pct(p['gap']):>7} {p['peak_mb']:>7.0f} | {e['wall']:>18.1f} "
                  f"{_pct(e['gap']):>7} {e['peak_mb']:>7.0f} | {origin:>10}", flush=True)


def _pct(gap: float | None) -> str:
    return "-" if gap is None else f"{100 * gap:.2f}%"


if __name__ == "__main__":
    main()
