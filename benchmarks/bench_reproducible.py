"""Reproducible mode: does a node-limited solve end on its nodes, and is the plan the same?

Usage: python benchmarks/bench_reproducible.py [--sizes 2000,7000] [--seeds 1,2] [--national]
                                               [--nodes 50,200] [--safety-net 900] [--runs 2]

Each run is its own process (region workers included), so a second run shares nothing with
the first. For each (instance, node limit) it prints the wall time of every run, whether the
time safety net stopped any HiGHS run (``reproducible`` in summary.json) and whether all runs
gave the same plan (objective, bound and start table). Generated instances use 2.5 candidate
projects per settlement; the national instance is ``instances/kz-2026-2030``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys

NATIONAL = "instances/kz-2026-2030"


def measure(source: str, nodes: int, safety_net: float) -> dict:
    """One node-limited solve of ``source`` ("national" or "SIZE:SEED")."""
    import time

    from models.instance import instance_from_tables, load_instance
    from models.synthetic import generate_tables
    from optimizer.api import solve

    if source == "national":
        instance = load_instance(NATIONAL)
    else:
        size, seed = (int(v) for v in source.split(":"))
        settings, tables = generate_tables(size, int(2.5 * size), seed)
        instance = instance_from_tables(settings, tables, source=f"generated-{source}")
    started = time.perf_counter()
    result = solve(instance, time_limit=safety_net, mip_rel_gap=1e-3, node_limit=nodes,
                   price_envelope=False)
    starts = result.starts.to_csv(index=False) if result.starts is not None else ""
    return {"wall": time.perf_counter() - started, "status": result.status.value,
            "objective": result.objective, "bound": result.bound, "gap": result.mip_gap,
            "reproducible": result.metadata.get("reproducible"),
            "time_stops": result.metadata.get("time_stops", []),
            "starts": hashlib.sha256(starts.encode()).hexdigest()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,7000")
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--national", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--nodes", default="50,200")
    parser.add_argument("--safety-net", type=float, default=900.0, help="time limit, seconds")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        source, nodes, net = args.one
        print(json.dumps(measure(source, int(nodes), float(net))))
        return
    sources = [f"{size}:{seed}" for size in args.sizes.split(",") if size
               for seed in args.seeds.split(",")] + (["national"] if args.national else [])
    print(f"{'instance':>10} {'nodes':>6} | {'wall s (each run)':>24} {'median':>7} | "
          f"{'gap':>7} {'time stops':>10} | same plan")
    for source in sources:
        for nodes in (int(n) for n in args.nodes.split(",")):
            runs = [json.loads(subprocess.run(
                [sys.executable, __file__, "--one", source, str(nodes), str(args.safety_net)],
                check=True, capture_output=True, text=True).stdout) for _ in range(args.runs)]
            walls = [r["wall"] for r in runs]
            same = all((r["objective"], r["bound"], r["starts"]) == (
                runs[0]["objective"], runs[0]["bound"], runs[0]["starts"]) for r in runs)
            stops = sum(len(r["time_stops"]) for r in runs)
            gap = "-" if runs[0]["gap"] is None else f"{100 * runs[0]['gap']:.2f}%"
            print(f"{source:>10} {nodes:>6} | {' '.join(f'{w:7.1f}' for w in walls):>24} "
                  f"{statistics.median(walls):7.1f} | {gap:>7} {stops:>10} | "
                  f"{'yes' if same else 'NO'}", flush=True)


if __name__ == "__main__":
    main()
