"""The Lagrangian decomposition's region MIPs as Dask tasks: ``srsopt solve --scheduler``.

``ClusterRegions(runner)`` is a ``optimizer.solving.regions.RegionRunner``: handed to
``optimizer.api.solve(regions=...)``, it submits one task per region to an open ``Runner``
(``solve_region_task``: the region's block, a few MB at most, with its place in the queue); the
solver options and the deadline are what the tasks share, scattered once. The blocks partition
the model, so the model crosses the network once in all, each block to the worker that solves it.

The deadline is the local workers' (``region_worker.LocalRegions``): one wall-clock instant for
all. Tasks are submitted largest first, and each gives its MIP its share of the time left, as if
the blocks after it were spread over the cluster's worker threads (``time_share``); in
reproducible mode (``node_limit``) nodes stop it, as here. A task that raises is run again up
to the runner's retries, one whose worker is lost is re-scheduled by Dask; a block whose task
has not answered ``GRACE_SECONDS`` after the deadline, or failed for good, is solved here (its
LP, a proven bound, and a short MIP), as a failed local worker's blocks are, and the result's
message says which. A stop request reaches the running tasks through the batch
(``dask_batch``): they return what they have, and the decomposition is dropped.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from optimizer.distributed.batch import Outcome, Progress, Task
from optimizer.distributed.runner import Runner
from optimizer.highs.adapter import HighsOptions
from optimizer.highs.on_time import note_time_stop, time_stops
from optimizer.runtime import stopping
from optimizer.solving.region_worker import LocalRegions, solve_here
from optimizer.solving.regions import (
    RegionModel,
    RegionRow,
    RegionsSolved,
    solve_region,
    time_share,
)

log = logging.getLogger(__name__)

GRACE_SECONDS = 5.0
"""How long after the deadline a region's task may still answer before it is solved here."""
LOCAL_WORKERS = 2
"""Local processes for the regions when the cluster has no workers at all."""


def solve_region_task(shared: tuple[HighsOptions, float], model: RegionModel, queued: float
                      ) -> tuple[RegionRow | None, list[str]]:
    """One region's block on a worker: its row (None if a stop cut its LP) and its time stops.

    ``shared``: the options and the deadline (``time.time()`` on the worker's clock).
    ``queued``: the weight of this block and those submitted after it, per worker thread: the
    block's MIP gets its weight's share of the time left against it.
    """
    options, deadline = shared
    share = time_share(deadline - time.time(), model.weight, queued, options)
    with time_stops() as stops:
        solved = solve_region(model, options, share)
    return (None if solved is None else (model.region, *solved)), stops


class _DeadlineError(Exception):
    """The deadline and its grace have passed: stop waiting for the region tasks."""


def _label(model: RegionModel) -> str:
    return f"region {model.name or model.region}"


class ClusterRegions:
    """Region blocks as Dask tasks on ``runner``; see the module's docstring."""

    def __init__(self, runner: Runner, grace: float = GRACE_SECONDS) -> None:
        self.runner = runner
        self.grace = grace
        self.description = runner.description

    def slots(self) -> int:
        """Worker threads connected now (0: none yet; 1 for a runner without a cluster)."""
        client = getattr(self.runner, "client", None)
        if client is None:
            return 1
        try:
            return sum(max(int(n), 1) for n in client.nthreads().values())
        except Exception as exc:  # the scheduler is gone: the batch will say so
            log.debug("scheduler not answering: %s", exc)
            return 0

    def __call__(self, models: list[RegionModel], options: HighsOptions, deadline: float
                 ) -> RegionsSolved:
        """Every block's row: from its task, or solved here; see the module's docstring."""
        slots = self.slots()
        if slots == 0:
            local = LocalRegions(LOCAL_WORKERS)
            here = local(models, options, deadline)
            return replace(here, notes=(f"{self.description}: no workers, the regions were "
                                        f"solved by {local.description}", *here.notes))
        ordered = sorted(models, key=lambda m: -m.weight)
        weights = [m.weight for m in ordered]
        tasks = [Task(_label(m), solve_region_task,
                      (m, max(sum(weights[k:]) / slots, m.weight)))
                 for k, m in enumerate(ordered)]
        single = replace(options, threads=1, log_to_console=False)
        batch = self.runner.submit((single, deadline), tasks)
        late = deadline + self.grace

        def watch(_: Progress) -> None:
            if time.time() > late:
                raise _DeadlineError

        by_key = {_label(m): m for m in ordered}
        outcomes: dict[str, Outcome] = {}
        try:
            for outcome in batch.results(watch):
                outcomes[outcome.key] = outcome
        except _DeadlineError:  # the batch releases its tasks; running ones end on their limit
            log.warning("%d region task(s) not answered %g s after the deadline",
                        len(tasks) - len(outcomes), self.grace)
        rows: list[RegionRow] = []
        notes: list[str] = []
        unanswered: list[tuple[RegionModel, str]] = []
        for key, model in by_key.items():
            ended = outcomes.get(key)
            answer = ended.value[0] if ended is not None and ended.ok else None
            if ended is None or answer is None:
                unanswered.append((model, "no answer by the deadline" if ended is None
                                   else ended.error or "its task was stopped"))
                continue
            for what in ended.value[1]:  # the task's runs that ended on time, in its worker
                note_time_stop(f"{what} of a region")
            if ended.attempts > 1:
                notes.append(f"{key}: run {ended.attempts} times (its worker was lost)")
            rows.append(answer)
        if stopping.requested():
            return RegionsSolved(rows, tuple(notes))
        for model, why in unanswered:
            log.warning("%s: %s; solving it here", _label(model), why)
            notes.append(f"{_label(model)}: {why}; solved here (its LP bound and a short MIP)")
            rows += solve_here([model], options, deadline)
        return RegionsSolved(rows, tuple(notes))
