"""The plan's prices: the LP relaxation around a plan, and what a million KZT costs where.

With every start of the plan fixed the envelope's dual says nothing (only the split between
transfer and co-financing is left to choose). So the LP *around* the plan fixes the starts of
the funded indivisible projects and leaves every other start free in [0, 1]: the projects the
plan leaves out compete for what the plan leaves over, and the row duals price it. One LP
solve; on the national instance well under a second (docs/why.md).

The price of one more million KZT of capex in region ``r``, year ``t`` is the dual of its
``funding`` row. It is split into the limits behind it exactly, by the reduced cost of the
column the million would come from (docs/why.md, "How a reason is derived"):

- the region receives a transfer that year (``tau > 0``), or could at the same price (``tau``
  at 0 with a reduced cost of 0): the million is republican money, priced by the envelope, the
  region's envelope share, dependency cap and transfer band, its co-financing duty (``alpha``
  times the co-financing row's dual) and the transfer's cost weight;
- otherwise it is the region's own money: priced by its fiscal space.

A million of opex is paid from fiscal space; where the region co-finances (``loc > 0``) its
price is the price of capex plus ``(1 - alpha)`` times the co-financing dual (the fiscal space
it takes is local money the co-financing duty can no longer use).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from models.result import SolveStatus
from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.formulation.projects import Terms, operation_terms, spend_terms
from optimizer.highs.adapter import HighsOptions, highs_for, highs_lp, run

FAMILIES = ("envelope", "envelope_share", "cofinancing", "fiscal_space", "dependency_cap",
            "hold_harmless", "transfer_growth")
"""The limits a price is split into, in the order that breaks a tie between them."""
VALUE_ROWS = ("provision", "shortfall", "critical_floor")
"""Rows through which a start column earns its value (targets, access, floors)."""
ON = 1e-7
"""A column value above this is in use (million KZT, or share of a project)."""


@dataclass(frozen=True)
class Prices:
    """The LP around a plan: per start column its value and cost, per region-year the prices."""

    status: str
    """``optimal``; otherwise why there are no prices (``not run: ...``, HiGHS's status)."""
    seconds: float
    x: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Start columns' values in the LP around the plan."""
    value: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Objective gain of each start column (targets, access, floors), objective units."""
    money: FloatArray = field(default_factory=lambda: np.zeros(0))
    """What each start column's capex and opex cost at the plan's prices, objective units."""
    capex_cost: FloatArray = field(default_factory=lambda: np.zeros(0))
    """The capex part of ``money``."""
    parts: dict[str, FloatArray] = field(default_factory=dict)
    """Limit -> each start column's cost through that limit, shape (starts, years)."""
    envelope: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Marginal value of a million KZT of each year's envelope (>= 0)."""
    region_price: dict[str, FloatArray] = field(default_factory=dict)
    """Limit -> price per million KZT of capex, shape (regions, years)."""

    @property
    def priced(self) -> bool:
        """Whether the LP solved and the prices exist."""
        return self.status == SolveStatus.OPTIMAL.value


def around_plan(form: Formulation, index: IndexSets, x: FloatArray) -> tuple[FloatArray,
                                                                            FloatArray]:
    """Column bounds of the LP around the plan ``x`` (start columns' values).

    The starts of every funded indivisible project are fixed as the plan has them (its other
    start years at 0); every other start column keeps its bounds, and integrality is dropped.
    """
    n = form.layout.n_start
    lower, upper = form.columns.lower.copy(), form.columns.upper.copy()
    funded = np.bincount(index.start_project, weights=x, minlength=len(index.project_ids))
    fix = form.columns.integer[:n] & (funded[index.start_project] > 0.5)
    lower[:n][fix] = upper[:n][fix] = np.round(x[fix])
    return lower, upper


def _per_region_year(index: IndexSets, rows: slice, duals: FloatArray) -> FloatArray:
    return duals[rows].reshape(index.n_regions, index.n_years)


def _capex_prices(index: IndexSets, form: Formulation, v: FloatArray, y: FloatArray,
                  d: FloatArray) -> dict[str, FloatArray]:
    """Price of a million of capex per region-year, split into limits (and ``cost``)."""
    layout, shape = form.layout, (index.n_regions, index.n_years)
    tau_cols = np.arange(layout.transfer0, layout.cofinancing0)
    tau = v[tau_cols].reshape(shape)
    matrix = form.matrix[:, tau_cols].tocsc()
    out = {name: np.zeros(shape) for name in (*FAMILIES, "cost")}
    for name in ("envelope", "cofinancing", "dependency_cap", "hold_harmless",
                 "transfer_growth"):
        rows = form.rows.get(name, slice(0, 0))
        part = -(matrix[rows].T @ y[rows])  # -sum_i A_i,tau y_i over the family's rows
        out[name] = part.reshape(shape)
    d_tau = d[tau_cols].reshape(shape)
    at_cap = tau >= form.columns.upper[tau_cols].reshape(shape) - ON
    out["envelope_share"] = np.where(at_cap, np.maximum(-d_tau, 0.0), 0.0)
    out["cost"] = form.columns.cost[tau_cols].reshape(shape)
    funding = _per_region_year(index, form.rows["funding"], y)
    # no transfer that year, and a transfer would cost more: the million is the region's own
    own = (tau <= ON) & (d_tau > ON * np.maximum(1.0, np.abs(funding)))
    fiscal = -_per_region_year(index, form.rows["fiscal_space"], y)
    for name in out:
        out[name] = np.where(own, fiscal if name == "fiscal_space" else 0.0, out[name])
    return out


def _opex_prices(index: IndexSets, form: Formulation, v: FloatArray, y: FloatArray,
                 capex: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Price of a million of opex per region-year, split like capex (see the module doc)."""
    layout, shape = form.layout, (index.n_regions, index.n_years)
    loc = v[layout.cofinancing0: layout.shortfall0].reshape(shape)
    fiscal = -_per_region_year(index, form.rows["fiscal_space"], y)
    gamma = -_per_region_year(index, form.rows["cofinancing"], y)
    shared = loc > ON
    out = {}
    for name, price in capex.items():
        extra = (1.0 - index.alpha[:, None]) * gamma if name == "cofinancing" else 0.0
        own = fiscal if name == "fiscal_space" else 0.0
        out[name] = np.where(shared, price + extra, own)
    return out


def _by_start(index: IndexSets, terms: Terms, price: FloatArray) -> FloatArray:
    """Each start column's cost through ``price`` (regions x years), shape (starts, years)."""
    j, t, coef = terms
    out = np.zeros((len(index.start_project), index.n_years))
    np.add.at(out, (j, t), coef * price[index.project_region[index.start_project[j]], t])
    return out


def plan_prices(index: IndexSets, form: Formulation, x: FloatArray, seconds: float,
                threads: int | None = None) -> Prices:
    """Solve the LP around the plan ``x`` within ``seconds`` and price its money."""
    started = time.perf_counter()
    lower, upper = around_plan(form, index, x)
    c = form.columns
    h = highs_for(highs_lp(form.matrix, c.cost, lower, upper, form.row_lower, form.row_upper,
                           None, c.offset), HighsOptions(time_limit=seconds, threads=threads))
    outcome = run(h, deadline=seconds)
    elapsed = time.perf_counter() - started
    v, y = outcome.values, outcome.row_duals
    if outcome.status != SolveStatus.OPTIMAL or v is None or y is None:
        return Prices(status=f"{outcome.status.value} ({outcome.model_status})",
                      seconds=elapsed)
    d = c.cost - form.matrix.T @ y
    n = form.layout.n_start
    value_y = np.zeros_like(y)
    for name in VALUE_ROWS:
        rows = form.rows.get(name, slice(0, 0))
        value_y[rows] = y[rows]
    value = -(c.cost[:n] - (form.matrix[:, :n].T @ value_y))
    capex = _capex_prices(index, form, v, y, d)
    opex = _opex_prices(index, form, v, y, capex)
    spend, operate = spend_terms(index), operation_terms(index)
    parts = {name: _by_start(index, spend, capex[name]) + _by_start(index, operate, opex[name])
             for name in capex}
    funding = _per_region_year(index, form.rows["funding"], y)  # a million of capex, whole
    capex_cost = _by_start(index, spend, funding).sum(axis=1)
    money = capex_cost + _by_start(index, operate, -_per_region_year(
        index, form.rows["fiscal_space"], y)).sum(axis=1)
    return Prices(status=outcome.status.value, seconds=time.perf_counter() - started,
                  x=v[:n], value=value, money=money, capex_cost=capex_cost, parts=parts,
                  envelope=envelope_values(index, -y[form.rows["envelope"]]),
                  region_price=capex)


def envelope_values(index: IndexSets, duals: FloatArray) -> FloatArray:
    """Marginal value of a million KZT of each year's envelope from its rows' duals (>= 0).

    With carryover ``B_t`` enters every cumulative row from ``t`` on: the sum of their duals.
    """
    return np.cumsum(duals[::-1])[::-1] if index.carryover else duals
