"""Schemathesis against the in-process app: the runner shared by `tests/api/test_contract_fuzz.py`
(a small run in the test command) and `bench/fuzz.py` (a larger one, stateful, by hand).

It drives schemathesis' engine, as its CLI does, with every check on, and tallies what came
back: requests, 5xx answers, failures by check, and for the stateful phase how many of its
steps followed a link (an OpenAPI link of `app.api.links` or one schemathesis inferred) and
which links those were, so a stateful run that chained nothing is seen, not assumed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
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
    # Stateful phase: its requests, those that followed a link, and the links they followed.
    stateful_steps: int = 0
    transitions: int = 0
    links: Counter[str] = field(default_factory=Counter)
    links_available: int = 0

    @property
    def declared_links(self) -> set[str]:
        """The links followed that the document declares (not inferred by schemathesis)."""
        return {name for name in self.links if not name.startswith("inferred ")}

    def report(self) -> str:
        lines = [
            f"requests: {self.requests}",
            f"5xx: {self.server_errors}",
            f"stateful: {self.stateful_steps} steps, {self.transitions} followed a link; "
            f"{len(self.links)} distinct links followed ({len(self.declared_links)} declared) "
            f"of {self.links_available} available",
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
    mint_token: Callable[[], str],
    *,
    max_examples: int,
    stateful: bool,
    coverage: bool = False,
    seed: int | None = 1,
    max_steps: int = 20,
    stateful_examples: int | None = None,
) -> Tally:
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events
    from schemathesis.engine.run import PhaseName

    phases: dict[str, Any] = {
        "examples": {"enabled": True},
        "coverage": {"enabled": coverage},
        "fuzzing": {"enabled": True},
        # Chains need calls that succeed: the stateful phase sends valid data only (the other
        # phases send the invalid).
        "stateful": {
            "enabled": stateful,
            "max-steps": max_steps,
            "generation": {"mode": "positive", "max-examples": stateful_examples or max_examples},
        },
    }
    raw: dict[str, Any] = {
        "cache": {"enabled": False},
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

    # `DELETE /tokens/{id}` may revoke the fuzzer's own token, as a client may revoke its own:
    # on a 401 the cached token is dropped and the request sent again with a new one, as a
    # client would log in again. (`get` runs only when there is no cached token.)
    @schema.auth(refresh_interval=24 * 3600, retry_on=[401])
    class Login:
        def get(self, case: Any, context: Any) -> str:
            return mint_token()

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    tally = Tally()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted) and event.payload is not None:
            tally.links_available = event.payload.transitions_selected
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            _count(tally, event.recorder)
            if getattr(event, "phase", None) == PhaseName.STATEFUL_TESTING:
                _count_stateful(tally, event.recorder)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            tally.errors.append(str(getattr(event, "info", event))[:500])
    return tally


def _count_stateful(tally: Tally, recorder: Any) -> None:
    for case_id, node in recorder.cases.items():
        if case_id not in recorder.interactions:
            continue
        tally.stateful_steps += 1
        if node.transition is not None and node.is_transition_applied:
            tally.transitions += 1
            prefix = "inferred " if node.transition.is_inferred else ""
            tally.links[prefix + node.transition.id] += 1


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
