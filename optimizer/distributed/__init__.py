"""Many solves on many processes or machines: Dask distributed as srsopt's one execution layer.

A *batch* is a list of tasks, each one solve of a small spec (an envelope scale, a scenario's
changes) against an instance sent once. ``open_runner`` says where batches run: here one after
another (``jobs`` 1), a ``LocalCluster`` of isolated worker processes (``jobs`` N), or a running
Dask cluster (``scheduler``). A runner's ``submit`` returns the ``Batch``: its outcomes as they
finish (``results``, ``gather``), a ``progress`` snapshot (done, running, failed, elapsed,
estimated left) and ``cancel``. Every task ends in one ``Outcome``: its value, or why not.

``analyses`` runs ``optimizer.analysis``'s sweep points, what-if cases and Monte Carlo draws
this way.

| module | what |
|---|---|
| ``batch`` | ``Task``, ``Outcome``, ``Progress``, the ``Batch`` protocol, the in-process batch |
| ``tasks`` | what a worker runs: a named srsopt function, timed; the stop of running tasks |
| ``dask_batch`` | a batch as Dask tasks: scatter, submit with retries, as_completed, stop |
| ``runner`` | ``open_runner``: in process, ``LocalCluster`` or ``Client(scheduler)`` |
| ``local`` | the local cluster's workers: isolated processes that end with srsopt |
| ``analyses`` | sweep points, what-if cases and Monte Carlo draws as batches |
| ``regions`` | one solve's Lagrangian region MIPs as tasks (``srsopt solve --scheduler``) |

Nothing here imports Dask until a cluster is asked for: ``jobs`` 1 runs without it.
"""

from optimizer.distributed.batch import Batch, Outcome, Progress, Task, gather
from optimizer.distributed.runner import DistributedError, Runner, open_runner

__all__ = ["Batch", "DistributedError", "Outcome", "Progress", "Runner", "Task", "gather",
           "open_runner"]
