"""Reading input files safely: size caps, strict YAML and strict JSON.

The forms (``models.folder``, ``models.jsonform``, ``models.scenario``; a workbook through
``models.sheet_reading``) read their files through here, so that a file too big to be an
instance, a YAML alias bomb, a duplicated key, JSON nested a thousand levels deep, a 5000-digit
number or ``Infinity`` is a ``UnreadableError`` with its line, never a crash, a hang or a
silently dropped value.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import yaml

from models.caps import MAX_DEPTH, MAX_FILE_BYTES, MAX_YAML_BYTES
from models.errors import short

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPENING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_MAX_DIGITS = 30
"""Digits of a JSON integer: the largest cap (2^31 nodes, 10^9 million KZT) has 10."""


class UnreadableError(ValueError):
    """A file that cannot be read as what it should be, with the line when one is known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message)


def megabytes(size: int) -> str:
    """``200 MB``."""
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size:,} bytes"


def check_size(path: Path, cap: int = MAX_FILE_BYTES) -> None:
    """Refuse a file bigger than ``cap`` before reading a byte of it.

    Raises:
        UnreadableError: the file is too big.
        OSError: the file cannot be looked at.
    """
    status = path.stat()
    if stat.S_ISDIR(status.st_mode):
        raise UnreadableError("is a folder, not a file")
    if not stat.S_ISREG(status.st_mode):
        raise UnreadableError("is not a regular file (a pipe or a device may never end)")
    size = status.st_size
    if size > cap:
        raise UnreadableError(f"is {megabytes(size)}; the cap for an input file of this kind is "
                          f"{megabytes(cap)}")


def read_text(path: Path, cap: int = MAX_FILE_BYTES) -> str:
    """The file as UTF-8 text, once its size is within ``cap``.

    Raises:
        UnreadableError: too big, unreadable, or not UTF-8.
    """
    try:
        check_size(path, cap)
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UnreadableError("file does not exist") from None
    except UnicodeDecodeError as exc:
        raise UnreadableError(f"is not UTF-8 text: {exc}") from None
    except OSError as exc:
        raise UnreadableError(f"cannot be opened: {exc.strerror or exc}") from None


def count_lines(path: Path) -> int:
    """Lines of a text file, counted in chunks without decoding (an unterminated last too)."""
    lines, last = 0, b"\n"
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 24):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


class _StrictLoader(_Loader):  # type: ignore[misc, valid-type]  # base picked at import (C or not)
    """Safe YAML that refuses a key given twice instead of keeping the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = seen.setdefault(key, line)
            except TypeError:  # an unhashable key: the base class says so
                continue
            if first != line:
                raise UnreadableError(f"the key {key!r} appears twice (also on line {first}); "
                                  "keep one", line)
        return super().construct_mapping(node, deep)


def _line(event: yaml.Event) -> int | None:
    """The 1-based line an event starts on (the parser marks every event it emits)."""
    return None if event.start_mark is None else event.start_mark.line + 1


def _refuse_aliases_and_depth(text: str) -> None:
    """Aliases (``*name``) can make a few hundred bytes expand without end: refuse them."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise UnreadableError(f"uses the alias *{event.anchor}; aliases and anchors are not "
                              "allowed in srsopt files, write the values out",
                              _line(event))
        if isinstance(event, _OPENING):
            depth += 1
            if depth > MAX_DEPTH:
                raise UnreadableError(f"is nested more than {MAX_DEPTH} levels deep",
                                  _line(event))
        elif isinstance(event, _CLOSING):
            depth -= 1


Lines = dict[tuple[str, ...], int]
"""The line of each value of a YAML document, by its path of keys and list positions as text:
``("changes", "1", "region", "region")`` is the ``region`` key of the second change."""


def _node_lines(node: yaml.Node, path: tuple[str, ...], lines: Lines) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines[(*path, str(key.value))] = key.start_mark.line + 1
                _node_lines(value, (*path, str(key.value)), lines)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _node_lines(item, (*path, str(position)), lines)


def load_yaml(path: Path, lines: Lines | None = None) -> Any:
    """A YAML file read safely: size-capped, no aliases, no duplicate keys.

    ``lines``, when given, is filled with the line of every value (``Lines``), so that a
    problem found later in the data can name its line.

    Raises:
        UnreadableError: what is wrong and, when known, on which line.
    """
    text = read_text(path, MAX_YAML_BYTES)
    try:
        _refuse_aliases_and_depth(text)
        loader = _StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and lines is not None:
                _node_lines(node, (), lines)
            return None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise UnreadableError(f"is not valid YAML: {exc.problem or exc}",
                          None if mark is None else mark.line + 1) from None
    except yaml.YAMLError as exc:
        raise UnreadableError(f"is not valid YAML: {exc}") from None
    except UnreadableError:
        raise
    except (ValueError, OverflowError) as exc:  # e.g. an int of 5,000 digits
        raise UnreadableError(f"is not valid YAML: {exc}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number; write a finite number or null")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_DIGITS:
        raise ValueError(f"a number of {len(text.lstrip('-')):,} digits is beyond every cap "
                         f"(at most {_MAX_DIGITS} digits)")
    return int(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (``json`` would keep the last)."""
    found = dict(pairs)
    if len(found) < len(pairs):
        keys = [key for key, _ in pairs]
        twice = next(key for i, key in enumerate(keys) if key in keys[:i])
        raise ValueError(f"the key {short(repr(twice))} appears twice in one object; keep one")
    return found


def load_json(path: Path) -> Any:
    """A JSON document read safely: size-capped, no NaN, Infinity, huge integers or repeated keys.

    Raises:
        UnreadableError: ``cannot be read as JSON: <why>``.
    """
    try:
        return json.loads(read_text(path), parse_constant=_refuse_constant, parse_int=_integer,
                          object_pairs_hook=_object)
    except RecursionError:
        raise UnreadableError("cannot be read as JSON: it is nested too deeply (an instance "
                          f"document needs at most {MAX_DEPTH} levels)") from None
    except UnreadableError as exc:
        raise UnreadableError(f"cannot be read as JSON: it {exc}") from None
    except ValueError as exc:  # json.JSONDecodeError included
        raise UnreadableError(f"cannot be read as JSON: {exc}") from None


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of lists and mappings, counted no further than ``limit + 1``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list) and deepest <= limit:
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict)
                                                  else item))
    return deepest
