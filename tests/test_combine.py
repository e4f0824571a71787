"""`app.combine.Combiner`: requests arriving while a batch runs go together in the next one,
each caller gets its own answer, and no caller is ever left waiting."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

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


def _wait_queued(combiner: Combiner[str, int, int], key: str, n: int) -> None:
    """Waits until `n` requests of `key` are queued behind the running batch: on a loaded
    machine a fixed sleep may end before every submitting thread has run."""
    deadline = time.monotonic() + 10
    while len(combiner._queued.get(key, [])) < n:
        assert time.monotonic() < deadline, f"{n} requests never queued"
        time.sleep(0.005)


def test_a_lone_request_runs_at_once_in_a_batch_of_its_own() -> None:
    run = Recorder()
    combiner: Combiner[str, int, int] = Combiner(run, max_batch=10)
    assert combiner.submit("a", 4) == 40
    with pytest.raises(ValueError, match="odd 3"):
        combiner.submit("a", 3)
    assert run.batches == [("a", [4]), ("a", [3])]


def test_requests_arriving_during_a_batch_go_together_in_the_next() -> None:
    run = Recorder(hold_first=True)
    combiner: Combiner[str, int, int] = Combiner(run, max_batch=10)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(combiner.submit, "a", 0)
        assert run.running.wait(5)
        later = [pool.submit(combiner.submit, "a", i) for i in (2, 4, 6, 8)]
        _wait_queued(combiner, "a", 4)
        run.release.set()
        assert first.result(5) == 0
        assert [f.result(5) for f in later] == [20, 40, 60, 80]
    assert run.batches == [("a", [0]), ("a", [2, 4, 6, 8])]


def test_each_caller_gets_its_own_result_or_error() -> None:
    run = Recorder(hold_first=True)
    combiner: Combiner[str, int, int] = Combiner(run, max_batch=10)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(combiner.submit, "a", 100)
        assert run.running.wait(5)
        futures = {i: pool.submit(combiner.submit, "a", i) for i in range(1, 7)}
        _wait_queued(combiner, "a", 6)
        run.release.set()
        assert first.result(5) == 1000
        for i, future in futures.items():
            if i % 2:
                with pytest.raises(ValueError, match=f"odd {i}"):
                    future.result(5)
            else:
                assert future.result(5) == i * 10


def test_keys_never_share_a_batch() -> None:
    run = Recorder(hold_first=True)
    combiner: Combiner[str, int, int] = Combiner(run, max_batch=10)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(combiner.submit, "a", 0)
        assert run.running.wait(5)
        others = [pool.submit(combiner.submit, key, i) for key, i in [("a", 2), ("b", 4)]]
        _wait_queued(combiner, "a", 1)  # "a" waits behind its running batch ...
        deadline = time.monotonic() + 10
        while ("b", [4]) not in run.batches:  # ... while "b" runs beside it
            assert time.monotonic() < deadline, run.batches
            time.sleep(0.005)
        run.release.set()
        assert first.result(5) == 0 and [f.result(5) for f in others] == [20, 40]
    assert sorted(run.batches) == [("a", [0]), ("a", [2]), ("b", [4])]


def test_a_batch_takes_at_most_max_batch_items() -> None:
    run = Recorder(hold_first=True)
    combiner: Combiner[str, int, int] = Combiner(run, max_batch=3)
    with ThreadPoolExecutor(max_workers=10) as pool:
        first = pool.submit(combiner.submit, "a", 0)
        assert run.running.wait(5)
        later = []
        for n, i in enumerate(range(2, 16, 2), start=1):
            later.append(pool.submit(combiner.submit, "a", i))
            _wait_queued(combiner, "a", n)  # queued in this order
        run.release.set()
        assert first.result(5) == 0 and [f.result(5) for f in later] == list(range(20, 160, 20))
    assert [items for _, items in run.batches] == [[0], [2, 4, 6], [8, 10, 12], [14]]


def test_a_batch_that_fails_as_a_whole_is_run_again_item_by_item() -> None:
    """One item breaking the batch (a bug, a value the database refuses) fails only its
    own request; the others are answered from a run of their own."""
    batches: list[list[int]] = []
    gate, first_running = threading.Event(), threading.Event()

    def run(key: str, items: Sequence[int]) -> list[int | BaseException]:
        batches.append(list(items))
        if items == [0]:
            first_running.set()
            assert gate.wait(5)
        if 13 in items:
            raise RuntimeError("poisoned")
        return [i + 1 for i in items]

    combiner: Combiner[str, int, int] = Combiner(run, max_batch=10)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(combiner.submit, "a", 0)
        assert first_running.wait(5)
        futures = [pool.submit(combiner.submit, "a", i) for i in (12, 13, 14)]
        _wait_queued(combiner, "a", 3)
        gate.set()
        assert first.result(5) == 1
        assert futures[0].result(5) == 13 and futures[2].result(5) == 15
        with pytest.raises(RuntimeError, match="poisoned"):
            futures[1].result(5)
    assert batches == [[0], [12, 13, 14], [12], [13], [14]]


def test_a_runner_that_answers_the_wrong_number_of_items_fails_loudly() -> None:
    combiner: Combiner[str, int, int] = Combiner(lambda key, items: [], max_batch=10)
    with pytest.raises(RuntimeError, match="gave 0 results"):
        combiner.submit("a", 1)


def test_no_caller_is_left_waiting_under_random_arrivals() -> None:
    """400 callers over 3 keys, arriving at random while batches of random length run: each
    gets its own answer, every item runs exactly once, and batches never mix keys."""
    seen: list[tuple[str, int]] = []
    lock = threading.Lock()
    rng = random.Random(7)

    def run(key: str, items: Sequence[int]) -> list[int | BaseException]:
        time.sleep(rng.random() * 0.01)
        with lock:
            seen.extend((key, i) for i in items)
        assert all(i % 3 == "abc".index(key) for i in items)
        return [i * 2 for i in items]

    combiner: Combiner[str, int, int] = Combiner(run, max_batch=7)

    def call(i: int) -> int:
        time.sleep(rng.random() * 0.005)
        return combiner.submit("abc"[i % 3], i)

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(call, range(400), timeout=60))
    assert results == [i * 2 for i in range(400)]
    assert sorted(i for _, i in seen) == list(range(400))


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Combiner(lambda key, items: [], max_batch=0)


def test_a_failure_raised_unsplit_reaches_every_item_and_is_not_run_again() -> None:
    """A failure the whole batch shares (no connection free, a doubtful commit) goes to every
    caller at once: running each item again alone would wait again, or write twice."""
    batches: list[list[int]] = []
    gate, first_running = threading.Event(), threading.Event()

    def run(key: str, items: Sequence[int]) -> list[int | BaseException]:
        batches.append(list(items))
        if items == [0]:
            first_running.set()
            assert gate.wait(5)
            return [0]
        raise Unsplit(TimeoutError("no connection free"))

    combiner: Combiner[str, int, int] = Combiner(run, max_batch=10)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(combiner.submit, "a", 0)
        assert first_running.wait(5)
        futures = [pool.submit(combiner.submit, "a", i) for i in (1, 2, 3)]
        _wait_queued(combiner, "a", 3)
        gate.set()
        assert first.result(5) == 0
        for future in futures:
            with pytest.raises(TimeoutError, match="no connection free"):
                future.result(5)
    assert batches == [[0], [1, 2, 3]]
