"""What a solve returns: its status, quality, timings and result tables."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict


class SolveStatus(StrEnum):
    """How a solve ended; separate from whether a plan exists (``Result.has_plan``)."""

    OPTIMAL = "optimal"
    """Proven optimal within the requested MIP gap."""
    TIME_LIMIT = "time_limit"
    """Time limit reached; the best plan found is returned with its proven gap."""
    LIMIT = "limit_reached"
    """Another limit than time stopped the solve with a plan: HiGHS's (iterations, nodes,
    memory), or the engineered sequence's end (every region block and neighbourhood searched
    through before the time limit)."""
    INFEASIBLE = "infeasible"
    """No plan satisfies every constraint."""
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"
    """A limit was reached before any plan was found."""
    ERROR = "error"
    """HiGHS failed (model, presolve or solve error)."""
    INTERRUPTED = "interrupted"
    """Stopped on request (SIGINT or SIGTERM): the best plan found by then, with its gap, or no
    plan when none had been found yet."""


PLAN_STATUSES = frozenset({SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT, SolveStatus.LIMIT,
                           SolveStatus.INTERRUPTED})
"""Statuses that come with a plan; ``interrupted`` only when one had been found (``has_plan``)."""


TableName = Literal["projects", "starts", "region_years", "provision", "national", "envelope",
                    "designations"]
"""The result tables a plan comes with."""


class Result(BaseModel):
    """A solve's outcome: money in million KZT, population in persons, shares in [0, 1]."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    status: SolveStatus
    message: str
    """HiGHS's model status in words, and what it means for the analyst."""
    objective: float | None = None
    """The ``weighted`` objective of the plan, constants included."""
    bound: float | None = None
    """Proven lower bound on the objective (HiGHS's dual bound)."""
    mip_gap: float | None = None
    """Relative gap between ``objective`` and ``bound``."""
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    projects: pd.DataFrame | None = None
    starts: pd.DataFrame | None = None
    """Every start year of a funded project with the share started (divisible may split)."""
    region_years: pd.DataFrame | None = None
    provision: pd.DataFrame | None = None
    national: pd.DataFrame | None = None
    envelope: pd.DataFrame | None = None
    designations: pd.DataFrame | None = None
    """Provision and shortfall by designation and agglomeration; ``None`` when no settlement
    has one."""
    metadata: dict[str, Any] = {}
    """Versions, input hash, model size, solver settings used."""

    @property
    def has_plan(self) -> bool:
        """Whether a (verified) plan was found: an interrupted solve may have none."""
        return self.status in PLAN_STATUSES and self.projects is not None

    @property
    def plan_objective(self) -> float:
        """``objective``, for code that reads a plan (``has_plan``).

        Raises:
            ValueError: the result has no objective (no plan).
        """
        if self.objective is None:
            raise ValueError(f"the result ({self.status.value}) has no objective")
        return self.objective

    def table(self, name: TableName) -> pd.DataFrame:
        """The result table ``name``, for code that reads a plan (``has_plan``).

        Raises:
            ValueError: the result has no such table (no plan, or a results folder without it).
        """
        frame: pd.DataFrame | None = getattr(self, name)
        if frame is None:
            raise ValueError(f"the result ({self.status.value}) has no {name} table")
        return frame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables that exist, by name."""
        names = ("projects", "starts", "region_years", "provision", "national", "envelope",
                 "designations")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}
