"""Whose is an existing output: the marker srsopt leaves in (or beside) everything it writes.

A folder output holds ``.srsopt-output.json``; a file output ``NAME`` has a hidden sidecar
``.NAME.srsopt-output.json`` beside it. Both record the kind of output, the command, the time,
whether it holds a plan, and the SHA-256 of every file written, so srsopt can tell its own
untouched output from one a person has edited or added files to.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import stat
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from models.safe_output.paths import Kind

MARKER = ".srsopt-output.json"
SCRATCH = re.compile(r"^\..+\.srsopt-(output\.json|lock|new-.*|old-.*)$")
"""srsopt's own hidden names: sidecar markers, locks, staging and backup copies."""
State = Literal["absent", "empty", "same", "other", "foreign"]


def sidecar(file: Path) -> Path:
    """Where the marker of a one-file output lives."""
    return file.with_name(f".{file.name}.srsopt-output.json")


def digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def record(kind: str, command: str, plan: bool | None, **more: Any) -> dict[str, Any]:
    """The marker's common fields."""
    try:
        ours = version("srsopt")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        ours = "unknown"
    return {"srsopt_output": kind, "srsopt_version": ours, "command": command,
            "written": datetime.now().astimezone().isoformat(timespec="seconds"),
            "host": socket.gethostname(), "plan": plan, **more}


def folder_files(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``folder`` (the marker itself excluded)."""
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            full = Path(root, name)
            if name != MARKER:
                found[full.relative_to(folder).as_posix()] = digest(full)
    return found


def read_marker(path: Path) -> dict[str, Any] | None:
    """A marker's content, or ``None`` when missing or unreadable (then it is no marker)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and "srsopt_output" in data else None


@dataclass(frozen=True)
class Existing:
    """What is at an output path now, and whether srsopt may replace it."""

    state: State
    detail: str = ""
    plan: bool = False
    """Whether it holds a plan (a run without one never replaces it)."""
    digest: str | None = None


def _whose(data: dict[str, Any]) -> str:
    command = str(data.get("command", ""))
    command = command if len(command) <= 80 else command[:79] + "…"
    return f"srsopt's {data.get('srsopt_output')} output (`{command}`, {data.get('written')})"


def _names(paths: list[str]) -> str:
    return ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")


def _sidecar_matches(file: Path, sha: str) -> bool:
    data = read_marker(sidecar(file))
    return data is not None and sha in (data.get("sha256"), data.get("previous"))


def _strays(folder: Path, files: dict[str, str]) -> list[str]:
    """Files under ``folder`` that its marker (or their own sidecar) does not vouch for."""
    strays = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        for name in list(dirs):
            path, rel = here / name, (here / name).relative_to(folder).as_posix()
            if path.is_symlink():
                dirs.remove(name)
                strays.append(rel)
            elif SCRATCH.match(name):  # srsopt's own staging copy: goes with the folder
                dirs.remove(name)
            elif (nested := read_marker(path / MARKER)) is not None:
                dirs.remove(name)  # another output inside this one, e.g. results/whatif
                strays.append(f"{rel}/ ({nested.get('srsopt_output')} output of srsopt)")
        for name in names:
            full = here / name
            rel = full.relative_to(folder).as_posix()
            if name == MARKER or SCRATCH.match(name):
                continue
            if full.is_symlink() or not full.is_file():
                strays.append(rel)
                continue
            sha = digest(full)
            if files.get(rel) != sha and not _sidecar_matches(full, sha):
                strays.append(rel)
    return sorted(strays)


def _legacy(folder: Path, kind: Kind) -> Existing | None:
    """A folder an srsopt older than the marker wrote: only its file names, a summary.json."""
    names = set(os.listdir(folder))
    if not kind.legacy or not names <= kind.legacy or "summary.json" not in names:
        return None
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(summary, dict) or "srsopt_version" not in summary:
        return None
    return Existing("other", "was written by an earlier srsopt, without the output marker",
                    plan=summary.get("objective") is not None)


def _folder(folder: Path, kind: Kind) -> Existing:
    entries = sorted(os.listdir(folder))
    if not entries:
        return Existing("empty")
    data = read_marker(folder / MARKER)
    if data is None or not isinstance(data.get("files"), dict):
        legacy = _legacy(folder, kind)
        return legacy or Existing("foreign", f"is not empty and srsopt did not write it (no "
                                  f"{MARKER} in it; it holds {_names(entries)})")
    plan = data.get("plan") is True
    strays = _strays(folder, data["files"])
    if strays:
        return Existing("other", f"holds other outputs, or files srsopt did not write or that "
                        f"were changed since: {_names(strays)}", plan)
    if data.get("srsopt_output") != kind.name:
        return Existing("other", f"holds {_whose(data)}", plan)
    return Existing("same", plan=plan)


def _file(file: Path, kind: Kind) -> Existing:
    sha = digest(file)
    data = read_marker(sidecar(file))
    if data is None:
        parent = read_marker(file.parent / MARKER) or {}
        if not isinstance(parent.get("files"), dict) or parent["files"].get(file.name) != sha:
            return Existing("foreign", "exists and srsopt did not write it")
        data = {**parent, "sha256": sha,
                "srsopt_output": (parent.get("parts") or {}).get(file.name, "folder part")}
    plan = data.get("plan") is True
    if sha not in (data.get("sha256"), data.get("previous")):
        return Existing("other", f"was changed since it was written as {_whose(data)}", plan)
    if data.get("srsopt_output") != kind.name:
        return Existing("other", f"is {_whose(data)}", plan, sha)
    return Existing("same", plan=plan, digest=sha)


def inspect(path: Path, kind: Kind) -> Existing:
    """What is at ``path`` (not followed if it is a symlink) for an output of ``kind``."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return Existing("absent")
    if stat.S_ISLNK(mode):
        return Existing("foreign", "is a symbolic link")
    if kind.folder:
        if not stat.S_ISDIR(mode):
            return Existing("foreign", "is not a folder")
        return _folder(path, kind)
    if not stat.S_ISREG(mode):
        return Existing("foreign", "is not a regular file")
    return _file(path, kind)
