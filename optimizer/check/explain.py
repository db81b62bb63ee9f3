"""Infeasibility explained: the smallest relaxation of an elastic model, in domain terms.

Every relaxable row gets a penalised slack: fiscal space, envelope, co-financing, concentration,
the equalization pool and floors, the dependency cap, stability, hard critical floors and
commitments. The elastic model (same integrality) minimises the weighted slack; money counts 1
per million KZT, legal rates 2, and floors and commitments are a last resort (``WEIGHTS``), so
the answer reads as "how much more money, where and when". Hard floors found in the relaxation
are then tested one by one (dropped, or moved a year later) to say what each one costs.
docs/fiscal-rules.md shows how to read an explanation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from models.instance import Instance
from models.result import SolveStatus
from optimizer.check.elastic import Elastic, elastic_model, elastic_start
from optimizer.check.explain_text import Cause, Relaxation, describe, describe_cause
from optimizer.check.findings import Finding
from optimizer.check.iis import IisReport, lp_iis
from optimizer.check.prechecks import run_prechecks
from optimizer.formulation import build_formulation
from optimizer.formulation.index import IndexSets, build_index
from optimizer.highs.adapter import HighsOptions, HighsOutcome, make_highs
from optimizer.highs.mip_start import run_checked

TOL = 1e-6
GAP = 1e-4
"""Relative gap of the elastic MIP: the relaxation is the smallest to within 0.01%."""
MAX_FLOOR_TESTS = 12
"""Hard floors tested as causes (each costs two re-solves)."""


@dataclass(frozen=True)
class Explanation:
    """What stops a plan: pre-solve findings, the smallest relaxation, its causes, an IIS."""

    status: str
    """``feasible`` (nothing to relax), ``infeasible`` (explained) or ``unknown``."""
    message: str
    prechecks: list[Finding] = field(default_factory=list)
    relaxations: list[Relaxation] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)
    iis: IisReport | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain data for ``srsopt explain --json``."""
        return {"status": self.status, "message": self.message,
                "prechecks": [f.to_dict() for f in self.prechecks],
                "relaxations": [r.to_dict() for r in self.relaxations],
                "causes": [c.to_dict() for c in self.causes],
                "iis": None if self.iis is None else self.iis.to_dict()}


class _Clock:
    """The explanation's time budget, shared by its solves."""

    def __init__(self, seconds: float) -> None:
        self.end = time.perf_counter() + seconds

    def left(self, share: float = 1.0) -> float:
        """``share`` of the seconds left (at least one)."""
        return max(share * (self.end - time.perf_counter()), 1.0)


def _solve(h: highspy.Highs, seconds: float, start: np.ndarray | None = None
           ) -> HighsOutcome:
    """Solve within ``seconds`` from ``start`` (a feasible plan), if given; claims checked."""
    h.setOptionValue("time_limit", float(seconds))
    return run_checked(h, start=start, deadline=seconds, mip_rel_gap=GAP).outcome


def _floor_causes(instance: Instance, index: IndexSets, elastic: Elastic, h: highspy.Highs,
                  base: np.ndarray, clock: _Clock, names: dict[str, str]) -> list[Cause]:
    """What each hard floor costs the relaxation: dropped, and moved a year later."""
    hard = np.flatnonzero(np.isnan(index.fiscal.floor_penalty))[:MAX_FLOOR_TESTS]
    cost = elastic.form.columns.cost
    total = float(cost @ base)
    causes = []
    rows = elastic.form.rows["critical_floor"]
    for k, i in enumerate(hard):  # each test is one warm-started re-solve
        at = rows.start + int(i)
        lower = elastic.form.row_lower[at]
        start = base.copy()
        start[elastic.n_original + np.flatnonzero(elastic.slack_matrix_row == at)] = 0.0
        h.changeRowBounds(at, -highspy.kHighsInf, highspy.kHighsInf)
        without = _solve(h, clock.left(0.5 / (len(hard) - k)), start)
        h.changeRowBounds(at, lower, highspy.kHighsInf)
        if without.values is None or float(cost @ without.values) > total - max(
                TOL, 1e-6 * total):
            continue
        before, after = _slack_by_family(elastic, base), _slack_by_family(elastic, without.values)
        delta = {k: v - after.get(k, 0.0) for k, v in before.items()}
        later = _one_more_year(instance, index, int(i), clock.left(1.0 / (len(hard) - k)),
                               float(cost @ without.values))
        causes.append(describe_cause(index, int(i), delta, later, names))
    return causes


def _one_more_year(instance: Instance, index: IndexSets, floor_row: int, seconds: float,
                   target: float) -> bool | None:
    """Whether the floor, a year later, costs no more than dropping it.

    None when the floor's year is the last one, or no plan was found in ``seconds``.
    """
    name = str(index.fiscal.floor_name[floor_row])
    rules = instance.settings.fiscal_rules
    floor = rules.critical_floors[name]
    if floor.year >= instance.years[-1]:
        return None
    later = rules.model_copy(update={"critical_floors": rules.critical_floors | {
        name: floor.model_copy(update={"year": floor.year + 1})}})
    moved = instance.model_copy(update={"settings": instance.settings.model_copy(
        update={"fiscal_rules": later})})
    idx = build_index(moved)
    elastic = elastic_model(idx, build_formulation(idx, moved.settings.objective))
    outcome = _solve(make_highs(elastic.form, HighsOptions(time_limit=seconds, mip_rel_gap=GAP)),
                     seconds, elastic_start(idx, elastic))
    if outcome.values is None:
        return None
    return float(elastic.form.columns.cost @ outcome.values) <= target + max(TOL, 1e-6 * abs(
        target))


def _slack_by_family(elastic: Elastic, values: np.ndarray) -> dict[str, float]:
    """Slack per family (in its own unit) in a solution of the elastic model."""
    slack = values[elastic.n_original:]
    return {str(fam): float(slack[elastic.slack_family == fam].sum())
            for fam in np.unique(elastic.slack_family)}


def explain(instance: Instance, *, time_limit: float = 60.0, iis: bool = True,
            threads: int | None = None) -> Explanation:
    """Why ``instance`` has no plan: pre-solve findings, the smallest relaxation, an LP IIS.

    ``time_limit`` bounds all the solves together (about half for the elastic model).
    """
    clock = _Clock(time_limit)
    found = run_prechecks(instance)
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    elastic = elastic_model(index, form)
    h = make_highs(elastic.form, HighsOptions(time_limit=time_limit, mip_rel_gap=GAP,
                                              threads=threads))
    outcome = _solve(h, clock.left(0.5), elastic_start(index, elastic))
    report = (lp_iis(index, form, HighsOptions(time_limit=clock.left(0.5), threads=threads))
              if iis else None)
    if outcome.values is None:
        return Explanation("unknown", f"the elastic model did not solve ({outcome.model_status})",
                           found, iis=report)
    values = outcome.values
    slack = values[elastic.n_original:]
    on = np.flatnonzero(slack > TOL)
    if len(on) == 0:
        return Explanation("feasible", "a plan exists: no rule needs to be relaxed", found,
                           iis=report)
    cost = elastic.form.columns.cost[elastic.n_original:]
    order = on[np.argsort(-(cost[on] * slack[on]), kind="stable")]
    names = dict(zip(instance.regions["region_id"], instance.regions["name"], strict=True))
    relaxations = [describe(index, form, values, str(elastic.slack_family[k]),
                            int(elastic.slack_row[k]), float(slack[k]), names) for k in order]
    causes = _floor_causes(instance, index, elastic, h, values, clock, names)
    proven = "" if outcome.status == SolveStatus.OPTIMAL else (
        " (not proven smallest: the elastic model stopped at its time limit)")
    more = f" (and {len(relaxations) - 1} more)" if len(relaxations) > 1 else ""
    return Explanation("infeasible", "no plan meets every rule; the smallest relaxation"
                       f"{proven}: {relaxations[0].message}{more}", found, relaxations, causes,
                       report)
