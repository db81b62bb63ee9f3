"""Broken inputs for the bad-input catalogue: the valid builder instance, one thing broken.

Each maker writes under a folder and returns the ``srsopt`` command line that reads the input.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from builders import set_cell, valid_tables, write_instance

from models.caps import MAX_ROWS
from models.jsonform import write_json
from models.workbook import write_workbook

Tables = dict[str, pd.DataFrame]
Settings = dict[str, Any]
Maker = Callable[[Path], list[str]]
"""Writes a broken input under a folder and returns the command line that reads it."""


def written(form: str, folder: Path, settings: Settings, tables: Tables) -> Path:
    """The instance in one form: ``folder`` (instance.yaml + CSV), ``xlsx`` or ``json``."""
    if form == "folder":
        return write_instance(folder, settings, tables)
    path = folder / f"instance.{form}"
    (write_workbook if form == "xlsx" else write_json)(settings, tables, path)
    return path


def cell(form: str, table: str, row: int, column: str, value: object) -> Maker:
    """One cell of the valid instance broken."""
    def make(folder: Path) -> list[str]:
        settings, tables = valid_tables()
        set_cell(tables, table, row, column, value)
        return ["validate", str(written(form, folder, settings, tables))]
    return make


def setting(form: str, keys: str, value: object) -> Maker:
    """One setting (dotted keys) of the valid instance broken."""
    def make(folder: Path) -> list[str]:
        settings, tables = valid_tables()
        *parents, last = keys.split(".")
        node = settings
        for key in parents:
            node = node[int(key) if key.isdigit() else key]
        node[int(last) if last.isdigit() else last] = value
        return ["validate", str(written(form, folder, settings, tables))]
    return make


def text_edit(form: str, name: str, edit: Callable[[str], str]) -> Maker:
    """A file of the valid instance (``name``: instance.yaml, a CSV, or the JSON) edited as text."""
    def make(folder: Path) -> list[str]:
        path = written(form, folder, *valid_tables())
        file = path / name if path.is_dir() else path
        file.write_text(edit(file.read_text(encoding="utf-8")), encoding="utf-8")
        return ["validate", str(path)]
    return make


def raw_bytes(form: str, name: str, content: Callable[[bytes], bytes]) -> Maker:
    """A file of the valid instance replaced by bytes (invalid UTF-8, a sparse giant)."""
    def make(folder: Path) -> list[str]:
        path = written(form, folder, *valid_tables())
        file = path / name if path.is_dir() else path
        file.write_bytes(content(file.read_bytes()))
        return ["validate", str(path)]
    return make


def sized(form: str, name: str, size: int) -> Maker:
    """A file of the valid instance grown (sparse, so instantly) to ``size`` bytes."""
    def make(folder: Path) -> list[str]:
        path = written(form, folder, *valid_tables())
        with (path / name if path.is_dir() else path).open("r+b") as stream:
            stream.truncate(size)
        return ["validate", str(path)]
    return make


def scenario(text: str) -> Maker:
    """``solve --scenario`` of the valid folder with this scenario file."""
    def make(folder: Path) -> list[str]:
        instance = written("folder", folder, *valid_tables())
        file = folder / "scenario.yaml"
        file.write_text(text, encoding="utf-8")
        return ["solve", str(instance), "--scenario", str(file), "--out", str(folder / "out")]
    return make


def sheet_cell(row: int, column: int, value: object, sheet: str = "projects") -> Maker:
    """One cell of a sheet of the valid workbook set, anywhere (a duplicated header, row 10^6)."""
    def make(folder: Path) -> list[str]:
        path = written("xlsx", folder, *valid_tables())
        book = openpyxl.load_workbook(path)
        book[sheet].cell(row=row, column=column, value=value)
        book.save(path)
        return ["validate", str(path)]
    return make


def long_table(folder: Path) -> list[str]:
    """projects.csv with one row more than the cap, written as one repeated string."""
    path = written("folder", folder, *valid_tables())
    with (path / "projects.csv").open("a", encoding="utf-8") as stream:
        stream.write("P,kok,1,1,1\n" * MAX_ROWS)
    return ["validate", str(path)]


ALIAS_BOMB = ("name: bomb\nchanges:\n  - envelope: {scale: 0.9}\nx0: &a0 [lol, lol, lol, lol]\n"
              + "".join(f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
              + "description: *a8\n")
"""A few hundred bytes of nested YAML aliases that expand to 4 * 9^8 strings."""


