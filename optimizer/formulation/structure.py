"""Project-structure families: alternatives (a group) and prerequisites (docs/formulation.md §12).

Both read ``index.structure`` only and return an empty block when the instance has no group and
no ``project_requires`` row. Spend profiles are not a family: they change the coefficients of
``spend`` (``optimizer.formulation.projects.spend_terms``).
"""

from __future__ import annotations

import numpy as np

from optimizer.formulation.index import IndexSets, expand_years
from optimizer.formulation.layout import Block, Layout


def alternatives(index: IndexSets, layout: Layout) -> Block:
    """``sum_{p in G} sum_t x[p,t] <= 1``   for each group ``G`` of two or more projects.

    Where: ``G`` holds the projects sharing a non-empty ``projects.group`` that can start
    (not excluded, with start columns); a group with one such project needs no row (its
    ``one_start`` row says as much). For divisible projects the funded shares add up to 1.
    """
    s = index.structure
    n_rows = len(s.group_names)
    row = (s.group_row[index.start_project] if n_rows else
           np.full(layout.n_start, -1, dtype=np.int64))
    on = np.flatnonzero(row >= 0)
    return Block(
        name="alternatives",
        row=row[on],
        col=layout.start0 + on,
        val=np.ones(len(on)),
        lower=np.full(n_rows, -np.inf),
        upper=np.ones(n_rows),
    )


def prerequisite_rows(index: IndexSets) -> tuple[np.ndarray, np.ndarray]:
    """(requirement, start column of the project that requires) of each ``prerequisite`` row."""
    s = index.structure
    count = index.project_start_count[s.requires_project]
    req, k = expand_years(np.zeros(len(count), np.int64), count - 1,
                          int(count.max(initial=0)) + 1)
    return req, index.project_first_start[s.requires_project[req]] + k


def prerequisite(index: IndexSets, layout: Layout) -> Block:
    """``sum_{t' <= t} x[p,t'] - sum_{t' <= t} x[q,t'] <= 0``   for each ``p`` requiring ``q``.

    Where: one row per start year ``t`` of ``p`` (between them the left side of ``p`` stays
    and that of ``q`` only grows, so the other years follow); ``p`` may start in ``t`` only if
    ``q`` started in ``t`` or earlier, and a divisible ``p`` has funded by ``t`` at most the
    share of ``q`` funded by ``t``. An excluded ``q`` has no columns: ``p`` cannot start.
    """
    s = index.structure
    req, col = prerequisite_rows(index)
    n_rows = len(req)
    first = index.project_first_start
    # p: its start columns up to the row's own (a project's starts are consecutive years)
    p_row, k = expand_years(np.zeros(n_rows, np.int64), col - first[s.requires_project[req]],
                            int(index.n_years))
    p_col = first[s.requires_project[req[p_row]]] + k
    # q: its start columns in years up to the row's year
    q = s.requires_on[req]
    known = q >= 0
    q_first = first[np.maximum(q, 0)]
    q_count = np.where(known, index.project_start_count[np.maximum(q, 0)], 0)
    upto = np.clip(index.start_year[col] - index.start_year[q_first] + 1, 0, q_count)
    q_row, k = expand_years(np.zeros(n_rows, np.int64), upto - 1, int(index.n_years))
    q_col = q_first[q_row] + k
    return Block(
        name="prerequisite",
        row=np.concatenate([p_row, q_row]),
        col=layout.start0 + np.concatenate([p_col, q_col]),
        val=np.concatenate([np.ones(len(p_row)), -np.ones(len(q_row))]),
        lower=np.full(n_rows, -np.inf),
        upper=np.zeros(n_rows),
    )
