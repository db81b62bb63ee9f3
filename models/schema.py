"""The table contract of an instance: files, columns, types and allowed values.

One declaration serves loading, validation, writing, templates and docs, so the column
names of ``docs/instance-format.md`` exist in exactly one place in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models.caps import CAPS, Cap

SETTLEMENT_TYPES: tuple[str, ...] = (
    "city_republican",
    "city_regional",
    "town_district",
    "district_center",
    "rural_okrug_center",
    "rural_support",
    "rural_satellite",
    "rural_other",
)
AREAS: tuple[str, ...] = ("urban", "rural")
REGION_KINDS: tuple[str, ...] = ("oblast", "city")
PROJECT_STATUSES: tuple[str, ...] = ("candidate", "committed", "excluded")

Kind = Literal[
    "id", "str", "int", "year", "float", "money", "persons", "share", "bool", "enum", "label"
]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: its name, kind, whether it is required, and its unit."""

    name: str
    kind: Kind
    required: bool = True
    unit: str = ""
    choices: tuple[str, ...] = ()
    """Allowed values of an ``enum`` column."""
    default: str | float | None = None
    """Value used for an optional column that is absent or empty."""
    minimum: float | None = None
    """Smallest allowed value of a numeric column (``share`` is [0, 1] by kind)."""
    ascii: bool = False
    """The values must be short ASCII ids (letters, digits, ``_ - .``)."""
    cap: str | None = None
    """Unit whose cap (``models.caps.CAPS``) bounds a numeric column; default: by kind."""
    refers: str = ""
    """The table whose key this column names (a reference checked by
    ``models.checks.check_references``, a drop-down of that sheet's ids in a workbook)."""

    @property
    def limit(self) -> Cap:
        """The finite range a numeric cell of this column must fall in."""
        return CAPS[self.cap or _KIND_CAPS.get(self.kind, "money")]

    @property
    def text_kind(self) -> str:
        """Which text cap (``models.caps.MAX_TEXT``) a text cell of this column has."""
        return "text" if self.kind == "str" else "id"


_KIND_CAPS = {"money": "money", "persons": "persons", "share": "share", "year": "year",
              "int": "count"}
"""The cap of each numeric kind; a ``float`` column without a unit of its own takes money's."""


@dataclass(frozen=True, slots=True)
class Table:
    """One table of an instance and the columns that make its key."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    optional: bool = False
    """An optional table may be left out of every form (no file, sheet or JSON key); absent
    or empty, it changes nothing (``project_spend``, ``project_requires``)."""

    @property
    def file(self) -> str:
        """The CSV file name in the folder form."""
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        """Contract columns in order."""
        return tuple(c.name for c in self.columns)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "regions",
            ("region_id",),
            (
                Column("region_id", "id", ascii=True),
                Column("name", "str"),
                Column("kind", "enum", choices=REGION_KINDS),
                Column("cofinancing_rate", "share", unit="share of capex"),
                Column("max_envelope_share", "share", required=False, default=1.0,
                       unit="share of envelope"),
                Column("dependency_cap", "share", required=False, unit="share of revenue"),
                Column("grp", "money", required=False, unit="million KZT", minimum=0.0),
            ),
        ),
        Table(
            "region_years",
            ("region_id", "year"),
            (
                Column("region_id", "id", refers="regions"),
                Column("year", "year"),
                Column("fiscal_space", "money", unit="million KZT", minimum=0.0),
                Column("own_revenue", "money", required=False, unit="million KZT", minimum=0.0),
                Column("general_transfer", "money", required=False, unit="million KZT"),
            ),
        ),
        Table(
            "settlements",
            ("settlement_id",),
            (
                Column("settlement_id", "id"),
                Column("region_id", "id", refers="regions"),
                Column("name", "str"),
                Column("type", "enum", choices=SETTLEMENT_TYPES),
                Column("area", "enum", choices=AREAS),
                Column("population", "persons", unit="persons", minimum=0.0),
                Column("monotown", "bool", required=False, default=False),
                Column("border", "bool", required=False, default=False),
                Column("agglomeration", "str", required=False, default=""),
            ),
        ),
        Table(
            "standards",
            ("standard_id",),
            (
                Column("standard_id", "id"),
                Column("name", "str"),
                Column("source", "str", required=False, default=""),
                Column("category", "label"),
                Column("applies_to", "str"),
                Column("min_population", "persons", required=False, default=0.0,
                       unit="persons", minimum=0.0),
            ),
        ),
        Table(
            "coverage",
            ("settlement_id", "standard_id"),
            (
                Column("settlement_id", "id", refers="settlements"),
                Column("standard_id", "id", refers="standards"),
                Column("level", "share", unit="share of residents"),
            ),
        ),
        Table(
            "projects",
            ("project_id",),
            (
                Column("project_id", "id"),
                Column("name", "str", required=False, default=""),
                Column("settlement_id", "id", refers="settlements"),
                Column("capex", "money", unit="million KZT", minimum=0.0),
                Column("opex", "money", unit="million KZT per year", minimum=0.0),
                Column("duration", "int", unit="years", minimum=1.0, cap="duration"),
                Column("earliest_start", "year", required=False),
                Column("latest_start", "year", required=False),
                Column("status", "enum", required=False, choices=PROJECT_STATUSES,
                       default="candidate"),
                Column("divisible", "bool", required=False, default=False),
                Column("group", "id", required=False, default=""),
                Column("grp_effect", "money", required=False, default=0.0,
                       unit="million KZT per year", minimum=0.0),
                Column("revenue_effect", "money", required=False, default=0.0,
                       unit="million KZT per year", minimum=0.0),
            ),
        ),
        Table(
            "project_effects",
            ("project_id", "settlement_id", "standard_id"),
            (
                Column("project_id", "id", refers="projects"),
                Column("settlement_id", "id", refers="settlements"),
                Column("standard_id", "id", refers="standards"),
                Column("level", "share", unit="share of residents"),
            ),
        ),
        Table(
            "project_spend",
            ("project_id", "construction_year"),
            (
                Column("project_id", "id", refers="projects"),
                Column("construction_year", "int", unit="year of construction, 1 = start year",
                       minimum=1.0, cap="duration"),
                Column("share", "share", unit="share of capex"),
            ),
            optional=True,
        ),
        Table(
            "project_requires",
            ("project_id", "requires"),
            (
                Column("project_id", "id", refers="projects"),
                Column("requires", "id", refers="projects"),
            ),
            optional=True,
        ),
    )
}
"""Every table of an instance, in load order; the last two are optional."""
