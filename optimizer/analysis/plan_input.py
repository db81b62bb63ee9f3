"""A plan the analyst already has, read as a starts table: project, start year, funded share.

From a CSV file, a results folder (its ``starts.csv``, else ``projects.csv``) or a sheet of a
workbook (``--sheet``, else a sheet named ``starts``, else the first sheet with a project and a
start-year column). Headers are matched loosely (``Project ID``, ``start year (calendar
year)``, ``Funded, %``); the share column may be missing (every start is whole). Every
problem is located (file, line or sheet row, project) and all are reported at once
(``PlanError``); a plan that reads but breaks a rule is ``optimizer.analysis.evaluate``'s job.
"""

from __future__ import annotations

import io
import math
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from models.errors import Issue, short
from models.instance import Instance
from models.reading import UnreadableError, read_text
from models.scenario import existing
from models.sheet_reading import open_workbook, sheet_rows

COLUMNS = {"project_id": ("project_id", "project", "id"),
           "start_year": ("start_year", "start", "year"),
           "share": ("share", "funded_share", "funded", "share_funded")}
"""Each column of the starts table and the header names (normalised) it is read from."""
HEADER_ROWS = 10
"""Rows of a sheet searched for its header row."""


class PlanError(ValueError):
    """A plan that cannot be read as a starts table; ``issues`` holds every problem."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues[:50]))


def _normal(header: object) -> str:
    """``Start year (calendar year)`` -> ``start_year``; ``Funded, %`` -> ``funded``."""
    text = re.sub(r"[\(\[].*?[\)\]]", "", str(header or "")).strip().lower()
    return re.sub(r"[^0-9a-zа-я]+", "_", text).strip("_")


def _columns(headers: list[object]) -> dict[str, int]:
    """Position of each starts column among ``headers`` (the share column may be missing)."""
    names = [_normal(h) for h in headers]
    found: dict[str, int] = {}
    for column, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[column] = names.index(alias)
                break
    return found


def _percent(headers: list[object], at: int | None) -> bool:
    return at is not None and "%" in str(headers[at])


def _csv(path: Path) -> tuple[list[object], list[tuple[int, list[object]]]]:
    """Header and (line, cells) of a CSV file, every cell as text."""
    frame = pd.read_csv(io.StringIO(read_text(path)), dtype=str, keep_default_na=False,
                        header=None)
    rows = frame.to_numpy().tolist()
    if not rows:
        raise UnreadableError("is empty: expected a header row and one row per start")
    return rows[0], [(k + 2, r) for k, r in enumerate(rows[1:])]


def _sheet(path: Path, sheet: str | None) -> tuple[str, list[object],
                                                   list[tuple[int, list[object]]]]:
    """The sheet's name, header and (row, cells) below it."""
    book = open_workbook(path)
    try:
        names = list(book.sheetnames)
        wanted = [sheet] if sheet else [n for n in names if n.strip().lower() == "starts"]
        if sheet and sheet not in names:
            raise UnreadableError(existing("sheet", sheet, names))
        for name in wanted + [n for n in names if n not in wanted]:
            rows = sheet_rows(book[name])
            for k, row in enumerate(rows[:HEADER_ROWS]):
                if {"project_id", "start_year"} <= set(_columns(list(row))):
                    return name, list(row), [(k + 2 + j, list(r))
                                             for j, r in enumerate(rows[k + 1:])]
            if sheet:
                break
    finally:
        book.close()
    raise UnreadableError(f"{'sheet ' + repr(sheet) if sheet else 'no sheet'} has a project "
                          "and a start-year column (e.g. project_id, start_year)")


def _year(value: object) -> int | None:
    """A calendar year from a number, text or an Excel date; None if it is none."""
    if isinstance(value, datetime | date):
        return value.year
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number == int(number) else None


def _share(value: object, percent: bool) -> float | None:
    """A share from a number, ``0,72`` or ``72%``; None if it is none."""
    text = str(value).strip().replace(" ", "").replace(",", ".")
    scale = 100.0 if percent or text.endswith("%") else 1.0
    try:
        number = float(text.rstrip("%")) / scale
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(
        value).strip() == ""


def parse_starts(where: str, headers: list[object], rows: list[tuple[int, list[object]]],
                 instance: Instance) -> pd.DataFrame:
    """The starts table (project_id, start_year, share, line) of rows read from ``where``.

    A row without a start year and with no share (or 0) is a project the plan leaves out.

    Raises:
        PlanError: every problem, located.
    """
    at = _columns(headers)
    issues: list[Issue] = []
    missing = [c for c in ("project_id", "start_year") if c not in at]
    if missing:
        raise PlanError([Issue(where, "-", f"no {' or '.join(missing)} column (headers: "
                                           f"{short(', '.join(map(str, headers)), 200)})")])
    percent = _percent(headers, at.get("share"))
    ids, years = set(instance.projects["project_id"]), instance.years
    out: list[dict[str, Any]] = []
    for line, cells in rows:
        pid, year = cells[at["project_id"]], cells[at["start_year"]]
        share = cells[at["share"]] if "share" in at else 1.0
        if all(_blank(c) for c in cells):
            continue
        pid = "" if _blank(pid) else str(pid).strip()
        value = 1.0 if "share" not in at or (_blank(share) and not _blank(year)) else _share(
            share, percent)
        if _blank(year) and (value is None or value == 0.0):
            continue  # a project the plan does not fund
        problem = _row_problem(pid, year, value, share, ids, years, instance)
        if problem is not None:
            field, message, shown = problem
            issues.append(Issue(where, field, message, line, pid or None, shown))
            continue
        out.append({"project_id": pid, "start_year": _year(year), "share": value,
                    "line": line})
    starts = pd.DataFrame(out, columns=["project_id", "start_year", "share", "line"])
    twice = starts[starts.duplicated(["project_id", "start_year"], keep="first")]
    issues += [Issue(where, "start_year", "is given twice for this project; give one row per "
                     "start", line, pid, year) for pid, year, line in
               zip(twice["project_id"], twice["start_year"], twice["line"], strict=True)]
    if issues:
        raise PlanError(sorted(issues, key=lambda i: i.line or 0))
    return starts.astype({"start_year": "int64", "share": float})


def _row_problem(pid: str, year: object, value: float | None, raw_share: object,
                 ids: set[str], years: list[int], instance: Instance
                 ) -> tuple[str, str, object] | None:
    """(field, message, value) of a row's first problem, or None."""
    if not pid:
        return "project_id", "is empty: give the project's id", None
    if pid not in ids:
        return "-", existing("project", pid, instance.projects["project_id"]), None
    y = _year(year)
    if y is None:
        return "start_year", "is not a calendar year (e.g. 2027)", year
    if not years[0] <= y <= years[-1]:
        return "start_year", f"is outside the horizon {years[0]}-{years[-1]}", y
    if value is None:
        return "share", "is not a number: give the funded share, 0..1 (e.g. 0.72 or 72%)", \
            raw_share
    if not 0.0 <= value <= 1.0:
        hint = f" ({value:g} means {value:g}%? write {value / 100:g} or {value:g}%)" if (
            1.0 < value <= 100.0) else ""
        return "share", f"is outside 0..1{hint}", raw_share
    return None


def read_plan(path: str | Path, instance: Instance, sheet: str | None = None) -> pd.DataFrame:
    """The starts table of the plan at ``path`` (file or results folder).

    Raises:
        PlanError: the plan cannot be read, or a row is wrong (every problem, located).
    """
    path = Path(path)
    where = str(path)
    try:
        if path.is_dir():
            for name in ("starts.csv", "projects.csv"):
                if (path / name).is_file():
                    path, where = path / name, str(path / name)
                    break
            else:
                raise UnreadableError("holds no starts.csv or projects.csv of a plan")
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            name, headers, rows = _sheet(path, sheet)
            where = f"{path} sheet {name!r}"
        else:
            headers, rows = _csv(path)
    except (UnreadableError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        raise PlanError([Issue(where, "-", short(str(exc), 300))]) from None
    return parse_starts(where, headers, rows, instance)
