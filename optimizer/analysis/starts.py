"""How a what-if case or a sweep point began: warm from the base's plan, or cold, and why.

A warm start (``optimizer.solving.warm``) gets a shorter time limit than the base: the base's
plan is almost right, so a quarter of the base's time is the default (issue 23's goal: within
1% in 15 s where the base is given 60 s).
"""

from __future__ import annotations

from models.result import Result
from optimizer.solving.warm import WARM_UNUSABLE

SCENARIO_SHARE = 0.25
"""A warm-started case's default time limit, as a share of the base's."""


def scenario_seconds(base_seconds: float, given: float | None) -> float:
    """A warm-started case's time limit: ``given``, else ``SCENARIO_SHARE`` of the base's."""
    return SCENARIO_SHARE * base_seconds if given is None else given


def started(result: Result, k: int, warm: bool, base_plan: bool) -> dict[str, object]:
    """How case ``k`` (0: the base) began, for ``metadata["resolve"]``: ``start`` and why."""
    if k == 0:
        return {"start": "cold", "cold_because": "the base"}
    if not warm:
        return {"start": "cold", "cold_because": "warm starts off"}
    how = result.metadata.get("steps", {}).get("warm")
    if how is None:
        return {"start": "cold", "cold_because": "the base has no plan" if not base_plan
                else "the objective mode is solved in stages, without a start"}
    if str(how).startswith(WARM_UNUSABLE):
        return {"start": "cold", "cold_because": how}
    return {"start": "warm", "warm": how}


def start_text(how: dict[str, object]) -> str:
    """``warm (base plan kept)`` / ``cold (the base)``; empty when not recorded."""
    start = how.get("start")
    if not start:
        return ""
    detail = how.get("warm") if start == "warm" else how.get("cold_because")
    return f"{start} ({detail})" if detail else str(start)
