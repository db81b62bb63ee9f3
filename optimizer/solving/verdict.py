"""How the engineered sequence ends when its plan is short of the gap and no MIP follows.

A status is a claim about why the solve stopped: ``time_limit`` says more time would have
helped, so it is given only when time cut a step short.
"""

from __future__ import annotations

from typing import Any

from models.result import SolveStatus
from optimizer.highs.adapter import HighsOptions
from optimizer.highs.on_time import time_stopped


def ended(decomposed: bool, steps: dict[str, Any], options: HighsOptions, left: float
           ) -> tuple[SolveStatus, str]:
    """Status and message of a plan short of the gap that no HiGHS MIP will search further.

    ``time_limit`` only when time cut a step short (a HiGHS run, or a neighbourhood not
    searched for lack of it). When every region block finished and every neighbourhood was
    searched through, more time would not change the answer: ``limit_reached``, with the
    seconds left. So in reproducible mode when the node limits, not time, ended every step.
    """
    on_time = time_stopped()
    if decomposed and steps.get("searched_through") and not on_time:
        return SolveStatus.LIMIT, (
            f"every region block and every neighbourhood of the plan was searched through, "
            f"{left:.0f} s before the time limit; the gap left is against the Lagrangian bound")
    limit = SolveStatus.LIMIT if options.node_limit is not None and not on_time else (
        SolveStatus.TIME_LIMIT)
    return limit, "too little time left" if not decomposed else "the decomposition's plan is final"
