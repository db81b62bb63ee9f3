"""Cold solve vs in-place re-solve of the LP relaxation of a national-size model.

Usage: python benchmarks/bench_resolve.py [--instance instances/kz-2026-2030] [--repeats 5]
       [--mip 15,30]

For each scenario: *cold* builds the changed instance's arrays, hands them to a new HiGHS object
and solves the relaxation from scratch (with presolve); *re-solve* builds the same arrays, finds
what differs from the live base model, edits the live model in place (``LiveModel.switch_to``)
and solves from the kept basis. The totals include building the arrays, the LP columns only
HiGHS's solve; the instance's re-validation is not timed (every path needs it). Between
re-solves the live model is switched back to the base and re-solved, untimed, so each timed
re-solve starts from the base optimum. Times are medians of ``--repeats`` runs; the machine may
be shared, so compare ratios.

``--mip 15,30``: then the MIP of every what-if case, warm-started against cold, at each of
these limits, case by case in the same run (``bench_warm.py``'s cases: every scenario file that
applies, the envelope x0.95 and x1.1, each against a 60-s cold solve).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from models.instance import Instance, load_instance
from models.scenario import parse_scenario
from models.scenario_apply import apply_scenarios
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index
from optimizer.highs.adapter import HighsOptions, make_highs, run
from optimizer.solving.live import LiveModel

SCENARIOS = {
    "envelope -10%": [{"envelope": {"scale": 0.9}}],
    "envelope -1%": [{"envelope": {"scale": 0.99}}],
    "rural target 0.75": [{"targets": {"rural": {2030: 0.75}}}],
    "co-financing +5 pts, all regions": None,  # built from the instance's rates
    "health weight 2": [{"objective": {"category_weights": {"health": 2.0}}}],
    "capex overrun +20%, one region": None,  # the instance's first region
    "capex overrun +20%, all projects": [{"capex_overrun": {"factor": 1.2}}],
}


def changed(base: Instance, name: str) -> Instance:
    """The base with the named scenario applied."""
    changes = SCENARIOS[name]
    if name.startswith("co-financing"):
        changes = [{"region": {"region": r, "cofinancing_rate": min(1.0, rate + 0.05)}}
                   for r, rate in zip(base.regions["region_id"], base.regions["cofinancing_rate"],
                                      strict=True)]
    elif changes is None:
        region = str(base.regions["region_id"].iloc[0])
        changes = [{"capex_overrun": {"factor": 1.2, "region": region}}]
    scenario = parse_scenario({"name": name, "changes": changes}, "bench_resolve.py")
    return apply_scenarios(base, [scenario])[0]


def cold(instance: Instance, options: HighsOptions) -> tuple[float, float, float]:
    """Seconds to build and solve the relaxation from scratch, of which the LP, and objective."""
    started = time.perf_counter()
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    h = make_highs(form, options)
    solving = time.perf_counter()
    outcome = run(h)
    done = time.perf_counter()
    return done - started, done - solving, outcome.objective


def resolve(live: LiveModel, base: Instance, instance: Instance
            ) -> tuple[float, float, float, str]:
    """Seconds to edit the live model and re-solve, of which the LP, objective, and how."""
    live.switch_to(base)
    live.relaxation()
    started = time.perf_counter()
    reason = live.switch_to(instance)
    solving = time.perf_counter()
    outcome = live.relaxation()
    done = time.perf_counter()
    return done - started, done - solving, outcome.objective, reason or "edited in place"


def main() -> None:
    """Print one row per scenario and a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="instances/kz-2026-2030")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--mip", default="", help="limits (s) of the warm vs cold MIP cases")
    args = parser.parse_args()
    base = load_instance(args.instance)
    options = HighsOptions(time_limit=args.time_limit, relax_integrality=True)
    live = LiveModel(base, options)
    base_seconds, _, _ = cold(base, options)
    live.relaxation()
    print(f"{args.instance}: cold LP of the base {base_seconds:.2f} s; "
          f"median of {args.repeats} runs per scenario; total = arrays + edits + LP")
    print(f"{'scenario':34} {'cold total':>10} {'LP':>6} {'re-solve total':>14} {'LP':>6} "
          f"{'speed-up total':>14} {'LP':>6}  how")
    rows = []
    for name in SCENARIOS:
        instance = changed(base, name)
        runs = []
        for _ in range(args.repeats):
            total, lp, cold_objective = cold(instance, options)
            warm_total, warm_lp, warm_objective, how = resolve(live, base, instance)
            runs.append((total, lp, warm_total, warm_lp))
            if abs(cold_objective - warm_objective) > 1e-6 * max(1.0, abs(cold_objective)):
                raise SystemExit(f"{name}: cold {cold_objective} != re-solved {warm_objective}")
        c, c_lp, w, w_lp = (statistics.median(column) for column in zip(*runs, strict=True))
        rows.append({"scenario": name, "cold_seconds": round(c, 3), "cold_lp_seconds":
                     round(c_lp, 3), "resolve_seconds": round(w, 3),
                     "resolve_lp_seconds": round(w_lp, 3), "speedup": round(c / w, 1),
                     "speedup_lp": round(c_lp / w_lp, 1), "how": how})
        print(f"{name:34} {c:10.2f} {c_lp:6.2f} {w:14.2f} {w_lp:6.2f} {c / w:13.1f}x "
              f"{c_lp / w_lp:5.1f}x  {how}")
    print(json.dumps(rows))
    if args.mip:
        import bench_warm  # the same folder: the script's own

        print(json.dumps(bench_warm.run_cases(argparse.Namespace(
            instance=args.instance, limits=args.mip, reference=60.0, base=60.0,
            scales="0.95,1.1", scenarios=None, gap=1e-3))))


if __name__ == "__main__":
    main()
