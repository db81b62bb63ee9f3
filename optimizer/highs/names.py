"""Readable, stable names for the model's columns and rows, and the model export.

A column is named ``<variable>(<ids>)`` and a row ``<family>(<ids>)``, ids in the variable's
index order and years as calendar years: ``project_start(P001,2027)``,
``provision(s1,school,2028)``, ``envelope(2027)``. The names are only made when a model is
exported (``srsopt export``), never on the solve path, where the national model's 30k names
would cost time for nothing.

HiGHS's LP writer drops every name as soon as one holds a character it rejects (``- [ ] : + /``,
a space, anything non-ASCII ...), so ``lp_ids`` maps ids onto letters, digits, ``_`` and ``.``
and keeps them distinct; ``abai-0001`` is written ``abai_0001``.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

import highspy
import numpy as np

from models.instance import Instance
from models.safe_output import OutputTarget, write_output
from models.schema import AREAS
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.fiscal import dependency_bound
from optimizer.formulation.index import IndexSets, build_index
from optimizer.formulation.layout import Layout
from optimizer.formulation.structure import prerequisite_rows
from optimizer.highs.adapter import new_highs, to_highs_lp

ModelFormat = Literal["lp", "mps"]

ROW_NAMES: dict[str, str] = {"provision": "provision_limit", "shortfall": "shortfall_floor"}
"""Row names of the families that share their name with a variable (``provision``,
``shortfall``): Pyomo keeps variables and constraints in one namespace, and both exports use
the same names."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_.]")


def safe_name(text: str) -> str:
    """``text`` with every character an LP file cannot hold in a name replaced by ``_``."""
    return _UNSAFE.sub("_", text)


def row_name(family: str) -> str:
    """The name of a family's rows in both exports (the family's own name unless it clashes)."""
    return ROW_NAMES.get(family, family)


def lp_ids(instance: Instance) -> dict[str, str]:
    """Every id and label of the instance -> a name the LP and MPS writers accept, distinct."""
    raw: set[str] = set(AREAS)
    raw |= set(instance.regions["region_id"]) | set(instance.settlements["settlement_id"])
    raw |= set(instance.standards["standard_id"]) | set(instance.standards["category"])
    raw |= set(instance.projects["project_id"])
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    # ids that are safe already keep their name; a rewritten one yields to them
    for text in sorted(map(str, raw), key=lambda t: (_UNSAFE.search(t) is not None, t)):
        safe = _UNSAFE.sub("_", text) or "_"
        seen[safe] = seen.get(safe, 0) + 1
        # '~' is outside the safe alphabet, so a suffixed name cannot equal another id
        out[text] = safe if seen[safe] == 1 else f"{safe}~{seen[safe]}"
    return out


def area_tag(area: str, weight: float) -> str:
    """The area part of a shortfall name: ``rural``, or ``rural_m3`` for weight 3.

    Residents of designation weight 3 form a group of their own (docs/formulation.md, 13).
    """
    return area if weight == 1.0 else f"{area}_m{weight:g}"


def label(name: str, key: object, ids: Mapping[str, str] | None = None) -> str:
    """``name(k1,k2,...)`` for one index tuple (or a scalar index), ids mapped through ``ids``."""
    parts: Iterable[object] = key if isinstance(key, tuple) else (key,)
    text = ",".join(ids.get(p, p) if ids is not None and isinstance(p, str) else str(p)
                    for p in parts)
    return f"{name}({text})"


def _compose(name: str, *parts: np.ndarray) -> np.ndarray:
    """``name(a,b,...)`` element-wise over equally long string arrays."""
    text = np.char.add(f"{name}(", parts[0])
    for part in parts[1:]:
        text = np.char.add(np.char.add(text, ","), part)
    return np.char.add(text, ")")


def _map(values: np.ndarray, ids: Mapping[str, str] | None) -> np.ndarray:
    """Ids through ``ids`` (called on the short id arrays, never per column)."""
    values = np.asarray(values, dtype=str)
    return values if ids is None else np.asarray([ids[v] for v in values], dtype=str)


class _Keys:
    """The id strings of every position of ``IndexSets``, ready to be fancy-indexed."""

    def __init__(self, index: IndexSets, ids: Mapping[str, str] | None) -> None:
        self.ids = ids
        self.year = index.years.astype(str)
        self.project = _map(index.project_ids, ids)
        self.region = _map(index.region_ids, ids)
        self.settlement = _map(index.settlement_ids, ids)
        self.standard = _map(index.standard_ids, ids)
        self.category = _map(index.categories, ids)
        self.area = _map(np.asarray(AREAS), ids)
        n_t, n_r = index.n_years, index.n_regions
        capped = np.repeat(index.capped_pairs, n_t)
        self.pair_year = (self.settlement[index.pair_settlement[capped]],
                          self.standard[index.pair_standard[capped]],
                          self.year[np.tile(np.arange(n_t), len(index.capped_pairs))])
        self.region_year = (self.region[np.repeat(np.arange(n_r), n_t)],
                            self.year[np.tile(np.arange(n_t), n_r)])

    def groups(self, index: IndexSets, group: np.ndarray, year: np.ndarray
               ) -> tuple[np.ndarray, ...]:
        """(region, category, area, year) of shortfall columns and rows.

        The area of a group with a designation weight other than 1 carries it (``rural_m3``),
        so names stay unique.
        """
        weight = index.group_weight[group]
        area = self.area[index.group_area[group]].astype(object)
        marked = weight != 1.0
        area[marked] = [area_tag(a, w) for a, w in zip(area[marked], weight[marked], strict=True)]
        return (self.region[index.group_region[group]], self.category[index.group_category[group]],
                area.astype(str), self.year[year])


def column_names(index: IndexSets, form: Formulation,
                 ids: Mapping[str, str] | None = None) -> np.ndarray:
    """The name of every column, in the layout's order (``optimizer/formulation/layout.py``)."""
    keys, layout = _Keys(index, ids), form.layout
    names = np.concatenate([
        _compose("project_start", keys.project[index.start_project],
                 keys.year[index.start_year]),
        _compose("provision", *keys.pair_year),
        _compose("region_transfer", *keys.region_year),
        _compose("region_cofinancing", *keys.region_year),
        _compose("shortfall", *keys.groups(index, layout.short_group, layout.short_year)),
        *_fiscal_columns(index, layout, keys),
    ])
    assert len(names) == layout.n_cols, "a column family has no names"
    return names


def row_names(index: IndexSets, form: Formulation,
              ids: Mapping[str, str] | None = None) -> np.ndarray:
    """The name of every row, family by family in the order of ``Formulation.rows``."""
    keys, layout = _Keys(index, ids), form.layout
    per_family = {
        "one_start": (keys.project,),
        "provision": keys.pair_year,
        "funding": keys.region_year,
        "cofinancing": keys.region_year,
        "fiscal_space": keys.region_year,
        "envelope": (keys.year,),
        "shortfall": keys.groups(index, layout.short_group, layout.short_year),
        **_fiscal_rows(index, keys),
        **_structure_rows(index, keys),
        "growth_floor": (np.asarray(["horizon"] * (form.rows["growth_floor"].stop
                                                   - form.rows["growth_floor"].start), dtype=str),),
    }
    blocks = []
    for family, rows in form.rows.items():
        names = _compose(row_name(family), *per_family[family])
        assert len(names) == rows.stop - rows.start, f"{family}: names do not match its rows"
        blocks.append(names)
    return np.concatenate(blocks) if blocks else np.asarray([], dtype=str)


def _floor_keys(index: IndexSets, keys: _Keys, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """(floor name, region) of critical floor rows; floor names are settings keys."""
    f = index.fiscal
    names = np.asarray([safe_name(n) for n in f.floor_name[rows]], dtype=str)
    return names, keys.region[f.floor_region[rows]]


def _fiscal_columns(index: IndexSets, layout: Layout, keys: _Keys) -> list[np.ndarray]:
    """Names of the trailing fiscal columns: ``equalization(r,t)``, ``floor_slack(name,r)``."""
    eq = (_compose("equalization", *keys.region_year) if layout.n_equalization
          else np.asarray([], dtype=str))
    slack = _compose("floor_slack", *_floor_keys(index, keys, index.fiscal.elastic_floors))
    return [eq, slack]


def _fiscal_rows(index: IndexSets, keys: _Keys) -> dict[str, tuple[np.ndarray, ...]]:
    """Index keys of the fiscal families' rows (empty arrays where a rule is off)."""
    f = index.fiscal
    region, year = keys.region_year
    floor_rows = np.flatnonzero(f.eq_floor.reshape(-1) > 0)
    capped = np.flatnonzero(~np.isnan(dependency_bound(index)))
    later = np.flatnonzero(np.tile(np.arange(index.n_years) > 0, index.n_regions))
    band = {name: (region[later], year[later]) if on else (region[:0], year[:0])
            for name, on in (("hold_harmless", not np.isnan(f.max_decrease)),
                             ("transfer_growth", not np.isnan(f.max_increase)))}
    return {"equalization_pool": (keys.year[:len(f.pool)],),
            "equalization_floor": (region[floor_rows], year[floor_rows]),
            "dependency_cap": (region[capped], year[capped]),
            "critical_floor": _floor_keys(index, keys, np.arange(len(f.floor_level))),
            **band}


def _structure_rows(index: IndexSets, keys: _Keys) -> dict[str, tuple[np.ndarray, ...]]:
    """Keys of ``alternatives(group)`` and ``prerequisite(p,q,year)`` rows.

    Group names are free text, written LP-safe like floor names.
    """
    s = index.structure
    req, col = prerequisite_rows(index)
    required = _map(s.requires_id, keys.ids)  # an excluded requirement has no position
    return {"alternatives": (np.asarray([safe_name(g) for g in s.group_names], dtype=str),),
            "prerequisite": (keys.project[s.requires_project[req]], required[req],
                             keys.year[index.start_year[col]])}


def write_highs_model(h: highspy.Highs, out: Path | OutputTarget, fmt: ModelFormat) -> Path:
    """Write the model a ``highspy.Highs`` holds as LP or MPS, safely (``models.safe_output``)."""

    def fill(file: Path) -> None:
        # HiGHS picks the format by suffix: write under one in a scratch folder, then move
        with tempfile.TemporaryDirectory(dir=file.parent, prefix=file.name + ".") as scratch:
            tmp = Path(scratch) / f"model.{fmt}"
            if h.writeModel(str(tmp)) == highspy.HighsStatus.kError or not tmp.is_file():
                raise RuntimeError(f"HiGHS could not write {out}")
            os.replace(tmp, file)

    return write_output(out, "model", fill)


def named_highs(instance: Instance, ids: Mapping[str, str]) -> highspy.Highs:
    """The array build of ``instance`` in a HiGHS object, every column and row named."""
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    lp = to_highs_lp(form)
    lp.col_names_ = column_names(index, form, ids).tolist()
    lp.row_names_ = row_names(index, form, ids).tolist()
    h = new_highs()
    h.passModel(lp)
    return h
