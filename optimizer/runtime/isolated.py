"""Worker processes that run only srsopt's code and end with their parent.

``call("optimizer.solving.decompose:solve_regions", ...)`` runs a function in a fresh interpreter
and returns its value (or raises its exception). The worker starts:

- isolated (``python -I``: neither the current directory nor ``PYTHONPATH`` nor the user's site
  folder is on its import path), with the folder holding srsopt's packages put first and made its
  working directory, so that an ``optimizer/``, ``models/`` or ``numpy.py`` in the folder the user
  runs srsopt from is never imported; and without ``multiprocessing``'s spawn, which would import
  the caller's ``__main__`` again;
- in its own session (process group), so that a terminal's Ctrl-C reaches only srsopt, which
  stops its workers itself: on a stop request (``optimizer.runtime.stopping``) the group gets
  SIGTERM, which the worker takes as its own stop request, and SIGKILL after ``GRACE_SECONDS``; the
  group is killed as well when the call fails, and at exit;
- watching its parent: when the parent dies (SIGKILL), the worker ends within a second.

The call goes over pipes: a pickle of (function, arguments) on stdin; the answer on the worker's
original stdout, which it moves away from file descriptor 1 first so that a stray print (HiGHS
writes straight to descriptor 1) cannot corrupt it.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from optimizer.runtime import stopping

ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the ``optimizer`` and ``models`` packages that are running now."""
GRACE_SECONDS = 3.0
"""After SIGTERM, how long a worker may take to answer with what it has before SIGKILL."""
POLL_SECONDS = 0.1
PARENT_POLL_SECONDS = 0.5
_BOOT = ("import sys; sys.argv[1] in sys.path or sys.path.insert(0, sys.argv[1]); "
         "from optimizer.runtime.isolated import serve; serve(int(sys.argv[2]), sys.argv[3])")
"""Put srsopt's folder first unless it is on the path already (an installed srsopt: then it is
site-packages, which must stay behind the standard library)."""

_live: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()


class WorkerError(RuntimeError):
    """A worker ended without an answer: killed, crashed, or stopped before it could answer."""


def command(function: str = "") -> list[str]:
    """The worker's command line: the running interpreter, isolated, srsopt's folder first.

    ``function`` (``module:name``): its module is imported as soon as the worker starts.
    """
    return [sys.executable, "-I", "-c", _BOOT, str(ROOT), str(os.getpid()), function]


class Worker:
    """A worker process started ahead of its one call, ``function`` loaded while it waits.

    Starting an interpreter and importing srsopt's solving code takes ~1.3 s: a caller that
    knows it will need workers starts them before its own work (the region workers during the
    LP relaxation, ``optimizer.solving.region_worker``) and calls them when ready.
    """

    def __init__(self, function: str) -> None:
        self.function = function
        self.proc = subprocess.Popen(command(function), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                                     start_new_session=True)
        with _lock:
            _live.add(self.proc)

    def __call__(self, *args: Any) -> Any:
        """``function(*args)`` in the worker, which then ends; its return value (see ``call``)."""
        try:
            _send(self.proc, pickle.dumps((self.function, args)))
            out, err = _communicate(self.proc)
        finally:
            self.close()
        if not out:
            tail = err.decode(errors="replace").strip().splitlines()[-3:]
            raise WorkerError(f"worker for {self.function} ended with code "
                              f"{self.proc.returncode} and no answer"
                              f"{': ' + ' | '.join(tail) if tail else ''}")
        ok, value, trace = pickle.loads(out)
        if ok:
            return value
        value.add_note(f"in the worker process:\n{trace}")
        raise value

    def close(self) -> None:
        """End the worker (an unused one too): its group killed, the process reaped."""
        _end(self.proc)
        with _lock:
            _live.discard(self.proc)


def call(function: str, *args: Any) -> Any:
    """``module:function(*args)`` in an isolated worker process; its return value.

    Raises:
        WorkerError: the worker ended without answering (its stderr's end is in the message).
        Exception: whatever the function raised in the worker, with the worker's traceback
            as a note.
    """
    return Worker(function)(*args)


def _send(proc: subprocess.Popen[bytes], data: bytes) -> None:
    """Write the call to the worker's stdin and close it (the worker reads it all first).

    Not through ``communicate``: retried after a timeout, it drops the input not yet written.
    """
    assert proc.stdin is not None
    try:
        with proc.stdin:
            proc.stdin.write(data)
    except BrokenPipeError:
        pass  # the worker ended early: its stderr says why
    proc.stdin = None  # closed: ``communicate`` must not flush it


def _communicate(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """The worker's stdout and stderr; on a stop request, SIGTERM then (later) SIGKILL."""
    stopped_at = None
    while True:
        try:
            return proc.communicate(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        if stopped_at is None and stopping.requested():
            _signal_group(proc, signal.SIGTERM)
            stopped_at = time.monotonic()
        elif stopped_at is not None and time.monotonic() - stopped_at > GRACE_SECONDS:
            _signal_group(proc, signal.SIGKILL)


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    """Send ``signum`` to the worker's process group while its leader is not yet reaped.

    (Once reaped, the group's id could in principle belong to another process.)
    """
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signum)


def _end(proc: subprocess.Popen[bytes]) -> None:
    """Kill the worker's group if it is still running, and reap it."""
    _signal_group(proc, signal.SIGKILL)
    proc.wait()


@atexit.register
def _end_all() -> None:
    """At exit, no worker outlives srsopt."""
    with _lock:
        procs = list(_live)
    for proc in procs:
        _end(proc)


def _watch_parent(parent: int) -> None:
    """End this worker when its parent dies (it is then re-parented), even before this call."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def serve(parent: int, preload: str = "") -> None:
    """The worker's side: read (function, args) on stdin, answer (ok, value, trace) on stdout.

    ``parent``: the process id of the caller, which this worker must not outlive.
    ``preload``: ``module:name`` whose module is imported before the call arrives.
    """
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # descriptor 1 is now stderr: nothing else can write into the answer
    _watch_parent(parent)
    with stopping.on_signals():  # SIGTERM from the parent: stop, and still answer
        try:
            if preload:
                importlib.import_module(preload.split(":")[0])
            function, args = pickle.load(sys.stdin.buffer)
            module, name = function.split(":")
            reply = (True, getattr(importlib.import_module(module), name)(*args), "")
        except Exception as exc:  # handed to the parent
            reply = (False, exc, traceback.format_exc())
    try:
        data = pickle.dumps(reply)
        pickle.loads(data)  # an exception that cannot be rebuilt is sent as text
    except Exception:
        failure = WorkerError(f"{type(reply[1]).__name__}: {reply[1]}")
        data = pickle.dumps((False, failure, reply[2] or traceback.format_exc()))
    answer.write(data)
    answer.flush()
