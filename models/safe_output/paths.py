"""What an output may be: its kind (folder or file, which names) and where it may not go.

Every check here is on resolved paths (symlinks followed), before anything is written or solved.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class OutputError(ValueError):
    """An output path srsopt refuses to write (a usage error: the CLI exits with 2)."""


@dataclass(frozen=True)
class Kind:
    """One kind of output: a folder, or a file with one of ``suffixes`` (empty: any name)."""

    name: str
    folder: bool
    expects: str
    """What the path should be, for messages: ``a folder``, ``a .xlsx workbook``."""
    suffixes: tuple[str, ...] = ()
    legacy: frozenset[str] = frozenset()
    """Files an srsopt older than the output marker wrote in this kind of folder."""


_RESULT_FILES = frozenset({"summary.json", "scenario.json", "results.xlsx", "report.html", *(
    f"{t}.csv" for t in ("projects", "starts", "region_years", "provision", "national",
                         "envelope"))})
KINDS = {k.name: k for k in (
    Kind("results", True, "a results folder", legacy=_RESULT_FILES),
    Kind("whatif", True, "a folder for the comparison"),
    Kind("sweep", True, "a folder for the curve"),
    Kind("pareto", True, "a folder for the trade-off curve"),
    Kind("alternatives", True, "a folder for the plans"),
    Kind("evaluation", True, "a folder for the evaluation of a plan"),
    Kind("montecarlo", True, "a folder for a Monte Carlo run"),
    Kind("instance", True, "an instance folder"),
    Kind("results-workbook", False, "a .xlsx workbook", (".xlsx",)),
    Kind("report", False, "an .html file", (".html", ".htm")),
    Kind("model", False, "a model file, e.g. model.lp"),
    Kind("instance-file", False, "a .xlsx or .json file", (".xlsx", ".json")),
    Kind("template", False, "a .xlsx workbook", (".xlsx",)),
)}
"""Every kind of output srsopt writes; an existing output is replaced silently only by one of
the same kind."""

FILE_SUFFIXES = frozenset({
    ".json", ".csv", ".tsv", ".xlsx", ".xls", ".xlsm", ".ods", ".html", ".htm", ".lp", ".mps",
    ".yaml", ".yml", ".txt", ".md", ".png", ".svg", ".pdf", ".zip", ".gz", ".py", ".parquet"})
"""Suffixes that name a file: a folder output with one of them is a mistake (``--out x.json``)."""


def resolved(path: str | os.PathLike[str]) -> Path:
    """The absolute path, symlinks and ``..`` resolved in order; the tail need not exist.

    ``link/..`` is the parent of the link's target, as the system will see it.
    """
    return Path(path).expanduser().resolve()


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_kind(out: Path, kind: Kind, expects: str | None = None) -> None:
    """Refuse a path of the wrong kind: a file name for a folder output and the reverse."""
    want = expects or kind.expects
    suffix = out.suffix.lower()
    if kind.folder:
        if suffix in FILE_SUFFIXES:
            raise OutputError(f"{out} names a {suffix} file; expected {want}")
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out} is a file; expected {want}")
        return
    if kind.suffixes and suffix not in kind.suffixes:
        raise OutputError(f"{out}: expected {want}")
    if out.is_dir():
        raise OutputError(f"{out} is a folder; expected {want}")


def check_place(out: Path, inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Refuse the root, home, the current folder and its parents, and any overlap with an input.

    ``out`` is resolved; an input is resolved here. An output that is an input, holds one or
    lies inside one could destroy it when replaced.
    """
    if out == Path(out.anchor):
        raise OutputError(f"{out} is the filesystem root; choose a new folder for the output")
    try:
        home: Path | None = resolved(Path.home())
    except RuntimeError:  # no HOME and no password entry: nothing to protect by that name
        home = None
    if home is not None and _within(home, out):
        what = "your home folder" if out == home else "a parent of your home folder"
        raise OutputError(f"{out} is {what}; choose a new folder for the output")
    cwd = resolved(Path.cwd())
    if _within(cwd, out):
        what = "the current folder" if out == cwd else "a parent of the current folder"
        raise OutputError(f"{out} is {what}; name a new folder inside it instead, e.g. "
                          "results/run1")
    for given in inputs:
        source = resolved(given)
        if out == source:
            raise OutputError(f"{out} is the input {given}; choose another output path")
        if _within(source, out):
            raise OutputError(f"{out} contains the input {given}; replacing it would delete the "
                              "input: choose another output path")
        if _within(out, source):
            raise OutputError(f"{out} lies inside the input {given}; choose an output path "
                              "outside it")
