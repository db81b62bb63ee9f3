"""The limits on input: one cap per unit, and the size caps on files, tables and text.

Every numeric field of every form (CSV, workbook, JSON, ``instance.yaml``, scenario YAML and the
command-line options) is checked against the cap of its unit here, so a number that no real
instance can hold (``inf``, ``1e308``, a 10^9-thread solver) is refused at the door with its
place, instead of crashing the solver or being solved as if it were money. Each cap says why
it is where it is; docs/instance-format.md ("Limits") lists them.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cap:
    """The finite range of one unit, and why a value outside it cannot be meant."""

    unit: str
    """The unit as an analyst reads it (``million KZT``)."""
    low: float
    high: float
    why: str
    """Why the cap is where it is, shown in the message."""
    low_open: bool = False
    """``low`` itself is refused (a time limit of 0 seconds)."""

    def describe(self) -> str:
        """``at most 1,000,000,000 million KZT (about eight times ...)``."""
        return f"at most {number(self.high)} {self.unit} ({self.why})".replace("  ", " ")

    def problem(self, value: int | float) -> str | None:
        """What is wrong with ``value`` in this unit, or ``None`` when it is within the cap.

        An int is compared as it is: one of 400 digits has no float.
        """
        if isinstance(value, float) and not math.isfinite(value):
            return f"is not a finite number; expected {self.describe()}"
        if value < self.low or (self.low_open and value == self.low):
            low = f"{number(self.low)} {self.unit}".strip()
            return f"is not above {low}" if self.low_open else f"is below {low}"
        if value > self.high:
            return self.above()
        return None

    def above(self) -> str:
        """The message of a value above the cap: the cap, the unit and why."""
        return f"is above the cap of {f'{number(self.high)} {self.unit}'.strip()} ({self.why})"

    def check(self, value: float) -> float:
        """Pydantic after-validator: the value, or a ValueError naming the cap and the unit."""
        problem = self.problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


def number(value: float) -> str:
    """``1,000,000,000``, ``2200``, ``0.5``: caps as an analyst writes them."""
    if float(value).is_integer():
        whole = int(value)
        return str(whole) if abs(whole) < 10_000 else f"{whole:,}"
    return f"{value:g}"


_GDP = "about eight times Kazakhstan's GDP, 1.2e8 million KZT in 2023"

CAPS: dict[str, Cap] = {
    "money": Cap("million KZT", -1e9, 1e9, _GDP),
    "persons": Cap("persons", 0.0, 1e8, "five times the population of Kazakhstan"),
    "share": Cap("", 0.0, 1.0, "a share is in [0, 1]"),
    "year": Cap("", 1900, 2200, "a calendar year in 1900..2200"),
    "duration": Cap("years", 0.0, 300, "the whole 1900..2200 calendar"),
    "seconds": Cap("seconds", 0.0, 1e6, "about 11 days; a longer run is a typo", low_open=True),
    "count": Cap("", 1, 2**31 - 1, "HiGHS counts nodes in 32-bit integers"),
    "threads": Cap("threads", 1, 256, "HiGHS reserves memory per thread: 10^9 threads abort "
                   "the solver; more threads than cores are clamped to the cores"),
    "weight": Cap("", 0.0, 1e6, "a larger weight pushes every other term of the objective "
                  "below the solver's tolerance"),
    "factor": Cap("", 0.0, 1000, "a thousandfold change is beyond any scenario"),
}
"""The cap of each unit. Money may be negative (a general transfer can be a withdrawal)."""

MAX_FILE_BYTES = 200 * 2**20
"""Any one input file: 50 times the bundled national instance (4 MB, about 6,300 settlements)."""
MAX_UNPACKED_BYTES = 2**30
"""A workbook's parts once unzipped (a zip bomb stays a small file until it is opened)."""
MAX_YAML_BYTES = 10 * 2**20
"""``instance.yaml`` and scenario files: a baseline plan of 100,000 approved starts is 3 MB."""
MAX_ROWS = 1_000_000
"""Records per table or sheet: ten times the coverage table of the national instance."""
MAX_DEPTH = 32
"""Nesting of JSON and YAML settings; the deepest setting (a critical floor's level) is 4."""
MAX_TEXT = {"id": 200, "text": 500, "description": 5000}
"""Characters of an id (or label), of a name or other text cell, and of a description."""


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters no text may hold (tab and line breaks aside): they act on a terminal
and a workbook cannot store them."""


def text_problem(value: str, kind: str) -> str | None:
    """What is wrong with a piece of text of ``kind`` (``id``, ``text``, ``description``)."""
    cap = MAX_TEXT[kind]
    if len(value) > cap:
        return (f"is {len(value):,} characters long; the cap for {_TEXT_NAMES[kind]} is "
                f"{cap:,} characters")
    control = CONTROL.search(value)
    if control is not None:
        return (f"holds the control character {control.group()!r}; text may not hold control "
                "characters")
    return None


_TEXT_NAMES = {"id": "an id", "text": "a name or text cell", "description": "a description"}


def machine_cores() -> int:
    """Cores this process may run on: the most threads or worker processes worth starting."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1
