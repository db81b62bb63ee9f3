"""Uploads: read within a size limit, kept content-addressed by sha256, opened safely.

An upload is streamed to ``DATA/tmp`` while it is hashed and counted (over the limit:
``TooLargeError``, the API's 413), then renamed to ``DATA/inputs/<sha256><suffix>``: the same bytes
are kept once, and a job's input is on disk before its row exists. A name from the client never
becomes a path: only its suffix is kept, from a fixed list.

A zip (the folder form) is opened into a fresh temporary folder: entries with absolute paths,
``..``, links or drive letters are refused, and so is an archive that unpacks to more than
``MAX_UNPACKED`` bytes or ``MAX_ENTRIES`` entries (a zip bomb); ``instance.yaml`` must be at its
root or in its one top folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from models.errors import WHOLE_FILE, InstanceError, Issue
from models.folder import SETTINGS_FILE
from models.instance import Instance, load_instance

INSTANCE_SUFFIXES = (".xlsx", ".json", ".zip")
SCENARIO_SUFFIXES = (".yaml", ".yml")
PLAN_SUFFIXES = (".csv", ".xlsx")
MAX_UNPACKED = 500 * 2**20
"""Bytes a zip may unpack to, in all."""
MAX_ENTRIES = 2000
CHUNK = 2**20


class TooLargeError(ValueError):
    """An upload over the limit (HTTP 413)."""


class BadUploadError(ValueError):
    """An upload that cannot be an input: wrong suffix, unsafe or broken archive (HTTP 422)."""


def suffix_of(filename: str | None, allowed: tuple[str, ...], what: str) -> str:
    """The suffix of an uploaded file's name, if it is one of ``allowed``."""
    suffix = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    if suffix not in allowed:
        raise BadUploadError(f"{what} must be a {', '.join(allowed)} file, not {filename!r}")
    return suffix


class Inputs:
    """The content-addressed inputs under ``DATA/inputs``."""

    def __init__(self, data: Path) -> None:
        self.folder = data / "inputs"
        self.tmp = data / "tmp"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str, suffix: str) -> Path:
        """Where the input of that hash is kept (both checked: never a path from a client)."""
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256) or (
                suffix not in {*INSTANCE_SUFFIXES, *SCENARIO_SUFFIXES, *PLAN_SUFFIXES}):
            raise ValueError(f"not a stored input: {sha256}{suffix}")
        return self.folder / f"{sha256}{suffix}"

    def keep(self, stream: BinaryIO, suffix: str, limit: int) -> str:
        """Store the upload's bytes (at most ``limit``); their sha256."""
        digest, size = hashlib.sha256(), 0
        fd, name = tempfile.mkstemp(dir=self.tmp, suffix=suffix)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise TooLargeError(f"the upload is over the limit of {limit / 2**20:g} MB")
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            os.replace(name, self.path(sha, suffix))
            return sha
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)


def _entry_path(info: zipfile.ZipInfo) -> PurePosixPath:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    mode = info.external_attr >> 16
    if (path.is_absolute() or ".." in path.parts or ":" in name or stat.S_ISLNK(mode)):
        raise BadUploadError(f"the archive's entry {info.filename!r} points outside its folder")
    return path


def extract(archive: Path, into: Path) -> Path:
    """Unpack the zip safely into ``into``; the folder holding ``instance.yaml``."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise BadUploadError(f"the archive has {len(infos)} entries, over {MAX_ENTRIES}")
            if sum(i.file_size for i in infos) > MAX_UNPACKED:
                raise BadUploadError(f"the archive unpacks to over {MAX_UNPACKED / 2**20:g} MB")
            written = 0
            for info in infos:
                target = into.joinpath(*_entry_path(info).parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(CHUNK):  # sizes are checked as read, not trusted
                        written += len(chunk)
                        if written > MAX_UNPACKED:
                            raise BadUploadError("the archive unpacks to over "
                                            f"{MAX_UNPACKED / 2**20:g} MB")
                        out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise BadUploadError(f"not a readable zip archive: {exc}") from None
    if (into / SETTINGS_FILE).is_file():
        return into
    tops = [p for p in into.iterdir() if p.is_dir() and not p.name.startswith("__MACOSX")]
    if len(tops) == 1 and (tops[0] / SETTINGS_FILE).is_file():
        return tops[0]
    raise InstanceError([Issue(SETTINGS_FILE, WHOLE_FILE, "the zip holds no instance.yaml at "
                               "its root or in its one top folder")], source="upload")


@contextlib.contextmanager
def opened(path: Path) -> Iterator[Path]:
    """A path ``load_instance`` reads: the file itself, or a zip unpacked for the moment."""
    if path.suffix != ".zip":
        yield path
        return
    folder = Path(tempfile.mkdtemp(prefix="srsopt-upload-"))
    try:
        yield extract(path, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load(path: Path) -> Instance:
    """The validated instance stored at ``path`` (``InstanceError``, ``BadUploadError`` if not)."""
    with opened(path) as readable:
        return load_instance(readable)


def located(exc: InstanceError) -> list[dict[str, object]]:
    """Every error as the API reports it: table, row (line), id, field, message."""
    return [{"table": i.table, "row": i.line, "id": i.row_id, "field": i.field,
             "message": i.message} for i in exc.issues]
