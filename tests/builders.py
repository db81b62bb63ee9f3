"""A small valid instance to break one thing at a time, and a writer to its folder form.

Two regions (an oblast and a city), five settlements of different types and areas, two
standards in two categories, five projects (P5 committed, P2 with effects in two settlements)
and three planning years. It loads without errors or warnings and solves in well under a second.

Row positions, so a test can name the CSV line (header = line 1, first data row = line 2):

- settlements: kok (line 2), zhaksy (3), sat (4), shym (5), koshy (6)
- projects: P1 (line 2), P2 (3), P3 (4), P4 (5), P5 (6)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from models.folder import write_folder

YEARS = [2026, 2027, 2028]
CLINIC_TYPES = "city_republican;city_regional;district_center;rural_support"
"""``clinic`` does not apply to ``sat`` (a rural_satellite)..."""
CLINIC_MIN_POPULATION = 3000
"""...nor to ``koshy`` (a rural_support of 2 500 persons)."""


def valid_settings() -> dict[str, Any]:
    """The ``instance.yaml`` mapping of the valid instance."""
    return {
        "name": "builder",
        "description": "two regions, five settlements, five projects",
        "years": list(YEARS),
        "targets": {"urban": {2028: 0.9}, "rural": {2028: 0.7}},
        "budget": {"envelope": dict.fromkeys(YEARS, 100.0), "carryover": False},
        "objective": {"mode": "weighted", "category_weights": {"education": 1.0, "health": 2.0},
                      "access_weight": 0.01, "cost_weight": 0.0},
        "solver": {"time_limit": 10.0, "mip_rel_gap": 0.0, "threads": None},
    }


def valid_tables() -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A fresh valid instance as (settings, tables); every call returns new objects."""
    regions = pd.DataFrame({
        "region_id": ["akmola", "shymkent"], "name": ["Akmola", "Shymkent"],
        "kind": ["oblast", "city"], "cofinancing_rate": [0.1, 0.2],
        "max_envelope_share": [1.0, 0.8],
    })
    region_years = pd.DataFrame(
        [(r, y, 30.0, 500.0, 10.0 if r == "akmola" else -5.0)
         for r in ("akmola", "shymkent") for y in YEARS],
        columns=["region_id", "year", "fiscal_space", "own_revenue", "general_transfer"],
    )
    settlements = pd.DataFrame({
        "settlement_id": ["kok", "zhaksy", "sat", "shym", "koshy"],
        "region_id": ["akmola", "akmola", "akmola", "shymkent", "shymkent"],
        "name": ["Kokshetau", "Zhaksy", "Satellite", "Shymkent", "Koshy"],
        "type": ["city_regional", "district_center", "rural_satellite", "city_republican",
                 "rural_support"],
        "area": ["urban", "rural", "rural", "urban", "rural"],
        "population": [150_000, 8_000, 400, 1_200_000, 2_500],
        "monotown": [False, False, False, False, False],
        "border": [False, True, False, False, True],
        "agglomeration": ["", "", "", "shymkent", ""],
    })
    standards = pd.DataFrame({
        "standard_id": ["school", "clinic"],
        "name": ["School within reach", "Primary health care"],
        "source": ["SRS annex 1", "SRS annex 2"],
        "category": ["education", "health"],
        "applies_to": ["all", CLINIC_TYPES],
        "min_population": [0, CLINIC_MIN_POPULATION],
    })
    coverage = pd.DataFrame({
        "settlement_id": ["kok", "kok", "zhaksy", "shym", "shym", "koshy"],
        "standard_id": ["school", "clinic", "school", "school", "clinic", "school"],
        "level": [0.8, 0.9, 0.5, 0.85, 0.95, 0.3],
    })
    projects = pd.DataFrame({
        "project_id": ["P1", "P2", "P3", "P4", "P5"],
        "name": ["Kokshetau school", "Zhaksy district hospital", "Shymkent school",
                 "Koshy school", "Zhaksy school"],
        "settlement_id": ["kok", "zhaksy", "shym", "koshy", "zhaksy"],
        "capex": [80.0, 120.0, 150.0, 60.0, 30.0],
        "opex": [2.0, 4.0, 5.0, 2.0, 1.0],
        "duration": [2, 2, 2, 1, 1],
        "earliest_start": [None, 2026, None, None, None],
        "latest_start": [None, 2027, None, None, None],
        "status": ["candidate", "candidate", "candidate", "candidate", "committed"],
        "divisible": [False, False, True, False, False],
    })
    project_effects = pd.DataFrame({
        "project_id": ["P1", "P2", "P2", "P3", "P4", "P5"],
        "settlement_id": ["kok", "zhaksy", "kok", "shym", "koshy", "zhaksy"],
        "standard_id": ["school", "clinic", "clinic", "school", "school", "school"],
        "level": [1.0, 1.0, 0.95, 1.0, 1.0, 0.9],
    })
    projects["earliest_start"] = projects["earliest_start"].astype("Int64")
    projects["latest_start"] = projects["latest_start"].astype("Int64")
    tables = {
        "regions": regions, "region_years": region_years, "settlements": settlements,
        "standards": standards, "coverage": coverage, "projects": projects,
        "project_effects": project_effects,
    }
    return valid_settings(), tables


def set_cell(
    tables: dict[str, pd.DataFrame], table: str, row: int, column: str, value: object
) -> None:
    """Put any value (text, number, empty) in one cell, whatever the column's dtype."""
    frame = tables[table]
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value


def write_instance(
    tmp_path: Path, settings: dict[str, Any], tables: dict[str, pd.DataFrame]
) -> Path:
    """Write the instance in folder form under ``tmp_path`` and return the folder."""
    return write_folder(settings, tables, tmp_path / "instance")
