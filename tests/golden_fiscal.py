"""Golden cases of the fiscal-rule families (tests/golden/<family>.lp), one small instance each.

Merged into ``golden_instances.CASES``; regenerate with
``python -m tests.golden_instances --regenerate`` after an intended change.
"""

from __future__ import annotations

from collections.abc import Callable

from models.instance import Instance

try:  # as in golden_instances: tests/ on the path under pytest, the root under python -m
    from fiscal_builders import small
except ModuleNotFoundError:
    from tests.fiscal_builders import small

YEARS = (2026, 2027, 2028)
TWO_REGIONS = {"north": {"own": 300.0, "general": 100.0, "alpha": 0.2},
               "south": {"own": 50.0, "general": 150.0, "dependency_cap": 0.8}}
PLACES = {"n1": {"region_id": "north"}, "s1": {"region_id": "south", "population": 3000}}
PROJECTS = [{"project_id": "pn", "settlement_id": "n1"},
            {"project_id": "ps", "settlement_id": "s1", "duration": 2}]


def _two(rules: dict) -> Instance:
    return small(PROJECTS, years=YEARS, regions=TWO_REGIONS, settlements=PLACES, rules=rules)


def equalization_pool() -> Instance:
    """A pool of 40, 50, 60 split over two regions (no per-capita floor)."""
    return _two({"equalization": {"pool": {2026: 40.0, 2027: 50.0, 2028: 60.0}}})


def equalization_floor() -> Instance:
    """theta 0.9: south (200 per 3,000 persons) is below 90% of the average; north is not."""
    return _two({"equalization": {"pool": dict.fromkeys(YEARS, 100.0), "theta": 0.9}})


def dependency_cap() -> Instance:
    """A 60% cap in 2027-2028 for north (bound 0.6 * 400 - 100 = 140); south's own 80% in
    every year (general 150 of 200 is 75%: bound 0.8 * 200 - 150 = 10)."""
    return _two({"dependency_cap": {2027: 0.6, 2028: 0.6}})


def critical_floor() -> Instance:
    """A hard school floor in north by 2027 and an elastic one (penalty 2) in every region by
    2028; s1 has two projects whose gains pass 1 (a capped pair)."""
    projects = [*PROJECTS, {"project_id": "ps2", "settlement_id": "s1"}]
    return small(projects, years=YEARS, regions=TWO_REGIONS, settlements=PLACES, rules={
        "critical_floors": {
            "school_north": {"standard": "school", "region": "north", "year": 2027,
                             "level": 0.5},
            "school_all": {"standard": "school", "year": 2028, "level": 0.8,
                           "penalty": 2.0}}})


def hold_harmless() -> Instance:
    """A transfer falls at most 30% a year, give or take 5."""
    return _two({"stability": {"max_decrease": 0.3, "allowance": 5.0}})


def transfer_growth() -> Instance:
    """A transfer rises at most 50% a year (no allowance)."""
    return _two({"stability": {"max_increase": 0.5}})


FISCAL_CASES: dict[str, Callable[[], Instance]] = {
    f.__name__: f for f in (equalization_pool, equalization_floor, dependency_cap,
                            critical_floor, hold_harmless, transfer_growth)}
"""Golden case -> its instance, named after its family."""
