"""The validated allocation instance: settings plus typed tables.

An ``Instance`` only exists once every check has passed; nothing downstream re-validates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from models.checks import run_checks
from models.context import CheckContext
from models.errors import WHOLE_FILE, InstanceError, Issue, short
from models.folder import SETTINGS_FILE, read_folder
from models.jsonform import Locator, RawInstance, place_in_json, read_json
from models.schema import TABLES
from models.settings import InstanceSettings
from models.tables import bad_rows, parse_table
from models.workbook import place_in_workbook, read_workbook


class Instance(BaseModel):
    """An allocation instance that passed validation (money in million KZT, persons)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    settings: InstanceSettings
    regions: pd.DataFrame
    region_years: pd.DataFrame
    settlements: pd.DataFrame
    standards: pd.DataFrame
    coverage: pd.DataFrame
    projects: pd.DataFrame
    project_effects: pd.DataFrame
    project_spend: pd.DataFrame
    """Spend profiles (optional table): empty when every project spends its capex evenly."""
    project_requires: pd.DataFrame
    """Prerequisites (optional table): empty when no project requires another."""
    warnings: tuple[Issue, ...] = ()
    """Suspicious but legal data found while loading."""
    source: str = ""
    """Where the instance was read from (a folder path), for messages."""

    @property
    def years(self) -> list[int]:
        """Planning years ``T``."""
        return list(self.settings.years)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name, in contract order (the optional ones empty when absent)."""
        return {name: getattr(self, name) for name in TABLES}

    def data_hash(self) -> str:
        """SHA-256 of the settings and tables, to tie a result to its exact input.

        What the project-structure fields leave as it was (an empty optional table, an empty
        ``projects.group`` column) is not hashed, so an instance without them keeps the hash
        it had before they existed.
        """
        digest = hashlib.sha256(self.settings.model_dump_json().encode())
        for name, frame in self.tables().items():
            if TABLES[name].optional and frame.empty:
                continue
            if name == "projects" and "group" in frame and not frame["group"].astype(bool).any():
                frame = frame.drop(columns="group")
            digest.update(name.encode())
            digest.update(frame.to_csv(index=False).encode())
        return digest.hexdigest()

    def settings_dict(self) -> dict[str, Any]:
        """Settings as plain data, ready for ``instance.yaml``."""
        return self.settings.model_dump(mode="python")


def _settings_message(err: ErrorDetails) -> str:
    """Pydantic's message in the analyst's words."""
    if err["type"] == "extra_forbidden":
        return "is not a known setting; see docs/instance-format.md for the keys"
    if err["type"] == "missing":
        return "is missing (required)"
    message = str(err["msg"]).removeprefix("Value error, ")
    return message[0].lower() + message[1:] if message else message


def settings_issues(error: ValidationError) -> list[Issue]:
    """Pydantic's errors on ``instance.yaml`` as located Issues (``targets.urban.2030``)."""
    issues = []
    for err in error.errors():
        loc = [str(p) for p in err["loc"] if p != "[key]"]
        value = err.get("input")
        if isinstance(value, dict | list):
            value = None
        issues.append(Issue(SETTINGS_FILE, short(".".join(loc)) or WHOLE_FILE,
                            _settings_message(err), value=value))
    return issues


def instance_from_tables(
    settings: Mapping[str, Any] | InstanceSettings,
    tables: Mapping[str, pd.DataFrame],
    source: str = "instance",
    prior_issues: tuple[Issue, ...] = (),
) -> Instance:
    """Validate settings and raw or typed tables together and build an Instance.

    Raises:
        InstanceError: with every error found (settings, cells, cross-table rules).
    """
    issues: list[Issue] = list(prior_issues)
    parsed: InstanceSettings | None = None
    try:
        parsed = (settings if isinstance(settings, InstanceSettings)
                  else InstanceSettings.model_validate(dict(settings)))
    except ValidationError as exc:
        unread = any(i.table == SETTINGS_FILE and i.field == WHOLE_FILE for i in prior_issues)
        issues += [] if unread else settings_issues(exc)  # not "name is missing" as well
    typed: dict[str, pd.DataFrame] = {}
    clean: dict[str, pd.DataFrame] = {}
    broken: dict[str, set[str]] = {}
    missing_files = {i.table for i in issues if i.field == WHOLE_FILE}
    # cells the reader already found wrong (a JSON list in a cell): one mistake, one error
    read_cells = {(i.table, i.line, i.field) for i in prior_issues if i.line is not None}
    complete = True
    for name, table in TABLES.items():
        if name not in tables and table.optional:  # absent: as if empty
            tables = {**tables, name: pd.DataFrame(columns=list(table.column_names), dtype=str)}
        if name not in tables:
            if table.file not in missing_files:
                issues.append(Issue(table.file, WHOLE_FILE, "table is missing"))
            complete = False
            continue
        typed[name], found = parse_table(table, tables[name])
        issues += [i for i in found if (i.table, i.line, i.field) not in read_cells]
        if any(i.line is None for i in found):  # a required column is missing
            complete = False
            continue
        frame, bad = typed[name], bad_rows(typed[name], found)
        clean[name] = frame[~bad].drop_duplicates(list(table.key))
        broken[name] = set(frame.loc[bad, table.key[0]])
    if complete:
        ids = {name: set(typed[name][TABLES[name].key[0]]) for name in TABLES}
        issues += run_checks(CheckContext(tables=clean, ids=ids, broken=broken,
                                          settings=parsed))
    errors = [i for i in issues if i.severity == "error"]
    if errors or parsed is None:
        raise InstanceError(issues, source=source)
    return Instance(settings=parsed, warnings=tuple(issues), source=source, **typed)


_FORMS: dict[str, tuple[Callable[[str | Path], RawInstance], Locator]] = {
    ".xlsx": (read_workbook, place_in_workbook),
    ".json": (read_json, place_in_json),
}
"""Reader and issue locator of each one-file form, by suffix; any other path is a folder."""


def read_raw(path: str | Path) -> RawInstance:
    """Raw settings, text tables and read problems of a folder, workbook or JSON document."""
    form = _FORMS.get(Path(path).suffix.lower())
    return form[0](path) if form else read_folder(path)


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance: a folder, an ``.xlsx`` workbook or a ``.json`` document.

    Raises:
        InstanceError: with every error of the load, including unreadable or missing files,
            located in the form read (a workbook's issues name the sheet and the Excel row).
    """
    settings, tables, problems = read_raw(path)
    form = _FORMS.get(Path(path).suffix.lower())
    place = form[1](path, tables) if form else lambda issue: issue
    try:
        instance = instance_from_tables(settings, tables, source=str(path), prior_issues=problems)
    except InstanceError as exc:
        raise InstanceError([place(i) for i in exc.issues + exc.warnings],
                            source=str(path)) from None
    return instance.model_copy(update={"warnings": tuple(map(place, instance.warnings))})
