"""Many solves for one question: what-if, budget sweeps, alternatives, re-planning.

What-if comparisons, budget sweeps, near-optimal alternatives, and re-planning against an
approved plan (``baseline``).
"""

from optimizer.analysis.alternatives import Alternatives, alternatives
from optimizer.analysis.baseline import read_baseline, with_baseline
from optimizer.analysis.sweep import Curve, sweep
from optimizer.analysis.whatif import Case, Comparison, compare, run_cases

__all__ = ["Alternatives", "Case", "Comparison", "Curve", "alternatives", "compare",
           "read_baseline", "run_cases", "sweep", "with_baseline"]
