"""The phase-2 fiscal rules of ``instance.yaml`` (``fiscal_rules:``) and their data checks.

Every rule is off by default, so an instance without a ``fiscal_rules`` section is the v1 model.
docs/fiscal-rules.md explains each rule; docs/formulation.md section 11 gives its math.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from models.base import (
    Factor,
    Id,
    Money,
    MoneyByYear,
    Share,
    ShareByYear,
    StrictModel,
    Weight,
    Year,
)

SETTINGS_FILE = "instance.yaml"


class EqualizationSettings(StrictModel):
    """A current-transfer pool split among regions; each share adds to the region's fiscal space."""

    pool: MoneyByYear
    """``pool[t]``: the pool in year ``t``, million KZT; it is distributed in full."""
    theta: Share = 0.0
    """Floor on per-capita revenue ``(own + general + eq) / pop`` as a share of the national
    average (0: no floor)."""


class CriticalFloor(StrictModel):
    """A floor on a region's provision of one standard by a year (and every year after)."""

    standard: Id
    """``standard_id`` the floor is on."""
    year: Year
    """The floor holds at the end of this year."""
    level: Share
    """Share of the residents of the applicable settlements that must be served."""
    region: Id | None = None
    """The region with this floor; ``None``: every region (one floor each)."""
    area: Literal["urban", "rural"] | None = None
    """Only the settlements of this area; ``None``: both."""
    designation: Id | None = None
    """Only the settlements with this designation: ``monotown``, ``border``,
    ``agglomeration`` or one agglomeration's name (``settlements.agglomeration``); ``None``:
    all."""
    penalty: Weight | None = None
    """``None``: a hard floor. A number makes it elastic: objective units per person short."""


class StabilitySettings(StrictModel):
    """Year-on-year stability of each region's targeted transfer (hold-harmless)."""

    max_decrease: Share | None = None
    """A region's transfer may fall at most this share below the previous year's."""
    max_increase: Factor | None = None
    """A region's transfer may rise at most this share above the previous year's."""
    allowance: Money = 0.0
    """Million KZT by which a transfer may move beyond both limits (lets a region start and
    finish: with 0, a region without transfer in one year gets none the next)."""


class BaselinePlan(StrictModel):
    """A previously approved plan: changing one of its starts costs ``penalty``."""

    starts: dict[Id, Year] = Field(default_factory=dict)
    """Approved start year per project id (``srsopt solve --baseline-plan`` fills it)."""
    penalty: Weight = 1000.0
    """Objective units (weighted persons) per approved start that is moved or dropped."""


class FiscalRules(StrictModel):
    """The phase-2 rules; each is off unless set."""

    equalization: EqualizationSettings | None = None
    """The equalization pool and its per-capita floor."""
    dependency_cap: ShareByYear = Field(default_factory=dict)
    """``delta_max[t]``: cap on ``(general + tau) / (own + general + tau)`` per year; a
    region's ``regions.dependency_cap`` overrides it."""
    critical_floors: dict[Id, CriticalFloor] = Field(default_factory=dict)
    """Floors on a region's provision of a standard by a year, by a name used in messages."""
    stability: StabilitySettings | None = None
    """Hold-harmless band on each region's transfer."""
    baseline: BaselinePlan | None = None
    """Deviation penalty against a previously approved plan."""

    @property
    def active(self) -> bool:
        """Whether any rule of ``instance.yaml`` is set (``regions.dependency_cap`` aside)."""
        return any(v for v in (self.equalization, self.dependency_cap, self.critical_floors,
                               self.stability, self.baseline))

    @property
    def needs_revenue(self) -> bool:
        """Whether a rule reads ``own_revenue`` and ``general_transfer``."""
        pool = self.equalization
        return (pool is not None and pool.theta > 0) or bool(self.dependency_cap)
