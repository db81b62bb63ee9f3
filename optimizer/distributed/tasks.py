"""What a worker runs: one srsopt function named ``module:function``, and the stop of a batch.

A task never carries code: it names a module-level function of srsopt's own packages
(``optimizer.analysis.sweep:solve_point``), which the worker imports from its own installed
srsopt and calls as ``function(shared, *args)``: ``shared`` is the instance, sent once per
batch, ``args`` the small spec of this one solve (an envelope scale, a scenario's changes).
A closure, a lambda or a function of the caller's ``__main__`` cannot be named, so it cannot
be sent.

This module is imported in the workers: it needs nothing of Dask at import time.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from optimizer.runtime import stopping

PACKAGES = ("optimizer.", "models.")
"""A task's function lives in one of srsopt's own packages."""


def task_name(function: Callable[..., Any]) -> str:
    """``module:function`` of a module-level function of srsopt, checked to name it back.

    Raises:
        ValueError: a lambda, a closure, a method, or a function outside srsopt's packages.
    """
    module, qualname = getattr(function, "__module__", ""), getattr(function, "__qualname__", "")
    name = f"{module}:{qualname}"
    if not module.startswith(PACKAGES) or "." in qualname or "<" in qualname:
        raise ValueError(f"a task must be a module-level function of srsopt, not {name}")
    if resolve(name) is not function:
        raise ValueError(f"{name} does not name the function given")
    return name


def resolve(name: str) -> Callable[..., Any]:
    """The function ``module:function`` of srsopt's own packages, imported here.

    Raises:
        ValueError: a name outside srsopt's packages, or not a function there.
    """
    module, _, function = name.partition(":")
    if not module.startswith(PACKAGES) or not function.isidentifier():
        raise ValueError(f"not a task of srsopt: {name!r}")
    target = getattr(importlib.import_module(module), function, None)
    if not callable(target):
        raise ValueError(f"not a task of srsopt: {name!r}")
    return target


@dataclass(frozen=True)
class Returned:
    """A task's value with where and how long it ran (for progress and the benchmark)."""

    value: Any
    seconds: float
    worker: str
    pid: int


_stopped: set[str] = set()
"""Keys of the tasks asked to stop in this worker process (``stop_tasks``)."""


def run_task(function: str, shared: Any, args: tuple[Any, ...]) -> Returned:
    """Call ``function(shared, *args)`` in this worker and time it.

    A stop request left in this worker process by an earlier task is forgotten first (it was
    meant for that task), unless it is meant for this one: ``stop_tasks`` may come while this
    task still imports srsopt's modules.
    """
    key, worker = _current()
    if key not in _stopped:
        stopping.reset()
    target = resolve(function)
    started = time.perf_counter()
    value = target(shared, *args)
    return Returned(value=value, seconds=time.perf_counter() - started, worker=worker,
                    pid=os.getpid())


def _current() -> tuple[str | None, str]:
    """This task's key and its worker's address; (None, "here") outside a Dask worker."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return None, "here"
    return str(worker.get_current_task()), str(worker.address)


def stop_tasks(keys: Iterable[str], dask_worker: Any = None) -> bool:
    """Ask the task of ``keys`` running in this worker process to stop with what it has.

    Run on every worker by ``Client.run``. The request is process-wide
    (``optimizer.runtime.stopping``): it is made only when every task executing here is one of
    ``keys`` (a worker with several threads may run another batch's task, which must go on).
    The stopped solve returns its best plan, ``interrupted``; it is the task's result.
    Returns whether a stop was requested here.
    """
    ours = set(keys)
    executing = {str(ts.key) for ts in getattr(getattr(dask_worker, "state", None),
                                                "executing", ())}
    if executing and executing <= ours:
        _stopped.update(executing)
        stopping.request()
        return True
    return False
