"""Wake-ups handed over through the database, for a process that must not run work itself.

The CLI makes work (an approval queues tasks, `reapply` starts a job) but is not the server:
it has neither the sandbox nor the server's runtime settings, and it exits right away. With
Redis its wake-ups go to arq like the API's. In the embedded default (no Redis, work runs inside
the server) they are recorded here instead, and the server's in-process runner claims them
within a second (`claim_due`, polled by `queue.InlineDispatcher`); the sweeper claims them too,
so an arq deployment whose CLI lacked `REDIS_URL` still gets them. A lost row costs latency
only: the sweeper finds the task or job it named.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app.db import transaction
from app.models import Wakeup, utcnow
from app.queue import Wake

log = logging.getLogger("app.queue")

CLAIM_LIMIT = 500


def record(session: Session, wakes: Sequence[Wake]) -> None:
    now = utcnow()
    for w in wakes:
        session.add(
            Wakeup(
                function=w.function,
                args=list(w.args),
                job_id=w.job_id,
                due_at=now + timedelta(seconds=max(w.defer_s, 0)),
            )
        )


def claim_due(session: Session, limit: int = CLAIM_LIMIT) -> list[Wake]:
    """Delete and return the due wake-ups: each is claimed by exactly one runner."""
    due = select(col(Wakeup.id)).where(col(Wakeup.due_at) <= utcnow()).order_by(col(Wakeup.id))
    rows = session.execute(
        delete(Wakeup)
        .where(col(Wakeup.id).in_(due.limit(limit).scalar_subquery()))
        .returning(col(Wakeup.id), col(Wakeup.function), col(Wakeup.args), col(Wakeup.job_id))
    ).all()
    return [Wake(function, tuple(args), job_id) for _, function, args, job_id in sorted(rows)]


def take_due() -> list[Wake]:
    with transaction() as session:
        return claim_due(session)


class HandoffDispatcher:
    """Records wake-ups for the server's runner; runs nothing in this process."""

    def enqueue_many(self, wakes: Sequence[Wake]) -> None:
        # After the commit that made the rows (the dispatcher contract), in its own transaction.
        try:
            with transaction() as session:
                record(session, wakes)
        except Exception as exc:  # like a Redis outage: the sweeper finds the rows
            log.warning("queue.handoff_failed", extra={"count": len(wakes), "error": repr(exc)})

    def close(self) -> None:
        pass
