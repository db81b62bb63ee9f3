"""What a solve claims about its plan, checked against the plan itself.

A claim is the objective the solver reported, the proven bound and the status. They hold when
the reported objective is the plan's own (recomputed from its values), the bound is at most
the plan's objective, and ``optimal`` is said only with a gap within the requested
``mip_rel_gap``. HiGHS 1.16 can break the first and third after a MIP start
(docs/performance.md, "HiGHS 1.16 and MIP starts"), so every solve path checks them here, and
the verifier checks them again from the raw tables (``optimizer.check.verify``). Solver-free.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.result import SolveStatus

CLAIM_RTOL = 1e-6
"""Relative tolerance (at least 1 objective unit times this) of every comparison below."""


def gap(objective: float | None, bound: float | None) -> float | None:
    """``|objective - bound| / |objective|`` (0 when equal), HiGHS's definition."""
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return 0.0 if objective == bound else max(0.0, objective - bound) / max(abs(objective), 1e-9)


def tolerance(objective: float) -> float:
    """How far two objective values may differ and still be the same number."""
    return CLAIM_RTOL * max(1.0, abs(objective))


def within_gap(objective: float, bound: float | None, mip_rel_gap: float) -> bool:
    """Whether ``bound`` proves ``objective`` within ``mip_rel_gap`` (HiGHS's stopping rule).

    The absolute slack of ``tolerance`` covers objectives near 0, where HiGHS stops on its
    absolute gap (``mip_abs_gap``, 1e-6) rather than the relative one.
    """
    if bound is None or not np.isfinite(bound):
        return False
    return objective - bound <= mip_rel_gap * abs(objective) + tolerance(objective)


def gap_target(bound: float, mip_rel_gap: float) -> float:
    """The largest objective ``within_gap`` of ``bound`` (without its absolute slack).

    A neighbourhood's sub-MIP given it as HiGHS's ``objective_target`` stops at the first plan
    that closes the whole model's gap, not at its own (``optimizer.solving.heuristic``).
    """
    return bound / (1.0 - mip_rel_gap) if bound >= 0 else bound / (1.0 + mip_rel_gap)


def claim_problems(status: SolveStatus | None, objective: float | None, reported: float | None,
                   bound: float | None, mip_rel_gap: float) -> list[str]:
    """Why a claim does not hold, in words; empty when it does.

    Args:
        status: the status claimed (None: none).
        objective: the plan's objective, recomputed from its values (None: no plan).
        reported: the objective the solver (or the result) reported for that plan.
        bound: the proven lower bound claimed, if any.
        mip_rel_gap: the relative gap that was requested.
    """
    if objective is None:
        return []
    out = []
    if reported is not None and abs(reported - objective) > tolerance(objective):
        out.append(f"reported objective {reported:,.6f} is not the plan's own objective "
                   f"{objective:,.6f}")
    if bound is not None and np.isfinite(bound) and bound > objective + tolerance(objective):
        out.append(f"bound {bound:,.6f} is above the plan's objective {objective:,.6f}")
    if status == SolveStatus.OPTIMAL and not within_gap(objective, bound, mip_rel_gap):
        proven = gap(objective, bound)
        out.append("status optimal without a proven bound" if proven is None else
                   f"status optimal with a gap of {proven:.4%} against the bound {bound:,.6f}, "
                   f"above the requested {mip_rel_gap:.4%}")
    return out


def result_claims(status: SolveStatus | None, objective: float | None, reported: float | None,
                  bound: float | None, mip_rel_gap: float,
                  stages: list[dict[str, Any]] | None = None) -> list[str]:
    """``claim_problems`` of a result; a staged result's ``optimal`` is its stages' claim.

    ``stages``: records of ``optimizer.solving.modes`` (``stage``, ``status``, ``value``,
    ``bound``), each value and bound of the stage's own objective; the result's objective then has
    none.
    """
    if not stages:
        return claim_problems(status, objective, reported, bound, mip_rel_gap)
    out = [f"stage {s['stage']}: {problem}" for s in stages for problem in claim_problems(
        SolveStatus(s["status"]), s.get("value"), None, s.get("bound"), mip_rel_gap)]
    return out + claim_problems(None, objective, reported, bound, mip_rel_gap)


def kept_claims(status: SolveStatus, objective: float, bound: float | None, mip_rel_gap: float,
                stages: list[dict[str, Any]] | None = None
                ) -> tuple[SolveStatus, float | None]:
    """The part of a claim that holds, as (status, bound).

    A bound above the objective is dropped, and ``optimal`` without a proof within the gap
    becomes ``limit_reached``: the plan stands, its optimality does not.
    """
    if bound is not None and bound > objective + tolerance(objective):
        bound = None
    if status == SolveStatus.OPTIMAL and result_claims(status, objective, None, bound,
                                                        mip_rel_gap, stages):
        status = SolveStatus.LIMIT
    return status, bound
