"""``srsopt serve`` (the REST API, optimizer.service) and ``srsopt token`` (its bearer tokens)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from optimizer.cli.common import Exit, console, errors

DataOption = Annotated[Path, typer.Option(
    "--data", help="Folder of the job store: inputs, results and (without --db) the SQLite "
    "database.")]
DbOption = Annotated[str | None, typer.Option(
    "--db", help="Database URL, e.g. postgresql+psycopg://user:pass@host/srsopt [default: "
    "sqlite under --data].")]

token_app = typer.Typer(no_args_is_help=True, help="Create and revoke the service's tokens.")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    db: DbOption = None,
    data: DataOption = Path("srsopt-data"),
    workers: Annotated[int, typer.Option(
        min=1, help="Worker processes of the local Dask cluster (one solve each).")] = 1,
    scheduler: Annotated[str | None, typer.Option(
        help="Run the jobs on the Dask cluster of this scheduler (tcp://host:port) instead.")
    ] = None,
    retries: Annotated[int, typer.Option(
        min=0, help="A failed solve, or one whose worker died, is run again up to N times.")
    ] = 1,
    max_upload_mb: Annotated[float, typer.Option(help="Upload size limit (MB).")] = 50.0,
    max_queued: Annotated[int, typer.Option(help="Queued jobs per token (more: 429).")] = 20,
    lang: Annotated[str, typer.Option(help="Language of results.xlsx and report.html.")
                    ] = "ru",
) -> None:
    """Run srsopt as a service: REST API, persistent job store, solves on Dask workers."""
    import uvicorn

    from optimizer.service.app import create_app
    from optimizer.service.state import Settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("distributed").setLevel(logging.WARNING)
    settings = Settings(data=data, db=db, workers=workers, scheduler=scheduler,
                        retries=retries, max_upload_mb=max_upload_mb, max_queued=max_queued,
                        lang=lang)
    console.print(f"srsopt serve on http://{host}:{port} (docs at /docs), data in {data}",
                  markup=False, highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def _engine(db: str | None, data: Path) -> Engine:
    from optimizer.service.db import connect, default_url

    return connect(db or default_url(data))


@token_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Who the token is for (shown in the logs).")],
    role: Annotated[str, typer.Option(help="analyst (own jobs) or admin (all jobs).")
                    ] = "analyst",
    db: DbOption = None,
    data: DataOption = Path("srsopt-data"),
) -> None:
    """Create a token and print it once (only its salted hash is stored)."""
    from optimizer.service.tokens import ROLES, create

    chosen = next((r for r in ROLES if r == role), None)
    if chosen is None:
        errors.print(f"--role must be one of {', '.join(ROLES)}", markup=False)
        raise typer.Exit(Exit.INVALID_INPUT)
    typer.echo(create(_engine(db, data), name, chosen))


@token_app.command("revoke")
def revoke(
    token: Annotated[str, typer.Argument(help="The token, or its id (srs_<id>_...).")],
    db: DbOption = None,
    data: DataOption = Path("srsopt-data"),
) -> None:
    """Revoke a token: every request with it is refused (401) from now on."""
    from optimizer.service.tokens import revoke

    if not revoke(_engine(db, data), token):
        errors.print("no such token", markup=False)
        raise typer.Exit(Exit.INVALID_INPUT)
    console.print("revoked")


@token_app.command("list")
def listed(db: DbOption = None, data: DataOption = Path("srsopt-data")) -> None:
    """Every token's id, name, role and whether it is revoked (never the secrets)."""
    from optimizer.service.tokens import listed

    for row in listed(_engine(db, data)):
        state = "revoked" if row["revoked"] else "active"
        console.print(f"{row['id']}  {row['role']:<8} {state:<8} {row['name']}", markup=False,
                      highlight=False)
