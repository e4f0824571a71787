"""Races on unique keys answer 409, never 500."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.support import ApiClient, user_body


def test_parallel_creates_of_one_username_give_one_user_and_conflicts(
    client: ApiClient,
) -> None:
    def create(n: int) -> int:
        body = user_body(1, email=f"same{n}@example.com")
        return client.post("/api/v1/users", json=body).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = Counter(pool.map(create, range(10)))

    assert codes[201] == 1 and codes[409] == 9, codes
    assert len(client.ok("GET", "/users", params={"username": "user1"})["items"]) == 1
