"""Schemathesis against the in-process app, every check on: the answers match the contract.

A few examples per operation, then a short stateful phase that chains calls along the
document's links (create, then read, change, delete and the sub-resources), keep it within a
minute or two on a loaded CI box; `bench/fuzz.py` runs the larger version. Whatever it finds is
fixed in the app, not in the checks.
"""

from __future__ import annotations

import os

import pytest

from tests.contract_fuzz import run
from tests.support import make_token

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_fuzz_finds_nothing(env: dict[str, str]) -> None:
    from app.main import create_app

    tally = run(
        create_app(),
        lambda: make_token("admin", name="fuzz"),
        max_examples=int(os.environ.get("CONTRACT_FUZZ_EXAMPLES", "3")),
        stateful=True,
        stateful_examples=int(os.environ.get("CONTRACT_FUZZ_SCENARIOS", "10")),
        max_steps=15,
    )
    print(tally.report())
    assert tally.requests > 100, tally.report()
    assert not tally.errors, tally.report()
    assert tally.server_errors == 0, tally.report()
    assert not tally.failures, tally.report()
    # The stateful phase ran and chained calls along links the document declares.
    assert tally.stateful_steps > 0, tally.report()
    assert tally.transitions > 0 and tally.declared_links, tally.report()
