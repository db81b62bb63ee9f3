"""The LP relaxation by HiGHS's serial dual simplex against its parallel one (PAMI).

Usage: python benchmarks/bench_lp.py [--instance instances/kz-2026-2030]
       [--uncertainty scenarios/uncertainty-kz.yaml] [--draws 1 4] [--repeats 2]
       [--time-limit 300]

For each ``--draws`` K (1: the instance itself; more: the robust model of K draws, seed 1),
the LP relaxation is solved ``--repeats`` times by each method, alternating, and the median
seconds and their ratio printed with the load average. PAMI wins on an idle machine and loses
badly on a busy one: run it both ways (``optimizer/solving/strategy.py::_relaxation``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from models.instance import load_instance
from optimizer.analysis.robust import drawn_from
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.index import build_index
from optimizer.formulation.robust import robust_model
from optimizer.highs.adapter import HighsOptions, make_highs
from optimizer.highs.mip_start import run_checked


def lp_seconds(form: Formulation, parallel: bool, limit: float) -> float:
    """Wall seconds of one LP relaxation (``limit`` if it did not finish)."""
    options = HighsOptions(time_limit=limit, mip_rel_gap=1e-4, relax_integrality=True)
    h = make_highs(form, options)
    if parallel:
        h.setOptionValue("simplex_strategy", 2)
        h.setOptionValue("parallel", "on")
    started = time.perf_counter()
    run_checked(h, deadline=limit, mip_rel_gap=1e-4)
    return time.perf_counter() - started


def main() -> None:
    """Print the median LP seconds of each method, per model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="instances/kz-2026-2030")
    parser.add_argument("--uncertainty", default="scenarios/uncertainty-kz.yaml")
    parser.add_argument("--draws", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    instance = load_instance(args.instance)
    for k in args.draws:
        drawn = [instance] if k == 1 else drawn_from(instance, Path(args.uncertainty), k, 1)[1]
        forms = [build_formulation(build_index(d), instance.settings.objective) for d in drawn]
        form = forms[0] if k == 1 else robust_model(forms).form
        times: dict[str, list[float]] = {"serial": [], "PAMI": []}
        for _ in range(args.repeats):
            for name in times:
                times[name].append(lp_seconds(form, name == "PAMI", args.time_limit))
        serial, pami = (statistics.median(times[name]) for name in ("serial", "PAMI"))
        print(f"{k} draw(s), {form.shape[1]:,} columns, load {os.getloadavg()[0]:.1f}: "
              f"serial {serial:.1f} s, PAMI {pami:.1f} s (median of {args.repeats}), "
              f"PAMI/serial {pami / serial:.2f}", flush=True)


if __name__ == "__main__":
    main()
