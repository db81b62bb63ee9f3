"""One safe writer for every output srsopt writes (results, reports, instances, models).

``plan_output`` is called before any solve: it resolves the path, refuses one of the wrong kind,
one that is, holds or lies inside an input, the root, home, the current folder or a parent of
it, and an existing output it may not replace; then it takes the output's lock. The returned
``OutputTarget`` writes the whole output in a fresh hidden sibling and swaps it in at once
(``models.safe_output.atomic``), with a marker saying srsopt wrote it
(``models.safe_output.marker``).

An existing output is replaced when it is absent or an empty folder, or srsopt's own untouched
output of the same kind (a re-run); with ``force``, any srsopt output (of another kind, or
changed since it was written); never a folder or file srsopt did not write.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from models.safe_output import atomic
from models.safe_output.lock import Lock
from models.safe_output.marker import (
    MARKER,
    Existing,
    digest,
    folder_files,
    inspect,
    record,
    sidecar,
)
from models.safe_output.paths import KINDS, Kind, OutputError, check_kind, check_place, resolved

__all__ = ["KINDS", "MARKER", "OutputError", "OutputTarget", "plan_output", "write_output"]

Fill = Callable[[Path], object]
"""Writes the output's content at the path it is given (a staging folder or file)."""


def command_line() -> str:
    """This process's command line, shortened: who writes, for markers and lock messages."""
    text = " ".join([Path(sys.argv[0]).name if sys.argv else "python", *sys.argv[1:]])
    return text if len(text) <= 200 else text[:199] + "…"


def _refusal(out: Path, found: Existing, kind: Kind, force: bool) -> str | None:
    """Why ``found`` may not be replaced by an output of ``kind`` (``None``: it may)."""
    if found.state in ("absent", "empty", "same") or (found.state == "other" and force):
        return None
    if found.state == "other":
        return (f"{out} {found.detail}; srsopt replaces it only when told to: pass --force to "
                "replace it, or choose another path")
    other = "a new or empty folder" if kind.folder else "a new file name"
    return (f"{out} {found.detail}; srsopt never replaces what it did not write: choose another "
            f"path ({other})")


class OutputTarget:
    """A checked, locked output path; ``write`` puts a complete output there in one step."""

    def __init__(self, path: Path, kind: Kind, *, command: str, force: bool,
                 inputs: tuple[str | os.PathLike[str], ...], found: Existing) -> None:
        self.path, self.kind, self.command, self.force = path, kind, command, force
        self.inputs, self.found = inputs, found
        self._lock: Lock | None = Lock(path, command)

    def holds_plan(self) -> bool:
        """Whether the output there now holds a plan (a run without one must not replace it)."""
        return self.found.plan

    def beside(self, tag: str) -> OutputTarget:
        """A fresh path next to this one, ``NAME.TAG-YYYYmmdd-HHMMSS[-k][.suffix]``."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        stem, suffix = ((self.path.name, "") if self.kind.folder else
                        (self.path.stem, self.path.suffix))
        for k in range(1, 1000):
            name = f"{stem}.{tag}-{stamp}{'' if k == 1 else f'-{k}'}{suffix}"
            if not os.path.lexists(self.path.with_name(name)):
                break
        return plan_output(self.path.with_name(name), self.kind.name, command=self.command,
                           inputs=self.inputs)

    def write(self, fill: Fill, *, plan: bool | None = None,
              parts: Mapping[str, str] | None = None) -> Path:
        """Write the output with ``fill`` and put it in place; returns the path written.

        ``plan``: whether it holds a plan; ``parts``: kinds of one-file outputs inside a
        folder (``{"report.html": "report"}``) so they can later be replaced on their own.
        """
        if self._lock is None:
            raise OutputError(f"{self.path}: this output was already written or released")
        try:
            found = inspect(self.path, self.kind)  # again: it may have changed while solving
            why = _refusal(self.path, found, self.kind, self.force)
            if why:
                raise OutputError(why)
            self._put(fill, found, record(self.kind.name, self.command, plan), parts)
        finally:
            self.release()
        return self.path

    def _put(self, fill: Fill, found: Existing, mark: dict[str, Any],
             parts: Mapping[str, str] | None) -> None:
        """Stage the output, mark it and put it in place; on any failure, drop the staging."""
        staged = (atomic.new_folder if self.kind.folder else atomic.new_file)(self.path)
        try:
            fill(staged)
            if self.kind.folder:
                mark |= {"parts": dict(parts or {}), "files": folder_files(staged)}
                (staged / MARKER).write_text(json.dumps(mark, indent=1) + "\n", "utf-8")
                atomic.swap_in_folder(staged, self.path)
            else:
                mark |= {"sha256": digest(staged),
                         "previous": found.digest if found.state == "same" else None}
                self._write_sidecar(mark)
                atomic.replace_file(staged, self.path)
        except BaseException:
            atomic.remove(staged)
            raise

    def _write_sidecar(self, mark: dict[str, Any]) -> None:
        """The file's marker, itself written atomically (written first: see ``previous``)."""
        note = sidecar(self.path)
        tmp = atomic.new_file(note)
        try:
            tmp.write_text(json.dumps(mark, indent=1) + "\n", "utf-8")
            os.replace(tmp, note)
        except BaseException:
            atomic.remove(tmp)
            raise

    def release(self) -> None:
        """Drop the lock without writing (idempotent)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> OutputTarget:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def plan_output(out: str | os.PathLike[str], kind: str, *, command: str | None = None,
                inputs: Iterable[str | os.PathLike[str] | None] = (), force: bool = False,
                expects: str | None = None) -> OutputTarget:
    """Check an output path and lock it, before anything is solved or written.

    ``kind`` is a key of ``KINDS``; ``inputs`` are the paths the command reads; ``expects``
    overrides the kind's description in messages (``a folder or a .xlsx workbook``).

    Raises:
        OutputError: the path is refused (what and why in the message); nothing was written.
    """
    spec = KINDS[kind]
    path = resolved(out)
    check_kind(path, spec, expects)
    given = tuple(i for i in inputs if i is not None)
    check_place(path, given)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {path.parent}: {exc.strerror}") from None
    target = OutputTarget(path, spec, command=command or command_line(), force=force,
                          inputs=given, found=Existing("absent"))
    try:
        target.found = inspect(path, spec)
        why = _refusal(path, target.found, spec, force)
    except BaseException:
        target.release()
        raise
    if why:
        target.release()
        raise OutputError(why)
    return target


def write_output(out: str | os.PathLike[str] | OutputTarget, kind: str, fill: Fill,
                 **marks: Any) -> Path:
    """Write through a planned target, or plan ``out`` (checks, lock) and write it now."""
    if isinstance(out, OutputTarget):
        if out.kind.name != kind:
            raise ValueError(f"{out.path} was planned for a {out.kind.name} output, not {kind}")
        return out.write(fill, **marks)
    with plan_output(out, kind) as target:
        return target.write(fill, **marks)
