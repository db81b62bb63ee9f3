"""A national budget sweep on 1 and on 2 local workers, and the model of its time on W workers.

Usage: python benchmarks/bench_sweep.py [--instance instances/kz-2026-2030]
           [--envelope 0.5:2.0:16] [--time-limit 20] [--jobs 1 2] [--model 1 2 4 8 16]
           [--json FILE]

For each ``--jobs`` value the sweep runs as ``srsopt sweep --jobs N`` runs it
(``optimizer.distributed``): 1 in this process, one point after another; N > 1 on a local Dask
cluster of N one-thread worker processes. Wall time counts everything after the instance is
loaded: starting the cluster, the solves, closing it. Per point the task's own seconds (in its
worker, from the instance received to the result) are recorded.

The model for W workers (a cluster on paper): the points' task times, taken in the order the
sweep submits them, dealt to W workers each taking the next point when it is free (list
scheduling, which is what Dask's scheduler does with one-thread workers), plus the cluster's
start-up and the sending of the instance as measured. The time limit is per point, so on an
unloaded machine a task takes about the limit plus the build and the check (the points that
end on their gap take less). A point whose LP relaxation does not finish within its share of
the limit (30%: about 6 s of 20 on the national model) ends early with a heuristic plan and no
bound: faster, and a poor point; the table counts them, as they make a loaded run look fast.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import time
from typing import Any

from models.instance import load_instance
from optimizer.analysis.sweep import parse_range
from optimizer.distributed import open_runner
from optimizer.distributed.analyses import sweep


def run(path: str, envelope: str, time_limit: float, jobs: int) -> dict[str, Any]:
    """One sweep with ``jobs``; wall time, its parts and every point's task seconds."""
    instance = load_instance(path)
    scales = [float(s) for s in parse_range(envelope)]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with open_runner(None, jobs) as runner:
        opened = time.perf_counter()
        curve, outcomes = sweep(instance, scales, runner=runner, time_limit=time_limit,
                                threads=1)
        solved = time.perf_counter()
    ended = time.perf_counter()
    return {"jobs": jobs, "wall_seconds": ended - started, "start_seconds": opened - started,
            "batch_seconds": solved - opened, "close_seconds": ended - solved,
            "task_seconds": [o.seconds for o in outcomes],
            "statuses": curve.points["status"].tolist() if "status" in curve.points else [],
            "gaps": curve.points["mip_gap"].tolist() if "mip_gap" in curve.points else [],
            "missing": len(curve.missing), "load_before": load,
            "load_after": os.getloadavg()[0]}


def _gaps(gaps: list[float]) -> str:
    known = sorted(g for g in gaps if g == g)  # NaN: no bound (the LP did not finish in time)
    if not known:
        return f"-, {len(gaps)}"
    return (f"{100 * known[len(known) // 2]:.2f}% / {100 * known[-1]:.2f}%, "
            f"{len(gaps) - len(known)}")


def makespan(tasks: list[float], workers: int) -> float:
    """List scheduling in submission order: each task to the first worker free."""
    free = [0.0] * workers
    for seconds in tasks:
        heapq.heapreplace(free, free[0] + seconds)
    return max(free)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="instances/kz-2026-2030")
    parser.add_argument("--envelope", default="0.5:2.0:16")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--json", default=None, help="Also write the figures to this file.")
    args = parser.parse_args()
    runs = [run(args.instance, args.envelope, args.time_limit, jobs) for jobs in args.jobs]
    print(f"{args.instance}, --envelope {args.envelope}, --time-limit {args.time_limit:g} s "
          f"per point, {os.cpu_count()} cores\n")
    print("| jobs | wall, s | cluster start, s | solves, s | close, s | task s: mean / max "
          "| statuses | gap: median / max, points without a bound | load avg before / after |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        tasks = r["task_seconds"]
        counts = {s: r["statuses"].count(s) for s in sorted(set(r["statuses"]))}
        print(f"| {r['jobs']} | {r['wall_seconds']:.1f} | {r['start_seconds']:.1f} | "
              f"{r['batch_seconds']:.1f} | {r['close_seconds']:.1f} | "
              f"{sum(tasks) / len(tasks):.1f} / {max(tasks):.1f} | "
              f"{', '.join(f'{n} {s}' for s, n in counts.items())} | "
              f"{_gaps(r['gaps'])} | {r['load_before']:.1f} / {r['load_after']:.1f} |")
    base = runs[0]["wall_seconds"]
    for r in runs[1:]:
        print(f"\nspeed-up of {r['jobs']} jobs over {runs[0]['jobs']}: "
              f"{base / r['wall_seconds']:.2f}x")
    start = max(r["start_seconds"] for r in runs if r["jobs"] > 1) if any(
        r["jobs"] > 1 for r in runs) else 0.0
    print("\n| W workers | " + " | ".join(f"tasks of the {r['jobs']}-job run, s"
                                          for r in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for workers in args.model:
        cells = [f"{start + makespan(r['task_seconds'], workers):.0f}" for r in runs]
        print(f"| {workers} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"args": vars(args), "runs": runs}, out, indent=1)


if __name__ == "__main__":
    main()
