"""People-facing texts in Russian and English, one catalogue keyed by message id.

The results workbook, the HTML report and (later) the web page take every label from here, so
a figure is called the same everywhere. The texts are plain JSON data shipped with the package
(``optimizer/outputs/locales/ru.json`` and ``en.json``, ``{"key": "text"}``), which a web page can
load as they are. A text holds fields as ``str.format`` does: ``{name}`` (the value as written) or
``{name:spec}`` with one of the specs below, so that numbers are written the way each language
writes them (``1,234.5`` / ``1 234,5``, with a no-break space) and carry their unit.

| spec | en | ru |
|---|---|---|
| ``num`` (``num1``, ``num2``: decimals) | ``12,345`` (``12,345.6``) | ``12 345`` (``12 345,6``) |
| ``money`` | ``12,345 million KZT`` | ``12 345 млн тенге`` |
| ``persons`` | ``12,345 persons`` | ``12 345 чел.`` |
| ``pct`` (``pct0``, ``pct2``: decimals) | ``71.0%`` (``71%``, ``71.00%``) | ``71,0 %`` |

A missing or empty number is written ``–``.
"""

from __future__ import annotations

import json
import math
import numbers
import string
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files
from typing import Any, Literal, get_args

Lang = Literal["ru", "en"]
LANGS: tuple[str, ...] = get_args(Lang)
DEFAULT_LANG: Lang = "ru"
"""The language of the report and the results workbook unless ``--lang`` says otherwise."""
MISSING = "–"
_NBSP = "\u00a0"
_DECIMALS = {"num": 0, "num1": 1, "num2": 2, "money": 0, "persons": 0,
             "pct0": 0, "pct": 1, "pct2": 2}
_UNIT = {"money": "unit.money", "persons": "unit.persons"}


@cache
def messages(lang: str) -> Mapping[str, str]:
    """The catalogue of one language: message id -> text (``ValueError`` for an unknown one)."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGS)}")
    text = files("optimizer.outputs").joinpath("locales", f"{lang}.json").read_text("utf-8")
    return json.loads(text)


def finite(value: object) -> float | None:
    """``value`` as a float when it is a finite number (numpy's included, not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def number(value: object, lang: str, decimals: int = 0) -> str:
    """A number with the thousands separator and decimal mark of ``lang``; ``–`` if missing."""
    x = finite(value)
    if x is None:
        return MISSING
    text = format(x, f",.{decimals}f")
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # -0 reads as 0
    if lang == "ru":
        text = text.replace(",", _NBSP).replace(".", ",")
    return text


def percent(share: object, lang: str, decimals: int = 1) -> str:
    """A share (0.71) as a percentage: ``71.0%`` in English, ``71,0 %`` in Russian."""
    x = finite(share)
    if x is None:
        return MISSING
    return number(100 * x, lang, decimals) + (_NBSP + "%" if lang == "ru" else "%")


def formatted(value: object, spec: str, lang: str) -> str:
    """``value`` written by a catalogue spec (``money``, ``pct`` ...) in ``lang``."""
    if spec not in _DECIMALS:
        raise ValueError(f"unknown number spec {spec!r}: one of {', '.join(_DECIMALS)}")
    if spec.startswith("pct"):
        return percent(value, lang, _DECIMALS[spec])
    text = number(value, lang, _DECIMALS[spec])
    unit = _UNIT.get(spec)
    return text if unit is None or text == MISSING else f"{text}{_NBSP}{messages(lang)[unit]}"


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        return formatted(value, format_spec, self.lang) if format_spec else str(value)


def label(key: str, lang: str = DEFAULT_LANG, /, **values: object) -> str:
    """The text of message ``key`` in ``lang`` with its fields filled from ``values``.

    ``KeyError`` for a key the catalogue lacks (both languages hold the same keys: a test says).
    """
    return _Formatter(lang).format(messages(lang)[key], **values)


def label_or(key: str, lang: str, default: str) -> str:
    """The text of ``key`` when the catalogue has one (e.g. a known category), else ``default``."""
    return messages(lang).get(key, default)


def listed(items: Iterable[str], lang: str) -> str:
    """Items joined as a sentence lists them: ``a, b and c`` / ``a, b и c``."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {label('words.and', lang)} {items[-1]}"


class Translate:
    """``label`` with the language bound: ``t(key, **values)``, handed to charts and templates."""

    def __init__(self, lang: str) -> None:
        messages(lang)  # an unknown language is refused at once
        self.lang = lang

    def __call__(self, key: str, /, **values: object) -> str:
        """The text of message ``key`` with its fields filled."""
        return label(key, self.lang, **values)
