"""Fast re-solve: turn a changed instance into in-place edits of a live HiGHS model.

The changed instance's arrays are always rebuilt (a fraction of a second even nationally) and
compared with the live model's. When the columns, rows, nonzero pattern and integrality are the
same, only bounds, right-hand sides, costs and coefficient values differ: they are pushed into
the live model with ``changeColsBounds``, ``changeRowsBounds``, ``changeColsCost`` and
``changeCoeff``, and HiGHS keeps its basis, so an LP re-solve starts from the previous optimum.
Anything else is *structural* and the model is rebuilt, with the reason returned and logged.
The rules are in docs/whatif.md (fast re-solve).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import highspy
import numpy as np

from models.instance import Instance
from models.result import Result
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.index import IndexSets, build_index
from optimizer.highs.adapter import HighsOptions, HighsOutcome, make_highs
from optimizer.highs.mip_start import run_checked, set_time_limit
from optimizer.solving.assemble import assemble_result
from optimizer.solving.pipeline import envelope_prices
from optimizer.solving.strategy import LP_SHARE, attack
from optimizer.solving.warm import WarmStart, with_memory

log = logging.getLogger(__name__)

MAX_COEFF_SHARE = 0.05
"""Above this share of the matrix's nonzeros changed (and ``MIN_COEFF_EDITS``), the kept basis
is worth little and one ``changeCoeff`` call per value costs more than a new model: rebuild.
A capex overrun on every project (a quarter of the national matrix) re-solved slower in place
than cold; one region's overrun or any co-financing rate change stays well below."""
MIN_COEFF_EDITS = 1000
"""Coefficient edits always done in place, however small the model."""


@dataclass(frozen=True)
class Edits:
    """Positions that differ between two formulations of the same structure."""

    col_bounds: np.ndarray
    costs: np.ndarray
    row_bounds: np.ndarray
    coefficients: np.ndarray
    """Positions in the CSC ``data`` array."""
    offset: bool

    def counts(self) -> dict[str, int]:
        """How many of each, for logs and result metadata."""
        return {"column_bounds": len(self.col_bounds), "costs": len(self.costs),
                "row_bounds": len(self.row_bounds), "coefficients": len(self.coefficients),
                "offset": int(self.offset)}


def structural_change(old: tuple[IndexSets, Formulation], new: tuple[IndexSets, Formulation]
                      ) -> str | None:
    """Why ``new`` cannot be reached from ``old`` by bound, cost and coefficient edits, or None."""
    (oi, of), (ni, nf) = old, new
    if oi.carryover != ni.carryover:
        return "budget.carryover changed: the envelope rows change shape"
    if (len(oi.project_ids) != len(ni.project_ids) or (oi.project_ids != ni.project_ids).any()
            or not np.array_equal(oi.start_project, ni.start_project)
            or not np.array_equal(oi.start_year, ni.start_year)):
        return (f"project_start columns changed ({len(oi.start_project):,} -> "
                f"{len(ni.start_project):,}): a project was locked out, its start fixed, its "
                "window changed or it became committed with other start years")
    if not np.array_equal(oi.capped_pairs, ni.capped_pairs):
        return "provision columns changed: other pairs can now exceed a provision of 1"
    ol, nl = of.layout, nf.layout
    if (not np.array_equal(ol.short_group, nl.short_group)
            or not np.array_equal(ol.short_year, nl.short_year)):
        return "shortfall columns changed: a target was set for an area and year without one"
    if not np.array_equal(of.columns.integer, nf.columns.integer):
        return "integrality changed"
    if of.shape != nf.shape or of.rows != nf.rows:
        return "rows changed"
    if (not np.array_equal(of.matrix.indptr, nf.matrix.indptr)
            or not np.array_equal(of.matrix.indices, nf.matrix.indices)):
        return ("the matrix's nonzero pattern changed (a coefficient became 0 or stopped being "
                "0, e.g. a co-financing rate of 0 or 1, or a capex of 0)")
    changed = int(np.count_nonzero(of.matrix.data != nf.matrix.data))
    if changed > max(MAX_COEFF_SHARE * of.matrix.nnz, MIN_COEFF_EDITS):
        return (f"{changed:,} of {of.matrix.nnz:,} coefficients changed: more than "
                f"{MAX_COEFF_SHARE:.0%}, rebuilding is faster than editing them one by one")
    return None


def find_edits(old: Formulation, new: Formulation) -> Edits:
    """Every bound, cost, right-hand side and coefficient of ``new`` that differs from ``old``."""
    oc, nc = old.columns, new.columns
    return Edits(
        col_bounds=np.flatnonzero((oc.lower != nc.lower) | (oc.upper != nc.upper)),
        costs=np.flatnonzero(oc.cost != nc.cost),
        row_bounds=np.flatnonzero((old.row_lower != new.row_lower)
                                  | (old.row_upper != new.row_upper)),
        coefficients=np.flatnonzero(old.matrix.data != new.matrix.data),
        offset=oc.offset != nc.offset,
    )


def push_edits(h: highspy.Highs, form: Formulation, edits: Edits) -> None:
    """Write ``form``'s values at the edited positions into the live model."""
    cols = form.columns
    if len(edits.col_bounds):
        j = edits.col_bounds.astype(np.int32)
        h.changeColsBounds(len(j), j, cols.lower[j], cols.upper[j])
    if len(edits.costs):
        j = edits.costs.astype(np.int32)
        h.changeColsCost(len(j), j, cols.cost[j])
    if edits.offset:
        h.changeObjectiveOffset(float(cols.offset))
    if len(edits.row_bounds):
        i = edits.row_bounds.astype(np.int32)
        # highspy binds changeRowsBounds, its stubs omit it
        h.changeRowsBounds(len(i), i, form.row_lower[i], form.row_upper[i])  # type: ignore[attr-defined]
    matrix = form.matrix
    col_of = np.searchsorted(matrix.indptr, edits.coefficients, side="right") - 1
    for k, j in zip(edits.coefficients.tolist(), col_of.tolist(), strict=True):
        h.changeCoeff(int(matrix.indices[k]), j, float(matrix.data[k]))


class LiveModel:
    """The LP relaxation of an instance, kept live in HiGHS between solves.

    ``switch_to`` edits it into a changed instance's; ``relaxation`` re-solves it from the kept
    basis; ``solve`` hands that LP to the pipeline's MIP strategy (``optimizer.solving.strategy``),
    so a plan is found, polished and verified exactly as ``optimizer.solve`` would.
    """

    def __init__(self, instance: Instance, options: HighsOptions) -> None:
        self.options = replace(options, relax_integrality=False)
        self.last_edits: dict[str, int] = {}
        self.last_plan: np.ndarray | None = None
        """The column vector of the last solve's plan: the warm start of the next."""
        self._build(instance)

    def _build(self, instance: Instance) -> None:
        started = time.perf_counter()
        self.instance = instance
        self.index = build_index(instance)
        self.form = build_formulation(self.index, instance.settings.objective)
        self.lp = make_highs(self.form, replace(self.options, relax_integrality=True))
        self.build_seconds = time.perf_counter() - started

    def switch_to(self, instance: Instance, rebuild: bool = True) -> str | None:
        """Make the live model ``instance``'s: edit it in place, or rebuild and say why.

        With ``rebuild=False`` a structural change leaves the live model as it was (the caller
        solves that instance another way), so it keeps its structure.

        Returns:
            None when edited in place; otherwise why the structure differs.
        """
        if instance.settings.objective.mode != "weighted":
            reason = (f"objective mode {instance.settings.objective.mode!r} is solved in stages "
                      "with their own rows")
            if rebuild:
                raise ValueError(f"a live model solves the weighted objective only: {reason}")
            return reason
        started = time.perf_counter()
        index = build_index(instance)
        form = build_formulation(index, instance.settings.objective)
        change = structural_change((self.index, self.form), (index, form))
        if change is not None:
            if rebuild:
                log.info("rebuilding the model: %s", change)
                self._build(instance)
                self.last_edits = {}
            return change
        edits = find_edits(self.form, form)
        push_edits(self.lp, form, edits)
        self.instance, self.index, self.form = instance, index, form
        self.build_seconds = time.perf_counter() - started
        self.last_edits = edits.counts()
        log.info("edited the live model in place: %s", self.last_edits)
        return None

    def relaxation(self, time_limit: float | None = None) -> HighsOutcome:
        """Solve the LP relaxation as it stands, from the basis of its last solve."""
        seconds = self.options.time_limit if time_limit is None else time_limit
        set_time_limit(self.lp, seconds)
        return run_checked(self.lp, deadline=seconds, mip_rel_gap=self.options.mip_rel_gap).outcome

    def solve(self, time_limit: float | None = None, price_envelope: bool = True,
              warm: WarmStart | None = None) -> Result:
        """The MIP of the live instance, from its re-solved LP; verified result tables.

        ``warm``: a plan of a model of the same structure (the base's, ``last_plan`` before the
        edits): the solve starts from it (``optimizer.solving.warm``).
        """
        options = self.options if time_limit is None else replace(self.options,
                                                                  time_limit=time_limit)
        started = time.perf_counter()
        lp = self.relaxation(LP_SHARE * options.time_limit)
        attacked = attack(self.index, self.form, options, started, lp=lp, warm=warm)
        self.last_plan = attacked.outcome.values
        prices = envelope_prices(self.form, self.index, lp) if price_envelope else None
        return with_memory(assemble_result(
            self.instance, self.index, self.form, attacked.outcome, options,
            build_seconds=self.build_seconds, solve_seconds=time.perf_counter() - started,
            prices=prices, steps=attacked.steps), attacked.memory)
