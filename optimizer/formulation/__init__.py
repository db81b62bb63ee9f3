"""The v1 allocation model built from index arrays: one function per constraint family.

``build_formulation`` reads like the table of contents of docs/formulation.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np
import scipy.sparse as sp

from models.settings import ObjectiveSettings
from optimizer.formulation.fiscal import (
    dependency_cap,
    equalization_floor,
    equalization_pool,
    hold_harmless,
    transfer_growth,
)
from optimizer.formulation.floors import critical_floor
from optimizer.formulation.growth import growth_floor
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.formulation.layout import Block, Layout, make_layout
from optimizer.formulation.money import cofinancing, envelope, fiscal_space, funding
from optimizer.formulation.objective import Columns, columns
from optimizer.formulation.projects import one_start
from optimizer.formulation.provision import provision, shortfall
from optimizer.formulation.structure import alternatives, prerequisite

FAMILIES = (one_start, provision, funding, cofinancing, fiscal_space, envelope, shortfall,
            equalization_pool, equalization_floor, dependency_cap, critical_floor,
            hold_harmless, transfer_growth, alternatives, prerequisite)
"""Constraint families in row order (docs/formulation.md, constraints 1-8, then the fiscal
rules of section 11, each empty when its rule is off, then the project structure of section
12, empty without groups and prerequisites)."""


@dataclass(frozen=True)
class Formulation:
    """The whole model as arrays: ``min cost@v + offset`` s.t. ``row_lower <= A v <= row_upper``."""

    layout: Layout
    columns: Columns
    matrix: sp.csc_matrix
    row_lower: FloatArray
    row_upper: FloatArray
    rows: dict[str, slice]
    """Row range of each family."""

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.matrix.shape


@overload
def objective_of(form: Formulation, values: FloatArray) -> float: ...
@overload
def objective_of(form: Formulation, values: FloatArray | None) -> float | None: ...
def objective_of(form: Formulation, values: FloatArray | None) -> float | None:
    """A plan's objective (None without a plan)."""
    return None if values is None else float(form.columns.cost @ values + form.columns.offset)


def stack(blocks: list[Block], n_cols: int) -> tuple[sp.csc_matrix, FloatArray, FloatArray,
                                                     dict[str, slice]]:
    """Place the blocks one under another and sum duplicate entries into one CSC matrix."""
    starts = np.cumsum([0] + [b.n_rows for b in blocks])
    rows = np.concatenate([b.row + s for b, s in zip(blocks, starts, strict=False)])
    cols = np.concatenate([b.col for b in blocks])
    vals = np.concatenate([b.val for b in blocks])
    matrix = sp.csc_matrix((vals, (rows, cols)), shape=(int(starts[-1]), n_cols))
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    ranges = {b.name: slice(int(a), int(z)) for b, a, z in
              zip(blocks, starts[:-1], starts[1:], strict=True)}
    return (matrix, np.concatenate([b.lower for b in blocks]),
            np.concatenate([b.upper for b in blocks]), ranges)


def build_formulation(index: IndexSets, objective: ObjectiveSettings) -> Formulation:
    """Build every family from the index arrays and stack them; the growth floor last."""
    layout = make_layout(index)
    blocks = [family(index, layout) for family in FAMILIES]
    blocks.append(growth_floor(index, layout, objective.growth_floor))
    matrix, lower, upper, ranges = stack(blocks, layout.n_cols)
    return Formulation(layout=layout, columns=columns(index, layout, objective), matrix=matrix,
                       row_lower=lower, row_upper=upper, rows=ranges)
