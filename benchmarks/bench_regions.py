"""Where a decomposed solve loses: each region block's gap, the stitched plan, the crossover.

Usage: python benchmarks/bench_regions.py [--settlements 7000] [--projects 27000] [--seed 4]
       [--region-seconds 28] [--crossover-seconds 12]

Runs the engineered path's pieces one by one on a generated instance: the LP relaxation, the
region blocks priced at its duals solved by the default runner (2 processes) within
``--region-seconds``, then two first crossovers, each alone: with the finished regions settling
the LP's fractional starts (``crossover(settled=...)``, measured, not used by the solve) and
with every fractional LP start free (the solve's, ``solving.recombine``). Prints each block's
columns, status, bound and plan (priced objective), the Lagrangian bound, the stitched region
plans' objective and envelope use, and each crossover's free starts and plan, with the load.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

import numpy as np

from models.instance import instance_from_tables
from models.synthetic import generate_tables
from optimizer.formulation import build_formulation, objective_of
from optimizer.formulation.index import build_index
from optimizer.highs.adapter import HighsOptions, make_highs, run
from optimizer.solving import heuristic
from optimizer.solving.decompose import (
    lagrangian,
    linking_prices,
    linking_rows,
    priced_costs,
    region_models,
)
from optimizer.solving.plans import index_plans


def main() -> None:
    """Print the figures of one generated instance."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=7000)
    parser.add_argument("--projects", type=int, default=27000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--region-seconds", type=float, default=28.0)
    parser.add_argument("--crossover-seconds", type=float, default=12.0)
    args = parser.parse_args()
    settings, tables = generate_tables(args.settlements, args.projects, args.seed)
    instance = instance_from_tables(settings, tables, source=f"generated {args.seed}")
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    options = HighsOptions(time_limit=600.0, mip_rel_gap=1e-3)
    clock = time.perf_counter()
    lp = run(make_highs(form, replace(options, relax_integrality=True)))
    print(f"{form.shape[1]:,} columns; LP bound {lp.objective:,.1f} in "
          f"{time.perf_counter() - clock:.1f} s; load {os.getloadavg()[0]:.1f}", flush=True)
    mu = linking_prices(form, lp.row_duals)
    split = lagrangian(index, form, options, mu, args.region_seconds, 2)
    models = region_models(index, form, mu)
    assert split is not None and models is not None and split.memory is not None
    priced = priced_costs(form, mu)
    for model in models:
        memo = split.memory.regions[model.name]
        plan = float(priced[model.cols] @ memo.plan())
        print(f"  {model.name:>8} {len(model.cols):6,d} columns {memo.status:>10}: bound "
              f"{memo.bound:12,.1f} plan {plan:12,.1f} gap {plan - memo.bound:10,.1f}")
    print(f"Lagrangian bound {split.bound:,.1f} ({split.seconds:.1f} s, "
          f"{len(split.finished)} of {len(models)} blocks finished)")
    stitched = objective_of(form, split.values)
    rows = linking_rows(form)
    print(f"region plans stitched: {stitched:,.1f}; envelope rows used - allowed: "
          f"{np.round(form.matrix.tocsr()[rows] @ split.values - form.row_upper[rows], 1)}")
    plans = index_plans(index, form)
    sub = replace(options, time_limit=args.crossover_seconds)
    settled = np.isin(plans.col_region, split.finished)
    for name, rule in (("finished regions settle", settled), ("LP-fractional free", None)):
        free = int((~heuristic.agreeing(form, lp.values, split.values, rule)).sum())
        clock = time.perf_counter()
        found = plans.feasible(heuristic.crossover(form, sub, lp.values, split.values,
                                                   settled=rule))
        objective = "none" if found is None else f"{objective_of(form, found):,.1f}"
        print(f"crossover, {name}: {free:,} starts free, plan {objective} in "
              f"{time.perf_counter() - clock:.1f} s; load {os.getloadavg()[0]:.1f}", flush=True)

if __name__ == "__main__":
    main()
