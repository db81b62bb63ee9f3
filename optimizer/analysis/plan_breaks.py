"""Every rule a given plan breaks, located: project, region, year and the amount over.

Two sources, neither a second verifier:

- the starts alone, by the independent verifier's own check (``check.verify.start_problems``:
  windows, whole starts of indivisible projects, one start, commitments, exclusions, groups
  and prerequisites), plus the model's rule that a candidate must complete within the horizon;
- the money, by the elastic model of the infeasibility explanation (``check.elastic``) with the
  plan's starts fixed: the smallest relaxation of fiscal space, co-financing, the envelope, the
  envelope shares and the fiscal rules that lets the plan's money add up, each slack described
  by ``check.explain_text.describe`` (region, year, amount). The plan's projects spending or
  paying opex there come from the verifier's recomputation (``check.recompute.project_years``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.instance import Instance
from optimizer.check.elastic import elastic_model
from optimizer.check.explain_text import Relaxation, describe
from optimizer.check.findings import mkzt
from optimizer.check.recompute import project_years
from optimizer.check.verify import start_problems
from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.highs.adapter import HighsOptions, highs_for, highs_lp, run

COLUMNS = ["rule", "project_id", "region_id", "region", "year", "amount", "unit", "message"]
"""The columns of the breaks table (``violations.csv``)."""
TOL = 1e-6
"""Slack (million KZT, or thousands of persons) above which a relaxed rule counts as broken."""
_WORDS = {
    "fiscal_space": "fiscal space of {region} in {year} exceeded by {amount}",
    "cofinancing": "co-financing of {region} in {year} short of its {alpha:.0%} duty by {amount}",
    "envelope": "envelope of {year} exceeded by {amount}",
    "concentration": "transfer to {region} in {year} above its {sigma:.0%} share of the envelope "
                     "by {amount}",
}
"""How a broken money rule reads in an evaluation; other families use the explanation's text."""
STARTS_ONLY = ("alternatives", "prerequisite")
"""Families whose rows hold start columns only: with the starts fixed they hold or not, and
the verifier's start check reports them; the money check leaves them out."""


def _row(rule: str, message: str, project: str | None = None, region: str | None = None,
         name: str | None = None, year: int | None = None, amount: float | None = None,
         unit: str = "") -> dict[str, object]:
    return dict(zip(COLUMNS, (rule, project, region, name, year, amount, unit, message),
                    strict=True))


def start_breaks(instance: Instance, starts: pd.DataFrame, mapped: np.ndarray,
                 names: dict[str, str]) -> list[dict[str, object]]:
    """The starts' own problems, and the candidates started too late to complete."""
    years = instance.years
    region = instance.projects.set_index("project_id")["settlement_id"].map(
        instance.settlements.set_index("settlement_id")["region_id"])
    out = []
    for pid, rule, message in start_problems(instance, starts, years[0], years[-1]):
        rid = None if pid is None else str(region[pid])
        out.append(_row(rule, message, pid, rid, names.get(rid or "", rid)))
    windowed = {pid for pid, rule, _ in start_problems(instance, starts, years[0], years[-1])
                if rule in ("window", "excluded")}
    raw = instance.projects.set_index("project_id")
    for pid, year in zip(starts.loc[~mapped, "project_id"], starts.loc[~mapped, "start_year"],
                         strict=True):
        if pid in windowed:
            continue
        done = int(year) + int(raw.loc[pid, "duration"]) - 1
        rid = str(region[pid])
        out.append(_row("horizon", f"candidate project {pid} started in {year} completes in "
                                   f"{done}, after {years[-1]}: the model funds only projects "
                                   "that complete within the horizon", pid, rid,
                        names.get(rid, rid), int(year)))
    return out


def _elastic_slacks(index: IndexSets, form: Formulation, x: FloatArray, seconds: float,
                    threads: int | None, names: dict[str, str]) -> list[Relaxation]:
    """The smallest relaxation that lets the money of starts ``x`` add up, as relaxations."""
    elastic = elastic_model(index, form)
    c, n = elastic.form.columns, form.layout.n_start
    lower, upper = c.lower.copy(), c.upper.copy()
    lower[:n] = upper[:n] = x
    row_lower, row_upper = elastic.form.row_lower.copy(), elastic.form.row_upper.copy()
    for family in STARTS_ONLY:  # rules of the starts alone: ``start_breaks`` lists them
        rows = form.rows.get(family, slice(0, 0))
        row_lower[rows], row_upper[rows] = -np.inf, np.inf
    h = highs_for(highs_lp(elastic.form.matrix, c.cost, lower, upper, row_lower, row_upper,
                           None), HighsOptions(time_limit=seconds, threads=threads))
    outcome = run(h, deadline=seconds)
    if outcome.values is None:
        raise RuntimeError(f"the plan's money could not be checked: {outcome.model_status}")
    slack = outcome.values[elastic.n_original:]
    weight = c.cost[elastic.n_original:]
    on = np.flatnonzero(slack > TOL)
    on = on[np.argsort(-(weight[on] * slack[on]), kind="stable")]
    return [describe(index, form, outcome.values, str(elastic.slack_family[k]),
                     int(elastic.slack_row[k]), float(slack[k]), names)
            for k in on if elastic.slack_family[k] != "one_start"]  # a start problem


def money_breaks(instance: Instance, index: IndexSets, form: Formulation, x: FloatArray,
                 starts: pd.DataFrame, names: dict[str, str], seconds: float,
                 threads: int | None = None) -> list[dict[str, object]]:
    """The money rules the plan breaks with its starts fixed, each located and measured."""
    active = project_years(instance, starts)
    active = active[(active["spend"] > 0) | (active["opex_paid"] > 0)]
    alpha = dict(zip(index.region_ids, index.alpha, strict=True))
    sigma = dict(zip(index.region_ids, index.sigma, strict=True))
    out = []
    for relaxed in _elastic_slacks(index, form, x, seconds, threads, names):
        rid, year = relaxed.region, relaxed.year
        there = active[(active["year"] == year) & ((active["region_id"] == rid) | (
            rid is None))]["project_id"].drop_duplicates().sort_values()
        name = names.get(rid or "", rid)
        template = _WORDS.get(relaxed.family)
        message = relaxed.message if template is None else template.format(
            region=name, year=year, amount=mkzt(relaxed.amount), alpha=alpha.get(rid, 0.0),
            sigma=sigma.get(rid, 1.0))
        if relaxed.family == "critical_floor":
            message = message.replace("no plan reaches it", "under this plan")
        if len(there) and rid is not None:
            shown = ", ".join(there[:8]) + (f" and {len(there) - 8} more" if len(there) > 8
                                            else "")
            message += f" (the plan's projects there: {shown})"
        out.append(_row(relaxed.family, message, ";".join(there) if rid is not None else None,
                        rid, name, year, relaxed.amount, relaxed.unit))
    return out


def breaks_table(rows: list[dict[str, object]]) -> pd.DataFrame:
    """The breaks as a table (``COLUMNS``), years as integers."""
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["year"] = table["year"].astype("Int64")
    return table
