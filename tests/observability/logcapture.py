"""The service's log lines as a test reads them: configured exactly as `serve` configures
them (JSON renderer, redaction), written to a buffer instead of stderr."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

from app.logging import configure_logging
from app.settings import Settings


class LogLines:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def events(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.all() if line.get("event") == event]


@contextmanager
def captured_logs(level: str = "INFO") -> Iterator[LogLines]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    configure_logging(Settings(log_format="json", log_level=level), stream)
    try:
        yield LogLines(stream)
    finally:
        structlog.reset_defaults()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
