"""What the whole-instance checks read (``models.checks``, ``models.checks_fiscal``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from models.settings import InstanceSettings

Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class CheckContext:
    """What the checks read: clean typed tables, all IDs present, and settings if valid."""

    tables: Tables
    """Typed tables without rows that failed a cell check and without repeated keys."""
    ids: dict[str, set[str]]
    """Every ID present in each table's first key column, broken rows included."""
    broken: dict[str, set[str]]
    """First key column values of the rows that failed a cell check, per table."""
    settings: InstanceSettings | None
    """``None`` when instance.yaml itself is invalid; checks needing it are skipped."""
