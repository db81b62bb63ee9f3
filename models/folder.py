"""The folder form of an instance: ``instance.yaml`` plus one CSV per table."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from models.errors import WHOLE_FILE, InstanceError, Issue
from models.safe_output import OutputTarget, write_output
from models.schema import TABLES

SETTINGS_FILE = "instance.yaml"


def read_folder(
    path: str | Path,
) -> tuple[dict[str, Any], dict[str, pd.DataFrame], tuple[Issue, ...]]:
    """Read the raw settings mapping and the raw tables (all cells as text) of a folder.

    Files that are missing or unreadable come back as Issues, so the rest is still checked.

    Raises:
        InstanceError: the path is not a folder.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise InstanceError([Issue(str(folder), WHOLE_FILE, "is not a folder holding an instance")],
                            source=str(folder))
    issues: list[Issue] = []
    settings: dict[str, Any] = {}
    settings_path = folder / SETTINGS_FILE
    if not settings_path.is_file():
        issues.append(Issue(SETTINGS_FILE, WHOLE_FILE, "file is missing"))
    else:
        try:
            loaded = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            issues.append(Issue(SETTINGS_FILE, WHOLE_FILE, f"is not valid YAML: {exc}"))
        else:
            if isinstance(loaded, dict):
                settings = loaded
            else:
                issues.append(Issue(SETTINGS_FILE, WHOLE_FILE, "must be a mapping of settings"))
    tables: dict[str, pd.DataFrame] = {}
    for table in TABLES.values():
        file = folder / table.file
        if not file.is_file():
            issues.append(Issue(table.file, WHOLE_FILE, "file is missing"))
            continue
        try:
            tables[table.name] = pd.read_csv(
                file, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8"
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            issues.append(Issue(table.file, WHOLE_FILE, f"cannot be read as CSV: {exc}"))
    return settings, tables, tuple(issues)


def fill_folder(settings: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
                folder: Path) -> None:
    """Write ``instance.yaml`` and the tables into ``folder``; contract columns first."""
    (folder / SETTINGS_FILE).write_text(
        yaml.safe_dump(dict(settings), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    for table in TABLES.values():
        frame = tables[table.name]
        ordered = [c for c in table.column_names if c in frame.columns]
        ordered += [c for c in frame.columns if c not in ordered]
        frame[ordered].to_csv(folder / table.file, index=False)


def write_folder(
    settings: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
    path: str | Path | OutputTarget,
) -> Path:
    """Write an instance in folder form; extra columns are kept after the contract's.

    Through ``models.safe_output``: staged beside and swapped in whole, never over a folder
    srsopt did not write (``OutputError``).
    """
    return write_output(path, "instance", lambda folder: fill_folder(settings, tables, folder))
