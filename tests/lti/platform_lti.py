"""A small LTI 1.3 platform on 127.0.0.1 for the tests: its own RSA key and JWKS, OIDC auth endpoint, token
endpoint (client-credentials grant with a JWT assertion checked against the tool's JWKS), AGS line items and
scores, NRPS memberships. It records every score it accepts, and can be stopped and started on the same port."""
from __future__ import annotations

import html
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


class TestPlatform:
    """The platform's state: keys, registrations, line items, received scores, members."""

    __test__ = False  # not a pytest test class

    def __init__(self, client_id: str = "tool-client-1", deployment_id: str = "dep-1", port: int = 0):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "platform-key-1", "alg": "RS256"})
        self.client_id, self.deployment_id = client_id, deployment_id
        self.port = port
        self.tool_jwks = None  # a callable returning the tool's JWKS dict (tests) or None to fetch tool_jwks_url
        self.tool_jwks_url: str | None = None
        self.tool_login_url = ""  # the tool's OIDC login initiation URL (for the /course page)
        self.lineitems: dict[str, dict] = {}
        self.scores: list[dict] = []
        self.members: list[dict] = []
        self.registrations: list[dict] = []
        self.tokens: set[str] = set()
        self.pending_auth: dict | None = None  # the claims the next /auth call signs (browser tests)
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    @property
    def url(self) -> str:
        """The platform's base URL (its issuer)."""
        return f"http://127.0.0.1:{self.port}"

    def registration(self) -> dict:
        """The values an admin enters in the tool's registration form."""
        return {"name": "Test-LMS", "issuer": self.url, "client_id": self.client_id,
                "auth_login_url": f"{self.url}/auth", "auth_token_url": f"{self.url}/token",
                "jwks_url": f"{self.url}/jwks", "deployment_ids": self.deployment_id}

    def id_token(self, nonce: str, sub: str = "user-1", roles=(LEARNER,), key: RSAKey | None = None,
                 message_type: str = "LtiResourceLinkRequest", **overrides) -> str:
        """A signed id_token for a launch; overrides replace or remove (None) any claim."""
        now = int(time.time())
        claims = {"iss": self.url, "aud": self.client_id, "sub": sub, "iat": now, "exp": now + 300, "nonce": nonce,
                  "name": f"Name {sub}", "email": f"{sub}@platform.example",
                  CLAIM + "deployment_id": self.deployment_id, CLAIM + "message_type": message_type,
                  CLAIM + "version": "1.3.0", CLAIM + "roles": list(roles),
                  CLAIM + "resource_link": {"id": "rl-1", "title": "Social Media Kurs"},
                  CLAIM + "context": {"id": "ctx-1", "title": "Onboarding"},
                  CLAIM + "target_link_uri": "http://tool/lti/launch",
                  "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                      "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                                "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                      "lineitems": f"{self.url}/ctx-1/lineitems"},
                  "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                      "context_memberships_url": f"{self.url}/ctx-1/memberships", "service_versions": ["2.0"]}}
        for name, value in overrides.items():
            name = name.replace("__", "/")
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        signer = key or self.key
        return jwt.encode({"alg": "RS256", "kid": signer.kid or "platform-key-1"}, claims, signer)

    def app(self) -> Flask:
        """The platform's HTTP endpoints."""
        app = Flask("test_platform")

        @app.get("/course")
        def course():
            # A course page of the platform that shows the tool in an iframe, starting with login initiation.
            query = urlencode({"iss": self.url, "login_hint": "hint-1", "target_link_uri": self.tool_login_url,
                               "client_id": self.client_id, "lti_deployment_id": self.deployment_id})
            return (f'<!doctype html><html><body><h1>Plattform-Kurs</h1><iframe id="tool" width="1000" '
                    f'height="700" src="{html.escape(self.tool_login_url)}?{html.escape(query)}"></iframe>'
                    "</body></html>")

        @app.get("/jwks")
        def jwks():
            return jsonify(KeySet([self.key]).as_dict(private=False))

        @app.get("/auth")
        def auth():
            # The OIDC authorisation endpoint: signs the prepared launch and posts it back through the browser.
            args = request.args
            assert args["client_id"] == self.client_id and args["response_mode"] == "form_post"
            overrides = dict(self.pending_auth or {})
            token = self.id_token(args["nonce"], **overrides)
            return (f'<form method="post" action="{html.escape(args["redirect_uri"])}">'
                    f'<input type="hidden" name="id_token" value="{token}">'
                    f'<input type="hidden" name="state" value="{html.escape(args["state"])}">'
                    f'<button type="submit" id="go">Weiter</button></form>')

        self._service_routes(app)
        return app

    def _service_routes(self, app: Flask) -> None:
        """Dynamic registration, token endpoint, AGS line items and scores, NRPS memberships."""

        @app.get("/.well-known/openid-configuration")
        def openid_configuration():
            return jsonify({"issuer": self.url, "authorization_endpoint": f"{self.url}/auth",
                            "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                            "registration_endpoint": f"{self.url}/register",
                            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                                "product_family_code": "test-lms", "version": "1"}})

        @app.post("/register")
        def register():
            if request.headers.get("Authorization") != "Bearer reg-token-1":
                return jsonify({"error": "invalid_token"}), 401
            self.registrations.append(request.get_json(force=True))
            return jsonify({**self.registrations[-1], "client_id": self.client_id,
                            "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                                **self.registrations[-1]["https://purl.imsglobal.org/spec/lti-tool-configuration"],
                                "deployment_id": self.deployment_id}})

        @app.post("/token")
        def token():
            return self._token(request.form)

        @app.route("/ctx-1/lineitems", methods=["GET", "POST"])
        def lineitems():
            if not self._authorised():
                return "", 401
            if request.method == "GET":
                wanted = request.args.get("resource_link_id")
                return jsonify([i for i in self.lineitems.values() if i.get("resourceLinkId") == wanted])
            body = request.get_json(force=True)
            item_id = f"{self.url}/ctx-1/lineitems/{len(self.lineitems) + 1}/lineitem"
            self.lineitems[item_id] = {**body, "id": item_id}
            return jsonify(self.lineitems[item_id]), 201

        @app.post("/ctx-1/lineitems/<int:number>/lineitem/scores")
        def scores(number: int):
            if not self._authorised():
                return "", 401
            assert request.content_type == "application/vnd.ims.lis.v1.score+json"
            with self.lock:
                self.scores.append({"lineitem": number, **request.get_json(force=True)})
            return "", 204

        @app.get("/ctx-1/memberships")
        def memberships():
            if not self._authorised():
                return "", 401
            return jsonify({"id": request.url, "context": {"id": "ctx-1"}, "members": self.members})

    def _authorised(self) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.tokens

    def _token(self, form):
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return jsonify({"error": "unsupported_grant_type"}), 400
        keys = self.tool_jwks() if self.tool_jwks else httpx.get(self.tool_jwks_url).json()
        try:
            claims = jwt.decode(form["client_assertion"], KeySet.import_key_set(keys), algorithms=["RS256"]).claims
            jwt.JWTClaimsRegistry(iss={"essential": True, "value": self.client_id},
                                  sub={"essential": True, "value": self.client_id},
                                  aud={"essential": True, "value": f"{self.url}/token"},
                                  exp={"essential": True}).validate(claims)
        except Exception:  # noqa: BLE001 - any failure is an invalid client
            return jsonify({"error": "invalid_client"}), 401
        value = secrets.token_urlsafe(16)
        self.tokens.add(value)
        return jsonify({"access_token": value, "token_type": "Bearer", "expires_in": 3600,
                        "scope": form.get("scope", "")})

    def start(self) -> "TestPlatform":
        """Listen on 127.0.0.1 (the same port after a stop)."""
        self.server = make_server("127.0.0.1", self.port, self.app(), threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, name="lti-platform", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until start()."""
        if self.server is not None:
            self.server.shutdown()
            self.thread.join(10)
            self.server.server_close()
            self.server = None


def query_of(url: str) -> dict:
    """The query parameters of a redirect URL, single values."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
