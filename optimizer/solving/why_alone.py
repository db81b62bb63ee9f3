"""Projects that no plan can fund: too large for their region even with nothing else funded.

A start fits *alone* when, in every year, the project's own capex and opex fit its region's
money with nothing else built: its opex within fiscal space, its co-financing duty plus opex
within fiscal space, and capex plus opex within fiscal space plus the most transfer the region
may receive (its envelope share, dependency cap and the envelope itself; cumulative with
carryover). The region's money is what the pre-solve checks count
(``optimizer.check.prechecks``: fiscal space with the most of the equalization pool it can
get). An indivisible project none of whose starts fits alone gets the limit it breaks as its
reason, from the start that misses by least, in its first year that does not fit: no price is
needed.
"""

from __future__ import annotations

import numpy as np

from optimizer.check.findings import mkzt
from optimizer.check.prechecks import largest_transfer, pool_room
from optimizer.formulation.fiscal import dependency_bound
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.formulation.projects import Terms, operation_terms, spend_terms

TOL = 1e-6
"""Million KZT a start may exceed a limit by and still fit (rounding)."""


def _dense(index: IndexSets, terms: Terms) -> FloatArray:
    j, t, coef = terms
    out = np.zeros((len(index.start_project), index.n_years))
    np.add.at(out, (j, t), coef)
    return out


def _transfer_limit(index: IndexSets) -> tuple[FloatArray, np.ndarray]:
    """Most transfer per region-year with nothing else funded, and which limit sets it.

    The limit: 0 the envelope, 1 the region's envelope share, 2 its dependency cap.
    """
    envelope = np.cumsum(index.envelope) if index.carryover else index.envelope
    shape = (index.n_regions, index.n_years)
    share = index.sigma[:, None] * index.envelope[None, :]
    cap = largest_transfer(index)  # min(share, dependency cap)
    whole = np.broadcast_to(envelope[None, :], shape)
    largest = np.minimum(cap, whole)
    which = np.where(whole <= cap, 0, np.where(cap < share - TOL, 2, 1))
    has_cap = ~np.isnan(dependency_bound(index).reshape(shape))
    return largest, np.where((which == 2) & ~has_cap, 1, which)


def never_fits(index: IndexSets, positions: np.ndarray, names: dict[str, str]
               ) -> dict[int, tuple[str, str]]:
    """Project position -> (limit, detail) of each indivisible project no start fits alone.

    Only the projects at ``positions`` are looked at.
    """
    if len(positions) == 0:
        return {}
    # opex net of the project's own revenue effect (section 14): alone, it can pay its opex
    spend = _dense(index, spend_terms(index))
    opex = _dense(index, operation_terms(index, index.opex - index.revenue_effect))
    region = index.project_region[index.start_project]
    room = (index.fiscal_space + pool_room(index))[region]
    largest, which = _transfer_limit(index)
    alpha = index.alpha[region][:, None]
    excess = np.stack([opex - room, alpha * spend + opex - room,
                       spend + opex - room - largest[region]])  # (3, starts, years)
    miss = np.maximum(excess, 0.0).max(axis=0).sum(axis=1)  # how far each start misses
    out: dict[int, tuple[str, str]] = {}
    for p in positions:
        cols = np.arange(index.project_first_start[p],
                         index.project_first_start[p] + index.project_start_count[p])
        if index.divisible[p] or len(cols) == 0 or (miss[cols] <= TOL).any():
            continue  # a divisible project fits in part
        j = int(cols[np.argmin(miss[cols])])
        t, kind = divmod(int(np.flatnonzero((excess[:, j, :].T > TOL).reshape(-1))[0]), 3)
        out[int(p)] = _detail(index, names, j, t, kind, spend, opex, room, largest, which)
    return out


def _detail(index: IndexSets, names: dict[str, str], j: int, t: int, kind: int,
            spend: FloatArray, opex: FloatArray, room: FloatArray, largest: FloatArray,
            which: np.ndarray) -> tuple[str, str]:
    """The limit a start breaks alone in year position ``t``, and the sentence with figures."""
    r = int(index.project_region[index.start_project[j]])
    rid = str(index.region_ids[r])
    region, year = names.get(rid, rid), int(index.years[t])
    s, o, f = spend[j, t], opex[j, t], room[j, t]
    if kind == 0:
        return "fiscal_space", (f"even alone, its opex of {mkzt(o)} in {year} is more than "
                                f"{region}'s fiscal space of {mkzt(f)}")
    if kind == 1:
        return "cofinancing", (f"even alone, its {index.alpha[r]:.0%} co-financing "
                               f"({mkzt(index.alpha[r] * s)}) and opex ({mkzt(o)}) in {year} "
                               f"are more than {region}'s fiscal space of {mkzt(f)}")
    limit = ("envelope", "envelope_share", "dependency_cap")[int(which[r, t])]
    what = {"envelope": f"the whole {year} envelope"
                        + (" with what is carried over" if index.carryover else ""),
            "envelope_share": f"its {index.sigma[r]:.0%} share of the {year} envelope",
            "dependency_cap": "the most transfer its dependency cap allows"}[limit]
    return limit, (f"even alone it needs {mkzt(s + o)} in {year}; {region}'s fiscal space "
                   f"({mkzt(f)}) and {what} ({mkzt(largest[r, t])}) give "
                   f"{mkzt(f + largest[r, t])}")
