"""The folder form of an instance: ``instance.yaml`` plus one CSV per table."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from models.caps import MAX_ROWS
from models.errors import WHOLE_FILE, InstanceError, Issue
from models.reading import UnreadableError, check_size, count_lines, load_yaml
from models.safe_output import OutputTarget, write_output
from models.schema import TABLES, Table
from models.tables import unique_headers

SETTINGS_FILE = "instance.yaml"


def read_folder(
    path: str | Path,
) -> tuple[dict[str, Any], dict[str, pd.DataFrame], tuple[Issue, ...]]:
    """Read the raw settings mapping and the raw tables (all cells as text) of a folder.

    Files that are missing, unreadable or beyond the caps of ``models.caps`` come back as
    Issues, so the rest is still checked.

    Raises:
        InstanceError: the path is not a folder.
    """
    folder = Path(path)
    try:
        found = folder.is_dir()
    except OSError as exc:  # a name too long for the file system
        found, why = False, f" ({exc.strerror})"
    else:
        why = ""
    if not found:
        raise InstanceError([Issue(str(folder), WHOLE_FILE, "is not a folder holding an instance"
                                   + why)], source=str(folder))
    settings, issues = read_settings(folder / SETTINGS_FILE)
    tables: dict[str, pd.DataFrame] = {}
    for table in TABLES.values():
        if table.optional and not (folder / table.file).exists():
            continue  # an optional table left out
        frame, problems = read_csv(folder / table.file, table.file)
        issues += problems
        if frame is not None:
            tables[table.name] = frame
    return settings, tables, tuple(issues)


def read_settings(file: Path) -> tuple[dict[str, Any], list[Issue]]:
    """The settings mapping of ``instance.yaml`` (strict YAML: no aliases, no repeated keys)."""
    if not file.is_file():
        return {}, [Issue(SETTINGS_FILE, WHOLE_FILE, "file is missing")]
    try:
        loaded = load_yaml(file)
    except UnreadableError as exc:
        return {}, [Issue(SETTINGS_FILE, WHOLE_FILE, str(exc), line=exc.line)]
    if not isinstance(loaded, dict):
        return {}, [Issue(SETTINGS_FILE, WHOLE_FILE, "must be a mapping of settings")]
    return loaded, []


def read_csv(file: Path, label: str) -> tuple[pd.DataFrame | None, list[Issue]]:
    """One table as text cells; its size and rows are checked before pandas reads it."""
    if not file.is_file():
        return None, [Issue(label, WHOLE_FILE, "file is missing")]
    try:
        check_size(file)
        rows = count_lines(file) - 1
        if rows > MAX_ROWS:
            return None, [Issue(label, WHOLE_FILE, f"has {rows:,} rows; the cap is "
                                f"{MAX_ROWS:,} rows per table")]
        cells = pd.read_csv(file, dtype=str, header=None, keep_default_na=False,
                            skipinitialspace=True, encoding="utf-8")
    except UnreadableError as exc:
        return None, [Issue(label, WHOLE_FILE, str(exc))]
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        return None, [Issue(label, WHOLE_FILE, f"cannot be read as CSV: {exc}")]
    keep, issues = unique_headers(list(cells.iloc[0]), label, lambda i: f"column {i + 1}")
    frame = cells.iloc[1:, list(keep.values())].reset_index(drop=True)
    frame.columns = list(keep)
    return frame, issues


def written_tables(tables: Mapping[str, pd.DataFrame]) -> list[Table]:
    """The tables a form writes: every required one, and the optional ones that have rows."""
    return [t for t in TABLES.values()
            if not t.optional or (t.name in tables and len(tables[t.name]))]


def fill_folder(settings: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
                folder: Path) -> None:
    """Write ``instance.yaml`` and the tables into ``folder``; contract columns first.

    An optional table without rows is left out, as the instance had it.
    """
    (folder / SETTINGS_FILE).write_text(
        yaml.safe_dump(dict(settings), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    for table in written_tables(tables):
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
