"""How the executor's phases talk to Graph: one `Exchange` per run, holding the client and the
app, sending `$batch` items under typed keys and noting Graph's request ids on each item."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from app.graph import BatchResult, GraphClient, GraphError, GraphResponse
from app.graph.requests import GraphCall
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.types import AppInfo, ItemState

# A just-created user can 404 for a while (replication delay, contract §0): steps that touch
# it right after creating retry this many rounds, pausing a little longer each time.
REPLICATION_RETRIES = 6

T = TypeVar("T")


@dataclass(frozen=True)
class Planned:
    """One batch item: the call, its key, and the item whose outcome collects its request id
    and the call's record. A call that serves several items at once (a look-up of 15 UPNs, a
    `members@odata.bind` of 20 members) has `state` None and names them in `shared`: each of
    those tasks' logs lists the call, marked with the other tasks it served."""

    state: ItemState | None
    key: BatchKey
    call: GraphCall
    shared: tuple[ItemState, ...] = ()

    @property
    def served(self) -> tuple[ItemState, ...]:
        return (self.state,) if self.state is not None else self.shared


_Waiting = tuple[list[Planned], asyncio.Future[dict[BatchKey, BatchResult]]]
"""A `batch` call waiting in `together`: its items, and where its answer goes."""


class _Shared:
    """Coroutines running `together` (phases, lanes, and phases inside lanes): how many are
    running (not waiting on `batch` or a pause), the `batch` calls waiting to go out with the
    others', and the sends under way."""

    def __init__(self, running: int) -> None:
        self.running = running
        self.waiting: list[_Waiting] = []
        self.sending: set[asyncio.Task[None]] = set()
        # The run was cancelled (worker shutdown, job timeout): nothing more may be sent.
        self.cancelled = False


class _Hub:
    """What an exchange and its lanes (`Exchange.lane`) share: the `together` in progress."""

    def __init__(self) -> None:
        self.shared: _Shared | None = None


class Exchange:
    def __init__(self, client: GraphClient, app: AppInfo) -> None:
        self.client = client
        self.app = app
        self._hub = _Hub()
        self._lane = 0

    def lane(self, number: int) -> Exchange:
        """The same exchange for lane `number` of a run (`Executor`): its calls go out with
        the other lanes' in `together`, under keys of their own (lanes build the same
        shared keys, `bind..0` for their first `members@odata.bind`)."""
        view = Exchange(self.client, self.app)
        view._hub = self._hub
        view._lane = number
        return view

    async def together(self, *phases: Coroutine[Any, Any, None]) -> None:
        """Run phases that do not depend on each other at once, their `$batch` calls sent
        together: a call waits until every other phase is waiting too (or has finished), and
        then all of them go in one `client.batch` (20 items per envelope). Licenses and
        group memberships of a claim's new users are one round trip this way, not two.

        Each call resumes as soon as its own items are answered: a phase whose items were
        answered goes on while another's throttled items wait out their Retry-After.

        `together` nests (the lanes of a run, each running its licenses and groups
        together): the caller counts as waiting until its phases have all ended.

        Every phase runs to its end even if another fails; then the first failure is raised,
        as it would have been had they run one after the other, with the others' as notes.
        Cancelled, nothing more is sent: the calls still waiting are dropped, and those on
        the wire are abandoned."""
        outer = self._hub.shared
        if outer is None:
            shared = self._hub.shared = _Shared(len(phases))
        else:
            shared = outer
            # The caller hands its own count to its phases (and gets it back from the last).
            shared.running += len(phases) - 1
        left = len(phases)

        async def run(phase: Coroutine[Any, Any, None]) -> None:
            nonlocal left
            try:
                await phase
            except asyncio.CancelledError:
                shared.cancelled = True
                raise
            finally:
                left -= 1
                if outer is None or left:
                    shared.running -= 1
                    self._flush(shared)

        try:
            if not phases and outer is not None:
                shared.running += 1  # nothing to hand the count to: keep it
            ended = await asyncio.gather(*(run(p) for p in phases), return_exceptions=True)
        finally:
            if outer is None:
                self._hub.shared = None
                if shared.cancelled:
                    for task in shared.sending:
                        task.cancel()
        failures = [r for r in ended if isinstance(r, BaseException)]
        if failures:
            first = failures[0]
            for other in failures[1:]:
                first.add_note(f"another phase failed too: {other!r}")
            raise first

    async def pause(self, attempt: int) -> None:
        """Wait out a replication delay (contract §0) before trying again; in `together`,
        the other phases' calls go meanwhile instead of waiting for this one."""
        async with self._aside():
            await replication_pause(attempt)

    @asynccontextmanager
    async def _aside(self) -> AsyncIterator[None]:
        """In `together`, the caller counts as waiting for the block (a pause, a direct
        request): the other phases' and lanes' calls go meanwhile, not after it."""
        shared = self._hub.shared
        if shared is None:
            yield
            return
        shared.running -= 1
        try:
            self._flush(shared)
            yield
        finally:
            shared.running += 1

    async def batch(self, items: Sequence[Planned]) -> dict[BatchKey, BatchResult]:
        """Send `items` through `$batch` (20 per envelope); every key gets its result."""
        if not items:
            return {}
        wired = {replace(p.key, lane=self._lane): p for p in items}
        if len(wired) != len(items):
            # Two items under one key: refused here, before they could fail the other
            # calls sent with them (`_send_batch` refuses keys shared between calls).
            raise ValueError("duplicate batch request id among the items of one call")
        sent = [replace(p, key=key) for key, p in wired.items()]
        shared = self._hub.shared
        if shared is None:
            answered = await self._send_batch(sent)
        else:
            answer: asyncio.Future[dict[BatchKey, BatchResult]] = (
                asyncio.get_running_loop().create_future()
            )
            shared.waiting.append((sent, answer))
            shared.running -= 1
            self._flush(shared)
            answered = await answer
        return {wired[key].key: result for key, result in answered.items() if key in wired}

    def _flush(self, shared: _Shared) -> None:
        """Once no phase is running, send every waiting call: each is answered (and its
        phase counted as running again) the moment its own keys' results are final, or
        fails with the exchange that carried it.

        Calls that only read go in envelopes of their own, sent alongside: the client resends
        an envelope whose answer was lost only when it holds nothing but reads, so a read
        sharing an envelope with writes would be lost with it (and a retried task's
        membership read is what spares its group writes)."""
        if shared.cancelled:
            dropped, shared.waiting = shared.waiting, []
            for _, answer in dropped:
                answer.cancel()
            return
        if shared.running or not shared.waiting:
            return
        waiting, shared.waiting = shared.waiting, []
        task = asyncio.ensure_future(self._send_waiting(shared, waiting))
        shared.sending.add(task)
        task.add_done_callback(shared.sending.discard)

    async def _send_waiting(self, shared: _Shared, waiting: list[_Waiting]) -> None:
        owner: dict[BatchKey, int] = {}
        for n, (items, _) in enumerate(waiting):
            owner.update((p.key, n) for p in items)
        left = [len(items) for items, _ in waiting]
        got: list[dict[BatchKey, BatchResult]] = [{} for _ in waiting]

        def answered(results: dict[BatchKey, BatchResult]) -> None:
            for key, result in results.items():
                n = owner.get(key)
                if n is None or key in got[n]:
                    continue
                got[n][key] = result
                left[n] -= 1
                answer = waiting[n][1]
                if not left[n] and not answer.done():
                    shared.running += 1  # its phase resumes with the answer
                    answer.set_result(got[n])

        # Reads in envelopes of their own, writes in others: a call's part is where its
        # failure comes from.
        parts: list[list[Planned]] = [[], []]
        part_of = [0 if all(p.call.method == "GET" for p in items) else 1 for items, _ in waiting]
        for (items, _), part in zip(waiting, part_of, strict=True):
            parts[part].extend(items)
        try:
            sent = await asyncio.gather(
                *(self._send_batch(part, answered) for part in parts), return_exceptions=True
            )
        except asyncio.CancelledError:
            shared.cancelled = True
            for _, answer in waiting:
                answer.cancel()
            raise
        for outcome in sent:
            if not isinstance(outcome, BaseException):
                answered(outcome)  # anything the client did not hand over as it came
        for n, (_, answer) in enumerate(waiting):
            if answer.done():
                continue
            shared.running += 1
            outcome = sent[part_of[n]]
            if isinstance(outcome, asyncio.CancelledError):
                answer.cancel()
            elif isinstance(outcome, BaseException):
                answer.set_exception(outcome)
            else:
                answer.set_result(got[n])  # a key not answered: the caller's look-up fails

    async def _send_batch(
        self,
        items: Sequence[Planned],
        answered: Callable[[dict[BatchKey, BatchResult]], None] | None = None,
    ) -> dict[BatchKey, BatchResult]:
        if not items:
            return {}
        by_raw = {p.key.encode(): p for p in items}
        if len(by_raw) != len(items):
            # Two waiting calls under one key (lanes or phases building the same shared key):
            # one item would go unsent and both would read the other's answer.
            raise ValueError("duplicate batch request id among the calls sent together")

        def final(results: dict[str, BatchResult]) -> None:
            by_key: dict[BatchKey, BatchResult] = {}
            for raw, found in results.items():
                p = by_raw.get(raw)
                if p is None:
                    continue
                by_key[p.key] = found
                rid = request_id(found)
                served = _distinct(p.served)
                for s in served:
                    if rid:
                        s.outcome.request_ids.append(rid)
                    others = [o.work.task_id for o in served if o is not s]
                    s.outcome.calls.append(call_json(p, found, rid, others))
            if answered is not None:
                answered(by_key)

        results = await self.client.batch(
            [p.call.batch_item(raw) for raw, p in by_raw.items()], on_final=final
        )
        return {by_raw[raw].key: result for raw, result in results.items() if raw in by_raw}

    async def send(
        self, call: GraphCall, step: Step, s: ItemState, *, retry_not_found: bool = False
    ) -> GraphResponse:
        """One direct request made for `s`, recorded on its outcome like a batched one;
        raises a `GraphError` subclass as the client does."""
        try:
            # Set aside like a `batch` call: a restored user's read-back may retry a 404 for
            # seconds, and the other lanes' calls must not wait for it.
            async with self._aside():
                resp = await self.client.request(
                    call.method, call.url, json=call.body, retry_not_found=retry_not_found
                )
        except GraphError as exc:
            s.outcome.calls.append(
                _record(step, call, exc.status, exc.code, exc.message, exc.request_id)
            )
            raise
        if resp.request_id:
            s.outcome.request_ids.append(resp.request_id)
        s.outcome.calls.append(_record(step, call, resp.status, None, None, resp.request_id))
        return resp


def _distinct(states: Sequence[ItemState]) -> list[ItemState]:
    # A look-up may list one item twice (found by ImmutableID and by UPN in the same chunk).
    return list({id(s): s for s in states}.values())


def _record(
    step: Step, call: GraphCall, status: int, code: str | None, message: str | None, rid: str | None
) -> dict[str, Any]:
    return {
        "request": step.name.lower(),
        "method": call.method,
        "path": call.path,
        "status": status,
        "code": code,
        "message": message,
        "request_id": rid,
        "batch_request_id": None,
    }


def call_json(
    p: Planned, result: BatchResult, rid: str | None, shared_with: Sequence[int] = ()
) -> dict[str, Any]:
    """One request and Graph's answer as the provisioning log shows it (no body: it may
    carry personal data the log does not need). `shared_with` names the other tasks the same
    request served (a shared look-up or group add), so each task's log lists every call made
    on its behalf and says which ones it shared."""
    out = {
        "request": p.key.step.name.lower(),
        "method": p.call.method,
        "path": p.call.path,
        "status": result.status,
        "code": result.error.code if result.error else None,
        "message": result.error.message if result.error else None,
        "request_id": rid or result.batch_request_id,
        "batch_request_id": result.batch_request_id,
    }
    if shared_with:
        out["shared_with"] = sorted(shared_with)
    return out


def request_id(result: BatchResult) -> str | None:
    """The request id to quote for this item: its own, else its error's, else the `$batch`
    envelope's (Graph puts none on a successful item; the envelope's finds it in their logs)."""
    for key in ("request-id", "Request-Id", "client-request-id"):
        if key in result.headers:
            return result.headers[key]
    if result.error is not None and result.error.request_id:
        return result.error.request_id
    return result.batch_request_id


async def replication_pause(attempt: int) -> None:
    await asyncio.sleep(min(0.25 * 2**attempt, 4))


def chunks(items: Sequence[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def normalized(value: Any) -> Any:
    """Graph reports an unset property as null, "" or []; all three mean "no value"."""
    if value in ("", [], None):
        return None
    return value
