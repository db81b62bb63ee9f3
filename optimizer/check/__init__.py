"""Checks independent of how a plan was found.

``verify``: a plan re-checked against the raw tables (``recompute``), fiscal rules included
(``verify_fiscal``), and its claims. ``prechecks``: proofs of infeasibility before any solver.
``explain``: the smallest relaxation of the elastic model (``elastic``) in words
(``explain_text``), and the LP's IIS (``iis``).
"""

from optimizer.check.explain import Explanation, explain
from optimizer.check.findings import Finding
from optimizer.check.prechecks import blocked_result, run_prechecks
from optimizer.check.verify import VerificationError, check_plan, verify

__all__ = ["Explanation", "Finding", "VerificationError", "blocked_result", "check_plan",
           "explain", "run_prechecks", "verify"]
