"""The settings sheet of an instance workbook: one dotted key per row, with its meaning.

``budget.envelope.2027`` is ``budget: {envelope: {2027: ...}}``; ``years`` is a comma list; an
empty value leaves the key unset. Numbers typed as text (``420 000``, ``96%``) are read as
numbers where the key holds numbers; a formula without a computed value is a located issue.
"""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from pydantic import BaseModel

from models.caps import MAX_DEPTH
from models.errors import WHOLE_FILE, Issue
from models.folder import SETTINGS_FILE
from models.jsonform import cell_text, int_keys
from models.lenient import read_number
from models.settings import InstanceSettings
from models.sheet_reading import FORMULA_MESSAGE, Grid

SETTINGS_SHEET = "settings"
SETTINGS_COLUMNS = ("key", "value", "note")
_SYMBOL = re.compile(r"^``[^`]+``:\s*")
"""The math symbol a settings docstring opens with (``B_t``: ...), for the docs only."""


@functools.cache
def _settings_fields(model: type[BaseModel] = InstanceSettings, prefix: str = ""
                     ) -> dict[str, Any]:
    """Every settings key, dotted, with its pydantic field (nested models walked)."""
    fields: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        fields[prefix + name] = field
        for kind in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                fields |= _settings_fields(kind, f"{prefix}{name}.")
    return fields


def _nearest_field(key: str) -> Any:
    """The pydantic field of a dotted key, or of its nearest parent (``budget.envelope.2027``)."""
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        field = _settings_fields().get(".".join(parts[:end]))
        if field is not None:
            return field
    return None


@functools.cache
def _list_keys() -> frozenset[str]:
    return frozenset(k for k, f in _settings_fields().items()
                     if typing.get_origin(f.annotation) is list)


def setting_note(key: str) -> str:
    """The key's meaning in plain words: its field's docstring without the docs' markup."""
    field = _nearest_field(key)
    text = " ".join(((field and field.description) or "").split())
    plain = _SYMBOL.sub("", text)
    if plain != text:  # "``T``: consecutive planning years." -> "Consecutive planning years."
        plain = plain[:1].upper() + plain[1:]
    return plain.replace("``None``", "empty").replace("`", "").replace("**", "")


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested settings as dotted ``(key, value)`` rows; lists become comma lists."""
    rows: list[tuple[str, Any]] = []
    for key, value in mapping.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += flatten(value, dotted + ".")
        elif isinstance(value, list | tuple):
            rows.append((dotted, ", ".join(cell_text(v) for v in value)))
        else:
            rows.append((dotted, value))
    return rows


def unflatten(rows: Sequence[tuple[int, str, str]]) -> tuple[dict[str, Any], list[Issue]]:
    """Dotted rows back to nested settings; list keys split on commas, values left as text."""
    lists = _list_keys()
    settings: dict[str, Any] = {}
    issues: list[Issue] = []
    for row, key, text in rows:
        node: Any = settings
        parts = key.split(".")
        if len(parts) > MAX_DEPTH:
            issues.append(Issue(SETTINGS_FILE, key[:80], f"has more than {MAX_DEPTH} dotted "
                                "parts; no setting is nested that deep", line=row))
            continue
        for part in parts[:-1]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else None
        last = parts[-1]
        if not isinstance(node, dict) or isinstance(node.get(last), dict):
            issues.append(Issue(SETTINGS_FILE, key, "clashes with another key of the sheet (a "
                                "key cannot hold both a value and dotted sub-keys)", line=row))
        elif last in node:
            issues.append(Issue(SETTINGS_FILE, key, "appears twice; keep one row", line=row))
        else:
            items = text.strip().strip("[]").split(",")
            node[last] = [i.strip() for i in items if i.strip()] if key in lists else text
    return int_keys(settings), issues


def settings_rows(rows: Grid, formulas: AbstractSet[tuple[int, int]] = frozenset()
                   ) -> tuple[list[tuple[int, str, str]], list[Issue]]:
    """``(Excel row, key, value text)`` of every filled settings row.

    A value that is a formula without a computed value (``formulas``: row, column) is an issue.
    """
    columns = _key_value(rows)
    if columns is None:
        return [], [Issue(SETTINGS_FILE, WHOLE_FILE, "needs the headers key and value in row 1")]
    k, v = columns
    found, issues = [], []
    for number, row in enumerate(rows[1:], start=2):
        key = cell_text(row[k] if k < len(row) else None).strip()
        text = cell_text(row[v] if v < len(row) else None).strip()
        if key and (number, v + 1) in formulas:
            issues.append(Issue(SETTINGS_FILE, key, FORMULA_MESSAGE, line=number))
        elif key and text:
            found.append((number, key, _typed_text(key, text)))
    return found, issues


def _key_value(rows: Grid) -> tuple[int, int] | None:
    """Positions of the ``key`` and ``value`` columns (from 0), if row 1 names both."""
    header = [cell_text(v).strip().lower() for v in (rows[0] if rows else ())]
    if "key" not in header or "value" not in header:
        return None
    return header.index("key"), header.index("value")


def key_lines(rows: Grid) -> dict[str, int]:
    """The Excel row of every key of the sheet, filled or not (the first of a key given twice)."""
    columns = _key_value(rows)
    if columns is None:
        return {}
    k = columns[0]
    lines: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        key = cell_text(row[k] if k < len(row) else None).strip()
        if key:
            lines.setdefault(key, number)
    return lines


def _typed_text(key: str, text: str) -> str:
    """A numeric setting's value typed as text (``420 000``, ``96%``) as a plain number."""
    if key in _list_keys() or not _numeric(_nearest_field(key)):
        return text
    value, _ = read_number(text, "share" if text.endswith("%") else "money")
    return text if value is None else cell_text(value)


def _numeric(field: Any) -> bool:
    """Whether a settings field holds numbers (also in a mapping: ``budget.envelope``)."""
    def leaves(kind: Any) -> set[Any]:
        args = typing.get_args(kind)
        if typing.get_origin(kind) is typing.Annotated:
            return leaves(args[0])
        return set().union(*map(leaves, args)) if args else {kind}

    return field is not None and bool(leaves(field.annotation) & {int, float})
