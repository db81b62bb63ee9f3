"""Score a plan the analyst already has, and say how far it is from the best plan.

A draft plan is a starts table (``optimizer.analysis.plan_input``). When it breaks a rule, every
break is listed, located (``optimizer.analysis.plan_breaks``). Otherwise its starts are fixed
and the LP chooses its transfers and co-financing (the split that serves the objective best);
the usual assembler turns that into the same result tables as a solve, verified, with reasons
for what it leaves out. A solve of the instance within the time limit then gives the best plan
found and the proven bound: the draft's extra shortfall, money and objective are measured
against them (``compare``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from models.instance import Instance
from models.result import Result, SolveStatus
from optimizer.analysis.plan_breaks import breaks_table, money_breaks, start_breaks
from optimizer.analysis.whatif import national_at_target_year, target_year
from optimizer.api import solve
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.index import FloatArray, IndexSets, build_index
from optimizer.highs.adapter import HighsOptions, HighsOutcome, highs_for, highs_lp, run
from optimizer.highs.claims import gap, within_gap
from optimizer.solving.assemble import assemble_result
from optimizer.solving.pipeline import solve_options

CHECK_SECONDS = 60.0
"""Most seconds for the LPs that check and price a plan (each is small: its starts are fixed)."""


@dataclass(frozen=True)
class Evaluation:
    """A draft plan scored: the rules it breaks, or its result and its distance to the best."""

    breaks: pd.DataFrame
    """Every rule the plan breaks (``plan_breaks.COLUMNS``); empty when it is feasible."""
    result: Result | None = None
    """The plan's result tables, as for a solve (feasible plans)."""
    best: Result | None = None
    """The solve it is compared with (None when not compared)."""
    comparison: dict[str, Any] = field(default_factory=dict)
    """Figures of the comparison and ``sentence``, the comparison in words."""

    @property
    def feasible(self) -> bool:
        """Whether the plan breaks no rule."""
        return self.breaks.empty


def start_columns(index: IndexSets, starts: pd.DataFrame) -> tuple[FloatArray, np.ndarray]:
    """The plan's start column values and which rows of ``starts`` have a column.

    A project's shares are scaled to a total of at most 1 (more is a break of its own).
    """
    position = pd.Index(index.project_ids).get_indexer(starts["project_id"])
    columns = pd.MultiIndex.from_arrays([index.start_project, index.start_year])
    col = columns.get_indexer(pd.MultiIndex.from_arrays(
        [position, starts["start_year"].to_numpy(np.int64) - int(index.years[0])]))
    mapped = col >= 0
    x = np.zeros(len(index.start_project))
    np.add.at(x, col[mapped], starts["share"].to_numpy(float)[mapped])
    total = np.bincount(index.start_project, weights=x, minlength=len(index.project_ids))
    return x / np.maximum(total, 1.0)[index.start_project], mapped


def _fixed_outcome(form: Formulation, x: FloatArray, options: HighsOptions) -> HighsOutcome:
    """The LP with every start column fixed to ``x``: the plan's best transfers."""
    c, n = form.columns, form.layout.n_start
    lower, upper = c.lower.copy(), c.upper.copy()
    lower[:n] = upper[:n] = x
    h = highs_for(highs_lp(form.matrix, c.cost, lower, upper, form.row_lower, form.row_upper,
                           None, c.offset), replace(options, time_limit=CHECK_SECONDS))
    return run(h, deadline=CHECK_SECONDS)


def score(instance: Instance, index: IndexSets, form: Formulation, x: FloatArray,
          options: HighsOptions, best: Result | None, source: str) -> Result:
    """The feasible plan ``x`` as a verified Result, its bound and gap those of ``best``.

    Raises:
        VerificationError: the plan breaks a rule the breaks check missed.
    """
    started = time.perf_counter()
    outcome = _fixed_outcome(form, x, options)
    if outcome.values is None or outcome.objective is None:
        raise RuntimeError(f"the plan's money could not be chosen: {outcome.model_status}")
    bound = (float(best.bound) if best is not None and best.bound is not None
             and math.isfinite(best.bound) else None)
    status = (SolveStatus.OPTIMAL if bound is not None and within_gap(
        outcome.objective, bound, options.mip_rel_gap) else SolveStatus.LIMIT)
    outcome = replace(outcome, status=status, bound=bound, gap=gap(outcome.objective, bound),
                      model_status="the given plan's starts fixed, its money chosen by LP")
    result = assemble_result(instance, index, form, outcome, options, build_seconds=0.0,
                             solve_seconds=time.perf_counter() - started,
                             extra={"evaluated_plan": source})
    within = "" if result.mip_gap is None else (f"; {result.mip_gap:.2%} above the proven "
                                                 "bound of the comparison solve")
    return result.model_copy(update={"message": f"the given plan ({source}), scored: its starts "
                                                f"fixed, its transfers and co-financing chosen "
                                                f"by LP{within}"})


def _short(result: Result) -> tuple[int, float]:
    """(last target year, national shortfall then in persons)."""
    return target_year(result), float(national_at_target_year(result)["shortfall"].sum())


def differences(draft: Result, best: Result) -> pd.DataFrame:
    """Projects the two plans fund differently: share or start year."""
    keys = ["project_id", "name", "region_id", "funded", "start_year"]
    both = draft.tables()["projects"][keys].merge(
        best.tables()["projects"][keys[:1] + keys[3:]], on="project_id",
        suffixes=("_draft", "_best"))
    changed = ((both["funded_draft"] - both["funded_best"]).abs() > 1e-6) | (
        both["start_year_draft"].fillna(0) != both["start_year_best"].fillna(0))
    return both[changed].reset_index(drop=True)


def compare(draft: Result, best: Result | None) -> dict[str, Any]:
    """The draft against the best plan found: shortfall, money, objective and bound, in words."""
    year, short = _short(draft)
    tables = draft.tables()
    envelope = float(tables["envelope"]["envelope"].sum())
    out: dict[str, Any] = {
        "target_year": year, "draft_shortfall": short, "draft_objective": draft.objective,
        "draft_transfer": float(tables["region_years"]["transfer"].sum()), "envelope": envelope}
    if best is None or not best.has_plan:
        out["sentence"] = ("no plan to compare with: " + best.message if best is not None
                           else "not compared with a solve")
        return out
    _, best_short = _short(best)
    changed = differences(draft, best)
    name = ("optimum" if best.status == SolveStatus.OPTIMAL
            else f"best plan found in {best.solve_seconds:.0f} s")
    more = short - best_short
    out |= {"best_status": best.status.value, "best_shortfall": best_short,
            "more_persons_short": more, "best_objective": best.objective,
            "best_bound": best.bound, "gap_to_bound": gap(draft.objective, best.bound),
            "best_transfer": float(best.tables()["region_years"]["transfer"].sum()),
            "only_in_best": int(((changed["funded_best"] > 1e-6) & (
                changed["funded_draft"] <= 1e-6)).sum()),
            "only_in_draft": int(((changed["funded_draft"] > 1e-6) & (
                changed["funded_best"] <= 1e-6)).sum()),
            "moved": int(((changed["funded_draft"] > 1e-6) & (
                changed["funded_best"] > 1e-6)).sum())}
    words = (f"the draft plan leaves {more:,.0f} more persons short than the {name}"
             if more > 0.5 else f"the draft plan leaves {-more:,.0f} fewer persons short than "
             f"the {name}" if more < -0.5 else
             f"the draft plan leaves as many persons short as the {name}")
    words += f" in {year} at the same envelope ({envelope:,.0f} million KZT)"
    words += (f"; its objective {draft.objective:,.2f} is {out['gap_to_bound']:.2%} above the "
              f"proven bound {best.bound:,.2f}" if out["gap_to_bound"] is not None
              and best.bound is not None and draft.objective is not None
              else "; no bound was proven")
    if best.objective is not None and draft.objective is not None and (
            draft.objective < best.objective - 1e-6 * max(1.0, abs(best.objective))):
        words += (f"; the draft scores better than the {name} ({draft.objective:,.2f} against "
                  f"{best.objective:,.2f}): allow the solve more time")
    words += (f"; the {name} funds {out['only_in_best']} project(s) the draft leaves out, "
              f"leaves out {out['only_in_draft']} of the draft's and funds {out['moved']} "
              "other(s) in another year or share")
    out["sentence"] = words
    return out


def evaluate(instance: Instance, starts: pd.DataFrame, *, source: str = "draft",
             time_limit: float | None = None, mip_rel_gap: float | None = None,
             threads: int | None = None, compare_with_best: bool = True) -> Evaluation:
    """Score the draft ``starts`` (project_id, start_year, share) on ``instance``.

    ``time_limit``: of the comparison solve (None: the instance's ``solver.time_limit``).

    Raises:
        VerificationError: the scored plan fails independent verification.
    """
    options = solve_options(instance, time_limit, mip_rel_gap, threads)
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    names = dict(zip(instance.regions["region_id"], instance.regions["name"], strict=True))
    x, mapped = start_columns(index, starts)
    plan = starts[["project_id", "start_year", "share"]]
    rows = start_breaks(instance, plan, mapped, names)
    rows += money_breaks(instance, index, form, x, plan[mapped], names, CHECK_SECONDS,
                         options.threads)
    breaks = breaks_table(rows)
    if not breaks.empty:
        return Evaluation(breaks=breaks)
    best = (solve(instance, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads)
            if compare_with_best else None)
    draft = score(instance, index, form, x, options, best, source)
    return Evaluation(breaks=breaks, result=draft, best=best, comparison=compare(draft, best))
