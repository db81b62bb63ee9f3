"""How each result column is shown: its kind, Excel number format, unit and labelled header.

One table of column kinds serves the results workbook (number formats, header comments), the
HTML report (numbers as text in the reader's language), the headers with units of both, and
the what-if comparison's workbook and page (its changes, ``*_change``, shown with their sign).
"""

from __future__ import annotations

import math

from optimizer.outputs.labels import (
    DEFAULT_LANG,
    MISSING,
    finite,
    label,
    label_or,
    number,
    percent,
)

MILLION_KZT = "#,##0"
PERCENT = "0.0%"
PERSONS = "#,##0"
YEAR = "0"
COUNT = "#,##0"

_KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # kind: (Excel number format, unit note, columns or summary keys of that kind)
    "money": (MILLION_KZT, "million KZT", (
        "capex", "funded_capex", "opex", "capex_spend", "transfer", "cofinancing", "new_opex",
        "fiscal_space", "fiscal_space_used", "envelope", "total_transfer", "total_cofinancing",
        "equalization", "own_revenue", "general_transfer", "unused", "transfer_change",
        "revenue_added", "grp_added")),
    "share": (PERCENT, "share, shown as %", (
        "funded", "share", "fiscal_space_used_share", "envelope_share", "baseline", "provision",
        "target", "mip_gap", "mip_rel_gap", "dependency_before", "dependency_after",
        "used_share", "base_funded", "scenario_funded", "probability", "share_cut",
        "share_delayed", "shortfall_share", "grp_added_share")),
    "persons": (PERSONS, "persons", ("persons", "baseline_served", "served", "shortfall",
                                     "provision_gain", "shortfall_target_year",
                                     "shortfall_change", "mean", "p10", "p50", "p90")),
    "year": (YEAR, "calendar year", ("year", "start_year", "completion_year", "base_start_year",
                                     "scenario_start_year")),
    "value": ("0.000", "objective units per million KZT (LP estimate)",
              ("lp_marginal_value", "lp_value")),
    "count": (COUNT, "number", ("funded_projects", "projects", "projects_added",
                                "projects_dropped", "projects_changed", "draws", "met",
                                "times_cut", "times_delayed")),
    "objective": ("#,##0.0", "objective units (lower is better)", ("objective",
                                                                   "objective_change")),
    "points": ("0.0", "percentage points", ("provision_change",)),
    "seconds": ("0.0", "seconds", ("solve_seconds",)),
}
_UNIT_LABEL = {"money": "unit.money", "share": "unit.share", "persons": "unit.persons",
               "value": "unit.value", "objective": "unit.objective", "points": "unit.points",
               "seconds": "unit.seconds"}
"""The unit shown in a labelled header, by kind (years and counts need none)."""
COLUMN_KIND: dict[str, str] = {c: kind for kind, (_, _, cols) in _KINDS.items() for c in cols}
"""Kind of every numeric result column (and summary key), by name."""
_DECIMALS = {"value": 3, "objective": 1, "points": 1, "seconds": 1}
"""Decimals shown by kind (others: none)."""
SIGNED = "_change"
"""A column whose name ends so is a change against a reference: shown with its sign (+3)."""


def number_format(column: str) -> str | None:
    """The Excel number format of a result column (``None``: general)."""
    kind = COLUMN_KIND.get(column)
    if kind is None:
        return None
    fmt = _KINDS[kind][0]
    return f"+{fmt};-{fmt};{fmt}" if column.endswith(SIGNED) else fmt


def unit_note(column: str) -> str:
    """The unit of a result column, for header comments and chart axes."""
    kind = COLUMN_KIND.get(column)
    return _KINDS[kind][1] if kind else ""


def format_value(column: str, value: object, lang: str = "en") -> str:
    """A result value as text in its column's display format (``12,345``, ``96.0%``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    kind = COLUMN_KIND.get(column)
    x = finite(value)
    if kind is None or x is None:
        return str(value)
    if kind == "year":
        return f"{x:.0f}"
    text = percent(x, lang) if kind == "share" else number(x, lang, _DECIMALS.get(kind, 0))
    shows_more = x > 0 and any(digit in text for digit in "123456789")  # not "+0"
    return "+" + text if column.endswith(SIGNED) and shows_more else text


def header(column: str, lang: str = DEFAULT_LANG) -> str:
    """A column's header for people: its label and unit (``Capex (million KZT)``).

    A column the catalogue does not name keeps its name, so new columns still show.
    """
    name = label_or(f"col.{column}", lang, column)
    unit = _UNIT_LABEL.get(COLUMN_KIND.get(column, ""))
    return name if unit is None else label("header.with_unit", lang, label=name,
                                           unit=label(unit, lang))
