"""The robust model of ``K`` draws on the national instance: the engineered path against HiGHS.

Usage: python benchmarks/bench_robust.py [--instance instances/kz-2026-2030]
       [--uncertainty scenarios/uncertainty-kz.yaml] [--draws 4] [--quantile Q]
       [--time-limit 120] [--strategies engineered plain]

Builds the ``K`` draws of the uncertainty file (seed 1, the draws ``srsopt montecarlo`` makes),
stacks them (``optimizer.formulation.robust``) and solves the stacked model with each strategy
within ``--time-limit``: *engineered* is srsopt's path (LP relaxation, Lagrangian
decomposition by region, crossover), *plain* is the LP relaxation then HiGHS's MIP alone (the
robust option's solver before it took the engineered path). Printed per strategy: the model's
size, status, objective, proven bound and gap, and wall seconds; with the engineered path also
its steps. The machine may be shared: compare the two in one run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from models.instance import load_instance
from optimizer.analysis.robust import drawn_from, solve_stacked
from optimizer.solving.pipeline import solve_options


def main() -> None:
    """Solve the stacked model with each strategy and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="instances/kz-2026-2030")
    parser.add_argument("--uncertainty", default="scenarios/uncertainty-kz.yaml")
    parser.add_argument("--draws", type=int, default=4)
    parser.add_argument("--quantile", type=float, default=None)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--strategies", nargs="+", default=["engineered", "plain"],
                        choices=["engineered", "plain"])
    args = parser.parse_args()
    instance = load_instance(args.instance)
    drawn = drawn_from(instance, Path(args.uncertainty), args.draws, 1)[1]
    options = solve_options(instance, args.time_limit, None, None, False, None)
    for strategy in args.strategies:
        started = time.perf_counter()
        model, attacked = solve_stacked(drawn, args.quantile, options, started, strategy)
        o = attacked.outcome
        rows, cols = model.form.shape
        objective = "none" if o.objective is None else f"{o.objective:,.1f}"
        bound = "none" if o.bound is None else f"{o.bound:,.1f}"
        gap = "none" if o.gap is None else f"{100 * o.gap:.2f}%"
        print(f"{strategy}: {args.draws} draws, {rows:,} rows x {cols:,} columns; "
              f"{o.status.value}, objective {objective}, bound {bound}, gap {gap}, "
              f"{time.perf_counter() - started:.1f} s wall", flush=True)
        if strategy == "engineered":
            print("  steps: " + ", ".join(f"{key} {value:,.1f}" for key, value in
                                          attacked.steps.items()
                                          if isinstance(value, float)), flush=True)


if __name__ == "__main__":
    main()
