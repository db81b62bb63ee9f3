"""Lagrangian decomposition by region: a proven lower bound and region plans.

Regions are linked only through the rows of ``LINKING`` families: the envelope, and with the
fiscal rules the equalization pool. Pricing those rows ``E x`` with multipliers ``mu`` taken
from the LP relaxation's duals splits the model into one MIP per region::

    L(mu) = sum_r min_{x_r in X_r} [ f_r(x_r) + mu' E_r x_r ] - sum_i mu_i b_i + offset

where ``b_i`` is row ``i``'s upper side where ``mu_i > 0`` (a ``<=`` row, or an equality) and its
lower side where ``mu_i < 0`` (``>=``). Then ``mu_i (E_i x - b_i) <= 0`` for every feasible
``x``, so ``L(mu)`` is a lower bound. The envelope's cumulative rows (carryover) need nothing
special: a transfer of year ``t`` is priced at the multipliers of every row it enters.

Any lower bound of each region's MIP (its LP relaxation, or HiGHS's dual bound when the region
is solved further) gives a valid lower bound of the whole model, and with the LP's optimal duals
it is never weaker than the LP bound: it adds each region's integrality gap (fiscal space,
co-financing, its own shortfall rows). On the national instance it closed two thirds of the
gap between the LP bound and the best plan.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets, IntArray
from optimizer.highs import progress
from optimizer.highs.adapter import HighsOptions
from optimizer.runtime import stopping
from optimizer.solving.cumulative import cumulate, previous_starts
from optimizer.solving.lagrange_memory import LagrangeMemory, block_digests, recall, remember
from optimizer.solving.region_worker import LocalRegions
from optimizer.solving.regions import RegionModel, RegionRow, RegionRunner, RegionsSolved

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decomposition:
    """The Lagrangian bound and the regions' plans (one column vector, not yet feasible)."""

    bound: float
    values: FloatArray
    seconds: float
    regions_solved: int
    """Regions whose MIP finished within its share of the time (the rest use their LP)."""
    finished: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Those regions (positions): their plans are their blocks' optima at these prices."""
    notes: tuple[str, ...] = ()
    """What the region runner says went otherwise than planned (``RegionsSolved.notes``)."""
    reused: int = 0
    """Blocks not solved again: the same as in the memory given (``lagrange_memory``)."""
    memory: LagrangeMemory | None = field(default=None, repr=False)
    """This decomposition's multipliers and blocks, for the solve of a changed model."""
    mu: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False)
    """The multipliers of the linking rows (``linking_rows``) the blocks were priced at."""
    region_bounds: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False)
    """Each region's block bound at ``mu`` (by position): a plan's value in a region at these
    prices less it is how far the plan is from that region's best (``recombine``)."""


LINKING = ("envelope", "equalization_pool")
"""Families whose rows add up every region's columns: priced, not split."""


def linking_rows(form: Formulation) -> IntArray:
    """Row indices of the ``LINKING`` families present in the model."""
    return np.concatenate([np.arange(form.shape[0])[form.rows[name]] for name in LINKING
                           if name in form.rows]).astype(np.int64)


def linking_prices(form: Formulation, row_duals: FloatArray) -> FloatArray:
    """Multipliers of the linking rows from the LP's duals, signed so that the bound holds.

    ``mu = -dual`` (the objective's rise per unit of the row's activity), kept ``>= 0`` on a
    ``<=`` row and ``<= 0`` on a ``>=`` row; free on an equality.
    """
    return _signed(form, -np.asarray(row_duals)[linking_rows(form)])


def _signed(form: Formulation, mu: FloatArray) -> FloatArray:
    rows = linking_rows(form)
    mu = np.where(np.isinf(form.row_lower[rows]), np.maximum(mu, 0.0), mu)
    return np.where(np.isinf(form.row_upper[rows]), np.minimum(mu, 0.0), mu)


def linking_layout(form: Formulation) -> tuple[int, ...]:
    """How many rows each ``LINKING`` family has in the model (0: none)."""
    return tuple(len(range(form.shape[0])[form.rows[name]]) if name in form.rows else 0
                 for name in LINKING)


def priced_costs(form: Formulation, mu: FloatArray) -> FloatArray:
    """Column costs with the linking rows priced at ``mu``: ``c + E' mu``."""
    prices = np.zeros(form.shape[0])
    prices[linking_rows(form)] = mu
    return form.columns.cost + form.matrix.T @ prices


def remembered_prices(form: Formulation, memory: LagrangeMemory) -> FloatArray | None:
    """The multipliers of ``memory``, signed as ``form``'s linking rows are.

    None when those rows are not the remembered ones (another count per family).
    """
    return _signed(form, memory.mu) if memory.linking == linking_layout(form) else None


def column_regions(index: IndexSets, form: Formulation) -> IntArray:
    """The region each column belongs to (-1: none, which blocks the split)."""
    layout, n_t = form.layout, index.n_years
    by_region_year = np.repeat(np.arange(index.n_regions), n_t)
    fiscal = index.fiscal
    known = np.concatenate([
        index.project_region[index.start_project],
        np.repeat(index.settlement_region[index.pair_settlement[index.capped_pairs]], n_t),
        by_region_year,  # transfer
        by_region_year,  # co-financing
        index.group_region[layout.short_group],
        by_region_year[: layout.n_equalization],  # eq[r,t], at r*|T| + t
        fiscal.floor_region[fiscal.elastic_floors],  # elastic floor slack
    ]).astype(np.int64)
    return np.concatenate([known, np.full(layout.n_cols - len(known), -1, dtype=np.int64)])


def row_regions(form: Formulation, col_region: IntArray) -> IntArray | None:
    """The region of each non-linking row, or None when another row links two regions.

    A project with effects in another region's settlement would link them; then no split.
    """
    coo = form.matrix.tocoo()
    row_region = np.full(form.shape[0], -1, dtype=np.int64)
    row_region[coo.row] = col_region[coo.col]
    linking = np.zeros(form.shape[0], dtype=bool)
    linking[linking_rows(form)] = True
    linked = ~linking[coo.row] & (row_region[coo.row] != col_region[coo.col])
    if linked.any() or (col_region < 0).any():
        return None
    row_region[linking] = -1
    return row_region


MIN_WEIGHT = 0.5
"""Small regions are not always easy: on the generated 7,000-settlement model a 297-column city
needed ~4,000 nodes; with a share by columns alone (0.3 s) its plan was 1.5% above its final
bound, after 1 s 0.3%."""


def region_models(index: IndexSets, form: Formulation, mu: FloatArray,
                  col_region: IntArray | None = None) -> list[RegionModel] | None:
    """Every region's block with transfers priced at ``mu``; None when regions are linked.

    ``col_region``: the region of each column, when the model is not the instance's own
    (``optimizer.solving.plans``); by default ``column_regions``.
    """
    col_region = column_regions(index, form) if col_region is None else col_region
    row_region = row_regions(form, col_region)
    if row_region is None:
        return None
    matrix = form.matrix.tocsr()
    cost = priced_costs(form, mu)
    previous = previous_starts(form.layout.start_project, form.shape[1])
    floor = MIN_WEIGHT * form.shape[1] / max(index.n_regions, 1)
    models = []
    for r in range(index.n_regions):
        cols = np.flatnonzero(col_region == r)
        rows = np.flatnonzero(row_region == r)
        before = previous[cols]  # a project's starts all lie in its region
        local = np.where(before >= 0, np.searchsorted(cols, before), -1)
        block = cumulate(matrix[rows][:, cols], cost[cols], form.columns.lower[cols],
                         form.columns.upper[cols], form.row_lower[rows], form.row_upper[rows],
                         form.columns.integer[cols], 0.0, local)
        models.append(RegionModel(region=r, cols=cols, model=block,
                                  weight=max(float(len(cols)), floor),
                                  name=str(index.region_ids[r])))
    return models


@dataclass(frozen=True)
class Priced:
    """The blocks priced at ``mu``: those whose remembered bound and plan hold, those to solve."""

    mu: FloatArray
    models: list[RegionModel]
    keys: list[tuple[str, str]]
    kept: list[RegionRow]
    todo: list[RegionModel]


def priced(index: IndexSets, form: Formulation, mu: FloatArray,
           memory: LagrangeMemory | None = None, col_region: IntArray | None = None
           ) -> Priced | None:
    """The blocks at ``mu``, sorted by ``memory`` (``lagrange_memory.recall``); None: linked.

    ``col_region``: as for ``region_models``.
    """
    models = region_models(index, form, mu, col_region)
    if models is None:
        return None
    keys = [block_digests(m.model) for m in models]
    return Priced(mu, models, keys, *recall(models, keys, memory))


@progress.stage("Lagrangian bound", figures=False)  # region sub-problems
def lagrangian(index: IndexSets, form: Formulation, options: HighsOptions,
               mu: FloatArray | Priced, seconds: float, workers: int = 2,
               runner: RegionRunner | None = None, memory: LagrangeMemory | None = None,
               col_region: IntArray | None = None) -> Decomposition | None:
    """``L(mu)`` with the regions solved within ``seconds`` by ``runner``.

    ``mu``: the multipliers, or the blocks already priced at them (``priced``). ``memory``: a
    decomposition of the model this one was changed from: its blocks whose bound and plan
    still hold are not solved again, the others start from their plan
    (``optimizer.solving.lagrange_memory``).

    The default runner deals them to ``workers`` fresh Python processes
    (``optimizer.solving.region_worker.LocalRegions``), each running one HiGHS thread, so
    HiGHS's global scheduler is its own; a failed worker's regions are solved here. Returns None
    when regions are linked by more than the envelope, or when a stop was requested before
    every region was solved (a bound needs them all).
    """
    started = time.perf_counter()
    blocks = mu if isinstance(mu, Priced) else priced(index, form, mu, memory, col_region)
    if blocks is None:
        return None
    models, kept, todo, mu = blocks.models, blocks.kept, blocks.todo, blocks.mu
    deadline = time.time() + seconds - (time.perf_counter() - started)
    ran = (runner or LocalRegions(workers))(todo, options, deadline) if todo else (
        RegionsSolved([]))
    if stopping.requested():
        log.info("Lagrangian bound dropped: a stop was requested")
        return None
    rows = kept + ran.rows
    if {row[0] for row in rows} != set(range(len(models))):  # a runner's broken promise
        log.warning("Lagrangian bound dropped: %d of %d regions came back", len(rows),
                    len(models))
        return None
    values = np.zeros(form.shape[1])
    linking = linking_rows(form)
    side = np.where(mu > 0, form.row_upper[linking],
                    np.where(mu < 0, form.row_lower[linking], 0.0))
    total = form.columns.offset - float(mu @ side)
    bounds = np.zeros(len(models))
    for r, bound, plan, _ in sorted(rows, key=lambda row: row[0]):
        total += bound  # in region order: the same sum wherever and in whatever order solved
        bounds[r] = bound
        values[models[r].cols] = plan
    return Decomposition(bound=total, values=values, seconds=time.perf_counter() - started,
                         regions_solved=sum(status == "optimal" for *_, status in rows),
                         finished=np.array(sorted(r for r, *_, status in rows
                                                  if status == "optimal"), dtype=np.int64),
                         notes=ran.notes, reused=len(kept),
                         memory=remember(linking_layout(form), mu, models, blocks.keys, rows),
                         mu=mu, region_bounds=bounds)
