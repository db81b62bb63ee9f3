"""Territorial designations of settlements: monotowns, border settlements, agglomerations.

The regional policy names these groups (issue 24, item 4). ``settlements.monotown`` and
``settlements.border`` are flags; ``settlements.agglomeration`` holds the name of the
agglomeration a settlement belongs to (``astana``, ...; empty when none). One definition of who
a designation names serves the objective weights, the critical floors' ``designation`` filter,
the verifier and the ``designations`` result table alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

Designation = Literal["monotown", "border", "agglomeration"]
DESIGNATIONS: tuple[Designation, ...] = ("monotown", "border", "agglomeration")
"""The three flags a weight or a floor may name; a floor may also name one agglomeration."""


def agglomerations(settlements: pd.DataFrame) -> list[str]:
    """The agglomeration names the settlements use, sorted."""
    names = settlements["agglomeration"].fillna("").astype(str)
    return sorted(set(names[names != ""]))


def designated(settlements: pd.DataFrame, designation: str) -> np.ndarray:
    """Which settlements ``designation`` names: a flag, or one agglomeration by its name."""
    if designation in ("monotown", "border"):
        return settlements[designation].fillna(False).to_numpy(bool)
    names = settlements["agglomeration"].fillna("").astype(str).to_numpy()
    return names != "" if designation == "agglomeration" else names == designation


def designation_multiplier(settlements: pd.DataFrame,
                           weights: Mapping[Designation, float]) -> np.ndarray:
    """``m_s``: the largest weight among a settlement's flags; 1 without a flag.

    A flag not named in ``weights`` weighs 1, so a settlement that is both a monotown (weight
    3) and a border settlement (no weight) has 3, and one weighted 0.5 that is also in an
    unweighted flag has 1.
    """
    best = np.full(len(settlements), -np.inf)
    for name in DESIGNATIONS:
        on = designated(settlements, name)
        best = np.where(on, np.maximum(best, float(weights.get(name, 1.0))), best)
    return np.where(np.isfinite(best), best, 1.0)
