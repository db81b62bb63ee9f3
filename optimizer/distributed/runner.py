"""Where a batch runs: here (``--jobs 1``), a ``LocalCluster`` (``--jobs N``) or a cluster.

``open_runner(scheduler, jobs, retries=...)`` is a context manager giving a ``Runner``; its
``submit(instance, tasks)`` returns the running ``Batch``. Leaving the context closes the
client, and a local cluster with every worker process it started, whatever happened inside
(a stop request, an exception).

- no scheduler, ``jobs`` 1: ``InProcess``, the tasks one after another in this process. No
  cluster is started: small runs and the test suite stay fast, and a stop reaches the running
  solve directly.
- no scheduler, ``jobs`` N > 1: a ``distributed.LocalCluster`` of N worker processes with one
  thread each on 127.0.0.1, no dashboard; each worker isolated like srsopt's other worker
  processes (``optimizer.distributed.local``). Its scheduler lets a task's worker die
  ``retries`` times (``allowed-failures``) and gives a one-thread worker one task at a time
  (``worker-saturation`` 1.0), so the progress counts what really runs.
- ``scheduler`` ``tcp://host:port``: ``distributed.Client(scheduler)`` on a running cluster;
  its workers must have the same srsopt installed (docs/scale-out.md).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from optimizer.distributed.batch import Batch, InProcessBatch, Task

log = logging.getLogger(__name__)

CONNECT_SECONDS = 60.0
"""How long a local cluster may take to start its workers."""
SCHEDULER_SECONDS = 20.0
"""How long a scheduler may take to answer (Dask retries until then)."""


class DistributedError(RuntimeError):
    """No cluster to run on: Dask missing, a scheduler not reachable, workers not starting."""


class Runner(Protocol):
    """Somewhere to run batches."""

    description: str
    """What it is, for a line on screen: ``local Dask cluster of 2 worker processes``."""

    def submit(self, shared: Any, tasks: Sequence[Task]) -> Batch:
        """Start ``tasks``, each called with ``shared`` (sent once) and its own arguments."""
        ...


class InProcess:
    """Batches run here, one task after another."""

    description = "in this process"

    def submit(self, shared: Any, tasks: Sequence[Task]) -> Batch:
        """The tasks, run when their outcomes are asked for."""
        return InProcessBatch(shared, tasks)


class DaskRunner:
    """Batches run as Dask tasks through ``client``."""

    def __init__(self, client: Any, retries: int, description: str) -> None:
        self.client = client
        self.retries = retries
        self.description = description

    def submit(self, shared: Any, tasks: Sequence[Task]) -> Batch:
        """Scatter ``shared`` once and submit one Dask task per task."""
        from optimizer.distributed.dask_batch import DaskBatch

        return DaskBatch(self.client, shared, tasks, retries=self.retries)


@contextlib.contextmanager
def open_runner(scheduler: str | None = None, jobs: int = 1, *, retries: int = 2,
                timeout: float = CONNECT_SECONDS, here: bool = True) -> Iterator[Runner]:
    """A runner for ``scheduler`` or ``jobs`` (see the module's docstring), closed on leaving.

    ``here=False``: a local cluster even for one job (a service never solves in its own
    process).

    Raises:
        DistributedError: Dask is not installed, the scheduler does not answer within
            ``timeout``, or the local workers do not start within it.
    """
    if scheduler is None and jobs <= 1 and here:
        yield InProcess()
        return
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise DistributedError(f"--scheduler and --jobs above 1 need Dask distributed "
                               f"(pip install 'dask[distributed]'): {exc}") from None
    if scheduler is not None:
        with _remote(scheduler, min(timeout, SCHEDULER_SECONDS)) as client:
            workers = len(client.nthreads())
            yield DaskRunner(client, retries, f"Dask cluster: scheduler {scheduler}, "
                             f"{workers} worker thread(s) connected")
    else:
        with _local(jobs, retries, timeout) as client:
            yield DaskRunner(client, retries, f"local Dask cluster of {jobs} worker process"
                             + ("es" if jobs > 1 else ""))


@contextlib.contextmanager
def _remote(address: str, timeout: float) -> Iterator[Any]:
    from distributed import Client

    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise DistributedError(f"cannot reach the Dask scheduler at {address}: {exc}"
                               ) from None
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=5)


_NO_HTTP_PORT = {"dashboard": False, "dashboard_address": "127.0.0.1:0"}
"""Dask's scheduler serves HTTP (health, metrics) even without a dashboard, by default on port
8787 of the host: a free port on 127.0.0.1 instead, so two srsopt runs never compete."""


@contextlib.contextmanager
def _local(jobs: int, retries: int, timeout: float) -> Iterator[Any]:
    import dask
    from distributed import Client, LocalCluster

    from optimizer.distributed.local import IsolatedNanny, kill_group

    settings = {"distributed.scheduler.allowed-failures": retries,
                "distributed.scheduler.worker-saturation": 1.0}
    cluster = client = None
    try:
        with dask.config.set(settings):
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None,
                                   worker_class=IsolatedNanny, silence_logs=logging.CRITICAL,
                                   scheduler_kwargs=_NO_HTTP_PORT)
        client = Client(cluster, set_as_default=False)
        try:
            client.wait_for_workers(jobs, timeout=timeout)
        except TimeoutError:
            raise DistributedError(f"the local cluster's {jobs} workers did not start within "
                                   f"{timeout:g} s") from None
        yield client
    finally:
        pids = [w.pid for w in getattr(cluster, "workers", {}).values()
                if isinstance(w, IsolatedNanny) and w.pid is not None]
        for pid in pids:  # nothing of theirs is needed any more: no graceful retirement
            kill_group(pid)
        for closing in (client, cluster):
            if closing is not None:
                with contextlib.suppress(Exception):
                    closing.close(timeout=5)
