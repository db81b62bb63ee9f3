"""How a plan is found; every path ends in ``assemble``.

``pipeline``: the weighted path (``strategy``: LP, then RENS or the Lagrangian ``decompose`` with
its ``regions`` solved by a ``RegionRunner``, by default in ``region_worker`` processes, and the
``heuristic`` crossover, then HiGHS's MIP, in ``cumulative`` start columns). ``modes``: the
staged objectives. ``live``: one HiGHS model edited and re-solved through the same strategy.
``solution``: the solver's vector as tables.
"""

from optimizer.solving.assemble import assemble_result
from optimizer.solving.live import LiveModel
from optimizer.solving.pipeline import solve_options, solve_weighted
from optimizer.solving.strategy import Strategy, attack

__all__ = ["LiveModel", "Strategy", "assemble_result", "attack", "solve_options",
           "solve_weighted"]
