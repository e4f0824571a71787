"""Keeps secrets out of logs: a structlog processor run last, just before rendering.

It runs after exceptions are formatted, so a token inside a traceback or an error message is
caught too. Two rules: values under sensitive keys are replaced whole, at any depth; bearer
tokens, our `pvn_` API tokens and JWTs are masked wherever they appear in a string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

REDACTED = "[REDACTED]"

SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "client_secret",
        "client_assertion",
        "secret",
        "secret_key",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "password",
        "api_key",
        "private_key",
        "assertion",
    }
)
# Suffixes catch the compound names (`graph_access_token`, `app_client_secret`) without
# listing each; `token_id`, `token_count` and the like stay readable.
_SENSITIVE_SUFFIXES = ("_token", "_secret", "_password", "-token", "-secret")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*"), r"\1 " + REDACTED),
    (re.compile(r"\bpvn_[A-Za-z0-9_\-]+"), "pvn_" + REDACTED),
    # JSON web tokens (Entra ID access tokens, client assertions): three base64url parts.
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), REDACTED),
)


def is_sensitive_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    name = key.lower()
    return name in SENSITIVE_KEYS or name.endswith(_SENSITIVE_SUFFIXES)


def redact_text(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if is_sensitive_key(k) else redact_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(redact_value(v) for v in value)
    return value


def redact_secrets(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
    """structlog processor: mask sensitive keys and token-shaped values in the event."""
    for key in list(event_dict):
        if is_sensitive_key(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = redact_value(event_dict[key])
    return event_dict
