"""srsopt's solver side: build the allocation model from arrays, solve with HiGHS, explain it.

The Python API for budget-planning workflows::

    import optimizer
    instance = optimizer.load("instances/kz-2026-2030")
    result = optimizer.solve(instance, time_limit=60)
    result.projects  # pandas DataFrames keyed by instance ids
"""

from models.instance import Instance, instance_from_tables, load_instance
from models.result import Result, SolveStatus
from optimizer.api import solve
from optimizer.check.verify import VerificationError, verify


def load(path: str) -> Instance:
    """Read and validate an instance folder; raises ``models.InstanceError`` listing every error."""
    return load_instance(path)


__all__ = [
    "Instance",
    "Result",
    "SolveStatus",
    "VerificationError",
    "instance_from_tables",
    "load",
    "solve",
    "verify",
]
