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
import scipy.sparse as sp

from models.instance import Instance
from models.result import SolveStatus
from optimizer.check.explain_start import elastic_start
from optimizer.check.explain_text import Cause, Relaxation, describe, describe_cause
from optimizer.check.iis import IisReport, lp_iis
from optimizer.check.prechecks import Finding, run_prechecks
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.index import IndexSets, build_index
from optimizer.formulation.objective import Columns
from optimizer.highs.adapter import HighsOptions, HighsOutcome, make_highs
from optimizer.highs.mip_start import run_checked

MONEY, RATE, LAST_RESORT = 1.0, 2.0, 1e6
LOCAL = 1.001 * MONEY
"""Fiscal space weighs a hair more than the envelope: where either would do (capex above the
region's co-financing duty), the explanation names the republican money that is short."""
WEIGHTS: dict[str, tuple[str, float]] = {
    "fiscal_space": ("upper", LOCAL),
    "envelope": ("upper", MONEY),
    "concentration": ("upper", RATE),
    "equalization_pool": ("upper", MONEY),
    "equalization_floor": ("lower", 1.5 * MONEY),
    "cofinancing": ("upper", RATE),
    "dependency_cap": ("upper", RATE),
    "hold_harmless": ("lower", RATE),
    "transfer_growth": ("upper", RATE),
    "critical_floor": ("lower", LAST_RESORT),
    "one_start": ("lower", LAST_RESORT),
}
"""Family -> (side relaxed, weight per unit of slack). Units: million KZT, except
``critical_floor`` (thousands of persons) and ``one_start`` (share of a committed project)."""
TOL = 1e-6
GAP = 1e-4
"""Relative gap of the elastic MIP: the relaxation is the smallest to within 0.01%."""
MAX_FLOOR_TESTS = 12
"""Hard floors tested as causes (each costs two re-solves)."""


@dataclass(frozen=True)
class Elastic:
    """The elastic model and what each slack column relaxes."""

    form: Formulation
    n_original: int
    slack_family: np.ndarray
    slack_row: np.ndarray
    """Row of the slack within its family (``concentration``: region * |T| + year)."""
    slack_matrix_row: np.ndarray
    """Row of the slack in the elastic matrix."""
    slack_sign: np.ndarray
    """-1 where the slack relaxes the row's upper bound, +1 its lower bound."""


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


def _relaxable_rows(index: IndexSets, form: Formulation, family: str) -> np.ndarray:
    """Rows of a family that get a slack: committed projects only, hard floors only."""
    rows = form.rows.get(family, slice(0, 0))
    local = np.arange(rows.stop - rows.start)
    if family == "one_start":
        return local[index.committed]
    if family == "critical_floor":
        return local[np.isnan(index.fiscal.floor_penalty)]
    return local


def elastic_model(index: IndexSets, form: Formulation) -> Elastic:
    """The model with a penalised slack on every relaxable row and no other cost."""
    n_rows, n_cols = form.shape
    fams, rows, mrows, signs, weights = [], [], [], [], []
    for family, (side, weight) in WEIGHTS.items():
        if family == "concentration":
            continue
        local = _relaxable_rows(index, form, family)
        fams.append(np.full(len(local), family))
        rows.append(local)
        mrows.append(form.rows[family].start + local if family in form.rows else local)
        signs.append(np.full(len(local), -1.0 if side == "upper" else 1.0))
        w = np.full(len(local), weight)
        if family == "one_start":  # a commitment weighs more than all the money it needs
            w = w + 10.0 * (index.capex + index.n_years * index.opex)[local]
        weights.append(w)
    # concentration: a row per capped region-year in place of the transfer column's bound
    cap = (index.sigma[:, None] * index.envelope[None, :]).reshape(-1)
    capped = np.flatnonzero(index.sigma < 1.0 - 1e-12)
    conc = (capped[:, None] * index.n_years + np.arange(index.n_years)[None, :]).reshape(-1)
    n_conc = len(conc)
    fams.append(np.full(n_conc, "concentration"))
    rows.append(conc)
    mrows.append(n_rows + np.arange(n_conc))
    signs.append(-np.ones(n_conc))
    weights.append(np.full(n_conc, WEIGHTS["concentration"][1]))
    family, row, mrow = np.concatenate(fams), np.concatenate(rows), np.concatenate(mrows)
    sign, weight = np.concatenate(signs), np.concatenate(weights)
    n_slack = len(row)
    layout = form.layout
    tau_cols = layout.transfer0 + conc
    top = sp.hstack([form.matrix, sp.csc_matrix((n_rows, n_slack))])
    conc_rows = sp.csc_matrix((np.ones(n_conc), (np.arange(n_conc), tau_cols)),
                              shape=(n_conc, n_cols + n_slack))
    matrix = sp.vstack([top, conc_rows]).tocsr()
    matrix = (matrix + sp.csr_matrix((sign, (mrow, n_cols + np.arange(n_slack))),
                                     shape=matrix.shape)).tocsc()
    c = form.columns
    upper = c.upper.copy()
    upper[layout.transfer0: layout.cofinancing0] = np.inf  # the envelope row (relaxed) caps it
    columns = Columns(lower=np.concatenate([c.lower, np.zeros(n_slack)]),
                      upper=np.concatenate([upper, np.full(n_slack, np.inf)]),
                      cost=np.concatenate([np.zeros(n_cols), weight]),
                      integer=np.concatenate([c.integer, np.zeros(n_slack, dtype=bool)]),
                      offset=0.0)
    elastic = Formulation(layout=layout, columns=columns, matrix=matrix,
                          row_lower=np.concatenate([form.row_lower, np.full(n_conc, -np.inf)]),
                          row_upper=np.concatenate([form.row_upper, cap[conc]]),
                          rows=form.rows | {"concentration": slice(n_rows, n_rows + n_conc)})
    return Elastic(elastic, n_cols, family, row, mrow, sign)


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
