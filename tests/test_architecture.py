"""The layout holds: import-linter's contracts (pyproject.toml) and no module over 300 lines.

Types are checked by ``mypy`` in .ci/run, not here: a full run takes longer than this suite
should spend on it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("models", "optimizer")
MAX_LINES = 300


def _lint_imports() -> str:
    """The ``lint-imports`` script of this interpreter's environment, else the one on PATH."""
    beside = Path(sys.executable).with_name("lint-imports")
    found = str(beside) if beside.is_file() else shutil.which("lint-imports")
    assert found, "lint-imports is missing: pip install -e '.[dev]'"
    return found


def test_import_contracts_are_kept():
    run = subprocess.run([_lint_imports()], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, f"lint-imports failed:\n{run.stdout}\n{run.stderr}"


def test_no_module_is_over_300_lines():
    lengths = {path.relative_to(ROOT).as_posix(): len(path.read_text("utf-8").splitlines())
               for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}
    assert lengths, "no module found"
    over = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines (split them): " + ", ".join(
        f"{name} ({n})" for name, n in sorted(over.items(), key=lambda kv: -kv[1]))
