"""Scenario files: a name, an optional base instance and a list of changes applied in order.

A scenario is pure data (YAML); ``models.scenario_apply`` turns it into a changed Instance.
Every problem is raised as a ``ScenarioError`` naming the file, the change and what exists, so
that an analyst can fix a typo without reading code. The format is in docs/whatif.md.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from models.base import Description, Name, StrictModel
from models.errors import short
from models.reading import Lines, UnreadableError, load_yaml
from models.scenario_changes import (
    CHANGE_KINDS,
    CapexOverrunChange,
    EnvelopeChange,
    LockChange,
    ObjectiveChange,
    RegionChange,
    TargetsChange,
)

__all__ = ["CHANGE_KINDS", "CapexOverrunChange", "Change", "EnvelopeChange", "LockChange",
           "ObjectiveChange", "Problem", "RegionChange", "Scenario", "ScenarioError",
           "TargetsChange", "existing", "load_scenario", "load_scenarios", "parse_scenario",
           "read_scenarios"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a scenario file: the file, the change, the line and what is wrong."""

    file: str
    where: str
    """``change 2 (region)``, ``top level``, ``whole file``; empty when the line says it."""
    message: str
    line: int | None = None

    def __str__(self) -> str:
        """``cut.yaml line 7, change 2 (region): region 'suoth' does not exist; ...``."""
        line = "" if self.line is None else f" line {self.line}"
        where = f", {self.where}" if self.where else ""
        return f"{short(self.file, 160)}{line}{where}: {self.message}"


class ScenarioError(ValueError):
    """A scenario names something that does not exist, or its changes break the instance.

    ``problems`` holds every mistake found, not only the first: a file with three mistakes
    reports the three at once. ``file``, ``where``, ``problem`` and ``line`` are the first's.
    """

    def __init__(self, file: str, where: str, message: str, line: int | None = None,
                 more: Sequence[Problem] = ()) -> None:
        self.problems = (Problem(file, where, message, line), *more)
        self.file, self.where, self.problem, self.line = file, where, message, line
        super().__init__("\n".join(map(str, self.problems)))

    @classmethod
    def of(cls, problems: Sequence[Problem]) -> ScenarioError:
        """One error holding every problem (at least one)."""
        first, *rest = problems
        return cls(first.file, first.where, first.message, first.line, rest)


def existing(name: str, wanted: object, choices: Iterable[object], plural: str | None = None,
             limit: int = 12) -> str:
    """``region 'almatyy' does not exist; did you mean 'almaty'? (regions are: ...)``."""
    options = [short(c) for c in choices]
    text = f"{name} {short(repr(wanted))} does not exist"
    close = difflib.get_close_matches(str(wanted), options, n=1) if len(str(wanted)) < 200 else []
    if close:
        text += f"; did you mean {close[0]!r}?"
    shown = ", ".join(options[:limit]) + (f" and {len(options) - limit:,} more"
                                          if len(options) > limit else "")
    return f"{text} ({plural or name + 's'} are: {shown})"


class Change(BaseModel):
    """One parsed change and where it came from."""

    kind: str
    number: int
    """1-based position in the scenario's ``changes`` list."""
    params: StrictModel
    line: int | None = None
    """The change's line in its file, when read from one."""

    @property
    def where(self) -> str:
        """``change 2 (region)``, for messages."""
        return f"change {self.number} ({self.kind})"


class Scenario(BaseModel):
    """A named, ordered list of changes read from one file."""

    name: str
    description: str = ""
    base: Path | None = None
    """Base instance folder, resolved against the scenario file's folder."""
    file: str
    changes: list[Change]


class _ScenarioFile(StrictModel):
    name: Name
    description: Description = ""
    base: Name | None = None
    changes: list[Any] = Field(min_length=1)


def _pydantic_problems(exc: ValidationError, model: type[BaseModel], file: str, where: str,
                       lines: Lines, path: tuple[str, ...]) -> list[Problem]:
    """Each of pydantic's errors as a Problem in the analyst's words, on its own line."""
    problems = []
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"] if p != "[key]")
        place = short(".".join(loc))
        if err["type"] == "extra_forbidden":
            text = f"unknown key {place!r}; known keys: {', '.join(model.model_fields)}"
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            text = f"{place + ': ' if place else ''}{msg}" + (
                f" (got {short(repr(err['input']))})" if place else "")
        problems.append(Problem(file, where, text, _line(lines, (*path, *loc))))
    return problems


def _line(lines: Lines, path: tuple[str, ...]) -> int | None:
    """The line of ``path``, or of its nearest parent that has one."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _parse_change(raw: Any, number: int, file: str, lines: Lines
                  ) -> tuple[Change | None, list[Problem]]:
    path = ("changes", str(number - 1))
    where = f"change {number}"
    if not isinstance(raw, dict) or len(raw) != 1:
        return None, [Problem(file, where, "must be a mapping with one key, the kind of "
                              f"change: {', '.join(CHANGE_KINDS)}", _line(lines, path))]
    (kind, params), = raw.items()
    if kind not in CHANGE_KINDS:
        return None, [Problem(file, where, existing("kind of change", kind, CHANGE_KINDS,
                                                    "kinds"), _line(lines, path))]
    model = CHANGE_KINDS[kind]
    try:
        parsed = model.model_validate(params if params is not None else {})
    except ValidationError as exc:
        return None, _pydantic_problems(exc, model, file, f"{where} ({kind})", lines,
                                        (*path, str(kind)))
    return Change(kind=kind, number=number, params=parsed, line=_line(lines, path)), []


def _parse(data: Any, file: str, folder: Path | None, lines: Lines
           ) -> tuple[Scenario | None, list[Problem]]:
    """The scenario with its good changes, and every problem; ``None`` if its top level is bad."""
    if not isinstance(data, dict):
        return None, [Problem(file, "whole file", "must be a mapping with name and changes")]
    problems: list[Problem] = []
    try:
        top = _ScenarioFile.model_validate(data)
    except ValidationError as exc:
        problems += _pydantic_problems(exc, _ScenarioFile, file, "top level", lines, ())
        top = None
    raw_changes = data.get("changes")
    changes = []
    for number, raw in enumerate(raw_changes if isinstance(raw_changes, list) else [], 1):
        change, found = _parse_change(raw, number, file, lines)
        problems += found
        if change is not None:
            changes.append(change)
    if top is None:
        return None, problems
    base = None
    if top.base is not None:
        base = Path(top.base) if folder is None else (folder / top.base)
    return Scenario(name=top.name, description=top.description, base=base, file=file,
                    changes=changes), problems


def parse_scenario(data: Any, file: str, folder: Path | None = None,
                   lines: Lines | None = None) -> Scenario:
    """Validate a scenario mapping; ``file`` names it in every error, ``lines`` gives lines.

    Raises:
        ScenarioError: with every problem found: unknown keys or kinds, values of the wrong
            type or range, in the top level and in each change.
    """
    scenario, problems = _parse(data, file, folder, lines or {})
    if problems or scenario is None:
        raise ScenarioError.of(problems)
    return scenario


def _read(path: str) -> tuple[Scenario | None, list[Problem]]:
    file = Path(path)
    lines: Lines = {}
    try:
        data = load_yaml(file, lines)
    except UnreadableError as exc:
        return None, [Problem(str(file), "whole file" if exc.line is None else "", str(exc),
                              exc.line)]
    return _parse(data, str(file), file.parent, lines)


def read_scenarios(spec: str | Path | Sequence[str | Path]
                   ) -> tuple[list[Scenario], list[Problem]]:
    """Scenarios to compose, with their good changes, and the problems of the others.

    ``a.yaml,b.yaml`` or a list of paths, applied in order. The problems are for
    ``models.scenario_apply.apply_scenarios`` to report together with those it finds, so that
    an analyst sees every mistake of a file at once.

    Raises:
        ScenarioError: some file gives no scenario at all (unreadable, or its name or list of
            changes is bad), with every problem found in every file.
    """
    parts = (str(spec).split(",") if isinstance(spec, str | Path) else
             [str(p) for p in spec])
    scenarios, problems, complete = [], [], True
    for part in (p.strip() for p in parts if p.strip()):
        scenario, found = _read(part)
        problems += found
        if scenario is None:
            complete = False
        else:
            scenarios.append(scenario)
    if not complete:
        raise ScenarioError.of(problems)
    return scenarios, problems


def load_scenario(path: str | Path) -> Scenario:
    """Read one scenario YAML file.

    Raises:
        ScenarioError: the file is missing, not YAML, or holds bad changes (every one).
    """
    return load_scenarios([path])[0]


def load_scenarios(spec: str | Path | Sequence[str | Path]) -> list[Scenario]:
    """Scenarios to compose, from ``a.yaml,b.yaml`` or a list of paths (applied in order).

    Raises:
        ScenarioError: with the problems of every file, not only the first file's.
    """
    scenarios, problems = read_scenarios(spec)
    if problems:
        raise ScenarioError.of(problems)
    return scenarios
