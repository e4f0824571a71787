"""Background work: the job catalogue, the functions a worker runs, and the start-up that
chooses how this process hands work to them (arq on Redis, or in-process)."""

from app.background.catalogue import (
    FUNCTIONS,
    JOB_HANDLERS,
    handoff_dispatcher,
    install_dispatcher,
)

__all__ = ["FUNCTIONS", "JOB_HANDLERS", "handoff_dispatcher", "install_dispatcher"]
