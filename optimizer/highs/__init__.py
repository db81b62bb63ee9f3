"""The HiGHS adapter: arrays in; status, values, duals and bound out. No strategy lives here.

``adapter``: options, the hand-over of a formulation, one ``run`` with a deadline and the stop
request (``interrupt``), every model status mapped. ``mip_start``: a start handed over and HiGHS's
claims checked (``claims``). ``on_time``: the tally of runs that time stopped. ``names``:
readable row and column names, LP/MPS export.
"""

from optimizer.highs.adapter import (
    HighsOptions,
    HighsOutcome,
    highs_for,
    make_highs,
    new_highs,
    run,
    to_highs_lp,
)
from optimizer.highs.mip_start import Checked, run_checked
from optimizer.highs.on_time import time_stops

__all__ = ["Checked", "HighsOptions", "HighsOutcome", "highs_for", "make_highs", "new_highs",
           "run", "run_checked", "time_stops", "to_highs_lp"]
