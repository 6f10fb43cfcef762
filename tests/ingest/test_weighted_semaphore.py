"""The weighted semaphore that bounds the sessions whose jobs answers are in flight."""

from __future__ import annotations

import asyncio

import pytest

from pipeline.ingest.weighted_semaphore import WeightedSemaphore


async def hold_until(semaphore: WeightedSemaphore, units: int, release: asyncio.Event) -> None:
    async with semaphore.hold(units):
        await release.wait()


async def settle() -> None:
    # Let every task run until it blocks: a few turns of the loop, no clock involved.
    for _ in range(5):
        await asyncio.sleep(0)


def test_holders_share_the_capacity_by_weight() -> None:
    async def scenario() -> None:
        semaphore = WeightedSemaphore(10)
        release = asyncio.Event()
        small = [asyncio.create_task(hold_until(semaphore, 3, release)) for _ in range(3)]
        heavy = asyncio.create_task(hold_until(semaphore, 2, release))
        await settle()
        # 3 + 3 + 3 fit in 10; the fourth, weighing 2, waits.
        assert semaphore.free == 1
        assert not heavy.done()
        assert semaphore.waiting == 1
        release.set()
        await asyncio.gather(*small, heavy)
        assert semaphore.free == 10

    asyncio.run(scenario())


def test_a_holder_heavier_than_the_capacity_goes_alone() -> None:
    async def scenario() -> None:
        semaphore = WeightedSemaphore(10)
        first, second = asyncio.Event(), asyncio.Event()
        giant = asyncio.create_task(hold_until(semaphore, 50, first))
        light = asyncio.create_task(hold_until(semaphore, 1, second))
        await settle()
        assert semaphore.free == 0
        assert semaphore.waiting == 1
        first.set()
        await giant
        await settle()
        assert semaphore.free == 9
        second.set()
        await light

    asyncio.run(scenario())


def test_waiters_are_served_in_order_so_a_heavy_one_is_not_starved() -> None:
    async def scenario() -> None:
        semaphore = WeightedSemaphore(10)
        order: list[str] = []
        releases = {name: asyncio.Event() for name in ("a", "heavy", "b")}

        async def holder(name: str, units: int) -> None:
            async with semaphore.hold(units):
                order.append(name)
                await releases[name].wait()

        a = asyncio.create_task(holder("a", 5))
        await settle()
        heavy = asyncio.create_task(holder("heavy", 10))
        await settle()
        # 5 units are free, but the light newcomer queues behind the heavy waiter.
        b = asyncio.create_task(holder("b", 1))
        await settle()
        assert order == ["a"]
        releases["a"].set()
        await settle()
        assert order == ["a", "heavy"]
        releases["heavy"].set()
        releases["b"].set()
        await asyncio.gather(a, heavy, b)
        assert order == ["a", "heavy", "b"]
        assert semaphore.free == 10

    asyncio.run(scenario())


def test_a_cancelled_waiter_gives_way_and_loses_no_units() -> None:
    async def scenario() -> None:
        semaphore = WeightedSemaphore(10)
        release = asyncio.Event()
        holding = asyncio.create_task(hold_until(semaphore, 6, release))
        await settle()
        blocked = asyncio.create_task(hold_until(semaphore, 8, release))
        await settle()
        behind = asyncio.create_task(hold_until(semaphore, 4, release))
        await settle()
        assert semaphore.free == 4
        assert semaphore.waiting == 2
        blocked.cancel()
        await settle()
        # The waiter behind the cancelled one fits in what is free, and now holds it.
        assert blocked.cancelled()
        assert semaphore.free == 0
        assert semaphore.waiting == 0
        release.set()
        await asyncio.gather(holding, behind)
        assert semaphore.free == 10

    asyncio.run(scenario())


def test_a_capacity_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        WeightedSemaphore(0)
