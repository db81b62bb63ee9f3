"""The regional-policy families on the national instance: build time and the 60-s gap.

Usage: python benchmarks/bench_policy.py [--instance instances/kz-2026-2030] [--repeats 3]
       [--time-limit 60]

*Off* is the instance as given (its designations and growth projects are data, valued at 0).
*On* weighs the residents of monotowns, border villages and agglomerations (1.5, 1.5, 1.2:
illustrative weights, not policy) and values output added (``growth_weight`` 0.5 objective
units per million KZT, so growth projects compete with SRS projects). Printed: the median build
time of the index and the formulation over ``--repeats`` runs, its ratio, and one solve of
each within ``--time-limit`` (status, proven gap, seconds). The machine may be shared: read the
ratio, and the gaps as one sample.
"""

from __future__ import annotations

import argparse
import statistics
import time

import optimizer
from models.instance import Instance, load_instance
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index

WEIGHTS = {"monotown": 1.5, "border": 1.5, "agglomeration": 1.2}
GROWTH_WEIGHT = 0.5


def families_on(instance: Instance) -> Instance:
    """The instance with designation weights and a growth weight set."""
    objective = instance.settings.objective.model_copy(
        update={"designation_weights": WEIGHTS, "growth_weight": GROWTH_WEIGHT})
    settings = instance.settings.model_copy(update={"objective": objective})
    return instance.model_copy(update={"settings": settings})


def build_seconds(instance: Instance, repeats: int) -> float:
    """Median seconds to build the index and the formulation."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        build_formulation(build_index(instance), instance.settings.objective)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Print build times, their ratio, and one solve of each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="instances/kz-2026-2030")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    off = load_instance(args.instance)
    on = families_on(off)
    built = {name: build_seconds(inst, args.repeats) for name, inst in (("off", off), ("on", on))}
    print(f"build (median of {args.repeats}): off {built['off']:.2f} s, on {built['on']:.2f} s, "
          f"ratio {built['on'] / built['off']:.2f}")
    for name, inst in (("off", off), ("on", on)):
        started = time.perf_counter()
        result = optimizer.solve(inst, time_limit=args.time_limit, price_envelope=False)
        gap = "none" if result.mip_gap is None else f"{100 * result.mip_gap:.2f}%"
        print(f"solve {name}: {result.status.value}, gap {gap}, "
              f"{time.perf_counter() - started:.1f} s wall")


if __name__ == "__main__":
    main()
