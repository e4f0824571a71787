"""`Slots`: envelopes on their way at once, the oldest work first (issue 15 §3: a throttled
item's resend must not queue behind the fresh envelopes that came after it)."""

from __future__ import annotations

import asyncio

import pytest

from app.graph.slots import Slots

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _wait(slots: Slots, since: float, order: list[str], name: str) -> None:
    async with slots.hold(since):
        order.append(name)
        await asyncio.sleep(0)


async def _hold_until(slots: Slots, release: asyncio.Event) -> None:
    async with slots.hold(0.0):
        await release.wait()


async def test_the_oldest_work_goes_first_and_equals_in_turn() -> None:
    slots = Slots(1)
    order: list[str] = []
    release = asyncio.Event()
    first = asyncio.create_task(_hold_until(slots, release))
    await asyncio.sleep(0)
    waiters = [
        asyncio.create_task(_wait(slots, since, order, name))
        for since, name in [(5.0, "fresh a"), (5.0, "fresh b"), (1.0, "resend"), (3.0, "older")]
    ]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, *waiters)
    assert order == ["resend", "older", "fresh a", "fresh b"]


async def test_urgent_work_goes_before_older_work_and_the_oldest_urgent_first() -> None:
    """A leaver's suspension must not wait behind a backlog's envelopes (`app.graph.urgency`)."""
    slots = Slots(1, urgent_reserve=0)
    order: list[str] = []
    release = asyncio.Event()
    first = asyncio.create_task(_hold_until(slots, release))
    await asyncio.sleep(0)

    async def wait(since: float, name: str, urgent: bool) -> None:
        async with slots.hold(since, urgent=urgent):
            order.append(name)
            await asyncio.sleep(0)

    waiters = [
        asyncio.create_task(wait(since, name, urgent))
        for since, name, urgent in [
            (1.0, "backlog", False),
            (9.0, "suspend", True),
            (5.0, "resend", False),
            (7.0, "delete", True),
        ]
    ]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, *waiters)
    assert order == ["delete", "suspend", "backlog", "resend"]


async def test_urgent_work_finds_a_slot_of_its_own_when_every_other_is_held() -> None:
    slots = Slots(2, urgent_reserve=1)
    release = asyncio.Event()
    held = [asyncio.create_task(_hold_until(slots, release)) for _ in range(2)]
    await asyncio.sleep(0)
    order: list[str] = []
    urgent_release = asyncio.Event()

    async def wait(name: str, urgent: bool, until: asyncio.Event | None = None) -> None:
        async with slots.hold(0.0, urgent=urgent):
            order.append(name)
            if until is not None:
                await until.wait()

    backlog = asyncio.create_task(wait("backlog", False))
    suspend = asyncio.create_task(wait("suspend", True, urgent_release))
    delete = asyncio.create_task(wait("delete", True))
    await asyncio.sleep(0.01)
    # The reserve went to the first urgent caller; the second waits for it, the backlog for
    # one of the two held slots.
    assert order == ["suspend"]
    urgent_release.set()
    await asyncio.gather(suspend, delete)
    assert order == ["suspend", "delete"]
    release.set()
    await asyncio.gather(*held, backlog)
    assert order == ["suspend", "delete", "backlog"]


def test_a_negative_urgent_reserve_is_refused() -> None:
    with pytest.raises(ValueError):
        Slots(1, urgent_reserve=-1)


async def test_no_more_than_its_size_at_once_and_none_lost_to_cancellation() -> None:
    slots = Slots(3)
    inside = 0
    most = 0

    async def work(since: float) -> None:
        nonlocal inside, most
        async with slots.hold(since):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.001)
            inside -= 1

    tasks = [asyncio.create_task(work(float(n % 7))) for n in range(60)]
    await asyncio.sleep(0)
    for t in tasks[10:40:3]:
        t.cancel()  # waiters given up while queued
    await asyncio.gather(*tasks, return_exceptions=True)
    assert most == 3
    # Every slot came back: three more go at once, without waiting.
    async with slots.hold(0), slots.hold(0), slots.hold(0):
        pass
    await asyncio.wait_for(work(0), timeout=1)


async def test_a_waiter_cancelled_as_its_turn_comes_passes_the_slot_on() -> None:
    slots = Slots(1)
    order: list[str] = []
    gate = asyncio.Event()
    h = asyncio.create_task(_hold_until(slots, gate))
    await asyncio.sleep(0)
    doomed = asyncio.create_task(_wait(slots, 1, order, "doomed"))
    after = asyncio.create_task(_wait(slots, 2, order, "after"))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.sleep(0)  # the holder leaves: the doomed waiter's turn is set
    doomed.cancel()
    await asyncio.gather(h, doomed, after, return_exceptions=True)
    assert "after" in order


def test_a_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        Slots(0)
