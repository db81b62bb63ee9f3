"""Draws from an uncertainty file, and an instance with a draw applied.

``cover`` checks an ``Uncertainty`` against an instance once (every unknown project, category
or region named with its line) and says what each entry covers. ``draw(coverage, seed, k)``
is draw ``k``: its numbers come from ``numpy.random.Generator(PCG64(SeedSequence(seed,
spawn_key=(k,))))``, the ``k``-th child of the seed, and are taken entry by entry in the
file's order, item by item in the instance's order; so draw ``k`` is the same on any worker,
in any order, whatever other draws are made. ``apply_draw`` gives the instance of a draw,
validated again like a scenario's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.caps import CAPS
from models.checks import applicable_mask
from models.instance import Instance
from models.scenario import Problem, ScenarioError, existing
from models.scenario_apply import project_categories
from models.uncertainty import (
    CapexEntry,
    Choice,
    FiscalEntry,
    Fixed,
    Located,
    LogNormal,
    PopulationEntry,
    Triangular,
    Uncertainty,
)

Covered = tuple[Located, tuple[str, ...]]
"""An entry and the ids it covers (projects or regions), in the instance's order."""


@dataclass(frozen=True)
class Coverage:
    """An uncertainty file checked against one instance: what each entry covers."""

    file: str
    capex: tuple[Covered, ...] = ()
    fiscal: tuple[Covered, ...] = ()
    population: tuple[Covered, ...] = ()
    capex_rank: dict[str, int] = field(default_factory=dict)
    """Per project, the position in ``capex`` of the entry it takes (the most specific)."""


@dataclass(frozen=True)
class Draw:
    """One draw: a factor per project's capex, a shortfall per region, population factors."""

    index: int
    capex: dict[str, float] = field(default_factory=dict)
    fiscal: dict[str, float] = field(default_factory=dict)
    """Share of fiscal space and own revenue lost, per region (combined over entries)."""
    population: tuple[tuple[str, str | None, float], ...] = ()
    """(region, area or None for both, factor), applied one after another."""


def _regions(wanted: str | list[str], known: list[str], problems: list[Problem],
             file: str, where: Located) -> tuple[str, ...]:
    if wanted == "all":
        return tuple(known)
    names = [wanted] if isinstance(wanted, str) else wanted
    bad = [n for n in names if n not in known]
    for name in bad:
        problems.append(Problem(file, where.where, existing("region", name, known), where.line))
    return tuple(n for n in known if n in names)


def _specificity(entry: CapexEntry) -> int:
    return 2 if entry.project is not None else 1 if entry.category is not None else 0


def cover(uncertainty: Uncertainty, instance: Instance, read: Sequence[Problem] = ()
          ) -> Coverage:
    """What each entry covers in ``instance``; ``read``: the problems found reading the file.

    Raises:
        ScenarioError: entries naming projects, categories or regions the instance does not
            have, and the problems ``read`` (every one, each with its line).
    """
    file, problems = uncertainty.file, list(read)
    projects = list(instance.projects["project_id"])
    regions = list(instance.regions["region_id"])
    pairs = project_categories(instance.tables())
    categories = sorted(set(instance.standards["category"]))
    capex: list[Covered] = []
    for located in uncertainty.of("capex_overrun"):
        entry = located.entry
        assert isinstance(entry, CapexEntry)
        if entry.project is not None and entry.project not in set(projects):
            problems.append(Problem(file, located.where, existing("project", entry.project,
                                                                  projects), located.line))
        if entry.category is not None and entry.category not in categories:
            problems.append(Problem(file, located.where, existing(
                "category", entry.category, categories, "categories"), located.line))
        members = (set(pairs.loc[pairs["category"] == entry.category, "project_id"])
                   if entry.category is not None else {entry.project}
                   if entry.project is not None else set(projects))
        capex.append((located, tuple(p for p in projects if p in members)))
    rank: dict[str, int] = {}
    for position, (located, ids) in enumerate(capex):
        mine = _specificity(located.entry)  # type: ignore[arg-type]
        for pid in ids:
            if pid not in rank or mine > _specificity(capex[rank[pid]][0].entry):  # type: ignore[arg-type]
                rank[pid] = position
    fiscal = [(e, _regions(e.entry.region, regions, problems, file, e))  # type: ignore[union-attr]
              for e in uncertainty.of("fiscal_shortfall")]
    population = [(e, _regions(e.entry.region, regions, problems, file, e))  # type: ignore[union-attr]
                  for e in uncertainty.of("population_change")]
    if problems:
        raise ScenarioError.of(sorted(problems, key=lambda p: p.line or 0))
    return Coverage(file=file, capex=tuple(capex), fiscal=tuple(fiscal),
                    population=tuple(population), capex_rank=rank)


def generator(seed: int, index: int) -> np.random.Generator:
    """The random numbers of draw ``index``: the ``index``-th child of ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed,
                                                                      spawn_key=(index,))))


def sample(distribution: Fixed | LogNormal | Triangular | Choice, rng: np.random.Generator,
           n: int) -> np.ndarray:
    """``n`` values; a distribution without spread gives its value exactly (no rounding)."""
    if isinstance(distribution, Fixed):
        return np.full(n, distribution.value)
    if isinstance(distribution, LogNormal):
        if distribution.spread == 0:
            return np.full(n, distribution.mean)
        sigma2 = float(np.log1p((distribution.spread / distribution.mean) ** 2))
        return rng.lognormal(np.log(distribution.mean) - sigma2 / 2, np.sqrt(sigma2), n)
    if isinstance(distribution, Triangular):
        if distribution.low == distribution.high:
            return np.full(n, distribution.low)
        return rng.triangular(distribution.low, distribution.mode, distribution.high, n)
    weights = np.asarray(distribution.weights or [1.0] * len(distribution.values), float)
    return rng.choice(np.asarray(distribution.values, float), size=n, p=weights / weights.sum())


def _values(located: Located, distribution: Fixed | LogNormal | Triangular | Choice,
            rng: np.random.Generator, n: int) -> np.ndarray:
    if located.entry.draw == "common":
        return np.repeat(sample(distribution, rng, 1), n)
    return sample(distribution, rng, n)


def draw(coverage: Coverage, seed: int, index: int) -> Draw:
    """Draw ``index`` of ``seed`` (the same numbers wherever and whenever it is made)."""
    rng = generator(seed, index)
    capex: dict[str, float] = {}
    for position, (located, ids) in enumerate(coverage.capex):
        entry = located.entry
        assert isinstance(entry, CapexEntry)
        for pid, value in zip(ids, _values(located, entry.factor, rng, len(ids)), strict=True):
            if coverage.capex_rank.get(pid) == position:
                capex[pid] = float(value)
    kept: dict[str, float] = {}
    for located, ids in coverage.fiscal:
        assert isinstance(located.entry, FiscalEntry)
        for region, value in zip(ids, _values(located, located.entry.shortfall, rng, len(ids)),
                                 strict=True):
            kept[region] = kept.get(region, 1.0) * (1.0 - min(float(value), 1.0))
    population = []
    for located, ids in coverage.population:
        entry = located.entry
        assert isinstance(entry, PopulationEntry)
        values = _values(located, entry.factor, rng, len(ids))
        population += [(r, entry.area, float(v)) for r, v in zip(ids, values, strict=True)]
    return Draw(index=index, capex=capex, fiscal={r: 1.0 - k for r, k in kept.items()},
                population=tuple(population))


def _still_applicable(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The project effects on pairs whose standard still applies after a population change.

    A settlement drawn below a standard's ``min_population`` leaves that pair out of ``A``
    (docs/formulation.md): nobody there counts for the standard, so an effect on it improves
    nothing, and validation refuses an effect on such a pair.
    """
    effects, places, standards = (tables[name] for name in ("project_effects", "settlements",
                                                            "standards"))
    applies = applicable_mask(places, standards)
    s = pd.Index(places["settlement_id"]).get_indexer(effects["settlement_id"])
    k = pd.Index(standards["standard_id"]).get_indexer(effects["standard_id"])
    return effects[applies[s, k]].reset_index(drop=True)


def apply_draw(instance: Instance, drawn: Draw) -> Instance:
    """``instance`` with the draw's capex, fiscal space, own revenue and population.

    A settlement whose population falls below a standard's ``min_population`` loses the
    project effects on that standard (``_still_applicable``).

    Raises:
        ScenarioError: a drawn capex or population above its cap (``models.caps``).
    """
    tables = {name: frame.copy() for name, frame in instance.tables().items()}
    projects, ry, places = tables["projects"], tables["region_years"], tables["settlements"]
    if drawn.capex:
        factor = projects["project_id"].map(drawn.capex).fillna(1.0).to_numpy(float)
        projects["capex"] = projects["capex"].to_numpy(float) * factor
    if drawn.fiscal:
        kept = 1.0 - ry["region_id"].map(drawn.fiscal).fillna(0.0).to_numpy(float)
        for column in ("fiscal_space", "own_revenue"):
            if column in ry:
                ry[column] = ry[column].to_numpy(float) * kept
    if drawn.population:
        factor = np.ones(len(places))
        for region, area, value in drawn.population:
            rows = places["region_id"] == region
            if area is not None:
                rows &= places["area"] == area
            factor[rows.to_numpy()] *= value
        places["population"] = places["population"].to_numpy(float) * factor
        tables["project_effects"] = _still_applicable(tables)
    for table, column in (("projects", "capex"), ("settlements", "population")):
        unit = "money" if column == "capex" else "persons"
        values = tables[table][column].to_numpy(float)
        bad = ~np.isfinite(values) | (values > CAPS[unit].high)
        if bad.any():
            raise ScenarioError("uncertainty", f"draw {drawn.index}", f"a drawn {column} "
                                f"({values[bad][0]:g}) {CAPS[unit].above()}")
    # numbers within their caps changed, effects on pairs that no longer apply dropped: the
    # instance stays valid, no second validation
    return instance.model_copy(update={**tables, "source": f"{instance.source} + draw "
                                       f"{drawn.index}"})


def drawn_totals(instance: Instance, changed: Instance) -> dict[str, float]:
    """What a draw changed, in totals: capex (million KZT), fiscal space, population."""
    def total(frame: pd.DataFrame, column: str) -> float:
        return float(frame[column].sum())

    return {"capex_nominal": total(instance.projects, "capex"),
            "capex_drawn": total(changed.projects, "capex"),
            "fiscal_space_nominal": total(instance.region_years, "fiscal_space"),
            "fiscal_space_drawn": total(changed.region_years, "fiscal_space"),
            "population_nominal": total(instance.settlements, "population"),
            "population_drawn": total(changed.settlements, "population")}
