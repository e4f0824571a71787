"""`app.combine.Combiner`: requests arriving while a batch runs go together in the next one,
each caller gets its own answer, and no caller is ever left waiting. Callers wait on an
event loop; batches run in worker threads."""

from __future__ import annotations

import asyncio
import contextvars
import random
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest

from app.combine import Combiner, Unsplit


class Recorder:
    """A batch runner that records its batches; the first one waits for `release`."""

    def __init__(self, hold_first: bool = False) -> None:
        self.batches: list[tuple[str, list[int]]] = []
        self.running = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()
        self.lock = threading.Lock()

    def __call__(self, key: str, items: Sequence[int]) -> list[int | BaseException]:
        with self.lock:
            self.batches.append((key, list(items)))
        self.running.set()
        assert self.release.wait(10)
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(scenario(), 30))


async def until(event: threading.Event) -> None:
    """Waits for a worker thread's event without blocking the loop."""
    assert await asyncio.to_thread(event.wait, 10)


async def wait_queued(combiner: Combiner[str, int, int], key: str, n: int) -> None:
    """Waits until `n` requests of `key` are queued behind the running batch."""
    deadline = time.monotonic() + 10
    while combiner.waiting(key) < n:
        assert time.monotonic() < deadline, f"{n} requests never queued"
        await asyncio.sleep(0.002)


def submit(combiner: Combiner[str, int, int], key: str, item: int) -> asyncio.Task[int]:
    return asyncio.get_running_loop().create_task(combiner.submit(key, item))


def test_a_lone_request_runs_at_once_in_a_batch_of_its_own() -> None:
    recorder = Recorder()
    combiner: Combiner[str, int, int] = Combiner(recorder, max_batch=10)

    async def scenario() -> None:
        assert await combiner.submit("a", 4) == 40
        with pytest.raises(ValueError, match="odd 3"):
            await combiner.submit("a", 3)

    run(scenario)
    assert recorder.batches == [("a", [4]), ("a", [3])]
    assert combiner._queued == {} and combiner._drivers == {}


def test_requests_arriving_during_a_batch_go_together_in_the_next() -> None:
    recorder = Recorder(hold_first=True)
    combiner: Combiner[str, int, int] = Combiner(recorder, max_batch=10)

    async def scenario() -> None:
        first = submit(combiner, "a", 0)
        await until(recorder.running)
        later = [submit(combiner, "a", i) for i in (2, 4, 6, 8)]
        await wait_queued(combiner, "a", 4)
        recorder.release.set()
        assert await first == 0
        assert [await t for t in later] == [20, 40, 60, 80]

    run(scenario)
    assert recorder.batches == [("a", [0]), ("a", [2, 4, 6, 8])]


def test_each_caller_gets_its_own_result_or_error() -> None:
    recorder = Recorder(hold_first=True)
    combiner: Combiner[str, int, int] = Combiner(recorder, max_batch=10)

    async def scenario() -> None:
        first = submit(combiner, "a", 100)
        await until(recorder.running)
        tasks = {i: submit(combiner, "a", i) for i in range(1, 7)}
        await wait_queued(combiner, "a", 6)
        recorder.release.set()
        assert await first == 1000
        for i, task in tasks.items():
            if i % 2:
                with pytest.raises(ValueError, match=f"odd {i}"):
                    await task
            else:
                assert await task == i * 10

    run(scenario)


def test_keys_never_share_a_batch() -> None:
    recorder = Recorder(hold_first=True)
    combiner: Combiner[str, int, int] = Combiner(recorder, max_batch=10)

    async def scenario() -> None:
        first = submit(combiner, "a", 0)
        await until(recorder.running)
        others = [submit(combiner, key, i) for key, i in [("a", 2), ("b", 4)]]
        await wait_queued(combiner, "a", 1)  # "a" waits behind its running batch ...
        deadline = time.monotonic() + 10
        while ("b", [4]) not in recorder.batches:  # ... while "b" runs beside it
            assert time.monotonic() < deadline, recorder.batches
            await asyncio.sleep(0.002)
        recorder.release.set()
        assert await first == 0 and [await t for t in others] == [20, 40]

    run(scenario)
    assert sorted(recorder.batches) == [("a", [0]), ("a", [2]), ("b", [4])]


def test_a_batch_takes_at_most_max_batch_items() -> None:
    recorder = Recorder(hold_first=True)
    combiner: Combiner[str, int, int] = Combiner(recorder, max_batch=3)

    async def scenario() -> None:
        first = submit(combiner, "a", 0)
        await until(recorder.running)
        later = []
        for n, i in enumerate(range(2, 16, 2), start=1):
            later.append(submit(combiner, "a", i))
            await wait_queued(combiner, "a", n)  # queued in this order
        recorder.release.set()
        assert await first == 0 and [await t for t in later] == list(range(20, 160, 20))

    run(scenario)
    assert [items for _, items in recorder.batches] == [[0], [2, 4, 6], [8, 10, 12], [14]]


def test_a_batch_that_fails_as_a_whole_is_run_again_item_by_item() -> None:
    """One item breaking the batch (a bug, a value the database refuses) fails only its
    own request; the others are answered from a run of their own."""
    batches: list[list[int]] = []
    gate, first_running = threading.Event(), threading.Event()

    def runner(key: str, items: Sequence[int]) -> list[int | BaseException]:
        batches.append(list(items))
        if items == [0]:
            first_running.set()
            assert gate.wait(5)
        if 13 in items:
            raise RuntimeError("poisoned")
        return [i + 1 for i in items]

    combiner: Combiner[str, int, int] = Combiner(runner, max_batch=10)

    async def scenario() -> None:
        first = submit(combiner, "a", 0)
        await until(first_running)
        tasks = [submit(combiner, "a", i) for i in (12, 13, 14)]
        await wait_queued(combiner, "a", 3)
        gate.set()
        assert await first == 1
        assert await tasks[0] == 13 and await tasks[2] == 15
        with pytest.raises(RuntimeError, match="poisoned"):
            await tasks[1]

    run(scenario)
    assert batches == [[0], [12, 13, 14], [12], [13], [14]]


def test_a_runner_that_answers_the_wrong_number_of_items_fails_loudly() -> None:
    combiner: Combiner[str, int, int] = Combiner(lambda key, items: [], max_batch=10)

    async def scenario() -> None:
        with pytest.raises(RuntimeError, match="gave 0 results"):
            await combiner.submit("a", 1)

    run(scenario)


def test_no_caller_is_left_waiting_under_random_arrivals() -> None:
    """400 callers over 3 keys, arriving at random while batches of random length run: each
    gets its own answer, every item runs exactly once, and batches never mix keys."""
    seen: list[tuple[str, int]] = []
    lock = threading.Lock()
    rng = random.Random(7)
    delays = [rng.random() * 0.01 for _ in range(1000)]

    def runner(key: str, items: Sequence[int]) -> list[int | BaseException]:
        time.sleep(delays[items[0]])
        with lock:
            seen.extend((key, i) for i in items)
        assert all(i % 3 == "abc".index(key) for i in items)
        return [i * 2 for i in items]

    combiner: Combiner[str, int, int] = Combiner(runner, max_batch=7)

    async def call(i: int) -> int:
        await asyncio.sleep(delays[i + 400] / 2)
        return await combiner.submit("abc"[i % 3], i)

    async def scenario() -> list[int]:
        return list(await asyncio.gather(*(call(i) for i in range(400))))

    assert run(scenario) == [i * 2 for i in range(400)]
    assert sorted(i for _, i in seen) == list(range(400))
    assert combiner._queued == {} and combiner._drivers == {}


def test_a_caller_that_goes_away_leaves_the_others_their_answers() -> None:
    """A request cancelled while it waits (its client disconnected) does not cancel its
    batch: the batch still runs, the other callers get their answers, and the next batch
    runs too."""
    recorder = Recorder(hold_first=True)
    combiner: Combiner[str, int, int] = Combiner(recorder, max_batch=10)

    async def scenario() -> None:
        first = submit(combiner, "a", 0)
        await until(recorder.running)
        gone, stays = submit(combiner, "a", 2), submit(combiner, "a", 4)
        await wait_queued(combiner, "a", 2)
        first.cancel()
        gone.cancel()
        recorder.release.set()
        assert await stays == 40
        assert await combiner.submit("a", 6) == 60

    run(scenario)
    assert recorder.batches == [("a", [0]), ("a", [2, 4]), ("a", [6])]


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Combiner(lambda key, items: [], max_batch=0)


def test_a_failure_raised_unsplit_reaches_every_item_and_is_not_run_again() -> None:
    """A failure the whole batch shares (no connection free, a doubtful commit) goes to every
    caller at once: running each item again alone would wait again, or write twice."""
    batches: list[list[int]] = []
    gate, first_running = threading.Event(), threading.Event()

    def runner(key: str, items: Sequence[int]) -> list[int | BaseException]:
        batches.append(list(items))
        if items == [0]:
            first_running.set()
            assert gate.wait(5)
            return [0]
        raise Unsplit(TimeoutError("no connection free"))

    combiner: Combiner[str, int, int] = Combiner(runner, max_batch=10)

    async def scenario() -> None:
        first = submit(combiner, "a", 0)
        await until(first_running)
        tasks = [submit(combiner, "a", i) for i in (1, 2, 3)]
        await wait_queued(combiner, "a", 3)
        gate.set()
        assert await first == 0
        for task in tasks:
            with pytest.raises(TimeoutError, match="no connection free"):
                await task

    run(scenario)
    assert batches == [[0], [1, 2, 3]]


def test_a_batch_runs_in_its_first_callers_context() -> None:
    """What a batch logs carries the request id of one of its own requests (the first), not
    that of whichever request happened to start the key's batches."""
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
    seen: list[tuple[list[int], str]] = []
    gate, first_running = threading.Event(), threading.Event()

    def runner(key: str, items: Sequence[int]) -> list[int | BaseException]:
        seen.append((list(items), request_id.get()))
        if items == [0]:
            first_running.set()
            assert gate.wait(5)
        return list(items)

    combiner: Combiner[str, int, int] = Combiner(runner, max_batch=10)

    async def call(i: int) -> int:
        request_id.set(f"req-{i}")
        return await combiner.submit("a", i)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        first = loop.create_task(call(0))
        await until(first_running)
        later = [loop.create_task(call(i)) for i in (2, 4)]
        await wait_queued(combiner, "a", 2)
        gate.set()
        assert [await t for t in (first, *later)] == [0, 2, 4]

    run(scenario)
    assert seen == [([0], "req-0"), ([2, 4], "req-2")]


def test_each_event_loop_has_its_own_queue() -> None:
    """Two loops (tests run the app on several): a request on the second is not queued
    behind the first loop's batch, where that loop's task would answer it across threads."""
    recorder = Recorder(hold_first=True)
    combiner: Combiner[str, int, int] = Combiner(recorder, max_batch=10)
    results: dict[int, int] = {}

    def on_a_loop_of_its_own(i: int) -> None:
        results[i] = run(lambda: combiner.submit("a", i))

    first = threading.Thread(target=on_a_loop_of_its_own, args=(0,))
    first.start()
    assert recorder.running.wait(10)
    second = threading.Thread(target=on_a_loop_of_its_own, args=(2,))
    second.start()
    deadline = time.monotonic() + 10
    while len(recorder.batches) < 2:  # runs beside the first, still held
        assert time.monotonic() < deadline, recorder.batches
        time.sleep(0.002)
    recorder.release.set()
    first.join(10)
    second.join(10)
    assert results == {0: 0, 2: 20}
    assert recorder.batches == [("a", [0]), ("a", [2])]
    assert combiner._queued == {} and combiner._drivers == {}
