"""Warm-started vs cold MIP re-solves of what-if cases, case by case, in one run.

Usage: python benchmarks/bench_warm.py [--instance instances/kz-2026-2030] [--limits 15,30]
       [--reference 60] [--base 60] [--scales 0.8,0.9,1.1,1.2]

The base is solved once on a live model (``--base`` seconds). Each case (every scenario file in
``scenarios/`` written for a national-size instance, and the envelope scaled by each of
``--scales``) is then solved at each of ``--limits`` seconds twice: *warm* (the live model edited
in place, starting from the base's plan: ``optimizer.solving.warm``) and *cold* (from scratch,
as ``optimizer.solve``), and once cold at ``--reference`` seconds. Printed per case and limit:
the proven gap of each (against its own bound) and how far its objective is from the best
objective found for the case by any run. The machine may be shared: compare warm and cold
within one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import optimizer
from models.instance import Instance, load_instance
from models.scenario import load_scenarios
from models.scenario_apply import apply_scenarios
from optimizer.analysis.sweep import scaled
from optimizer.highs.adapter import HighsOptions
from optimizer.solving.live import LiveModel
from optimizer.solving.warm import WarmStart

SCENARIO_FILES = ("scenarios/envelope-cut-10.yaml", "scenarios/rural-target-75.yaml")


def cases(base: Instance, scales: list[float]) -> dict[str, Instance]:
    """Scenario files and envelope scales applied to the base, by name."""
    found = {Path(f).stem: apply_scenarios(base, load_scenarios(f))[0] for f in SCENARIO_FILES}
    return found | {f"envelope x{s:g}": scaled(base, s) for s in scales}


def main() -> None:
    """Print one row per case and limit, then the medians and a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="instances/kz-2026-2030")
    parser.add_argument("--limits", default="15,30")
    parser.add_argument("--reference", type=float, default=60.0)
    parser.add_argument("--base", type=float, default=60.0)
    parser.add_argument("--scales", default="0.8,0.9,1.1,1.2")
    parser.add_argument("--gap", type=float, default=1e-3)
    args = parser.parse_args()
    limits = [float(v) for v in args.limits.split(",")]
    base = load_instance(args.instance)
    live = LiveModel(base, HighsOptions(time_limit=args.base, mip_rel_gap=args.gap))
    started = time.perf_counter()
    first = live.solve(price_envelope=False)
    plan = live.last_plan
    assert plan is not None, first.message
    print(f"{args.instance}: base {first.mip_gap:.2%} in {time.perf_counter() - started:.1f} s")
    print(f"{'case':22} {'limit':>5} {'warm gap':>9} {'cold gap':>9} {'warm vs best':>12} "
          f"{'cold vs best':>12}  warm start")
    rows = []
    for name, instance in cases(base, [float(s) for s in args.scales.split(",")]).items():
        reference = optimizer.solve(instance, time_limit=args.reference, mip_rel_gap=args.gap,
                                    price_envelope=False)
        runs = []
        for limit in limits:
            assert live.switch_to(instance, rebuild=False) is None, name
            warm = live.solve(time_limit=limit, price_envelope=False, warm=WarmStart(plan))
            cold = optimizer.solve(instance, time_limit=limit, mip_rel_gap=args.gap,
                                   price_envelope=False)
            runs.append((limit, warm, cold))
        best = min(r.objective for r in [reference, *(x for _, w, c in runs for x in (w, c))]
                   if r.has_plan)
        for limit, warm, cold in runs:
            row = {"case": name, "limit": limit, "warm_gap": warm.mip_gap,
                   "cold_gap": cold.mip_gap if cold.has_plan else None,
                   "warm_vs_best": warm.objective / best - 1,
                   "cold_vs_best": cold.objective / best - 1 if cold.has_plan else None,
                   "warm": warm.metadata["steps"].get("warm"),
                   "reference_gap": reference.mip_gap}
            rows.append(row)
            print(f"{name:22} {limit:5.0f} {_pct(row['warm_gap']):>9} {_pct(row['cold_gap']):>9}"
                  f" {_pct(row['warm_vs_best']):>12} {_pct(row['cold_vs_best']):>12}  "
                  f"{row['warm']}")
    for limit in limits:
        at = [r for r in rows if r["limit"] == limit]
        print(f"median at {limit:.0f} s: warm gap {_pct(_median(at, 'warm_gap'))}, cold gap "
              f"{_pct(_median(at, 'cold_gap'))}")
    print(json.dumps(rows))


def _median(rows: list[dict[str, object]], key: str) -> float | None:
    values = [float(v) for r in rows if isinstance(v := r[key], (int, float))]
    return statistics.median(values) if values else None


def _pct(value: object) -> str:
    return "no plan" if not isinstance(value, (int, float)) else f"{100 * value:.2f}%"


if __name__ == "__main__":
    main()
