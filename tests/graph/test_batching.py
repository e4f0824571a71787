from __future__ import annotations

import pytest

from app.graph.batching import plan_chunks, to_resend, to_wire, validate
from app.graph.models import BatchRequest


def req(rid: str, *deps: str, method: str = "GET") -> BatchRequest:
    return BatchRequest(id=rid, method=method, url=f"/users/{rid}", depends_on=list(deps) or None)


def test_chunks_hold_at_most_twenty_and_keep_order() -> None:
    chunks = plan_chunks([req(str(i)) for i in range(45)])
    assert [len(c) for c in chunks] == [20, 20, 5]
    assert [r.id for c in chunks for r in c] == [str(i) for i in range(45)]


def test_dependency_chains_stay_in_one_chunk() -> None:
    requests = [req(str(i)) for i in range(18)] + [req("a"), req("b", "a"), req("c", "b")]
    chunks = plan_chunks(requests)
    chain_chunk = next(c for c in chunks if any(r.id == "a" for r in c))
    assert {"a", "b", "c"} <= {r.id for r in chain_chunk}
    assert all(len(c) <= 20 for c in chunks)


def test_chain_longer_than_a_batch_is_refused() -> None:
    chain = [req("0")] + [req(str(i), str(i - 1)) for i in range(1, 21)]
    with pytest.raises(ValueError, match="exceeds"):
        plan_chunks(chain)


def test_validate_rejects_duplicate_ids_absolute_urls_and_unknown_dependencies() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        validate([req("A"), req("a")])
    with pytest.raises(ValueError, match="relative"):
        validate([BatchRequest("1", "GET", "https://graph.microsoft.com/v1.0/users")])
    with pytest.raises(ValueError, match="unknown"):
        validate([req("1", "9")])


def test_wire_form_adds_content_type_and_drops_settled_dependencies() -> None:
    item = to_wire(
        BatchRequest("2", "post", "users", body={"x": 1}, depends_on=["1", "0"]), ["1", "2"]
    )
    assert item == {
        "id": "2",
        "method": "POST",
        "url": "/users",
        "body": {"x": 1},
        "headers": {"Content-Type": "application/json"},
        "dependsOn": ["1"],
    }


def test_resend_throttled_items_and_the_424s_that_waited_for_them() -> None:
    requests = [req("1"), req("2", "1"), req("3"), req("4", "3"), req("5")]
    statuses = {"1": 429, "2": 424, "3": 400, "4": 424, "5": 503}
    assert to_resend(requests, statuses) == {"1", "2", "5"}
