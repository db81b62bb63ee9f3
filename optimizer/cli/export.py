"""``srsopt export``: write the model as LP or MPS with readable names, to read or hand on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from optimizer.api import Backend, export_model
from optimizer.cli import output as cli_output
from optimizer.cli.common import Exit, load
from optimizer.cli.text import shown_path
from optimizer.highs.names import ModelFormat

console = Console()


def export(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    out: Annotated[Path, typer.Option(help="File to write, e.g. model.lp.")],
    fmt: Annotated[ModelFormat, typer.Option(
        "--format", help="lp (CPLEX LP, to read) or mps (free MPS, for other solvers).")] = "lp",
    backend: Annotated[Backend, typer.Option(
        help="highs: the model srsopt solves; pyomo: the textbook reference.")] = "highs",
    force: cli_output.ForceOption = False,
) -> None:
    """Write the model of an instance with names like project_start(P001,2027)."""
    target = cli_output.plan(out, "model", force=force, inputs=[path])
    try:
        with cli_output.refusals():
            written = export_model(load(path), target, fmt, backend)
    except NotImplementedError as exc:  # a staged mode: the Pyomo reference refuses it
        Console(stderr=True).print(str(exc), style="bold red", markup=False)
        raise typer.Exit(Exit.INVALID_INPUT) from None
    console.print(f"wrote the {backend} model of [bold]{shown_path(path)}[/] to "
                  f"[bold]{shown_path(written)}[/]")
