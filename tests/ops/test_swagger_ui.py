"""The Swagger UI, in headless Chromium with no network: local assets, operations, Try it out."""

from __future__ import annotations

from pathlib import Path

from tests.ops.cdp import browser
from tests.ops.conftest import LiveServer
from tests.support import make_token


def test_swagger_ui_works_offline_and_calls_the_api_with_a_token(
    env: dict[str, str], live_server: LiveServer, tmp_path: Path
) -> None:
    token = make_token("read", name="swagger")
    with browser(tmp_path / "profile") as page:
        page.send("Page.navigate", url=live_server.url + "/docs")
        page.wait("document.querySelectorAll('.opblock').length > 0")

        operations = page.js(
            "[...document.querySelectorAll('.opblock-summary-operation-id')]"
            ".map(e => e.textContent.trim())"
        )
        assert {"users-list", "users-create", "mappings-reapply", "jobs-get"} <= set(operations)

        # Authorize with the token, as a person would: the dialog, typing, Authorize, Close.
        page.click(".auth-wrapper .authorize")
        page.type_into(".modal-ux input", token)
        page.click(".modal-ux .auth-btn-wrapper button.authorize")
        page.wait("document.querySelector('.modal-ux h6')?.textContent === 'Authorized'")
        page.click(".modal-ux .btn-done")

        # Try it out on users-list and execute.
        page.click("#operations-users-users-list .opblock-summary-control")
        page.click("#operations-users-users-list .try-out__btn")
        page.click("#operations-users-users-list .execute")
        status = page.wait(
            "document.querySelector('#operations-users-users-list .live-responses-table "
            ".response .response-col_status')?.textContent.trim()"
        )
        curl = page.js("document.querySelector('#operations-users-users-list .curl')?.textContent")

        urls = page.requested_urls()

    assert status == "200"  # without the token this route answers 401
    assert f"Authorization: Bearer {token}" in curl
    assert urls, "no requests were recorded"
    outside = [u for u in urls if not u.startswith((live_server.url, "data:", "blob:", "about:"))]
    assert outside == [], f"the page fetched from outside: {outside}"
    assert live_server.url + "/docs-assets/swagger-ui-bundle.js" in urls
    assert live_server.url + "/api/v1/users" in [u.split("?")[0] for u in urls]
