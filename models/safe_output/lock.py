"""One writer per output: an advisory lock file beside it, naming who holds it.

``fcntl.flock`` on ``.NAME.srsopt-lock`` in the output's folder. The kernel drops the lock when
its holder ends, however it ends, so a killed run never blocks the next; the file is removed on
release (after a lock is taken, the file is checked to be the one still at that name).
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
from datetime import datetime
from pathlib import Path

from models.safe_output.paths import OutputError

if sys.platform == "win32":  # pragma: no cover - lock one byte far past the holder's note
    import msvcrt
else:
    import fcntl
_WINDOWS_BYTE = 1 << 20


def _try_lock(fd: int) -> bool:
    """Take the lock without waiting; ``False`` when another process holds it."""
    try:
        if sys.platform == "win32":  # pragma: no cover
            os.lseek(fd, _WINDOWS_BYTE, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def lock_path(out: Path) -> Path:
    """The lock file of an output."""
    return out.with_name(f".{out.name}.srsopt-lock")


def _holder(fd: int) -> str:
    """Who holds the lock, from the file's content (written by the holder)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8"))
        return (f"`{info['command']}` (pid {info['pid']} on {info['host']}, since "
                f"{info['since']})")
    except (OSError, ValueError, KeyError, TypeError):
        return "another srsopt (it has not said who yet)"


class Lock:
    """A held output lock; ``release`` ends it (so does the end of the process)."""

    def __init__(self, out: Path, command: str) -> None:
        self.path = lock_path(out)
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0),
                             0o644)
            except OSError as exc:
                why = ("is a symbolic link; srsopt does not follow it: remove it"
                       if exc.errno == errno.ELOOP else exc.strerror)
                raise OutputError(f"cannot lock {out} at {self.path}: {why}") from None
            if not _try_lock(fd):
                holder = _holder(fd)
                os.close(fd)
                raise OutputError(f"{out} is being written by {holder}; wait until it ends, or "
                                  "choose another output path") from None
            try:
                same = os.path.samestat(os.fstat(fd), os.lstat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # released and removed by its holder meanwhile: lock the new file
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                "since": datetime.now().astimezone().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(info).encode("utf-8"))
        self._fd: int | None = fd

    def release(self) -> None:
        """Remove the lock file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        try:
            if sys.platform != "win32":  # removed while held, so no one locks a file about to go
                self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None
