"""The user docs name every column, settings key, check and constraint family the code defines.

A name counts as documented when it appears in backticks: columns inside their table's section
of docs/instance-format.md (a heading naming `<table>.csv`), settings keys anywhere in that page
with their dotted path (`budget.envelope`), families anywhere in docs/formulation.md.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from models.checks import CHECKS
from models.schema import TABLES, Table
from models.settings import InstanceSettings
from optimizer.formulation import FAMILIES

DOCS = Path(__file__).resolve().parents[1] / "docs"
INSTANCE_FORMAT = DOCS / "instance-format.md"
FORMULATION = DOCS / "formulation.md"

_HEADING = re.compile(r"^(#{1,6}) ")


def _read(path: Path) -> str:
    assert path.is_file(), f"{path} is missing"
    return path.read_text(encoding="utf-8")


def section(text: str, title: str) -> str:
    """Body of the first heading whose line contains ``title``, up to the next heading as high."""
    lines = text.splitlines()
    fenced = False
    start = level = None
    body: list[str] = []
    for line in lines:
        if line.lstrip().startswith("```"):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if start is None:
            if heading and title in line:
                start, level = line, len(heading.group(1))
            continue
        if heading and len(heading.group(1)) <= level:
            break
        body.append(line)
    assert start is not None, f"no heading containing {title} in {INSTANCE_FORMAT.name}"
    return "\n".join(body)


def setting_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every key of a settings model and its nested models, dotted (``budget.envelope``)."""
    keys: list[str] = []
    for name, field in model.model_fields.items():
        key = prefix + name
        keys.append(key)
        for kind in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                keys += setting_keys(kind, key + ".")
    return keys


@pytest.mark.parametrize("table", list(TABLES.values()), ids=list(TABLES))
def test_every_column_is_documented_in_its_table_section(table: Table) -> None:
    body = section(_read(INSTANCE_FORMAT), f"`{table.file}`")
    missing = [c.name for c in table.columns if f"`{c.name}`" not in body]
    assert not missing, f"{table.file}: columns not in docs/instance-format.md: {missing}"


def test_every_allowed_value_is_documented() -> None:
    text = _read(INSTANCE_FORMAT)
    missing = sorted({choice for table in TABLES.values() for col in table.columns
                      for choice in col.choices if f"`{choice}`" not in text})
    assert not missing, f"allowed values not in docs/instance-format.md: {missing}"


def test_every_settings_key_is_documented() -> None:
    text = _read(INSTANCE_FORMAT)
    keys = setting_keys(InstanceSettings)
    assert "budget.envelope" in keys and "solver.threads" in keys  # nested models are walked
    missing = [key for key in keys if f"`{key}`" not in text]
    assert not missing, f"instance.yaml keys not in docs/instance-format.md: {missing}"


def test_every_validation_check_is_documented() -> None:
    text = _read(INSTANCE_FORMAT)
    missing = [check.__name__ for check in CHECKS if f"`{check.__name__}`" not in text]
    assert not missing, f"checks not in docs/instance-format.md: {missing}"


def test_every_constraint_family_is_documented() -> None:
    text = _read(FORMULATION)
    missing = [family.__name__ for family in FAMILIES if f"`{family.__name__}`" not in text]
    assert not missing, f"constraint families not in docs/formulation.md: {missing}"


def test_section_stops_at_the_next_heading() -> None:
    text = "## `a.csv`\n`x`\n```\n# not a heading\n```\n### sub\n`y`\n## `b.csv`\n`z`\n"
    body = section(text, "`a.csv`")
    assert "`x`" in body and "`y`" in body and "`z`" not in body
