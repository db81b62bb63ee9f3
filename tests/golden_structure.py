"""Golden cases of the project-structure families (tests/golden/<family>.lp).

California Manufacturing (``structure_cases``): its "at most one warehouse" group and its two
"warehouse only with its factory" requirements, over three years so that ``prerequisite`` has a
row per start year. Merged into ``golden_instances.CASES``; regenerate with
``python -m tests.golden_instances --regenerate`` after an intended change.
"""

from __future__ import annotations

from collections.abc import Callable

from models.instance import Instance, instance_from_tables

try:  # as in golden_instances: tests/ on the path under pytest, the root under python -m
    from structure_cases import california_tables
except ModuleNotFoundError:
    from tests.structure_cases import california_tables


def alternatives() -> Instance:
    """One row: warehouse_LA and warehouse_SF start at most once between them."""
    return instance_from_tables(*california_tables(), source="golden")


def prerequisite() -> Instance:
    """Three years: each warehouse by year t at most its factory by year t."""
    return instance_from_tables(*california_tables(years=3), source="golden")


STRUCTURE_CASES: dict[str, Callable[[], Instance]] = {
    f.__name__: f for f in (alternatives, prerequisite)}
"""Golden case -> its instance, named after its family."""
