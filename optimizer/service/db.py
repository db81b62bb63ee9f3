"""The job store's tables, in SQLAlchemy 2 Core: one schema for SQLite and PostgreSQL.

``connect(url)`` returns an engine with the schema created (``create_all`` only adds what is
missing, so a newer srsopt starting on an older database adds its new tables). SQLite runs in
WAL mode with a busy timeout, so the web threads and the dispatcher write without "database is
locked" errors; PostgreSQL needs nothing special.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

metadata = MetaData()

tokens = Table(
    "tokens", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("salt", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("created", DateTime(), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

jobs = Table(
    "jobs", metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(32), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("created", DateTime(), nullable=False, index=True),
    Column("started", DateTime()),
    Column("finished", DateTime()),
    Column("input_sha256", String(64), nullable=False),
    Column("options", JSON, nullable=False),
    # solver options and the other inputs' hashes (scenarios, a draft plan)
    Column("reuse_key", String(64), index=True),
    # sha256 of kind, input hash, options and srsopt/HiGHS versions: what ``reuse`` matches
    Column("progress", JSON, nullable=False, default=list),
    Column("summary", JSON),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("server", String(200)),
    # ``host:pid:uuid`` of the ``srsopt serve`` that claimed it (for restart recovery)
    Column("heartbeat", DateTime()),
    Column("cancel", Boolean, nullable=False, default=False),
    # a cancel was asked while it ran; its server passes it on to the solve
    Column("result_of", String(32)),
    # the job whose files this one shows (a reused result), else its own id once done
)


def now() -> datetime:
    """Timestamps are naive UTC (SQLite keeps no time zone; the API adds ``Z``)."""
    return datetime.now(UTC).replace(tzinfo=None)


def default_url(data: Path) -> str:
    """The SQLite file under ``--data`` used when no ``--db`` is given."""
    return f"sqlite:///{(data / 'srsopt.db').resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def connect(url: str) -> Engine:
    """An engine for ``url`` with the schema in place (created where missing)."""
    sqlite = url.startswith("sqlite")
    engine = create_engine(url, pool_pre_ping=not sqlite,
                           connect_args={"check_same_thread": False, "timeout": 30}
                           if sqlite else {})
    if sqlite:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    return engine
