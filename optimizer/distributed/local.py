"""The workers of srsopt's ``LocalCluster``: each a Dask ``Nanny`` in an isolated interpreter.

Dask's own local workers are spawned by ``multiprocessing`` from srsopt's process: a fresh
``python -c ...`` that starts in the user's current folder with ``''`` and ``PYTHONPATH`` on its
import path, so a ``pickle.py`` or ``socket.py`` there runs before the worker has even
unpickled its start-up (measured: both ran), the worker runs ``__main__`` of srsopt again,
and it shares srsopt's process group (a terminal's Ctrl-C hits it directly). Setting
``PYTHONSAFEPATH`` through ``distributed.nanny.pre-spawn-environ`` is not enough: it changes
srsopt's own environment, cannot take ``PYTHONPATH`` away (Dask keeps a variable the
environment sets), and comes too late for ``multiprocessing``'s resource tracker, which is
spawned the same way (it ran the planted ``pickle.py`` too).

So ``LocalCluster(worker_class=IsolatedNanny)`` starts each worker as
``optimizer.runtime.isolated`` starts its processes: ``python -I`` (neither the current folder
nor ``PYTHONPATH`` nor the user's site folder), srsopt's folder first and as working directory,
in a session of its own, ending when srsopt ends. Inside it a Dask ``Nanny`` spawns the worker
proper: ``multiprocessing`` passes ``-I`` on, the Nanny's import path and folder are clean,
and its ``__main__`` is the boot line (nothing to run again). The Nanny restarts a worker that
dies, as in any Dask cluster; closing the cluster kills each worker's whole process group.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from distributed.deploy.spec import ProcessInterface

from optimizer.runtime.isolated import ROOT

log = logging.getLogger(__name__)

PRELOAD = ["optimizer.analysis"]
"""Imported by each worker before it joins the cluster (Dask's ``preload``): srsopt's solver code
is ready when the first task arrives, instead of seconds of imports inside it, during which a
stop could not be answered."""
GRACE_SECONDS = 2.0
"""After SIGTERM, how long a worker's group may take to end before SIGKILL."""
PARENT_POLL_SECONDS = 0.5
_BOOT = ("import sys; sys.argv[1] in sys.path or sys.path.insert(0, sys.argv[1]); "
         "from optimizer.distributed.local import serve; serve(*sys.argv[2:])")
"""As ``optimizer.runtime.isolated``: srsopt's folder first unless it is on the path already."""


def command(scheduler: str, options: dict[str, Any]) -> list[str]:
    """The worker's command line: the running interpreter, isolated, srsopt's folder first."""
    return [sys.executable, "-I", "-c", _BOOT, str(ROOT), str(os.getpid()), scheduler,
            json.dumps(options)]


class IsolatedNanny(ProcessInterface):
    """A ``LocalCluster`` worker in an isolated process; see the module's docstring.

    Takes the options ``LocalCluster`` gives a worker class and passes on to the Nanny those
    that are plain values (host, threads, memory limit, name); the rest (security, services)
    keep Dask's defaults.
    """

    PASSED = ("host", "nthreads", "memory_limit", "name", "silence_logs", "protocol")

    def __init__(self, scheduler: str, name: Any = None, **options: Any) -> None:
        super().__init__(scheduler=scheduler, name=name)
        self.scheduler = scheduler
        self.name = name
        self.options = {k: v for k, v in {"name": name, **options}.items()
                        if k in self.PASSED and v is not None}
        if "protocol" in self.options:
            self.options["protocol"] = str(self.options["protocol"]).removesuffix("://")
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the worker's process; it connects to the scheduler on its own."""
        self.process = await asyncio.create_subprocess_exec(
            *command(self.scheduler, self.options), cwd=ROOT, start_new_session=True,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        self._reader = asyncio.create_task(self._log_output())
        await super().start()

    async def _log_output(self) -> None:
        """The worker's output, into srsopt's log (debug): never onto the terminal."""
        assert self.process is not None and self.process.stdout is not None
        async for line in self.process.stdout:
            log.debug("worker %s: %s", self.name, line.decode(errors="replace").rstrip())

    @property
    def pid(self) -> int | None:
        """The process id of the worker's process (the leader of its group) while it runs."""
        running = self.process is not None and self.process.returncode is None
        return self.process.pid if running else None  # type: ignore[union-attr]

    async def close(self) -> None:
        """SIGTERM to the worker's process group, SIGKILL after ``GRACE_SECONDS``."""
        process = self.process
        if process is not None and process.returncode is None:
            _signal_group(process.pid, signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), GRACE_SECONDS)
        if process is not None:
            _signal_group(process.pid, signal.SIGKILL)  # its worker and tracker too
            await process.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 1.0)
        await super().close()


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def kill_group(pid: int) -> None:
    """SIGKILL a worker's whole process group (synchronously: at exit, after a failure)."""
    _signal_group(pid, signal.SIGKILL)


# -- the worker's side --------------------------------------------------------------------


def _watch_parent(parent: int) -> None:
    """When srsopt dies (even SIGKILL), end this worker's whole group within a second."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        _signal_group(os.getpid(), signal.SIGKILL)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def serve(parent: str, scheduler: str, options: str) -> None:
    """Run a Nanny (and through it a worker) for ``scheduler`` until SIGTERM or its end."""
    _watch_parent(int(parent))
    from distributed import Nanny
    from distributed.compatibility import asyncio_run
    from distributed.config import get_loop_factory

    async def run() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        async with Nanny(scheduler, dashboard=False, preload=PRELOAD,
                         **json.loads(options)) as nanny:
            ended = asyncio.ensure_future(nanny.finished())
            asked = asyncio.ensure_future(stop.wait())
            await asyncio.wait([ended, asked], return_when=asyncio.FIRST_COMPLETED)
            if asked.done():
                await nanny.close(timeout=GRACE_SECONDS / 2)

    logging.basicConfig(level=logging.WARNING)
    asyncio_run(run(), loop_factory=get_loop_factory())
    time.sleep(0)  # the group is killed by srsopt if anything is left
