"""Hostile JSON at every JSON entry point: a clean 4xx and nothing stored, never a 500."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from lms import safejson
from lms.lrs.document_models import XapiDocument
from lms.lrs.models import Statement
from xapi_documents_helpers import ACTIVITY, AGENT, lrs  # noqa: F401

DEEP_ARRAY = "[" * 100_000
DEEP_OBJECT = '{"a":' * 100_000
HUGE_INT = "1" * 5000
STATEMENT = ('{"actor":{"mbox":"mailto:lea@example.com"},"verb":{"id":"http://example.com/v"},'
             '"object":{"id":"http://example.com/a","definition":{"extensions":{"http://example.com/x":%s}}}}')
HOSTILE_STATEMENTS = {
    "deep-array": DEEP_ARRAY,
    "deep-object": DEEP_OBJECT,
    "deep-extension": STATEMENT % ("[" * 5000 + "]" * 5000),
    "huge-int": STATEMENT % HUGE_INT,
    "lone-surrogate": STATEMENT % '"\\ud800"',
    "lone-low-surrogate": STATEMENT % '"x\\udc00y"',
}
DOCUMENTS = [("activities/state", {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s1"}),
             ("activities/profile", {"activityId": ACTIVITY, "profileId": "p1"}),
             ("agents/profile", {"agent": AGENT, "profileId": "p1"})]


def _count(db, model) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("name", sorted(HOSTILE_STATEMENTS))
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_lrs_hostile_statement_body_400(lrs, db, name, method):
    """Deep nesting, a 5,000-digit integer or a lone surrogate in a statement is a 400 and stores nothing."""
    api = lrs()
    params = {"statementId": "5f0b3c2e-8d4a-4b7e-9c61-2a7d0e9f4b11"} if method == "PUT" else None
    response = api.call(method, "statements", params, HOSTILE_STATEMENTS[name], content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert _count(db, Statement) == 0


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT, HUGE_INT, '{"a":"\\ud800"}'])
@pytest.mark.parametrize("path,params", DOCUMENTS)
@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_lrs_hostile_document_body_400(lrs, db, path, params, method, body):
    """The same bodies sent as JSON documents to State and both Profile resources are a 400, nothing stored."""
    api = lrs()
    response = api.call(method, path, params, body, content_type="application/json",
                        headers={"If-None-Match": "*"})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert _count(db, XapiDocument) == 0


def test_safejson_limits_and_valid_input():
    """The helper accepts ordinary JSON (surrogate pairs too) and refuses each hostile shape by name."""
    assert safejson.loads('{"a": [1, "\\ud83d\\ude00", "\\\\ud800", "[[[["]}') == {"a": [1, "😀", "\\ud800", "[[[["]}
    assert safejson.loads("[" * 64 + "]" * 64) is not None
    for text, reason in (("[" * 65 + "]" * 65, "nested"), ("9" * 101, "digits"), ('"\\ud800"', "surrogate"),
                         (b"\xff", "UTF-8"), ("{", "Expecting")):
        with pytest.raises(safejson.JSONInputError, match=reason):
            safejson.loads(text)
    assert json.loads(json.dumps(safejson.loads("-" + "9" * 100))) == -int("9" * 100)
