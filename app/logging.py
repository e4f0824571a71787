"""Logging set-up: JSON lines (structlog) for machines, readable lines for people.

Everything goes through the standard library's root logger to one stderr handler, rendered by
structlog: our own lines (`structlog.stdlib.get_logger(...).info("event", key=value)`, or
stdlib `log.info("event", extra={...})`), uvicorn's and every library's. `LOG_FORMAT=auto`
picks readable lines on a terminal and JSON otherwise (a container, a file, a pipe).

At INFO the service writes one line per HTTP request (`http.request`), per task outcome
(`task.outcome`) and per job run (`job.finished`); see README "Logs". Secrets are masked last,
just before rendering (`app.observability.redact`).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
from structlog.typing import EventDict

from app.observability.redact import redact_secrets
from app.settings import Settings

# Start-up chatter of libraries that is only worth reading when debugging: shown at DEBUG.
_QUIET_AT_INFO = ("alembic",)


class _DemoteChatter(logging.Filter):
    """Alembic announces every plugin and its dialect at INFO each time the schema is checked
    or migrated; those lines are DEBUG for us, so `LOG_LEVEL=DEBUG` still shows them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and record.name.startswith(_QUIET_AT_INFO):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


def _drop_color_message(_logger: object, _method: str, event: EventDict) -> EventDict:
    # uvicorn passes an ANSI-coloured copy of each message as `extra`; the message is enough.
    event.pop("color_message", None)
    return event


def wants_json(settings: Settings, stream: TextIO) -> bool:
    if settings.log_format == "auto":
        isatty = getattr(stream, "isatty", None)
        return not (callable(isatty) and isatty())
    return settings.log_format == "json"


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if wants_json(settings, stream)
        else structlog.dev.ConsoleRenderer(colors=getattr(stream, "isatty", lambda: False)())
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream)
    handler.addFilter(_DemoteChatter())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            # ExtraAdder: a stdlib `extra={...}` becomes fields of the line, as structlog's
            # keyword arguments do.
            foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _drop_color_message],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                # Last before rendering, so tracebacks and messages are masked too.
                redact_secrets,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # httpx logs full URLs at INFO; they can carry tenant data but never tokens. Keep at WARNING.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
