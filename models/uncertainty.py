"""Uncertainty files: what may go wrong with a plan, as distributions (``srsopt montecarlo``).

An uncertainty file (YAML) lists distributions of three kinds of surprise: capex overruns (a
factor on ``capex``, per project, per category or for every project), a fiscal shortfall (a
share of a region's fiscal space and own revenue that does not come) and population change (a
factor on the population of a region's or an area's settlements). ``models.uncertainty_draw``
draws from them and applies a draw to an instance. Every mistake is a ``ScenarioError`` naming
the file, the entry and its line, all at once (as scenario files do). The format is in
docs/montecarlo.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from models.base import Description, Factor, Id, Name, PositiveFactor, StrictModel
from models.reading import Lines, UnreadableError, load_yaml
from models.scenario import Problem, ScenarioError, _line, _pydantic_problems
from models.settings import Area

MAX_ENTRIES = 10_000
"""Entries of one kind in one file."""


class Fixed(StrictModel):
    """No uncertainty: always ``value``."""

    distribution: Literal["fixed"]
    value: Factor


class LogNormal(StrictModel):
    """A factor whose logarithm is normal, given by its own mean and standard deviation.

    ``mean`` 1.15, ``spread`` 0.1: on average 15% over, with a long tail of large overruns;
    ``spread`` 0 is ``mean`` exactly.
    """

    distribution: Literal["lognormal"]
    mean: PositiveFactor
    spread: Factor
    """Standard deviation of the value itself (not of its logarithm); 0: no variance."""


class Triangular(StrictModel):
    """``low`` to ``high``, most often ``mode``; ``low`` = ``high`` is that value exactly."""

    distribution: Literal["triangular"]
    low: Factor
    mode: Factor
    high: Factor

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"needs low <= mode <= high, got {self.low:g}, {self.mode:g}, "
                             f"{self.high:g}")
        return self


class Choice(StrictModel):
    """One of ``values``, with ``weights`` (equal when not given): e.g. 50/50 on time or late."""

    distribution: Literal["choice"]
    values: list[Factor] = Field(min_length=1, max_length=100)
    weights: list[Factor] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None and (len(self.weights) != len(self.values)
                                         or not sum(self.weights) > 0):
            raise ValueError("weights: give one weight per value, not all zero")
        return self


Distribution = Annotated[Fixed | LogNormal | Triangular | Choice,
                         Field(discriminator="distribution")]
KINDS_OF_DISTRIBUTION = ("fixed", "lognormal", "triangular", "choice")


class _Entry(StrictModel):
    draw: Literal["each", "common"] = "each"
    """``each``: every project (region) covered gets its own draw; ``common``: one draw for all
    of them (a price shock shared by a category)."""


class CapexEntry(_Entry):
    """A factor on capex (1.2 = 20% over): of one project, of one category's projects, or all.

    A project covered by several entries takes the most specific: its own, then its category's
    (the first such entry in the file), then the entry for all projects.
    """

    project: Id | None = None
    category: Id | None = None
    """Projects with an effect on a standard of this SRS category."""
    factor: Distribution

    @model_validator(mode="after")
    def _one(self) -> CapexEntry:
        if self.project is not None and self.category is not None:
            raise ValueError("give 'project' or 'category', not both (none: every project)")
        return self


class FiscalEntry(_Entry):
    """The share of a region's fiscal space and own revenue that does not come, every year."""

    region: Id | list[Id]
    """Region id, a list of ids, or ``all``."""
    shortfall: Distribution
    """Share in [0, 1] (a draw above 1 counts as 1)."""


class PopulationEntry(_Entry):
    """A factor on the population of settlements (1.03 = 3% more people), by region and area.

    ``each`` draws one factor per region covered.
    """

    region: Id | list[Id] = "all"
    area: Area | None = None
    """Only urban or only rural settlements; none: both."""
    factor: Distribution


class _UncertaintyFile(StrictModel):
    name: Name
    description: Description = ""
    capex_overrun: list[Any] = Field(default_factory=list, max_length=MAX_ENTRIES)
    fiscal_shortfall: list[Any] = Field(default_factory=list, max_length=MAX_ENTRIES)
    population_change: list[Any] = Field(default_factory=list, max_length=MAX_ENTRIES)


Entry = CapexEntry | FiscalEntry | PopulationEntry
SECTIONS: dict[str, type[Entry]] = {"capex_overrun": CapexEntry,
                                    "fiscal_shortfall": FiscalEntry,
                                    "population_change": PopulationEntry}
"""Each list of an uncertainty file and the model of its entries."""


class Located(StrictModel):
    """One entry and where it was written (``capex_overrun 2``, line 9)."""

    section: str
    number: int
    entry: Entry
    line: int | None = None

    @property
    def where(self) -> str:
        """``capex_overrun 2``, for messages."""
        return f"{self.section} {self.number}"


class Uncertainty(StrictModel):
    """The distributions of one file, in the file's order (which fixes the draws)."""

    name: str
    description: str = ""
    file: str
    entries: tuple[Located, ...] = ()

    def of(self, section: str) -> list[Located]:
        """The entries of one section, in order."""
        return [e for e in self.entries if e.section == section]


def _parse(data: Any, file: str, lines: Lines) -> tuple[Uncertainty | None, list[Problem]]:
    """The file's good entries, and every problem; ``None`` if its top level is bad."""
    if not isinstance(data, dict):
        return None, [Problem(file, "whole file", "must be a mapping with name and at least "
                              f"one of {', '.join(SECTIONS)}")]
    problems: list[Problem] = []
    try:
        top: _UncertaintyFile | None = _UncertaintyFile.model_validate(data)
    except ValidationError as exc:
        problems += _pydantic_problems(exc, _UncertaintyFile, file, "top level", lines, ())
        top = None
    entries = []
    for section, model in SECTIONS.items():
        raw = data.get(section)
        for number, item in enumerate(raw if isinstance(raw, list) else [], 1):
            path = (section, str(number - 1))
            try:
                entry = model.model_validate(item)
            except ValidationError as exc:
                problems += _pydantic_problems(exc, model, file, f"{section} {number}", lines,
                                               path)
                continue
            entries.append(Located(section=section, number=number, entry=entry,
                                   line=_line(lines, path)))
    if top is not None and not any(data.get(s) for s in SECTIONS):
        problems.append(Problem(file, "top level", f"lists nothing: give at least one of "
                                f"{', '.join(SECTIONS)}"))
    if top is None:
        return None, problems
    return Uncertainty(name=top.name, description=top.description, file=file,
                       entries=tuple(entries)), problems


def parse_uncertainty(data: Any, file: str, lines: Lines | None = None) -> Uncertainty:
    """Validate an uncertainty mapping; ``file`` names it in every error, ``lines`` gives lines.

    Raises:
        ScenarioError: with every problem: unknown keys or distributions, values out of range
            (a negative spread, low above high), in the top level and in each entry.
    """
    found, problems = _parse(data, file, lines or {})
    if problems or found is None:
        raise ScenarioError.of(problems)
    return found


def read_uncertainty(path: str | Path) -> tuple[Uncertainty, list[Problem]]:
    """The file's good entries and the problems of the others.

    ``cover`` reports the problems with those it finds: every mistake of a file at once.

    Raises:
        ScenarioError: the file is missing, not YAML, or its top level is bad.
    """
    lines: Lines = {}
    try:
        data = load_yaml(Path(path), lines)
    except UnreadableError as exc:
        raise ScenarioError(str(path), "whole file" if exc.line is None else "", str(exc),
                            exc.line) from None
    found, problems = _parse(data, str(path), lines)
    if found is None:
        raise ScenarioError.of(problems)
    return found, problems


def load_uncertainty(path: str | Path) -> Uncertainty:
    """Read and validate an uncertainty file (YAML, read safely: no aliases, size-capped).

    Raises:
        ScenarioError: the file is missing, not YAML, or holds bad entries (every one).
    """
    found, problems = read_uncertainty(path)
    if problems:
        raise ScenarioError.of(problems)
    return found
