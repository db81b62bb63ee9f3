"""Column layout of the v1 model and the row block every constraint family returns.

Columns, in order: ``project_start x[p,t]``, ``provision y[i,t]`` (capped pairs only),
``region_transfer tau[r,t]``, ``region_cofinancing loc[r,t]``, ``shortfall short[q,t]``, then
the fiscal rules' ``equalization eq[r,t]`` and ``floor_slack`` (empty when the rules are off).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.formulation.index import FloatArray, IndexSets, IntArray


@dataclass(frozen=True)
class Layout:
    """Where each variable family sits among the columns, and what each shortfall column is."""

    n_years: int
    n_start: int
    n_capped: int
    n_regions: int
    short_group: IntArray
    """Group (region, category, area) of each shortfall column."""
    short_year: IntArray
    """Year position of each shortfall column."""
    start_project: IntArray
    """Project of each ``project_start`` column; a project's columns are consecutive, by year."""
    n_equalization: int = 0
    """``eq[r,t]`` columns of the equalization pool (regions x years when on, else 0)."""
    n_floor_slack: int = 0
    """Slack columns of elastic critical floors (one per elastic floor row)."""

    @property
    def start0(self) -> int:
        """First ``project_start`` column."""
        return 0

    @property
    def provision0(self) -> int:
        """First ``provision`` column (capped pair ``i``, year ``t`` at ``i*|T| + t``)."""
        return self.n_start

    @property
    def transfer0(self) -> int:
        """First ``region_transfer`` column (region ``r``, year ``t`` at ``r*|T| + t``)."""
        return self.provision0 + self.n_capped * self.n_years

    @property
    def cofinancing0(self) -> int:
        """First ``region_cofinancing`` column."""
        return self.transfer0 + self.n_regions * self.n_years

    @property
    def shortfall0(self) -> int:
        """First ``shortfall`` column."""
        return self.cofinancing0 + self.n_regions * self.n_years

    @property
    def equalization0(self) -> int:
        """First ``equalization`` column (region ``r``, year ``t`` at ``r*|T| + t``)."""
        return self.shortfall0 + len(self.short_group)

    @property
    def floor_slack0(self) -> int:
        """First ``floor_slack`` column."""
        return self.equalization0 + self.n_equalization

    @property
    def n_cols(self) -> int:
        """Number of columns."""
        return self.floor_slack0 + self.n_floor_slack

    def provision(self, capped: IntArray, year: IntArray) -> IntArray:
        """Columns of ``y[i,t]``."""
        return self.provision0 + capped * self.n_years + year

    def transfer(self, region: IntArray, year: IntArray) -> IntArray:
        """Columns of ``tau[r,t]``."""
        return self.transfer0 + region * self.n_years + year

    def cofinancing(self, region: IntArray, year: IntArray) -> IntArray:
        """Columns of ``loc[r,t]``."""
        return self.cofinancing0 + region * self.n_years + year


def make_layout(index: IndexSets) -> Layout:
    """Shortfall columns exist for groups with persons and years with a target."""
    area_target = index.target[index.group_area]  # (groups, years)
    has = (index.group_den > 0)[:, None] & ~np.isnan(area_target)
    group, year = np.nonzero(has)
    return Layout(
        n_years=index.n_years,
        n_start=len(index.start_project),
        n_capped=len(index.capped_pairs),
        n_regions=index.n_regions,
        short_group=group,
        short_year=year,
        start_project=index.start_project,
        n_equalization=index.n_regions * index.n_years if index.fiscal.equalization else 0,
        n_floor_slack=len(index.fiscal.elastic_floors),
    )


@dataclass(frozen=True)
class Block:
    """The rows of one constraint family: ``lower <= A_block @ v <= upper``, as COO triplets."""

    name: str
    row: IntArray
    """Row within the block of each nonzero."""
    col: IntArray
    val: FloatArray
    lower: FloatArray
    upper: FloatArray

    @property
    def n_rows(self) -> int:
        """Rows in the block."""
        return len(self.lower)

