"""Scenario files: a name, an optional base instance and a list of changes applied in order.

A scenario is pure data (YAML); ``models.scenario_apply`` turns it into a changed Instance.
Every problem is raised as a ``ScenarioError`` naming the file, the change and what exists, so
that an analyst can fix a typo without reading code. The format is in docs/whatif.md.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from models.base import (
    Description,
    Factor,
    Id,
    MoneyByYear,
    Name,
    PositiveFactor,
    Share,
    ShareByYear,
    StrictModel,
    Weight,
    Year,
)
from models.errors import short
from models.reading import UnreadableError, load_yaml
from models.settings import ObjectiveMode


class ScenarioError(ValueError):
    """A scenario names something that does not exist, or its changes break the instance."""

    def __init__(self, file: str, where: str, message: str) -> None:
        self.file, self.where, self.problem = file, where, message
        super().__init__(f"{short(file, 160)}, {where}: {message}")


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


class EnvelopeChange(StrictModel):
    """``B_t``: scale every year by one factor, or set some years to new values."""

    scale: PositiveFactor | None = None
    """Factor applied to every year's envelope (0.9 = a 10% cut); also scales the
    concentration caps ``sigma_r * B_t``, which follow ``B_t``."""
    set: MoneyByYear | None = None
    """New envelope of the years named, million KZT."""

    @model_validator(mode="after")
    def _one(self) -> EnvelopeChange:
        if (self.scale is None) == (self.set is None):
            raise ValueError("give exactly one of 'scale' or 'set'")
        return self


class TargetsChange(StrictModel):
    """``target[a,t]``: new provision targets per area and year (other years are kept)."""

    urban: ShareByYear = Field(default_factory=dict)
    rural: ShareByYear = Field(default_factory=dict)


class ObjectiveChange(StrictModel):
    """Objective settings to override; keys not given keep the instance's values."""

    mode: ObjectiveMode | None = None
    category_weights: dict[Id, Weight] = Field(default_factory=dict)
    """``W_g`` of the categories named (the others keep theirs)."""
    access_weight: Weight | None = None
    cost_weight: Weight | None = None
    lexicographic_tolerance: Share | None = None


class RegionChange(StrictModel):
    """Rules of one or more regions (``all`` for every region)."""

    region: Id | list[Id]
    """Region id, a list of ids, or ``all``."""
    cofinancing_rate: Share | None = None
    """``alpha_r``: minimum local share of capex."""
    max_envelope_share: Share | None = None
    """``sigma_r``: largest share of ``B_t`` the region may receive."""
    fiscal_space_scale: Factor | None = None
    """Factor on ``F[r,t]`` in every year."""

    @model_validator(mode="after")
    def _something(self) -> RegionChange:
        if (self.cofinancing_rate is None and self.max_envelope_share is None
                and self.fiscal_space_scale is None):
            raise ValueError("give at least one of cofinancing_rate, max_envelope_share, "
                             "fiscal_space_scale")
        return self


class LockChange(StrictModel):
    """Force projects in (``committed``) or out (``excluded``), or fix their start year."""

    project: Id | list[Id]
    """Project id or a list of ids."""
    force: Literal["in", "out"] | None = None
    """``in``: status committed (must start); ``out``: status excluded (never starts)."""
    start_year: Year | None = None
    """Fix the start: earliest_start = latest_start = this year."""

    @model_validator(mode="after")
    def _consistent(self) -> LockChange:
        if self.force is None and self.start_year is None:
            raise ValueError("give 'force' (in / out) or 'start_year'")
        if self.force == "out" and self.start_year is not None:
            raise ValueError("a project forced out has no start year")
        return self


class CapexOverrunChange(StrictModel):
    """Multiply capex, of all projects or of those of one category and/or region."""

    factor: PositiveFactor
    """1.2 = a 20% overrun."""
    category: Id | None = None
    """Only projects with an effect on a standard of this category."""
    region: Id | None = None
    """Only projects hosted in this region."""


CHANGE_KINDS: dict[str, type[StrictModel]] = {
    "envelope": EnvelopeChange,
    "targets": TargetsChange,
    "objective": ObjectiveChange,
    "region": RegionChange,
    "lock": LockChange,
    "capex_overrun": CapexOverrunChange,
}
"""Every kind of change a scenario may list, by its YAML key."""


class Change(BaseModel):
    """One parsed change and where it came from."""

    kind: str
    number: int
    """1-based position in the scenario's ``changes`` list."""
    params: StrictModel

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


def _pydantic_message(exc: ValidationError, model: type[BaseModel]) -> str:
    """The first problems of a pydantic error in the analyst's words."""
    texts = []
    for err in exc.errors()[:3]:
        loc = short(".".join(str(p) for p in err["loc"] if p != "[key]"))
        if err["type"] == "extra_forbidden":
            texts.append(f"unknown key {loc!r}; known keys: {', '.join(model.model_fields)}")
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            texts.append(f"{loc + ': ' if loc else ''}{msg}"
                         + (f" (got {short(repr(err['input']))})" if loc else ""))
    return "; ".join(texts)


def parse_scenario(data: Any, file: str, folder: Path | None = None) -> Scenario:
    """Validate a scenario mapping; ``file`` names it in every error.

    Raises:
        ScenarioError: unknown keys or kinds, values of the wrong type or range.
    """
    if not isinstance(data, dict):
        raise ScenarioError(file, "whole file", "must be a mapping with name and changes")
    try:
        top = _ScenarioFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(file, "top level", _pydantic_message(exc, _ScenarioFile)) from None
    changes = []
    for number, raw in enumerate(top.changes, start=1):
        if not isinstance(raw, dict) or len(raw) != 1:
            raise ScenarioError(file, f"change {number}", "must be a mapping with one key, the "
                                f"kind of change: {', '.join(CHANGE_KINDS)}")
        (kind, params), = raw.items()
        if kind not in CHANGE_KINDS:
            raise ScenarioError(file, f"change {number}",
                                existing("kind of change", kind, CHANGE_KINDS, "kinds"))
        model = CHANGE_KINDS[kind]
        try:
            parsed = model.model_validate(params if params is not None else {})
        except ValidationError as exc:
            raise ScenarioError(file, f"change {number} ({kind})",
                                _pydantic_message(exc, model)) from None
        changes.append(Change(kind=kind, number=number, params=parsed))
    base = None
    if top.base is not None:
        base = Path(top.base) if folder is None else (folder / top.base)
    return Scenario(name=top.name, description=top.description, base=base, file=file,
                    changes=changes)


def load_scenario(path: str | Path) -> Scenario:
    """Read one scenario YAML file.

    Raises:
        ScenarioError: the file is missing, not YAML, or holds a bad change.
    """
    file = Path(path)
    try:
        data = load_yaml(file)
    except UnreadableError as exc:
        where = "whole file" if exc.line is None else f"line {exc.line}"
        raise ScenarioError(str(file), where, str(exc)) from None
    return parse_scenario(data, str(file), file.parent)


def load_scenarios(spec: str | Path | Sequence[str | Path]) -> list[Scenario]:
    """Scenarios to compose, from ``a.yaml,b.yaml`` or a list of paths (applied in order)."""
    parts = (str(spec).split(",") if isinstance(spec, str | Path) else
             [str(p) for p in spec])
    return [load_scenario(p.strip()) for p in parts if p.strip()]
