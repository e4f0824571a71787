from typing import Any
import httpx
from scim2_client.client import BaseSyncSCIMClient
from scim2_tester import check_server, Status
from tests.support import make_token
from tests.scim.conftest import ScimClient

class TestClientSCIM(BaseSyncSCIMClient):
    def __init__(self, client: httpx.Client, **kw: Any) -> None:
        super().__init__(**kw)
        self.client = client
    def _stays_under_base_url(self, endpoint: str) -> bool:
        url = self.client.build_request("GET", endpoint).url
        base = self.client.base_url
        return url.scheme == base.scheme and url.host == base.host and url.raw_path.startswith(base.raw_path)
    def _parse_json(self, response: Any) -> Any:
        return response.json()
    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        return self.client.request(method, url, **kwargs)

def test_checker(env):
    with ScimClient(make_token("scim"), base_url="http://testserver/scim/v2/") as http:
        client = TestClientSCIM(http)
        results = check_server(client)
    for r in results:
        if r.status != Status.SUCCESS:
            print(r.status, r.resource_type, r.title, "::", str(r.reason)[:600])
    print(len(results), sum(r.status == Status.SUCCESS for r in results))
