"""An irreducible infeasible subset (IIS) of the LP relaxation, from HiGHS, with row names.

HiGHS computes an IIS for LPs only (``Highs.getIis``), so this works on the relaxation: it
exists when the rows conflict even with fractional starts. When only integrality makes the
model infeasible (a whole project does not fit), the relaxation is feasible and there is no IIS;
the elastic explanation still applies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import highspy

from optimizer.formulation import Formulation
from optimizer.formulation.index import IndexSets
from optimizer.highs.adapter import HighsOptions, make_highs
from optimizer.highs.names import column_names, row_names

_BOUND = {int(highspy.IisBoundStatus.kIisBoundStatusLower): "lower",
          int(highspy.IisBoundStatus.kIisBoundStatusUpper): "upper",
          int(highspy.IisBoundStatus.kIisBoundStatusBoxed): "both",
          int(highspy.IisBoundStatus.kIisBoundStatusFree): "free"}
STRATEGY = int(highspy.IisStrategy.kIisStrategyFromLp) | int(
    highspy.IisStrategy.kIisStrategyIrreducible)
"""Start from the LP's infeasibility proof, then reduce it to an irreducible set."""


@dataclass(frozen=True)
class IisReport:
    """The IIS, or why there is none."""

    available: bool
    note: str
    rows: list[str] = field(default_factory=list)
    """``family(ids) [bound]`` of each row in the IIS."""
    columns: list[str] = field(default_factory=list)
    """``variable(ids) [bound]`` of each column bound in the IIS."""

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return asdict(self)


def lp_iis(index: IndexSets, form: Formulation, options: HighsOptions) -> IisReport:
    """The IIS of the LP relaxation of ``form``, rows and bounds named as in the LP export."""
    h = make_highs(form, replace(options, relax_integrality=True))
    h.setOptionValue("iis_strategy", STRATEGY)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
        return IisReport(False, "the LP relaxation is feasible: only whole projects conflict "
                         "(no IIS; see the relaxation)")
    status, iis = h.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return IisReport(False, "HiGHS could not compute an IIS")
    rows, cols = row_names(index, form), column_names(index, form)
    return IisReport(
        True, f"{len(iis.row_index_)} rows and {len(iis.col_index_)} column bounds conflict "
        "in the LP relaxation",
        [f"{rows[i]} [{_BOUND.get(int(b), 'bound')}]" for i, b in zip(
            iis.row_index_, iis.row_bound_, strict=True)],
        [f"{cols[j]} [{_BOUND.get(int(b), 'bound')}]" for j, b in zip(
            iis.col_index_, iis.col_bound_, strict=True)])
