"""The kinds of change a scenario may list, each a strict model of its YAML mapping.

``models.scenario`` reads a file into these; ``models.scenario_apply`` applies them. The format
is in docs/whatif.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from models.base import (
    Factor,
    Id,
    MoneyByYear,
    PositiveFactor,
    Share,
    ShareByYear,
    StrictModel,
    Weight,
    Year,
)
from models.settings import ObjectiveMode


class EnvelopeChange(StrictModel):
    """``B_t``: scale every year by one factor, or set some years to new values."""

    scale: PositiveFactor | None = None
    """Factor applied to every year's envelope (0.9 = a 10% cut); also scales the
    concentration caps ``sigma_r * B_t``, which follow ``B_t``."""
    set: MoneyByYear | None = None
    """New envelope of the years named, million KZT."""

    @model_validator(mode="after")
    def _one(self) -> EnvelopeChange:
        if (self.scale is None) == (self.set is None):
            raise ValueError("give exactly one of 'scale' or 'set'")
        return self


class TargetsChange(StrictModel):
    """``target[a,t]``: new provision targets per area and year (other years are kept)."""

    urban: ShareByYear = Field(default_factory=dict)
    rural: ShareByYear = Field(default_factory=dict)


class ObjectiveChange(StrictModel):
    """Objective settings to override; keys not given keep the instance's values."""

    mode: ObjectiveMode | None = None
    category_weights: dict[Id, Weight] = Field(default_factory=dict)
    """``W_g`` of the categories named (the others keep theirs)."""
    access_weight: Weight | None = None
    cost_weight: Weight | None = None
    lexicographic_tolerance: Share | None = None


class RegionChange(StrictModel):
    """Rules of one or more regions (``all`` for every region)."""

    region: Id | list[Id]
    """Region id, a list of ids, or ``all``."""
    cofinancing_rate: Share | None = None
    """``alpha_r``: minimum local share of capex."""
    max_envelope_share: Share | None = None
    """``sigma_r``: largest share of ``B_t`` the region may receive."""
    fiscal_space_scale: Factor | None = None
    """Factor on ``F[r,t]`` in every year."""

    @model_validator(mode="after")
    def _something(self) -> RegionChange:
        if (self.cofinancing_rate is None and self.max_envelope_share is None
                and self.fiscal_space_scale is None):
            raise ValueError("give at least one of cofinancing_rate, max_envelope_share, "
                             "fiscal_space_scale")
        return self


class LockChange(StrictModel):
    """Force projects in (``committed``) or out (``excluded``), or fix their start year."""

    project: Id | list[Id]
    """Project id or a list of ids."""
    force: Literal["in", "out"] | None = None
    """``in``: status committed (must start); ``out``: status excluded (never starts)."""
    start_year: Year | None = None
    """Fix the start: earliest_start = latest_start = this year."""

    @model_validator(mode="after")
    def _consistent(self) -> LockChange:
        if self.force is None and self.start_year is None:
            raise ValueError("give 'force' (in / out) or 'start_year'")
        if self.force == "out" and self.start_year is not None:
            raise ValueError("a project forced out has no start year")
        return self


class CapexOverrunChange(StrictModel):
    """Multiply capex, of all projects or of those of one category and/or region."""

    factor: PositiveFactor
    """1.2 = a 20% overrun."""
    category: Id | None = None
    """Only projects with an effect on a standard of this category."""
    region: Id | None = None
    """Only projects hosted in this region."""


CHANGE_KINDS: dict[str, type[StrictModel]] = {
    "envelope": EnvelopeChange,
    "targets": TargetsChange,
    "objective": ObjectiveChange,
    "region": RegionChange,
    "lock": LockChange,
    "capex_overrun": CapexOverrunChange,
}
"""Every kind of change a scenario may list, by its YAML key."""
