"""Batch item ids: every key survives the trip to a string and back, and no two collide."""

from __future__ import annotations

import pytest

from app.provisioning.executor.keys import BatchKey, Step

KEYS = [
    BatchKey(step, task, index, lane)
    for step in Step
    for task in (None, 0, 7, 123456789, -3)
    for index in (0, 1, 19)
    for lane in (0, 1, 4)
]


def test_every_key_decodes_to_itself() -> None:
    assert [BatchKey.decode(k.encode()) for k in KEYS] == KEYS


def test_encoded_keys_are_unique_as_graph_compares_them() -> None:
    # Graph matches batch ids case-insensitively.
    assert len({k.encode().lower() for k in KEYS}) == len(KEYS)


def test_an_id_of_an_unknown_step_is_refused() -> None:
    with pytest.raises(ValueError):
        BatchKey.decode("x.1.0")


@pytest.mark.parametrize("raw", ["lic.1", "lic.1.0.2.3", "lic.1.0.x"])
def test_an_id_of_the_wrong_shape_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        BatchKey.decode(raw)
