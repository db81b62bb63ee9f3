"""How often HiGHS mis-reports a MIP start, and under which settings (docs/performance.md).

Usage: python benchmarks/bench_mip_start.py [--instances 400] [--seed 1]
       python benchmarks/bench_mip_start.py --paths 120 [--rule-on]

Random knapsacks of 4 to 6 binaries, written as srsopt writes money: ``max value @ x`` with a
cost-free transfer column ``t = capex @ x``, ``0 <= t <= budget``. Every feasible plan is
handed over as the start in turn; a run is *wrong* when the objective HiGHS reports is not the
objective of the values it returns. Each variant changes one thing.

``--paths N``: srsopt's own start hand-overs on ``tests/random_instances.small`` seeds 0..N-1
(solved, in both staged modes, with alternatives for every fifth, explained when infeasible for
every third) and the textbook case of ``tests/claim_cases``: starts and failed claims per call
site; ``--rule-on`` leaves HiGHS's zero cost singleton rule on, as srsopt did before.
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections import Counter

import highspy
import numpy as np

from optimizer.highs.mip_start import start_presolve_mask

VARIANTS = ("as srsopt did", "zero cost singleton off", "presolve off", "budget as a row",
            "objective offset", "sparse start", "fractional start", "mip_rel_gap 0.5")


def _model(capex: list[int], value: list[int], budget: int, variant: str) -> highspy.Highs:
    k = len(capex)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.5 if variant == "mip_rel_gap 0.5" else 0.0)
    if variant == "zero cost singleton off":
        h.setOptionValue("presolve_rule_off", start_presolve_mask())
    if variant == "presolve off":
        h.setOptionValue("presolve", "off")
    h.addVars(k, np.zeros(k), np.ones(k))
    h.changeColsIntegrality(k, np.arange(k), np.full(k, highspy.HighsVarType.kInteger))
    h.changeColsCost(k, np.arange(k), -np.asarray(value, float))
    if variant == "budget as a row":
        h.addRow(-highspy.kHighsInf, budget, k, np.arange(k), np.asarray(capex, float))
    else:
        h.addVars(1, np.zeros(1), np.array([float(budget)]))
        h.addRow(0.0, 0.0, k + 1, np.arange(k + 1), np.append(-np.asarray(capex, float), 1.0))
    if variant == "objective offset":
        h.changeObjectiveOffset(100.0)
    return h


def _run(capex: list[int], value: list[int], budget: int, start: np.ndarray, variant: str
         ) -> tuple[float, float]:
    """(reported, own) objective of one run from ``start``."""
    h = _model(capex, value, budget, variant)
    k = len(capex)
    x0 = start * 0.5 if variant == "fractional start" else start
    full = x0 if variant == "budget as a row" else np.append(x0, float(np.dot(capex, x0)))
    n = k if variant == "sparse start" else len(full)
    h.setSolution(n, np.arange(n), full[:n])
    h.run()
    lp = h.getLp()
    own = float(np.asarray(lp.col_cost_) @ np.asarray(h.getSolution().col_value) + lp.offset_)
    return h.getInfo().objective_function_value, own


def paths(count: int, rule_on: bool) -> None:
    """Print starts and failed claims per call site of ``optimizer.highs.mip_start.run_checked``."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from claim_cases import textbook_tables
    from random_instances import small

    import optimizer.highs.mip_start as mip_start
    from models.instance import instance_from_tables
    from optimizer import solve
    from optimizer.analysis import alternatives
    from optimizer.check import explain
    from optimizer.solving import heuristic, modes, strategy

    counts: Counter[tuple[str, str]] = Counter()
    real = mip_start.run_checked
    if rule_on:
        mip_start.start_presolve_mask = lambda: 0

    def counted(site: str):
        def run_checked(h: highspy.Highs, **kwargs: object) -> mip_start.Checked:
            checked = real(h, **kwargs)
            if kwargs.get("start") is not None:
                counts[site, "starts"] += 1
                counts[site, "wrong claims"] += bool(checked.notes)
            return checked
        return run_checked

    for module in (strategy, heuristic, modes, alternatives, explain):
        module.run_checked = counted(module.__name__)
    for seed in range(count):
        settings, tables = small(random.Random(seed).choice)
        instance = instance_from_tables(settings, tables)
        result = solve(instance, price_envelope=False)
        if result.has_plan:
            for mode in ("lexicographic", "equity"):
                staged = settings | {"objective": settings["objective"] | {"mode": mode}}
                solve(instance_from_tables(staged, tables))
            if seed % 5 == 0:
                alternatives.alternatives(instance, count=2, time_limit=10)
        elif result.status.value == "infeasible" and seed % 3 == 0:
            explain.explain(instance, time_limit=10, iis=False)
    textbook = instance_from_tables(*textbook_tables())
    solve(textbook)
    alternatives.alternatives(textbook, count=2, within=0.5, time_limit=10)
    for site, what in sorted(counts):
        print(f"{site}: {what} {counts[site, what]}")


def main() -> None:
    """Print, per variant, how many starts came back with a wrong objective."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--paths", type=int, default=0)
    parser.add_argument("--rule-on", action="store_true")
    args = parser.parse_args()
    if args.paths:
        paths(args.paths, args.rule_on)
        return
    rng = random.Random(args.seed)
    counts: Counter[tuple[str, str]] = Counter()
    for _ in range(args.instances):
        k = rng.choice((4, 5, 6))
        capex = [rng.randint(1, 9) for _ in range(k)]
        value = [rng.randint(1, 9) for _ in range(k)]
        budget = rng.randint(1, sum(capex))
        plans = [np.array(s, float) for s in itertools.product((0, 1), repeat=k)
                 if np.dot(capex, s) <= budget]
        best = -max(float(np.dot(value, s)) for s in plans)
        for start in plans:
            kind = "optimal" if -float(np.dot(value, start)) == best else "not optimal"
            for variant in VARIANTS:
                reported, own = _run(capex, value, budget, start, variant)
                wrong = abs(reported - own) > 1e-6
                counts[variant, kind] += 1
                counts[variant, kind + " wrong"] += wrong
                offset = 100.0 if variant == "objective offset" else 0.0
                counts[variant, "below the optimum"] += wrong and reported < best + offset - 1e-6
    print("| variant | optimal starts wrong | other starts wrong | reported below the optimum |")
    print("|---|---:|---:|---:|")
    for v in VARIANTS:
        print(f"| {v} | {counts[v, 'optimal wrong']} of {counts[v, 'optimal']} | "
              f"{counts[v, 'not optimal wrong']} of {counts[v, 'not optimal']} | "
              f"{counts[v, 'below the optimum']} |")


if __name__ == "__main__":
    main()
