"""Put a fully written output in place in one step, keeping the old one until the new is in.

A folder is written in a fresh hidden sibling (``tempfile.mkdtemp``: a new name, never an
existing one followed or reused) and exchanged with the old folder in one ``renameat2`` call
(Linux ``RENAME_EXCHANGE``), so the path always holds one complete output, the old or the new.
Where that call is missing, the old folder is moved into a hidden holder folder, the new one
renamed in, the holder removed (the old folder moved back if the rename fails). A file is
written to a fresh temporary file in its folder, flushed to disk and moved over the old one
with ``os.replace``.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

PAUSE_ENV = "SRSOPT_TEST_PAUSE_BEFORE_SWAP"
"""Tests only: a file path. When set, a write creates that file once its new output is complete
and waits (up to 60 s) until the file is removed, then puts the output in place. This lets a
test kill the process or start a rival at exactly that moment."""
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def scratch_prefix(out: Path, what: str) -> str:
    """Hidden name prefix of staging (``new``) and backup (``old``) copies of ``out``."""
    return f".{out.name}.srsopt-{what}-"


def new_folder(out: Path) -> Path:
    """An empty staging folder beside ``out`` with the usual permissions."""
    folder = Path(tempfile.mkdtemp(dir=out.parent, prefix=scratch_prefix(out, "new")))
    folder.chmod(0o777 & ~_umask())
    return folder


def new_file(out: Path) -> Path:
    """An empty staging file beside ``out``, with its suffix (writers choose a form by it)."""
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=scratch_prefix(out, "new"),
                                suffix=out.suffix)
    os.close(fd)
    os.chmod(name, 0o666 & ~_umask())
    return Path(name)


def remove(path: Path) -> None:
    """Remove a file or a folder tree; a symlink is removed itself, never followed."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _sync(path: Path) -> None:
    """Flush a file's bytes to disk, so a crash never leaves a renamed but empty file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(path: Path) -> None:
    """Flush a folder's entries where the system allows it (not on Windows)."""
    with contextlib.suppress(OSError):
        _sync(path)


def sync_tree(folder: Path) -> None:
    """Flush every file of a staged folder, and the folder entries themselves."""
    for root, _, names in os.walk(folder):
        for name in names:
            _sync(Path(root, name))
        _sync_folder(Path(root))


def pause_for_tests() -> None:
    """The test hook of ``PAUSE_ENV`` (does nothing unless that variable is set)."""
    flag = os.environ.get(PAUSE_ENV)
    if not flag:
        return
    Path(flag).write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + 60
    while Path(flag).exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; ``False`` where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    call = getattr(libc, "renameat2", None)
    if call is None:
        return False
    if call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in_folder(staged: Path, out: Path) -> None:
    """Put the staged folder at ``out``; the old folder there is kept until the new is in."""
    sync_tree(staged)
    pause_for_tests()
    if not os.path.lexists(out):
        os.rename(staged, out)  # fails if anything but an empty folder appeared meanwhile
    elif _exchange(staged, out):
        remove(staged)  # now the old folder
    else:
        holder = Path(tempfile.mkdtemp(dir=out.parent, prefix=scratch_prefix(out, "old")))
        os.rename(out, holder / "old")
        try:
            os.rename(staged, out)
        except BaseException:
            os.rename(holder / "old", out)  # if this fails too, the old output stays in holder
            holder.rmdir()
            raise
        remove(holder)
    _sync_folder(out.parent)


def replace_file(staged: Path, out: Path) -> None:
    """Move a staged file over ``out`` in one step (a symlink at ``out`` is replaced itself)."""
    _sync(staged)
    pause_for_tests()
    os.replace(staged, out)
    _sync_folder(out.parent)
