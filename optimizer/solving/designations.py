"""Provision and shortfall of the residents of each designation and agglomeration.

The ``designations`` result table (docs/formulation.md, section 13): for the flags
``monotown``, ``border`` and ``agglomeration`` (all five together) and for each agglomeration
by its name, per category, area and year, the residents' persons, persons served at baseline
and in the plan, the target and the shortfall, counted as in the national table: per region,
category and area (a region above target does not offset another), then summed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.designations import DESIGNATIONS, agglomerations, designated
from models.schema import AREAS
from optimizer.formulation.index import FloatArray, IndexSets

KEYS = ["designation", "kind", "category", "area", "year"]
"""One row per these; ``kind`` is ``flag`` (the three flags) or ``agglomeration`` (one)."""


def designation_table(settlements: pd.DataFrame, index: IndexSets,
                      pair_provision: FloatArray) -> pd.DataFrame | None:
    """The table, or ``None`` when no settlement has a designation.

    ``pair_provision``: provision of every applicable pair at the end of each year, shape
    (pairs, years), as polished.
    """
    names = [*DESIGNATIONS, *agglomerations(settlements)]
    kinds = ["flag"] * len(DESIGNATIONS) + ["agglomeration"] * (len(names) - len(DESIGNATIONS))
    n_t = index.n_years
    s = index.pair_settlement
    pairs = pd.DataFrame({
        "region_id": np.repeat(index.settlement_region[s], n_t),
        "category": np.repeat(index.categories[index.standard_category[index.pair_standard]],
                              n_t),
        "area": np.repeat(np.asarray(AREAS)[index.settlement_area[s]], n_t),
        "year": np.tile(index.years, len(s)),
        "persons": np.repeat(index.population[s], n_t),
        "baseline_served": np.repeat(index.population[s] * index.pair_c0, n_t),
        "served": np.repeat(index.population[s], n_t) * pair_provision.reshape(-1),
        "target": index.target[index.settlement_area[s]].reshape(-1),
    })
    frames = []
    for name, kind in zip(names, kinds, strict=True):
        on = np.repeat(designated(settlements, name)[s], n_t)
        if not on.any():
            continue
        regional = pairs[on].groupby(["region_id", "category", "area", "year"],
                                     as_index=False, sort=True).agg(
            persons=("persons", "sum"), baseline_served=("baseline_served", "sum"),
            served=("served", "sum"), target=("target", "first"))
        regional["shortfall"] = np.maximum(0.0, regional["target"] * regional["persons"]
                                           - regional["served"])
        frames.append(regional.groupby(KEYS[2:], as_index=False, sort=True).agg(
            persons=("persons", "sum"), baseline_served=("baseline_served", "sum"),
            served=("served", "sum"), target=("target", "first"),
            shortfall=("shortfall", lambda v: v.sum(min_count=1))).assign(
            designation=name, kind=kind))
    if not frames:
        return None
    out = pd.concat(frames, ignore_index=True)
    persons = out["persons"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["baseline"] = np.where(persons > 0, out["baseline_served"] / persons, np.nan)
        out["provision"] = np.where(persons > 0, out["served"] / persons, np.nan)
        out["shortfall_share"] = np.where(persons > 0, out["shortfall"] / persons, np.nan)
    return out[[*KEYS, "persons", "baseline_served", "served", "target", "shortfall",
                "baseline", "provision", "shortfall_share"]]
