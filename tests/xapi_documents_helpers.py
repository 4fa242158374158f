"""Shared helpers for the Document Resource tests: an LRS client per credential and statement rows."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest

from lms.lrs.lrs_auth import create_credential

AGENT = {"objectType": "Agent", "mbox": "mailto:lea@example.com", "name": "Lea"}
OTHER_AGENT = {"mbox": "mailto:ben@example.com"}
ACTIVITY = "http://example.com/activities/course-1"
OTHER_ACTIVITY = "http://example.com/activities/course-2"
REG_1 = "8f87ccde-bb56-4c2e-ab83-44982ef22df0"
REG_2 = "1b7d0b5c-3d1b-4c4f-9a5b-8d2f7b9e0c11"


class LRSClient:
    """Calls the LRS with one credential's Basic auth and the version header."""

    def __init__(self, client, key: str, secret: str) -> None:
        self.client = client
        self.auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def call(self, method: str, path: str, params: dict | None = None, body=None, *, content_type: str | None = None,
             headers: dict | None = None, auth: bool = True, version: str | None = "1.0.3"):
        """Send one request; dict params are JSON-encoded (agent), dict bodies become application/json."""
        query = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in (params or {}).items()}
        url = f"/xapi/{path}" + (f"?{urlencode(query)}" if query else "")
        sent = dict(headers or {})
        if auth:
            sent.setdefault("Authorization", self.auth)
        if version is not None:
            sent.setdefault("X-Experience-API-Version", version)
        if isinstance(body, (dict, list)):
            body, content_type = json.dumps(body), content_type or "application/json"
        if content_type is not None:
            sent["Content-Type"] = content_type
        return self.client.open(url, method=method, data=body, headers=sent)

    def get(self, path, params=None, **kwargs):
        """GET a resource."""
        return self.call("GET", path, params, **kwargs)

    def put(self, path, params, body, **kwargs):
        """PUT a document."""
        return self.call("PUT", path, params, body, **kwargs)

    def create(self, path, params, body, headers=None, **kwargs):
        """PUT a new document with If-None-Match: * (xAPI 1.0.x profiles require one of the precondition headers)."""
        return self.call("PUT", path, params, body, headers={"If-None-Match": "*", **(headers or {})}, **kwargs)

    def post(self, path, params, body, **kwargs):
        """POST a document."""
        return self.call("POST", path, params, body, **kwargs)

    def delete(self, path, params, **kwargs):
        """DELETE a document (or all states of a context)."""
        return self.call("DELETE", path, params, **kwargs)


@pytest.fixture
def lrs(client, db, world):
    """Factory: an LRSClient for a new credential of an organisation ('org_a' or 'org_b')."""

    def make(org: str = "org_a", scope: str = "all") -> LRSClient:
        credential, secret = create_credential(db, world[org].id, f"test {org} {scope}", scope)
        db.commit()
        return LRSClient(client, credential.key, secret)

    return make


def add_statement(db, org_id: int, actor: dict, obj: dict, *, actor_ifi: str, context: dict | None = None,
                  voided: bool = False) -> None:
    """Insert a stored statement row directly (the Statement Resource is not needed for these tests)."""
    from lms.lrs.models import Statement, StatementActivity, StatementAgent

    statement_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    raw = {"id": statement_id, "actor": actor, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
           "object": obj, "timestamp": now.isoformat(), "stored": now.isoformat(), "version": "1.0.0"}
    if context:
        raw["context"] = context
    row = Statement(org_id=org_id, statement_id=statement_id, stored=now, timestamp=now, actor_ifi=actor_ifi,
                    verb_id=raw["verb"]["id"], activity_id=obj.get("id") if obj.get("objectType", "Activity")
                    == "Activity" else None, raw=json.dumps(raw), version="1.0.0", voided=voided)
    db.add(row)
    db.flush()
    db.add(StatementAgent(seq=row.seq, org_id=org_id, ifi=actor_ifi, relation="actor"))
    for activities in ((context or {}).get("contextActivities") or {}).values():
        for activity in activities:
            db.add(StatementActivity(seq=row.seq, org_id=org_id, activity_id=activity["id"], relation="related"))
    db.commit()
