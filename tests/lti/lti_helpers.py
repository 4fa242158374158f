"""Launch helpers shared by the LTI tests."""
from __future__ import annotations

from platform_lti import query_of


def start_login(client, platform, **params) -> dict:
    """Run the OIDC login initiation and return the auth request's parameters (state, nonce, ...)."""
    data = {"iss": platform.url, "login_hint": "hint-1", "target_link_uri": "http://lms.test/lti/launch",
            "client_id": platform.client_id, "lti_deployment_id": platform.deployment_id, **params}
    response = client.post("/lti/login", data=data, csrf=False)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].startswith(platform.url + "/auth?")
    return query_of(response.headers["Location"])


def launch(client, platform, **claims):
    """A whole launch: login initiation, then the signed id_token posted to the tool; returns the response."""
    auth = start_login(client, platform)
    token = platform.id_token(auth["nonce"], **claims)
    return client.post("/lti/launch", data={"id_token": token, "state": auth["state"]}, csrf=False)
