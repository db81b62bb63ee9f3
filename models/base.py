"""Strict pydantic base shared by every settings model, and the field types of each unit.

Every number and text of ``instance.yaml`` and of scenario files has one of the types below;
each checks its value against the cap of its unit in ``models.caps``, so an infinite or absurd
value is an error that names the field, the cap and the unit.
"""

from dataclasses import replace
from functools import partial
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from models.caps import CAPS, text_problem


class StrictModel(BaseModel):
    """Unknown keys are errors and objects are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


def _capped(unit: str, low: float | None = None, low_open: bool = False) -> AfterValidator:
    cap = CAPS[unit] if low is None else replace(CAPS[unit], low=low, low_open=low_open)
    return AfterValidator(cap.check)


def _text_check(kind: str, value: str) -> str:
    problem = text_problem(value, kind)
    if problem is not None:
        raise ValueError(problem)
    return value


Money = Annotated[float, _capped("money", low=0.0)]
"""A non-negative amount of money, million KZT."""

Share = Annotated[float, _capped("share")]
"""A share of residents or of money, in [0, 1]."""

Weight = Annotated[float, _capped("weight")]
"""A non-negative weight or penalty of the objective."""

Factor = Annotated[float, _capped("factor")]
"""A non-negative multiplier (0.9 = a 10% cut)."""

PositiveFactor = Annotated[float, _capped("factor", low=0.0, low_open=True)]
"""A multiplier above 0."""

Seconds = Annotated[float, _capped("seconds")]
"""A time limit: finite and above 0 seconds."""

Year = Annotated[int, _capped("year")]
"""A calendar year."""

Count = Annotated[int, _capped("count")]
"""A positive count the solver keeps in a 32-bit integer (branch-and-bound nodes)."""

Threads = Annotated[int, _capped("threads")]
"""Solver threads."""

Id = Annotated[str, AfterValidator(partial(_text_check, "id"))]
"""An id or a label (region, project, standard, category)."""

Name = Annotated[str, AfterValidator(partial(_text_check, "text"))]
"""A short text shown in reports: a name, a path."""

Description = Annotated[str, AfterValidator(partial(_text_check, "description"))]
"""Free text: what an instance or scenario is."""


def year_key(key: object) -> object:
    """The year a mapping key names (``2026``, ``"2026"``, ``"02026"`` and ``2026.0`` alike)."""
    if isinstance(key, bool):
        return key
    if isinstance(key, float) and key.is_integer():
        return int(key)
    if isinstance(key, str) and key.strip().lstrip("+-").isdigit() and len(key) < 20:
        return int(key.strip())
    return key


def _distinct_years(value: Any) -> Any:
    """Refuse two keys naming one year: otherwise the last would silently win."""
    if not isinstance(value, dict):
        return value
    seen: dict[object, object] = {}
    for key in value:
        year = year_key(key)
        if year in seen:
            raise ValueError(f"names the year {year} twice (as {seen[year]!r} and {key!r}); "
                             "keep one")
        seen[year] = key
    return value


MoneyByYear = Annotated[dict[Year, Money], BeforeValidator(_distinct_years)]
"""Million KZT per year; two keys of one year (``2026`` and ``"02026"``) are an error."""

ShareByYear = Annotated[dict[Year, Share], BeforeValidator(_distinct_years)]
"""A share per year; two keys of one year are an error."""
