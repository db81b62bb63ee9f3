"""Located validation problems, collected and raised together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
WHOLE_FILE = "-"
"""``Issue.field`` of a problem with a whole file rather than one column."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in an instance, located as file / line / row id / field."""

    table: str
    """File (or table) name, e.g. ``projects.csv`` or ``instance.yaml``."""
    field: str
    """Column or settings key."""
    message: str
    """What was expected, in the analyst's words."""
    line: int | None = None
    """Line in the file (CSV: header is line 1), when the problem is in one row."""
    row_id: str | None = None
    """The row's ID (e.g. ``P-0132``) when it has one."""
    value: object = None
    """The value found."""
    severity: Severity = "error"

    def __str__(self) -> str:
        """E.g. ``projects.csv line 14 (P-0132): settlement_id 'akm-017' does not exist ...``."""
        where = short(self.table, 160)
        if self.line is not None:
            where += f" line {self.line}"
        if self.row_id:
            where += f" ({short(self.row_id, 60)})"
        what = "" if self.field == WHOLE_FILE else f"{short(self.field, 60)} "
        if self.value is not None:
            what += f"{_show(self.value)} "
        return f"{where}: {what}{self.message}"


def _show(value: object) -> str:
    return short(repr(value) if isinstance(value, str) else value, 60)


def short(value: object, width: int = 80) -> str:
    """``value`` as text of at most ``width`` characters, shortened with an ellipsis."""
    text = str(value)
    return text if len(text) <= width else text[:width - 1] + "…"


class InstanceError(ValueError):
    """An instance failed validation; ``issues`` holds every error found, not only the first."""

    def __init__(self, issues: list[Issue], source: str = "instance") -> None:
        self.issues = [i for i in issues if i.severity == "error"]
        self.warnings = [i for i in issues if i.severity == "warning"]
        self.source = source
        super().__init__(self._summary())

    def _summary(self, limit: int = 50) -> str:
        lines = [f"{self.source}: {len(self.issues)} error(s)"]
        lines += [f"  - {issue}" for issue in self.issues[:limit]]
        if len(self.issues) > limit:
            lines.append(f"  ... and {len(self.issues) - limit} more")
        return "\n".join(lines)
