"""The OpenAPI document as committed in `openapi/openapi.json` (stable key order)."""

from __future__ import annotations

import json


def render_openapi() -> str:
    from app.main import create_app

    spec = create_app(check_schema=False).openapi()
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"
