"""A real SAML 2.0 identity provider (pysaml2's Server, signing with xmlsec1) for the SSO tests, on 127.0.0.1.

Usage: python saml_idp.py CONFIG.json — prints "READY <base url>" once it listens. Endpoints: GET /metadata,
POST /register-sp (an SP's metadata XML), GET /sso/redirect (HTTP-Redirect binding: shows a sign-in form),
POST /sso/login (answers with an auto-posting form: a signed assertion to the SP's ACS). The form's "mode"
lets a test ask for a faulty answer: an assertion for another audience.
"""
from __future__ import annotations

import json
import sys
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import AUTHN_PASSWORD, NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

CONFIG = json.load(open(sys.argv[1]))
BASE = f"http://127.0.0.1:{CONFIG['port']}"


def make_server(lifetime_minutes: int) -> Server:
    """A pysaml2 IdP whose assertions live `lifetime_minutes`."""
    config = IdPConfig()
    config.load({
        "entityid": f"{BASE}/idp",
        "xmlsec_binary": CONFIG["xmlsec"],
        "key_file": CONFIG["key"], "cert_file": CONFIG["cert"],
        "service": {"idp": {
            "endpoints": {"single_sign_on_service": [(f"{BASE}/sso/redirect", BINDING_HTTP_REDIRECT)]},
            "policy": {"default": {"lifetime": {"minutes": lifetime_minutes}, "name_form": NAME_FORMAT_URI,
                                   "attribute_restrictions": None}},
            "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            "want_authn_requests_signed": False,
        }},
        "metadata": {"inline": []},
    })
    return Server(config=config)


SERVERS = {"normal": make_server(15), "wrong_audience": make_server(15)}


class Handler(BaseHTTPRequestHandler):
    """The IdP's few pages."""

    def log_message(self, *args):  # keep the test output clean
        pass

    def _send(self, status: int, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        parts = urlsplit(self.path)
        if parts.path == "/metadata":
            return self._send(200, create_metadata_string(None, config=SERVERS["normal"].config).decode(),
                              "application/samlmetadata+xml")
        if parts.path == "/sso/redirect":
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            fields = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in query.items())
            return self._send(200, f'<form method="post" action="/sso/login">{fields}'
                                   '<input name="login"><input name="mode" value="normal">'
                                   '<button type="submit">Sign in</button></form>')
        return self._send(404, "not found")

    def do_POST(self):  # noqa: N802
        try:
            self._post()
        except Exception:  # a test IdP: show the test what went wrong
            import traceback

            self._send(500, traceback.format_exc(), "text/plain")

    def _post(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode()
        if self.path == "/register-sp":
            for server in SERVERS.values():
                server.metadata.load("inline", body)
            return self._send(204, "")
        if self.path == "/sso/login":
            form = {k: v[0] for k, v in parse_qs(body).items()}
            return self._send(200, self._answer(form))
        return self._send(404, "not found")

    def _answer(self, form: dict) -> str:
        mode = form.get("mode", "normal")
        server = SERVERS[mode]
        request = server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        user = CONFIG["users"][form["login"]]
        audience = "https://someone-else.example/sp" if mode == "wrong_audience" else request.issuer.text
        acs = request.assertion_consumer_service_url
        response = server.create_authn_response(
            identity=user["attributes"], in_response_to=request.id, destination=acs, sp_entity_id=audience,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=user["subject"]),
            userid=user["subject"], sign_assertion=True, sign_response=False,
            authn={"class_ref": AUTHN_PASSWORD, "authn_auth": f"{BASE}/idp"})
        http = server.apply_binding(BINDING_HTTP_POST, str(response), destination=acs,
                                    relay_state=form.get("RelayState", ""), response=True)
        return http["data"]


if __name__ == "__main__":
    httpd = ThreadingHTTPServer(("127.0.0.1", CONFIG["port"]), Handler)
    print(f"READY {BASE}", flush=True)
    httpd.serve_forever()
