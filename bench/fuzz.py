"""Schemathesis against the whole API, larger than the test suite's run: more examples per
operation, the coverage phase, and a longer stateful phase (chains of calls following the
document's OpenAPI links and those schemathesis infers). Prints requests, 5xx answers,
violations by check and how many stateful steps followed which links.

    BENCH_DATABASE_URL=postgresql://... python bench/fuzz.py [--examples 25] [--smoke]

`--smoke` is the quick version (3 examples, 10 stateful scenarios, no coverage phase): what
`tests/api/test_contract_fuzz.py` runs. Exits 1 when anything was found, or when the stateful
phase followed no link.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from _common import drop_database, fresh_database

DB_NAME = "provisioner_bench_fuzz"
SMOKE_STEPS, SMOKE_SCENARIOS = 15, 10  # as tests/api/test_contract_fuzz.py


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="examples per operation")
    parser.add_argument("--steps", type=int, default=30, help="stateful steps per scenario")
    parser.add_argument("--scenarios", type=int, default=100, help="stateful scenarios")
    parser.add_argument("--seed", type=int, default=None, help="fix the run (default: random)")
    parser.add_argument("--smoke", action="store_true", help="the small run of the test suite")
    args = parser.parse_args(argv)

    from cryptography.fernet import Fernet

    os.environ.setdefault("SECRET_KEY", Fernet.generate_key().decode())
    os.environ.setdefault("QUEUE_MODE", "inline")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    fresh_database(DB_NAME)
    try:
        from app.main import create_app
        from tests.contract_fuzz import run
        from tests.support import make_token

        def mint() -> str:
            return make_token("admin", name="fuzz")

        started = time.monotonic()
        if args.smoke:
            tally = run(
                create_app(),
                mint,
                max_examples=3,
                stateful=True,
                max_steps=SMOKE_STEPS,
                stateful_examples=SMOKE_SCENARIOS,
            )
        else:
            tally = run(
                create_app(),
                mint,
                max_examples=args.examples,
                stateful=True,
                coverage=True,
                seed=args.seed,
                max_steps=args.steps,
                stateful_examples=args.scenarios,
            )
        print(tally.report())
        print(f"seconds: {time.monotonic() - started:.0f}")
        found = tally.server_errors or tally.failures or tally.errors
        return 1 if found or not tally.transitions else 0
    finally:
        drop_database(DB_NAME)


if __name__ == "__main__":
    sys.exit(main())
