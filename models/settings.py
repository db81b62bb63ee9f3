"""The settings document of an instance (``instance.yaml``) and the solver options."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from models.base import (
    Count,
    Description,
    Id,
    Money,
    MoneyByYear,
    Name,
    Seconds,
    Share,
    ShareByYear,
    StrictModel,
    Threads,
    Weight,
    Year,
)
from models.designations import Designation
from models.fiscal import FiscalRules

Area = Literal["urban", "rural"]
ObjectiveMode = Literal["weighted", "lexicographic", "equity"]


class BudgetSettings(StrictModel):
    """The republican envelope for targeted development transfers."""

    envelope: MoneyByYear
    """``B_t``: envelope per planning year, million KZT."""
    carryover: bool = False
    """May unspent envelope be spent in later years (cumulative envelope rows)."""


class RobustSettings(StrictModel):
    """One plan for many draws of an uncertainty file: sample average or CVaR.

    docs/montecarlo.md gives the model.
    """

    draws: int = Field(default=20, ge=2, le=500)
    """``K``: draws the plan must fit; each adds a copy of the money and provision columns."""
    quantile: Share | None = None
    """``q``: minimize the mean of the worst ``(1 - q)`` of the draws' objectives (CVaR);
    none: the mean over every draw."""
    seed: int = Field(default=1, ge=0, le=2**63 - 1)
    """Seed of the draws (draw ``k`` is the same as ``srsopt montecarlo``'s draw ``k``)."""
    uncertainty: Name
    """The uncertainty file, relative to the instance's folder."""

    @field_validator("quantile")
    @classmethod
    def _below_one(cls, quantile: float | None) -> float | None:
        if quantile is not None and quantile >= 1:
            raise ValueError("must be below 1 (0.9: the worst 10% of the draws)")
        return quantile


class ObjectiveSettings(StrictModel):
    """What the plan is scored on."""

    mode: ObjectiveMode = "weighted"
    """``weighted``; ``lexicographic`` (shortfall, then access, then money) or ``equity`` (the
    worst region's relative shortfall first, then ``weighted``): see docs/whatif.md."""
    category_weights: dict[Id, Weight] = Field(default_factory=dict)
    """``W_g`` per SRS category; a category not named here has weight 1."""
    access_weight: Weight = 0.01
    """Weight of the access term (person-years of provision, averaged over the horizon)."""
    cost_weight: Weight = 0.0
    """Weight of republican money (per million KZT of targeted transfer)."""
    robust: RobustSettings | None = None
    """Choose one plan that fares best over draws of an uncertainty file (``weighted`` only);
    none: the instance as given."""
    growth_weight: Weight = 0.0
    """Objective units per million KZT of regional output added (``projects.grp_effect``),
    summed over the horizon (docs/formulation.md, section 14)."""
    growth_floor: Money | None = None
    """Output added over the horizon (``projects.grp_effect``) at least this, million KZT: the
    epsilon-constraint row ``srsopt pareto`` sets per point (docs/formulation.md, section 15);
    none: no such row."""
    designation_weights: dict[Designation, Weight] = Field(default_factory=dict)
    """Multiplier of the shortfall weight of the residents of settlements with that flag
    (``monotown``, ``border``, ``agglomeration``); the largest applies when several do; a flag
    not named weighs 1 (docs/formulation.md, section 13)."""
    lexicographic_tolerance: Share = 1e-4
    """Relative slack a later stage of ``lexicographic`` or ``equity`` may give up on an earlier
    stage's value (1e-4 = 0.01%): an exact bound would leave later stages at the mercy of
    solver tolerances and the MIP gap of the earlier stage."""


class SolverSettings(StrictModel):
    """HiGHS options an analyst may set per instance (command-line flags override them)."""

    time_limit: Seconds = 60.0
    """Wall-clock limit of the solve, seconds."""
    mip_rel_gap: Share = 1e-3
    """Relative MIP gap at which HiGHS stops."""
    threads: Threads | None = None
    """Solver threads; ``None`` lets HiGHS decide. At most 256; the command line uses no more
    than the machine's cores (it clamps and says so)."""
    node_limit: Count | None = None
    """Reproducible mode: every MIP stage stops after this many branch-and-bound nodes instead
    of at a share of the time limit, so the same input gives the same plan on any machine (as
    long as ``time_limit``, kept as a safety net, is not reached)."""


class InstanceSettings(StrictModel):
    """Everything in ``instance.yaml``: horizon, targets, budget, objective, solver."""

    name: Name
    """Short name of the instance, shown in reports."""
    description: Description = ""
    """Free text: what the instance is, its sources, what is synthetic."""
    years: list[Year] = Field(min_length=1)
    """``T``: consecutive planning years."""
    targets: dict[Area, ShareByYear] = Field(default_factory=dict)
    """``target[a,t]``: provision target per area and year; a year without a value has no target."""
    budget: BudgetSettings
    objective: ObjectiveSettings = Field(default_factory=ObjectiveSettings)
    solver: SolverSettings = Field(default_factory=SolverSettings)
    fiscal_rules: FiscalRules = Field(default_factory=FiscalRules)
    """Phase-2 rules (equalization, dependency cap, floors, stability, baseline); all off."""

    @field_validator("years")
    @classmethod
    def _years_consecutive(cls, years: list[int]) -> list[int]:
        if years != list(range(years[0], years[0] + len(years))):
            raise ValueError(f"must be consecutive and increasing, got {years}")
        return years
