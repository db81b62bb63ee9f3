"""Which regional limits a plan leaves no room in: the ``binding`` and ``slack_*`` columns.

Computed from the plan's own money (transfer, co-financing, new opex, equalization) against
the instance's limits, region by region and year by year; no solver. Each slack is in million
KZT (of transfer for the transfer limits, of local money for co-financing and fiscal space):

- ``envelope_share``: ``sigma_r * B_t - tau``           (concentration, the transfer's cap)
- ``cofinancing``: ``loc - alpha_r * spend``            (co-financing above the duty)
- ``fiscal_space``: ``F + eq + V - loc - opex``         (local money left; V: revenue added)
- ``dependency_cap``: ``(cap + delta V) / (1 - delta) - tau`` (NaN where no cap applies)
- ``hold_harmless``: ``tau - ((1 - d) * tau_prev - a)`` (NaN in the first year or when off)
- ``transfer_growth``: ``(1 + u) * tau_prev + a - tau`` (NaN in the first year or when off)

A limit is tight when its slack is at most ``TIGHT`` times its size (at least 1 million KZT).
The two lower limits (co-financing, hold-harmless) count only where they ask for money: a
region that spends nothing is not held by its co-financing duty, nor a transfer that may fall
to 0 by the hold-harmless rule. docs/why.md shows the columns on the tiny instance.
"""

from __future__ import annotations

import numpy as np

from optimizer.formulation.fiscal import dependency_bound
from optimizer.formulation.index import FloatArray, IndexSets

TIGHT = 1e-6
"""Relative slack (of the limit, at least 1 million KZT) at or below which a limit is tight."""
LIMITS = ("envelope_share", "cofinancing", "fiscal_space", "dependency_cap", "hold_harmless",
          "transfer_growth")
"""The limits of the ``binding`` column, in the order they are listed."""


def _previous(index: IndexSets, transfer: FloatArray) -> FloatArray:
    """Last year's transfer of each region-year (NaN in the first year), region-major."""
    tau = transfer.reshape(index.n_regions, index.n_years)
    prev = np.full_like(tau, np.nan)
    prev[:, 1:] = tau[:, :-1]
    return prev.reshape(-1)


def limit_slacks(index: IndexSets, transfer: FloatArray, cofinancing: FloatArray,
                 spend: FloatArray, opex: FloatArray, equalization: FloatArray,
                 revenue: FloatArray | None = None
                 ) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Per limit, its (slack, size) for every region-year (region-major, million KZT).

    ``size`` is what the slack is measured against (the cap, the duty, the room), for the
    tolerance; NaN slack where the limit does not apply.
    """
    n_t = index.n_years
    region = np.repeat(np.arange(index.n_regions), n_t)
    cap = index.sigma[region] * np.tile(index.envelope, index.n_regions)
    duty = index.alpha[region] * spend
    added = np.zeros(len(transfer)) if revenue is None else revenue  # growth projects' revenue
    room = index.fiscal_space.reshape(-1) + equalization + added
    out = {"envelope_share": (cap - transfer, cap),
           "cofinancing": (np.where(duty > TIGHT, cofinancing - duty, np.nan), duty),
           "fiscal_space": (room - cofinancing - opex, room)}
    bound = dependency_bound(index)
    delta = (index.fiscal.dep_cap.reshape(-1) if index.fiscal.dep_cap.size
             else np.full(len(transfer), np.nan))
    with np.errstate(divide="ignore", invalid="ignore"):
        allowed = np.where(np.isnan(bound) | ~(delta < 1.0), np.nan,
                           (bound + delta * added) / (1.0 - delta))
    out["dependency_cap"] = (allowed - transfer, allowed)
    f, prev = index.fiscal, _previous(index, transfer)
    floor = (1.0 - f.max_decrease) * prev - f.allowance  # NaN when off or in the first year
    with np.errstate(invalid="ignore"):
        out["hold_harmless"] = (np.where(floor > TIGHT, transfer - floor, np.nan), floor)
    ceiling = (1.0 + f.max_increase) * prev + f.allowance
    out["transfer_growth"] = (ceiling - transfer, ceiling)
    return out


def binding_columns(index: IndexSets, transfer: FloatArray, cofinancing: FloatArray,
                    spend: FloatArray, opex: FloatArray, equalization: FloatArray,
                    revenue: FloatArray | None = None) -> dict[str, np.ndarray]:
    """``binding`` (the tight limits, ``;``-separated, empty if none) and ``slack_<limit>``.

    ``revenue``: own revenue the plan's growth projects add (fiscal space, dependency cap).
    """
    slacks = limit_slacks(index, transfer, cofinancing, spend, opex, equalization, revenue)
    tight = np.zeros((len(LIMITS), len(transfer)), dtype=bool)
    for k, name in enumerate(LIMITS):
        slack, size = slacks[name]
        with np.errstate(invalid="ignore"):
            tight[k] = slack <= TIGHT * np.maximum(1.0, np.abs(np.nan_to_num(size)))
    names = np.asarray(LIMITS)
    binding = np.asarray([";".join(names[tight[:, i]]) for i in range(len(transfer))],
                         dtype=object)
    return {"binding": binding} | {f"slack_{name}": slacks[name][0] for name in LIMITS}
