"""Lagrangian decomposition by region: a proven lower bound and region plans.

Regions are linked only through the yearly envelope rows. Pricing those rows with the LP
relaxation's duals ``mu_t >= 0`` splits the model into one MIP per region::

    L(mu) = sum_r min_{x_r in X_r} [ f_r(x_r) + mu' E_r x_r ] - mu' b + offset

where ``E x <= b`` are the envelope rows (yearly, or cumulative with carryover: then a transfer
of year ``t`` is priced at the sum of the multipliers of every row from ``t`` on).

Any lower bound of each region's MIP (its LP relaxation, or HiGHS's dual bound when the region
is solved further) gives a valid lower bound of the whole model, and with the LP's optimal duals
it is never weaker than the LP bound: it adds each region's integrality gap (fiscal space,
co-financing, its own shortfall rows). On the national instance it closed two thirds of the
gap between the LP bound and the best plan.
"""

from __future__ import annotations

import logging
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import highspy
import numpy as np
import scipy.sparse as sp

from optimizer.formulation import Formulation
from optimizer.highs import HighsOptions, new_highs, run, use_threads
from optimizer.index import FloatArray, IndexSets, IntArray

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decomposition:
    """The Lagrangian bound and the regions' plans (one column vector, not yet feasible)."""

    bound: float
    values: FloatArray
    seconds: float
    regions_solved: int
    """Regions whose MIP finished within its share of the time (the rest use their LP)."""


def column_regions(index: IndexSets, form: Formulation) -> IntArray:
    """The region each column belongs to."""
    layout, n_t = form.layout, index.n_years
    regions = np.arange(index.n_regions)
    known = np.concatenate([
        index.project_region[index.start_project],
        np.repeat(index.settlement_region[index.pair_settlement[index.capped_pairs]], n_t),
        np.repeat(regions, n_t),
        np.repeat(regions, n_t),
        index.group_region[layout.short_group],
    ])
    # columns of optional families (fiscal rules) belong to no region: they block the split
    return np.concatenate([known, np.full(layout.n_cols - len(known), -1, dtype=np.int64)])


def row_regions(form: Formulation, col_region: IntArray) -> IntArray | None:
    """The region of each non-envelope row, or None when a row links two regions.

    A project with effects in another region's settlement would link them; then no split.
    """
    coo = form.matrix.tocoo()
    row_region = np.full(form.shape[0], -1, dtype=np.int64)
    row_region[coo.row] = col_region[coo.col]
    envelope = np.zeros(form.shape[0], dtype=bool)
    envelope[form.rows["envelope"]] = True
    linked = ~envelope[coo.row] & (row_region[coo.row] != col_region[coo.col])
    if linked.any() or (col_region < 0).any():
        return None
    row_region[envelope] = -1
    return row_region


@dataclass(frozen=True)
class RegionModel:
    """One region's block of the priced model, as plain arrays (picklable for a worker)."""

    region: int
    cols: IntArray
    matrix: sp.csc_matrix
    cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    integer: np.ndarray

    def to_highs_lp(self) -> highspy.HighsLp:
        """The block as a HighsLp (continuous; integrality is set after its LP)."""
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.matrix.shape[1], self.matrix.shape[0]
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = self.cost, self.col_lower, self.col_upper
        lp.row_lower_, lp.row_upper_ = self.row_lower, self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self.matrix.indptr.astype(np.int32)
        lp.a_matrix_.index_ = self.matrix.indices.astype(np.int32)
        lp.a_matrix_.value_ = self.matrix.data
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
        return lp


def region_models(index: IndexSets, form: Formulation, mu: FloatArray
                  ) -> list[RegionModel] | None:
    """Every region's block with transfers priced at ``mu``; None when regions are linked."""
    col_region = column_regions(index, form)
    row_region = row_regions(form, col_region)
    if row_region is None:
        return None
    cost = form.columns.cost.copy()
    cost += form.matrix[form.rows["envelope"]].T @ mu  # mu' E, whatever the envelope's form
    matrix = form.matrix.tocsr()
    models = []
    for r in range(index.n_regions):
        cols = np.flatnonzero(col_region == r)
        rows = np.flatnonzero(row_region == r)
        models.append(RegionModel(
            region=r, cols=cols, matrix=matrix[rows][:, cols].tocsc(), cost=cost[cols],
            col_lower=form.columns.lower[cols], col_upper=form.columns.upper[cols],
            row_lower=form.row_lower[rows], row_upper=form.row_upper[rows],
            integer=form.columns.integer[cols]))
    return models


def solve_regions(models: list[RegionModel], options: HighsOptions, deadline: float
                  ) -> list[tuple[int, float, FloatArray, bool]]:
    """Solve blocks one after another, small first, each within its share of the time left.

    ``deadline`` is wall-clock (``time.time()``), the same in every worker process whatever
    its start-up took. Returns (region, bound, plan, optimal) per block.
    """
    sizes = np.asarray([len(m.cols) for m in models], dtype=float)
    size_left = sizes.sum()
    out = []
    for k in np.argsort(sizes, kind="stable"):  # time the small leave goes to the big
        remaining = deadline - time.time()
        share = remaining if options.node_limit is not None else (
            remaining * sizes[k] / max(size_left, 1.0))
        size_left -= sizes[k]
        model = models[k]
        out.append((model.region, *_solve_region(model, options, share)))
    return out


def _solve_region(model: RegionModel, options: HighsOptions, seconds: float
                  ) -> tuple[float, FloatArray, bool]:
    """Bound and plan of one region: its LP first, then its MIP within ``seconds``."""
    integer = model.integer
    h = new_highs()
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    h.setOptionValue("random_seed", int(options.random_seed))
    use_threads(h, options.threads)
    if options.node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(options.node_limit))
    h.passModel(model.to_highs_lp())
    relaxed = run(h)
    if relaxed.objective is None:
        raise RuntimeError("a region's LP relaxation failed")  # the full LP was optimal
    bound, values = relaxed.objective, relaxed.values
    if not integer.any():
        return bound, values, True
    h.changeColsIntegrality(len(integer), np.arange(len(integer), dtype=np.int32),
                            np.where(integer, highspy.HighsVarType.kInteger,
                                     highspy.HighsVarType.kContinuous))
    h.setOptionValue("time_limit", float(max(seconds, 0.05)))
    mip = run(h, deadline=max(seconds, 0.05) * 1.2)
    if mip.bound is not None:
        bound = max(bound, mip.bound)
    if mip.values is not None:
        values = mip.values
    return bound, values, mip.status.value == "optimal"


def _balanced(models: list[RegionModel], groups: int) -> list[list[RegionModel]]:
    """Blocks dealt to ``groups`` workers, largest first to the least loaded."""
    loads = [0] * groups
    dealt: list[list[RegionModel]] = [[] for _ in range(groups)]
    for model in sorted(models, key=lambda m: -len(m.cols)):
        k = loads.index(min(loads))
        dealt[k].append(model)
        loads[k] += len(model.cols)
    return dealt


def lagrangian(index: IndexSets, form: Formulation, options: HighsOptions, mu: FloatArray,
               seconds: float, workers: int = 2) -> Decomposition | None:
    """``L(mu)`` with the regions solved within ``seconds`` by ``workers`` processes.

    Each worker is a fresh Python process (``optimizer.region_worker``) running one HiGHS
    thread, so HiGHS's global scheduler is its own; a failed worker's regions are solved here.
    Returns None when regions are linked by more than the envelope.
    """
    started = time.perf_counter()
    models = region_models(index, form, mu)
    if models is None:
        return None
    groups = _balanced(models, max(1, workers))
    deadline = time.time() + seconds - (time.perf_counter() - started)
    if workers > 1:
        from optimizer.region_worker import run_worker  # imports this module

        single = replace(options, threads=1)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run_worker, group, single, deadline) for group in groups]
        solved = []
        for group, future in zip(groups, futures, strict=True):
            try:
                solved += future.result()
            except (subprocess.CalledProcessError, OSError, EOFError) as exc:
                log.warning("region worker failed (%s); solving its regions here", exc)
                solved += solve_regions(group, options, max(deadline, time.time() + 1.0))
    else:
        solved = solve_regions(models, options, deadline)
    values = np.zeros(form.layout.n_cols)
    total = form.columns.offset - float(mu @ form.row_upper[form.rows["envelope"]])
    for r, bound, plan, _ in solved:
        total += bound
        values[models[r].cols] = plan
    return Decomposition(bound=total, values=values, seconds=time.perf_counter() - started,
                         regions_solved=sum(optimal for *_, optimal in solved))
