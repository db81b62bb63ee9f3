"""Whole-instance checks of the project structure: spend profiles, groups and prerequisites.

``project_spend`` shares must add up to 1 per project and name construction years of the
project; ``project_requires`` may not form a cycle, and a project that must start (committed,
or required by one that must) may neither require a project that can never start nor share its
group with another that must start. Each rule reports before any model is built; docs/
instance-format.md lists them with their messages. With neither optional table and no group,
every check returns at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from models.context import CheckContext
from models.errors import Issue
from models.schema import TABLES
from models.settings import InstanceSettings
from models.tables import csv_line, issues_where

SHARE_TOLERANCE = 1e-6
"""How far from 1 a project's shares may add up."""


def check_spend_profiles(ctx: CheckContext) -> list[Issue]:
    """Construction years lie in 1..duration; a project's shares sum to 1 (within 1e-6)."""
    spend = ctx.tables["project_spend"]
    if spend.empty:
        return []
    spec = TABLES["project_spend"]
    duration = ctx.tables["projects"].set_index("project_id")["duration"]
    d = spend["project_id"].map(duration).astype("Int64")
    beyond = (d.notna() & (spend["construction_year"] > d)).fillna(False)
    message = ("is outside 1.." + d.astype("string").fillna("?") + ", the construction years "
               "of project " + spend["project_id"].astype("string")
               + " (its duration); 1 is the start year")
    issues = issues_where(spec, spend, beyond.to_numpy(bool), "construction_year", message)
    judged = (spend["project_id"].isin(duration.index)
              & ~spend["project_id"].isin(ctx.broken.get("project_spend", set())))
    total = spend[judged].groupby("project_id", sort=False)["share"].agg(["sum", "size"])
    off = total[(total["sum"] - 1.0).abs() > SHARE_TOLERANCE]
    if off.empty:
        return issues
    first = judged & spend["project_id"].isin(off.index) & ~spend["project_id"].duplicated()
    lines = pd.Series(csv_line(spend.index), index=spend.index)
    rows_of = lines[judged].groupby(spend.loc[judged, "project_id"], sort=False).agg(
        lambda s: ", ".join(map(str, s.iloc[:6])) + (", ..." if len(s) > 6 else ""))
    sums, sizes = off["sum"].to_dict(), off["size"].to_dict()
    said: list[str] = []
    for pid in map(str, spend.loc[first, "project_id"]):
        total_share, size = float(sums[pid]), int(sizes[pid])
        said.append(f"of project {pid} sum to {total_share:.9g} over its {size} row(s) (lines "
                    f"{rows_of[pid]}); expected 1 (within {SHARE_TOLERANCE:g}): a project's "
                    "shares of capex add up to 1, and a project without rows spends evenly")
    texts = pd.Series(said, index=spend.index[first])
    return issues + [Issue(i.table, i.field, i.message, i.line, i.row_id, None)
                     for i in issues_where(spec, spend, first.to_numpy(bool), "share",
                                           texts.reindex(spend.index))]


@dataclass(frozen=True)
class Requirements:
    """The requirement graph of the clean tables: rows between known projects, in file order."""

    rows: pd.DataFrame
    """``project_id``, ``requires`` and the row's ``line``."""
    order: list[str]
    """Projects of the graph, each after every project it requires (those not on a cycle)."""
    cyclic: set[str]
    """Projects on a cycle of requirements, or requiring one."""

    def required(self, project: str) -> list[str]:
        """The projects ``project`` requires, in file order."""
        return self.rows.loc[self.rows["project_id"] == project, "requires"].tolist()


def requirement_graph(ctx: CheckContext) -> Requirements:
    """The graph of ``project_requires`` between projects of the clean projects table."""
    req = ctx.tables["project_requires"]
    known = set(ctx.tables["projects"]["project_id"])
    ok = req["project_id"].isin(known) & req["requires"].isin(known)
    rows = req.loc[ok, ["project_id", "requires"]].assign(line=csv_line(req.index[ok]))
    nodes = list(dict.fromkeys([*rows["project_id"], *rows["requires"]]))
    waiting = rows.groupby("project_id").size().reindex(nodes, fill_value=0).to_dict()
    needed_by = rows.groupby("requires")["project_id"].agg(list).to_dict()
    ready = [n for n in nodes if waiting[n] == 0]
    order: list[str] = []
    while ready:  # Kahn: a project once everything it requires is placed
        node = ready.pop()
        order.append(node)
        for other in needed_by.get(node, []):
            waiting[other] -= 1
            if waiting[other] == 0:
                ready.append(other)
    return Requirements(rows=rows.reset_index(drop=True), order=order,
                        cyclic=set(nodes) - set(order))


def _cycles(graph: Requirements) -> list[list[str]]:
    """One cycle through each group of projects that require one another, as a closed walk."""
    next_of = {p: [q for q in graph.required(p) if q in graph.cyclic] for p in graph.cyclic}
    seen: set[str] = set()
    cycles = []
    for start in dict.fromkeys(graph.rows["project_id"]):
        if start not in graph.cyclic or start in seen:
            continue
        path: list[str] = []
        node = start
        while node not in seen:  # every project left here requires another one left here
            seen.add(node)
            path.append(node)
            node = next_of[node][0]
        if node in path:
            cycles.append([*path[path.index(node):], node])
    return cycles


def _window(ctx: CheckContext, settings: InstanceSettings) -> pd.DataFrame:
    """Per project: status and start window in the horizon (``lo``, ``hi``)."""
    projects = ctx.tables["projects"].set_index("project_id")
    first, last = settings.years[0], settings.years[-1]
    return pd.DataFrame({
        "status": projects["status"],
        "lo": projects["earliest_start"].fillna(first).astype(int).clip(lower=first),
        "hi": projects["latest_start"].fillna(last).astype(int).clip(upper=last),
    })


def check_requirements(ctx: CheckContext, settings: InstanceSettings) -> list[Issue]:
    """No cycle of requirements; a project that must start can start with its requirements.

    A project can start from ``lo`` (its earliest start, or that of what it requires, if
    later) to ``hi`` (its latest start); an excluded project can never start. A committed
    project whose requirement can never start by its latest start is an error; a candidate,
    a warning (it can never be funded).
    """
    if ctx.tables["project_requires"].empty:
        return []
    spec = TABLES["project_requires"]
    graph = requirement_graph(ctx)
    issues = []
    for cycle in _cycles(graph):
        edges = set(pairwise(cycle))
        rows = graph.rows[[(p, q) in edges for p, q in zip(graph.rows["project_id"],
                                                             graph.rows["requires"], strict=True)]]
        row = rows.iloc[0]
        walk = " -> ".join(cycle)
        issues.append(Issue(
            spec.file, "requires",
            f"is part of a cycle of requirements: {walk} (each project may start only once the "
            "next has started); remove one of these rows" if len(cycle) > 2 else
            f"is the project itself: a project cannot require itself ({walk})",
            line=int(row["line"]), row_id=f"{row['project_id']}/{row['requires']}",
            value=row["requires"]))
    window = _window(ctx, settings)
    lo, hi = window["lo"].to_dict(), window["hi"].to_dict()
    why: dict[str, str] = {}  # project -> why it can never start
    for p in graph.order:
        if window.at[p, "status"] == "excluded":
            why[p] = f"{p} is excluded"
        elif lo[p] > hi[p]:
            why[p] = f"{p}'s start window is empty"
        for q in graph.required(p):
            lo[p] = max(lo[p], lo[q])
        if p in why:
            continue
        for q, line in zip(*_rows_of(graph, p), strict=True):
            reason = (why.get(q) if q in why else
                      f"{q} cannot start before {lo[q]}, after {p}'s latest start {hi[p]}"
                      if lo[q] > hi[p] else None)
            if reason is None:
                continue
            why[p] = f"{p} requires {q}, which can never start ({reason})"
            committed = window.at[p, "status"] == "committed"
            issues.append(Issue(
                spec.file, "requires",
                f"can never start before the latest start of {p} ({hi[p]}): {reason}; "
                + ("this committed project can then never start" if committed else
                   "the project can never be funded"),
                line=int(line), row_id=f"{p}/{q}", value=q,
                severity="error" if committed else "warning"))
            break
    return issues


def _rows_of(graph: Requirements, project: str) -> tuple[list[str], list[int]]:
    """What ``project`` requires and the line of each row."""
    mine = graph.rows[graph.rows["project_id"] == project]
    return mine["requires"].tolist(), mine["line"].astype(int).tolist()


def must_start(ctx: CheckContext, graph: Requirements | None = None) -> set[str]:
    """Committed projects and, through the requirement graph, every project they require."""
    projects = ctx.tables["projects"]
    must = set(projects.loc[projects["status"] == "committed", "project_id"])
    if graph is None or graph.rows.empty:
        return must
    for p in reversed(graph.order):  # a project before what it requires
        if p in must:
            must.update(graph.required(p))
    return must


def check_groups(ctx: CheckContext) -> list[Issue]:
    """A group holds at most one project that must start."""
    projects = ctx.tables["projects"]
    grouped = projects[projects["group"].astype(str) != ""]
    if grouped.empty:
        return []
    graph = None if ctx.tables["project_requires"].empty else requirement_graph(ctx)
    must = must_start(ctx, graph)
    hit = grouped[grouped["project_id"].isin(must) & (grouped["status"] != "excluded")]
    later = hit["group"].duplicated(keep="first")
    if not later.any():
        return []
    first = hit[~later].set_index("group")["project_id"]
    texts = pd.Series([
        f"is shared with {first[g]}: both must start (committed, or required by a committed "
        f"project), and at most one project of group {g!r} may start"
        for g in hit.loc[later, "group"]], index=hit.index[later])
    mask = np.zeros(len(projects), dtype=bool)
    mask[projects.index.get_indexer(texts.index)] = True
    return issues_where(TABLES["projects"], projects, mask, "group",
                        texts.reindex(projects.index))
