"""Helpers of the output-safety tests: run the CLI, snapshot a tree, make someone's folder."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner, Result

from optimizer.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"


def run(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def said(result: Result | str, text: str) -> bool:
    """``text`` was printed (rich may wrap anywhere: whitespace is ignored)."""
    output = result if isinstance(result, str) else result.output
    return "".join(text.split()) in "".join(output.split())


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every file's bytes and every symlink's target under ``folder`` (links not followed)."""
    found: dict[str, bytes | str] = {}
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(root, name)
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[key] = str(os.readlink(path))
            elif path.is_file():
                found[key] = path.read_bytes()
    return found


def theirs(path: Path, suffix: str = "") -> Path:
    """Someone else's folder (or file, with ``suffix``) that srsopt must leave alone."""
    if suffix:
        path.write_bytes(b"a file srsopt did not write")
        return path
    (path / "sub").mkdir(parents=True)
    (path / "thesis.docx").write_bytes(b"years of work")
    (path / "sub" / "data.csv").write_text("a,b\n1,2\n")
    return path
