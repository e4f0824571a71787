from tests.scim.conftest import *
def test_smoke(scim):
    u = scim.json("POST", "/Users", 201, json=scim_user(1))
    print(u)
    print(scim.json("GET", f"/Users/{u['id']}"))
    g = scim.json("POST", "/Groups", 201, json=scim_group("Office 365", u["id"]))
    print(g)
    print(scim.json("GET", "/Users", params={"filter": 'userName sw "bjen"'}))
    print(scim.json("GET", "/Schemas")["totalResults"])
