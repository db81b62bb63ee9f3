"""What the app holds while it runs: its settings and the service objects its endpoints share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from optimizer.service.db import default_url
from optimizer.service.events import Streams
from optimizer.service.execution import Dispatcher
from optimizer.service.health import Monitor
from optimizer.service.inputs import Inputs
from optimizer.service.results import Results


@dataclass(frozen=True)
class Settings:
    """``srsopt serve``'s options."""

    data: Path = Path("srsopt-data")
    db: str | None = None
    workers: int = 1
    scheduler: str | None = None
    retries: int = 1
    max_upload_mb: float = 50.0
    max_queued: int = 20
    """Queued jobs one token may have at once (more: 429)."""
    lang: str = "ru"

    @property
    def url(self) -> str:
        """The database URL: ``db``, or the SQLite file under ``data``."""
        return self.db or default_url(self.data)

    @property
    def max_upload(self) -> int:
        """The upload limit in bytes."""
        return int(self.max_upload_mb * 2**20)


@dataclass
class Service:
    """What the endpoints share while the app runs."""

    settings: Settings
    engine: Engine
    inputs: Inputs
    results: Results
    monitor: Monitor
    streams: Streams
    dispatcher: Dispatcher | None = None
