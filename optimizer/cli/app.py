"""``srsopt``: a thin command-line shell over the Python API (typer + rich).

Each command lives in the module of its group; this one builds the app and registers them.
"""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli import alternatives as cli_alternatives
from optimizer.cli import crash
from optimizer.cli import evaluate as cli_evaluate
from optimizer.cli import explain as cli_explain
from optimizer.cli import files as cli_files
from optimizer.cli import montecarlo as cli_montecarlo
from optimizer.cli import options as opt
from optimizer.cli import output as cli_output
from optimizer.cli import pareto as cli_pareto
from optimizer.cli import serve as cli_serve
from optimizer.cli import sweep as cli_sweep
from optimizer.cli import whatif as cli_whatif
from optimizer.cli.common import Exit, console, load, stoppable
from optimizer.cli.export import export
from optimizer.cli.solve import solve
from optimizer.cli.text import shown, shown_path

__all__ = ["Exit", "app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Budget allocation for Kazakhstan's System of Regional Standards.")


def versions() -> str:
    """``srsopt 0.1.0, HiGHS 1.16.0, Python 3.11.7`` (as ``summary.json`` records them)."""
    found = []
    for name, package in (("srsopt", "srsopt"), ("HiGHS", "highspy")):
        try:
            found.append(f"{name} {version(package)}")
        except PackageNotFoundError:
            found.append(f"{name} (version unknown)")
    return ", ".join([*found, f"Python {platform.python_version()}"])


def _show_versions(wanted: bool) -> None:
    if wanted:
        typer.echo(versions())
        raise typer.Exit()


@app.callback()
def _every_command(ctx: typer.Context, debug: Annotated[bool, typer.Option(
        "--debug", help=f"On an internal error show Python's traceback instead of one line "
        f"(also {crash.DEBUG_ENV}=1).")] = False,
        show_version: Annotated[bool, typer.Option(
            "--version", callback=_show_versions, is_eager=True,
            help="Show the versions of srsopt, HiGHS and Python, and exit.")] = False) -> None:
    ctx.call_on_close(cli_output.release_all)  # output locks end with the command
    if debug:
        os.environ[crash.DEBUG_ENV] = "1"


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
) -> None:
    """Check an instance and list every problem, each with its file, line, ID and field."""
    instance = load(path)
    console.print(f"[green]valid[/]: {shown(instance.settings.name)} — "
                  f"{len(instance.regions)} regions, {len(instance.settlements):,} settlements, "
                  f"{len(instance.projects):,} projects, "
                  f"years {instance.years[0]}–{instance.years[-1]}")


app.command()(solve)
app.command()(export)
app.command()(cli_explain.explain)
app.command()(cli_files.convert)
app.command()(cli_files.template)
app.command()(cli_files.report)
app.command()(stoppable(cli_whatif.whatif))
app.command()(stoppable(cli_sweep.sweep))
app.command()(stoppable(cli_pareto.pareto))
app.command()(stoppable(cli_alternatives.alternatives))
app.command()(stoppable(cli_evaluate.evaluate))
app.command()(cli_serve.serve)
app.add_typer(cli_serve.token_app, name="token")
app.command()(stoppable(cli_montecarlo.montecarlo))


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Folder to write the instance to.")],
    settlements: opt.Settlements = 200,
    projects: opt.Projects = 400,
    seed: opt.Seed = 0,
    structure: Annotated[bool, typer.Option(
        "--structure/--no-structure",
        help="Also spend profiles, alternative groups and prerequisites (synthetic).")] = True,
    growth: Annotated[int | None, typer.Option(
        "--growth", min=0,
        help="Growth projects with output and revenue effects (synthetic); default 2% of "
             "--projects, at least 1.")] = None,
    force: cli_output.ForceOption = False,
) -> None:
    """Write a synthetic instance (folder form) of any size; labelled synthetic."""
    from models.folder import write_folder
    from models.synthetic import generate_tables

    target = cli_output.plan(out, "instance", force=force)
    n_growth = max(1, projects // 50) if growth is None else growth
    settings, tables = generate_tables(settlements, projects, seed, structure=structure,
                                       growth=n_growth)
    with cli_output.refusals():
        write_folder(settings, tables, target)
    extra = ""
    if structure:
        extra = (f"; {tables['project_spend']['project_id'].nunique():,} spend profiles, "
                 f"{(tables['projects']['group'] != '').sum():,} projects in groups, "
                 f"{len(tables['project_requires']):,} prerequisites")
    console.print(f"wrote synthetic instance to [bold]{shown_path(out)}[/]: {settlements:,} "
                  f"settlements, {projects:,} projects and {n_growth:,} growth projects, "
                  f"seed {seed}{extra}")


def main() -> None:
    """The console entry (``srsopt``, ``python -m optimizer.cli.app``): no traceback, exit codes."""
    crash.run_console(app)


if __name__ == "__main__":  # pragma: no cover
    main()
