"""Schemathesis against the in-process app: the runner shared by `tests/api/test_contract_fuzz.py`
(a small run in the test command) and `bench/fuzz.py` (a larger one, stateful, by hand).

It drives schemathesis' engine, as its CLI does, with every check on, and tallies what came
back: requests, 5xx answers and failures by check.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "use_after_free",
    "ensure_resource_availability",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
    "allow_header_conformance",
)


@dataclass
class Tally:
    requests: int = 0
    server_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines = [
            f"requests: {self.requests}",
            f"5xx: {self.server_errors}",
            "statuses: " + ", ".join(f"{k}={v}" for k, v in sorted(self.statuses.items())),
            "violations by check: "
            + (", ".join(f"{k}={v}" for k, v in sorted(self.failures.items())) or "none"),
        ]
        for check, samples in sorted(self.examples.items()):
            lines += [f"  {check}:"] + [f"    {s}" for s in samples]
        lines += [f"error: {e}" for e in self.errors]
        return "\n".join(lines)


def run(
    app: Any,
    token: str,
    *,
    max_examples: int,
    stateful: bool,
    coverage: bool = False,
    seed: int | None = 1,
    max_steps: int = 20,
) -> Tally:
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events

    phases: dict[str, Any] = {
        "examples": {"enabled": True},
        "coverage": {"enabled": coverage},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": stateful, "max-steps": max_steps},
    }
    raw: dict[str, Any] = {
        "cache": {"enabled": False},
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"max-examples": max_examples, "mode": "all", "database": "none"},
        "phases": phases,
        "checks": {name: {"enabled": True} for name in CHECKS},
    }
    # Schema-valid is not always acceptable: a cursor we did not issue (400), a reference to
    # no row or a rule the schema cannot say (422) are the API's answers to valid JSON.
    raw["checks"]["positive_data_acceptance"]["expected-statuses"] = [
        "2xx",
        400,
        401,
        403,
        404,
        409,
        422,
        429,
        "5xx",
    ]
    if seed is not None:
        raw["seed"] = seed
    config = SchemathesisConfig.from_dict(raw)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    # Revoking token 1 (the fuzzer's own) would turn the rest of the run into 401s.
    schema = schema.exclude(operation_id="tokens-revoke")
    tally = Tally()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            _count(tally, event.recorder)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            tally.errors.append(str(getattr(event, "info", event))[:500])
    return tally


def _count(tally: Tally, recorder: Any) -> None:
    for interaction in recorder.interactions.values():
        tally.requests += 1
        if interaction.response is not None:
            status = interaction.response.status_code
            tally.statuses[status] += 1
            if status >= 500:
                tally.server_errors += 1
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            tally.failures[check.name] += 1
            samples = tally.examples.setdefault(check.name, [])
            if len(samples) < 5:
                case = recorder.cases[case_id].value
                failure = check.failure_info.failure
                response = recorder.interactions.get(case_id)
                body = ""
                if response is not None and response.response is not None:
                    body = (response.response.content or b"")[:300].decode(errors="replace")
                samples.append(
                    f"{case.method} {case.formatted_path}: {failure.title} "
                    f"{(failure.message or '')[:300]!r} -> {body!r}"
                )
