"""LRS Statement Resource: PUT/POST/GET flows, conflicts, voiding, headers, auth, isolation, limits."""
from __future__ import annotations

import base64
import json
import uuid
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from lms.lrs.lrs_auth import create_credential
from lms.lrs.models import Statement

VERB = "http://adlnet.gov/expapi/verbs/experienced"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def statement(**overrides) -> dict:
    """A minimal valid statement; keyword arguments replace top-level properties."""
    data = {"actor": {"objectType": "Agent", "mbox": "mailto:lea@example.com", "name": "Lea"},
            "verb": {"id": VERB, "display": {"en-US": "experienced"}},
            "object": {"objectType": "Activity", "id": "http://example.com/activities/one"}}
    data.update(overrides)
    return data


class LRS:
    """A test client bound to one LRS credential."""

    def __init__(self, client, key: str, secret: str, version: str = "1.0.3"):
        self.client = client
        self.base = {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
                     "X-Experience-API-Version": version}

    def headers(self, **extra) -> dict:
        """Auth and version headers plus extras (None removes a header)."""
        out = {**self.base, **extra}
        return {k: v for k, v in out.items() if v is not None}

    def post(self, body, **headers):
        """POST JSON to /xapi/statements."""
        return self.client.post("/xapi/statements", data=json.dumps(body), content_type="application/json",
                                headers=self.headers(**headers), csrf=False)

    def put(self, body, statement_id: str, **headers):
        """PUT JSON to /xapi/statements?statementId=…"""
        return self.client.put(f"/xapi/statements?statementId={statement_id}", data=json.dumps(body),
                               content_type="application/json", headers=self.headers(**headers))

    def get(self, params: dict | None = None, **headers):
        """GET /xapi/statements with query parameters."""
        return self.client.get("/xapi/statements?" + urlencode(params or {}), headers=self.headers(**headers))


def make_lrs(app, db, org, scope: str = "all", version: str = "1.0.3") -> LRS:
    """Create and commit a credential for `org` and return a client using it."""
    credential, secret = create_credential(db, org.id, f"client-{scope}", scope)
    db.commit()
    return LRS(app.test_client(), credential.key, secret, version)


@pytest.fixture
def lrs(app, db, world):
    """A read/write LRS client of organisation A."""
    return make_lrs(app, db, world["org_a"])


def count(db) -> int:
    """Number of stored statement rows."""
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Statement))


def test_lrs_put_new_statement_204(lrs, db):
    """PUT with statementId stores the statement and answers 204 with no body."""
    sid = str(uuid.uuid4())
    response = lrs.put(statement(), sid)
    assert response.status_code == 204 and response.data == b""
    got = lrs.get({"statementId": sid}).get_json()
    assert got["id"] == sid and got["version"] == "1.0.0" and got["stored"].endswith("Z")
    assert got["authority"]["objectType"] == "Agent" and got["timestamp"] == got["stored"]


def test_lrs_put_missing_statement_id_400(lrs):
    """PUT without the statementId parameter is rejected."""
    response = lrs.client.put("/xapi/statements", data=json.dumps(statement()), content_type="application/json",
                              headers=lrs.headers())
    assert response.status_code == 400


def test_lrs_put_id_mismatch_400(lrs):
    """PUT whose body id differs from statementId is rejected."""
    assert lrs.put(statement(id=str(uuid.uuid4())), str(uuid.uuid4())).status_code == 400


def test_lrs_put_identical_again_204_no_new_row(lrs, db):
    """Re-PUT of identical content answers 204 and stores no second row."""
    sid = str(uuid.uuid4())
    assert lrs.put(statement(), sid).status_code == 204
    before = count(db)
    assert lrs.put(statement(), sid.upper()).status_code == 204
    assert count(db) == before


def test_lrs_put_different_content_409_keeps_original(lrs):
    """Re-PUT with different content is a 409 and the stored statement is unchanged."""
    sid = str(uuid.uuid4())
    assert lrs.put(statement(), sid).status_code == 204
    changed = statement(verb={"id": "http://adlnet.gov/expapi/verbs/failed"})
    assert lrs.put(changed, sid).status_code == 409
    assert lrs.post(dict(changed, id=sid)).status_code == 409
    assert lrs.get({"statementId": sid}).get_json()["verb"]["id"] == VERB


def test_lrs_post_conflict_comparison_ignores_lrs_properties(lrs):
    """A re-POST differing only in authority, stored, version, id case and display is not a conflict."""
    sid = str(uuid.uuid4())
    assert lrs.post(statement(id=sid)).status_code == 200
    again = statement(id=sid.upper(), version="1.0.0", stored="2020-01-01T00:00:00Z",
                      verb={"id": VERB, "display": {"de-DE": "erlebt"}},
                      actor={"mbox": "mailto:lea@EXAMPLE.com", "name": "Lea"},
                      authority={"objectType": "Agent", "mbox": "mailto:other@example.com"})
    assert lrs.post(again).status_code == 200


def test_lrs_post_single_returns_id_list(lrs):
    """POST of one statement answers 200 with a one-element id array."""
    response = lrs.post(statement())
    assert response.status_code == 200 and response.mimetype == "application/json"
    ids = response.get_json()
    assert len(ids) == 1 and uuid.UUID(ids[0])


def test_lrs_post_batch_returns_ids_in_order(lrs):
    """POST of an array answers the ids in statement order, keeping given ids."""
    given = str(uuid.uuid4())
    ids = lrs.post([statement(), statement(id=given), statement()]).get_json()
    assert len(ids) == 3 and ids[1] == given and len(set(ids)) == 3


def test_lrs_post_batch_with_invalid_statement_stores_nothing(lrs, db):
    """A batch with one invalid statement is a 400 and stores none of them."""
    before = count(db)
    good = statement(id=str(uuid.uuid4()))
    response = lrs.post([good, statement(verb={"id": "not an iri"})])
    assert response.status_code == 400 and "verb" in response.get_json()["error"]
    assert count(db) == before
    assert lrs.get({"statementId": good["id"]}).status_code == 404


def test_lrs_post_batch_duplicate_ids_400(lrs, db):
    """A batch repeating a statement id is rejected as a whole."""
    sid = str(uuid.uuid4())
    before = count(db)
    assert lrs.post([statement(id=sid), statement(id=sid.upper())]).status_code == 400
    assert count(db) == before


def test_lrs_post_invalid_json_400(lrs):
    """A body that is not JSON is a 400, never a 500."""
    response = lrs.client.post("/xapi/statements", data="{nope", content_type="application/json",
                               headers=lrs.headers(), csrf=False)
    assert response.status_code == 400 and response.get_json()["error"]


def test_lrs_post_wrong_content_type_400(lrs):
    """Statements must be sent as application/json or multipart/mixed."""
    response = lrs.client.post("/xapi/statements", data=json.dumps(statement()), content_type="text/plain",
                               headers=lrs.headers(), csrf=False)
    assert response.status_code == 400


def test_lrs_post_unknown_parameter_400(lrs):
    """Query parameters the resource does not define are rejected."""
    response = lrs.client.post("/xapi/statements?foo=1", data=json.dumps(statement()),
                               content_type="application/json", headers=lrs.headers(), csrf=False)
    assert response.status_code == 400


def test_lrs_post_stored_and_authority_overwritten(lrs):
    """The LRS overwrites stored and authority sent by the client."""
    sid = str(uuid.uuid4())
    lrs.post(statement(id=sid, stored="2001-01-01T00:00:00Z",
                       authority={"objectType": "Agent", "mbox": "mailto:evil@example.com"}))
    got = lrs.get({"statementId": sid}).get_json()
    assert not got["stored"].startswith("2001") and "mbox" not in got["authority"]


def test_lrs_post_keeps_given_version_and_timestamp(lrs):
    """A statement keeps the version and timestamp it was sent with."""
    sid = str(uuid.uuid4())
    lrs.post(statement(id=sid, version="1.0.3", timestamp="2024-05-01T10:00:00.123+02:00"))
    got = lrs.get({"statementId": sid}).get_json()
    assert got["version"] == "1.0.3" and got["timestamp"] == "2024-05-01T10:00:00.123+02:00"


def test_lrs_void_hides_statement_and_voided_id_fetches_it(lrs):
    """A voided statement is 404 by statementId and returned by voidedStatementId."""
    target = str(uuid.uuid4())
    lrs.post(statement(id=target))
    voiding = str(uuid.uuid4())
    assert lrs.post(statement(id=voiding, verb={"id": VOIDED},
                              object={"objectType": "StatementRef", "id": target})).status_code == 200
    assert lrs.get({"statementId": target}).status_code == 404
    assert lrs.get({"voidedStatementId": target}).get_json()["id"] == target
    ids = [s["id"] for s in lrs.get().get_json()["statements"]]
    assert target not in ids and voiding in ids


def test_lrs_void_non_voided_statement_by_voided_id_404(lrs):
    """voidedStatementId for a statement that is not voided answers 404."""
    sid = str(uuid.uuid4())
    lrs.post(statement(id=sid))
    assert lrs.get({"voidedStatementId": sid}).status_code == 404


def test_lrs_void_voiding_statement_is_ignored(lrs):
    """A statement voiding a voiding statement is stored but does not void it."""
    target, voiding = str(uuid.uuid4()), str(uuid.uuid4())
    lrs.post(statement(id=target))
    lrs.post(statement(id=voiding, verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target}))
    assert lrs.post(statement(verb={"id": VOIDED},
                              object={"objectType": "StatementRef", "id": voiding})).status_code == 200
    assert lrs.get({"statementId": voiding}).status_code == 200


def test_lrs_void_before_target_arrives(lrs):
    """A statement whose voiding statement arrived first is voided when it is stored."""
    target = str(uuid.uuid4())
    lrs.post(statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target}))
    lrs.post(statement(id=target))
    assert lrs.get({"statementId": target}).status_code == 404
    assert lrs.get({"voidedStatementId": target}).status_code == 200


def test_lrs_get_statement_and_voided_id_together_400(lrs):
    """statementId and voidedStatementId are mutually exclusive."""
    sid = str(uuid.uuid4())
    assert lrs.get({"statementId": sid, "voidedStatementId": sid}).status_code == 400


def test_lrs_get_statement_id_with_filter_400(lrs):
    """statementId combined with a filter other than format/attachments is a 400."""
    sid = str(uuid.uuid4())
    lrs.post(statement(id=sid))
    assert lrs.get({"statementId": sid, "verb": VERB}).status_code == 400
    assert lrs.get({"statementId": sid, "format": "ids", "attachments": "false"}).status_code == 200


def test_lrs_get_unknown_parameter_400(lrs):
    """Unknown and wrongly cased GET parameters are rejected."""
    assert lrs.get({"foo": "bar"}).status_code == 400
    assert lrs.get({"Verb": VERB}).status_code == 400


def test_lrs_get_single_last_modified_matches_stored(lrs):
    """GET by statementId sends Last-Modified for the stored time."""
    sid = str(uuid.uuid4())
    lrs.post(statement(id=sid))
    response = lrs.get({"statementId": sid})
    assert response.last_modified is not None and response.mimetype == "application/json"


def test_lrs_get_unknown_statement_404(lrs):
    """GET of an id the LRS does not have answers 404."""
    assert lrs.get({"statementId": str(uuid.uuid4())}).status_code == 404


def test_lrs_head_returns_headers_only(lrs):
    """HEAD answers like GET without a body."""
    sid = str(uuid.uuid4())
    lrs.post(statement(id=sid))
    response = lrs.client.head(f"/xapi/statements?statementId={sid}", headers=lrs.headers())
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Experience-API-Consistent-Through"]


def test_lrs_headers_consistent_through_on_every_response(lrs):
    """Consistent-Through and version headers come with 200s and errors alike."""
    for response in (lrs.get(), lrs.get({"foo": "1"}), lrs.post(statement())):
        assert response.headers["X-Experience-API-Version"] == "1.0.3"
        assert response.headers["X-Experience-API-Consistent-Through"].endswith("Z")


def test_lrs_version_header_missing_400(lrs):
    """A request without X-Experience-API-Version is rejected."""
    assert lrs.get(**{"X-Experience-API-Version": None}).status_code == 400
    assert lrs.get(**{"X-Experience-API-Version": "0.95"}).status_code == 400
    assert lrs.get(**{"X-Experience-API-Version": "1.1.0"}).status_code == 400


def test_lrs_version_header_2_0_accepted(app, db, world):
    """Version 2.0.0 requests are accepted; statements without a version get 2.0.0."""
    lrs2 = make_lrs(app, db, world["org_a"], version="2.0.0")
    sid = str(uuid.uuid4())
    assert lrs2.post(statement(id=sid)).status_code == 200
    assert lrs2.get({"statementId": sid}).get_json()["version"] == "2.0.0"


def test_lrs_auth_missing_or_wrong_401(lrs):
    """No credential or a wrong secret answers 401 with a Basic challenge."""
    assert lrs.get(Authorization=None).status_code == 401
    wrong = "Basic " + base64.b64encode(b"nokey:nosecret").decode()
    response = lrs.get(Authorization=wrong)
    assert response.status_code == 401 and "Basic" in response.headers["WWW-Authenticate"]


def test_lrs_auth_inactive_credential_401(app, db, world):
    """A deactivated credential is refused."""
    from lms.lrs.models import LRSCredential

    client = make_lrs(app, db, world["org_a"])
    for credential in db.scalars(select(LRSCredential)):
        credential.active = False
    db.commit()
    assert client.get().status_code == 401


def test_lrs_auth_scope_403(app, db, world):
    """A read-only credential cannot store; a write-only one cannot read."""
    reader = make_lrs(app, db, world["org_a"], scope="read")
    writer = make_lrs(app, db, world["org_a"], scope="write")
    assert reader.post(statement()).status_code == 403
    assert reader.get().status_code == 200
    assert writer.get().status_code == 403
    assert writer.post(statement()).status_code == 200


def test_lrs_isolation_other_org_cannot_read_404(app, db, world, lrs):
    """Organisation B's credential never sees organisation A's statements."""
    sid = str(uuid.uuid4())
    lrs.post(statement(id=sid))
    other = make_lrs(app, db, world["org_b"])
    assert other.get({"statementId": sid}).status_code == 404
    assert other.get().get_json()["statements"] == []


def test_lrs_isolation_same_id_in_two_orgs(app, db, world, lrs):
    """The same statement id can be stored independently in two organisations."""
    sid = str(uuid.uuid4())
    other = make_lrs(app, db, world["org_b"])
    assert lrs.post(statement(id=sid)).status_code == 200
    assert other.post(statement(id=sid, verb={"id": "http://adlnet.gov/expapi/verbs/failed"})).status_code == 200
    assert lrs.get({"statementId": sid}).get_json()["verb"]["id"] == VERB
    assert other.get({"statementId": sid}).get_json()["verb"]["id"].endswith("failed")


def test_lrs_size_limit_413(app, db, world):
    """A body over XAPI_MAX_BODY is rejected with 413 and nothing is stored."""
    app.config["XAPI_MAX_BODY"] = 2000
    client = make_lrs(app, db, world["org_a"])
    big = statement(result={"response": "x" * 5000})
    assert client.post(big).status_code == 413
    assert client.post(statement()).status_code == 200


def test_lrs_alternate_syntax_put(lrs):
    """POST ?method=PUT with form fields (headers, statementId, content) stores the statement."""
    sid = str(uuid.uuid4())
    form = {"statementId": sid, "content": json.dumps(statement()), **lrs.base,
            "Content-Type": "application/json"}
    response = lrs.client.post("/xapi/statements?method=PUT", data=urlencode(form),
                               content_type="application/x-www-form-urlencoded", csrf=False)
    assert response.status_code == 204
    assert lrs.get({"statementId": sid}).status_code == 200


def test_lrs_alternate_syntax_get(lrs):
    """POST ?method=GET with form parameters answers a StatementResult."""
    lrs.post(statement())
    response = lrs.client.post("/xapi/statements?method=GET", data=urlencode({"limit": "1"}),
                               content_type="application/x-www-form-urlencoded", headers=lrs.headers(),
                               csrf=False)
    body = response.get_json()
    assert response.status_code == 200 and len(body["statements"]) == 1 and "more" in body


def test_lrs_alternate_syntax_extra_query_parameter_400(lrs):
    """The alternate syntax allows no query parameter besides method."""
    sid = str(uuid.uuid4())
    response = lrs.client.post(f"/xapi/statements?method=PUT&statementId={sid}",
                               data=urlencode({"content": json.dumps(statement())}),
                               content_type="application/x-www-form-urlencoded", headers=lrs.headers(),
                               csrf=False)
    assert response.status_code == 400


def test_lrs_alternate_syntax_not_form_encoded_400(lrs):
    """An alternate-syntax request whose body is not form-encoded is rejected."""
    response = lrs.client.post("/xapi/statements?method=PUT", data=json.dumps({"content": "x"}),
                               content_type="application/x-www-form-urlencoded", headers=lrs.headers(),
                               csrf=False)
    assert response.status_code == 400
