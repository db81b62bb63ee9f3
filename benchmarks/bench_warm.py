"""Warm-started vs cold MIP re-solves of what-if cases and of a sweep, case by case, in one run.

Usage: python benchmarks/bench_warm.py [--instance instances/kz-2026-2030] [--limits 15,30]
       [--reference 60] [--base 60] [--scales 0.9,1.1] [--scenarios a.yaml,b.yaml]
       [--cases/--no-cases]
       [--sweep 0.8:1.2:16] [--sweep-limit 60] [--sweep-point-limits 15]

Cases: the base is solved once on a live model (``--base`` seconds). Each case (every scenario
file in ``scenarios/`` that applies to the instance, and the envelope scaled by each of
``--scales``) is then solved at each of ``--limits`` seconds twice: *warm* (the live model
edited in place, starting from the base's plan and decomposition: ``optimizer.solving.warm``,
``optimizer.solving.warm_split``) and *cold* (from scratch, as ``optimizer.solve``), and once
cold at ``--reference`` seconds. Printed per case and limit: the proven gap of each (against
its own bound), the warm objective against the reference's, how the warm run started and how
many region blocks it reused; then the medians and the issue's goals (warm gap <= 1% at 15 s,
<= 0.2% at 30 s, objective within 0.5% of the reference).

Sweep (``--sweep START:STOP:POINTS``): ``srsopt sweep`` as an analyst runs it, in a process of
its own: warm (the instance solved once within ``--sweep-limit``, every point from its plan
within each of ``--sweep-point-limits`` seconds, ``--scenario-time-limit``; 15 is the default,
a quarter), ``--cold`` at ``--sweep-limit`` per point, and ``--cold`` at the first warm
points' limit; wall time and the points' final gaps of each, and the cold run's wall time
against each warm one's.

The machine may be shared: compare within one run; the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

import optimizer
from models.instance import Instance, load_instance
from models.result import Result
from models.scenario import ScenarioError
from optimizer.analysis.sweep import scaled
from optimizer.analysis.whatif import scenario_case
from optimizer.highs.adapter import HighsOptions
from optimizer.solving.live import LiveModel
from optimizer.solving.warm import WarmStart, memory_of

GOALS = {15.0: 0.01, 30.0: 0.002}
"""Issue 23: the proven gap of a warm case within 15 s and within 30 s."""
REFERENCE_GOAL = 0.005
"""... and its objective within 0.5% of a 60-s cold solve of the same case."""


def cases(base: Instance, path: Path, files: list[Path], scales: list[float]
          ) -> dict[str, Instance]:
    """Every scenario file that applies to the base, and the envelope scales, by name."""
    found = {}
    for file in files:
        try:
            found[file.stem] = scenario_case(base, str(file), path).instance
        except ScenarioError as exc:
            print(f"  {file.name}: not a case of this instance ({str(exc).splitlines()[0]})")
    return found | {f"envelope x{s:g}": scaled(base, s) for s in scales}


def run_cases(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The cases' rows, printed as they come."""
    limits = [float(v) for v in args.limits.split(",")]
    base = load_instance(args.instance)
    live = LiveModel(base, HighsOptions(time_limit=args.base, mip_rel_gap=args.gap))
    started = time.perf_counter()
    first = live.solve(price_envelope=False)
    plan, memory = live.last_plan, memory_of(first)
    assert plan is not None, first.message
    kept = "none" if memory is None else f"{len(pickle.dumps(memory)) / 1e6:.2f} MB pickled"
    print(f"{args.instance}: base {_pct(first.mip_gap)} in {time.perf_counter() - started:.1f} s"
          f"; its decomposition kept: {kept}")
    print(f"{'case':22} {'limit':>5} {'warm gap':>9} {'cold gap':>9} {'warm vs 60s':>11} "
          f"{'blocks kept':>11}  warm start")
    rows = []
    files = (sorted(Path("scenarios").glob("*.yaml")) if args.scenarios is None
             else [Path(f) for f in args.scenarios.split(",") if f])
    scales = [float(s) for s in args.scales.split(",") if s]
    for name, instance in cases(base, Path(args.instance), files, scales).items():
        reference = optimizer.solve(instance, time_limit=args.reference, mip_rel_gap=args.gap,
                                    price_envelope=False)
        for limit in limits:
            assert live.switch_to(instance, rebuild=False) is None, name
            warm = live.solve(time_limit=limit, price_envelope=False,
                              warm=WarmStart(plan, memory))
            cold = optimizer.solve(instance, time_limit=limit, mip_rel_gap=args.gap,
                                   price_envelope=False)
            steps = warm.metadata["steps"]
            row = {"case": name, "limit": limit, "warm_gap": warm.mip_gap,
                   "cold_gap": _gap(cold), "reference_gap": _gap(reference),
                   "warm_vs_reference": (warm.objective / reference.objective - 1
                                         if warm.has_plan and reference.has_plan else None),
                   "warm": steps.get("warm"), "blocks_reused": steps.get("blocks_reused"),
                   "blocks_solved": steps.get("blocks_solved"),
                   "bounds": {k: steps.get(k) for k in ("lp_bound", "lagrangian_base_mu_bound",
                                                         "lagrangian_lp_mu_bound")}}
            rows.append(row)
            print(f"{name:22} {limit:5.0f} {_pct(row['warm_gap']):>9} {_pct(row['cold_gap']):>9}"
                  f" {_pct(row['warm_vs_reference']):>11} "
                  f"{row['blocks_reused'] or 0:>5}/{(row['blocks_solved'] or 0):<5}  "
                  f"{row['warm']}", flush=True)
    for limit in limits:
        at = [r for r in rows if r["limit"] == limit]
        goal = GOALS.get(limit)
        met = "" if goal is None else (
            f"; warm within {goal:.1%}: {sum(_le(r['warm_gap'], goal) for r in at)}/{len(at)}")
        print(f"median at {limit:.0f} s: warm gap {_pct(_median(at, 'warm_gap'))}, cold gap "
              f"{_pct(_median(at, 'cold_gap'))}, warm vs 60 s "
              f"{_pct(_median(at, 'warm_vs_reference'))}{met}; warm objective within "
              f"{REFERENCE_GOAL:.1%} of 60 s: "
              f"{sum(_le(r['warm_vs_reference'], REFERENCE_GOAL) for r in at)}/{len(at)}")
    return rows


def run_sweep(args: argparse.Namespace) -> list[dict[str, Any]]:
    """``srsopt sweep`` warm at each point limit, cold, and cold at the first: wall time, gaps."""
    point_limits = [float(x) for x in args.sweep_point_limits.split(",")]
    cold = f"cold, {args.sweep_limit:g} s"
    runs = {f"warm, points {p:g} s": ["--time-limit", str(args.sweep_limit),
                                      "--scenario-time-limit", str(p)] for p in point_limits}
    runs |= {cold: ["--time-limit", str(args.sweep_limit), "--cold"],
             f"cold, {point_limits[0]:g} s": ["--time-limit", str(point_limits[0]), "--cold"]}
    rows = []
    print(f"srsopt sweep {args.instance} --envelope {args.sweep}")
    print(f"{'run':18} {'wall s':>7} {'median gap':>10} {'max gap':>8} {'points':>6}")
    for name, extra in runs.items():
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "sweep"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "optimizer.cli.app", "sweep", args.instance,
                            "--envelope", args.sweep, "--out", str(out), "--quiet", *extra],
                           check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - started
            points = pd.read_csv(out / "sweep.csv")
        gaps = points["mip_gap"].dropna()
        row = {"run": name, "wall_seconds": wall, "median_gap": float(gaps.median()),
               "max_gap": float(gaps.max()), "points": len(points),
               "gaps": [round(float(g), 5) for g in points["mip_gap"]]}
        rows.append(row)
        print(f"{name:18} {wall:7.1f} {_pct(row['median_gap']):>10} {_pct(row['max_gap']):>8} "
              f"{len(points):>6}", flush=True)
    reference = next(row for row in rows if row["run"] == cold)
    for row in rows[:len(point_limits)]:
        print(f"wall time, {cold} / {row['run']}: "
              f"{reference['wall_seconds'] / row['wall_seconds']:.2f}x")
    return rows


def main() -> None:
    """Cases, then the sweep; a JSON summary last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="instances/kz-2026-2030")
    parser.add_argument("--limits", default="15,30")
    parser.add_argument("--reference", type=float, default=60.0)
    parser.add_argument("--base", type=float, default=60.0)
    parser.add_argument("--scales", default="0.9,1.1")
    parser.add_argument("--scenarios", default=None,
                        help="Scenario files, comma-separated (default: all in scenarios/).")
    parser.add_argument("--gap", type=float, default=1e-3)
    parser.add_argument("--cases", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--sweep", default="")
    parser.add_argument("--sweep-limit", type=float, default=60.0)
    parser.add_argument("--sweep-point-limits", default="15")
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()[0]:.2f} (1 min), "
          f"{os.getloadavg()[1]:.2f} (5 min); {os.cpu_count()} cores")
    summary = {"cases": run_cases(args) if args.cases else [],
               "sweep": run_sweep(args) if args.sweep else []}
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (1 min), "
          f"{os.getloadavg()[1]:.2f} (5 min)")
    print(json.dumps(summary))


def _gap(result: Result) -> float | None:
    return result.mip_gap if result.has_plan else None


def _le(value: object, limit: float) -> bool:
    return isinstance(value, (int, float)) and value <= limit


def _median(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [float(v) for r in rows if isinstance(v := r[key], (int, float))]
    return statistics.median(values) if values else None


def _pct(value: object) -> str:
    return "no plan" if not isinstance(value, (int, float)) else f"{100 * value:.2f}%"


if __name__ == "__main__":
    main()
