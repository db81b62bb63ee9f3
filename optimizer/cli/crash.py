"""One line instead of a Python traceback: an unexpected error goes to a log file, named briefly.

The console entry (``optimizer.cli.app.main``) runs the commands through ``run_console``. Expected
endings keep their exit codes (typer's usage errors 2, srsopt's own codes); a signal outside a
solve ends the command with 130 or 143; anything else prints

    srsopt: internal error: <type>: <short message>; the traceback is in <log file>

on stderr and exits 1. The log file (one per crash, named by time and process id) is written
under ``$XDG_STATE_HOME/srsopt`` (``~/.local/state/srsopt``), else in the temporary folder.
``SRSOPT_DEBUG=1`` (or ``srsopt --debug``) lets the exception through, traceback and all.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from optimizer.runtime import stopping

DEBUG_ENV = "SRSOPT_DEBUG"
MESSAGE_CHARS = 200
"""The error's message is cut to this many characters on the console (the log has it all)."""
INTERNAL_ERROR = 1


def debugging() -> bool:
    """Whether internal errors are re-raised (``SRSOPT_DEBUG=1``)."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def log_folder() -> Path:
    """Where crash logs go: ``$XDG_STATE_HOME/srsopt``, by default ``~/.local/state/srsopt``."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "srsopt"


def _versions() -> str:
    found = []
    for package in ("srsopt", "highspy", "numpy", "pandas", "pydantic", "typer"):
        with contextlib.suppress(PackageNotFoundError):
            found.append(f"{package} {version(package)}")
    return ", ".join(found)


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError as exc:  # the folder was removed under us
        return f"unknown ({exc.strerror})"


def _report(exc: BaseException) -> str:
    return (f"srsopt internal error, {datetime.now().isoformat(timespec='seconds')}\n"
            f"command: {' '.join(sys.argv)}\n"
            f"working directory: {_cwd()}\n"
            f"python {platform.python_version()} on {platform.platform()}; {_versions()}\n\n"
            + "".join(traceback.format_exception(exc)))


def write_log(exc: BaseException) -> Path | None:
    """Write the traceback of ``exc`` to a new file (never an existing one); its path or None."""
    text = _report(exc).encode(errors="replace")
    name = f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}-{os.getpid()}.log"
    try:
        folder = log_folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        try:
            fd, raw = tempfile.mkstemp(prefix=name.removesuffix(".log") + "-", suffix=".log")
        except OSError:
            return None
        path = Path(raw)
    with os.fdopen(fd, "wb") as out:
        out.write(text)
    return path


def one_line(exc: BaseException) -> str:
    """``<type>: <message>``, whitespace folded and the message cut to ``MESSAGE_CHARS``."""
    try:
        message = " ".join(str(exc).split())
    except Exception:  # an exception whose text cannot be made
        message = ""
    if len(message) > MESSAGE_CHARS:
        message = message[:MESSAGE_CHARS - 1] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_console(app: Callable[[], Any]) -> None:
    """Run the typer ``app`` as srsopt's console command, and end the process.

    Raises:
        SystemExit: always, with the command's exit code.
    """
    stopping.raise_on_signals()
    try:
        app()
    except stopping.Interrupted as exc:
        _say(f"srsopt: stopped by {signal.Signals(exc.signum).name}")
        sys.exit(stopping.exit_code(exc.signum))
    except Exception as exc:
        if debugging():
            raise
        path = write_log(exc)
        where = (f"the traceback is in {path}" if path is not None
                 else "the traceback could not be written to a log file")
        _say(f"srsopt: internal error: {one_line(exc)}; {where}")
        sys.exit(INTERNAL_ERROR)
    sys.exit(0)
