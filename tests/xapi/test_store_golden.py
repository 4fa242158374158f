"""Stored statements stay byte-identical: a varied corpus is POSTed and compared with a golden file.

The golden file (vectors/stored_golden.json) was written by the store as it was before the ingest speed-up
(validation memoised, Core bulk inserts). Regenerate it only on purpose: LMS_WRITE_GOLDEN=1 pytest <this file>.
"""
from __future__ import annotations

import copy
import json
import os
import random
import sys
import uuid
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from malformed_cases import BASE_VERSIONS, BASES  # noqa: E402
from test_lrs_statements import make_lrs  # noqa: E402

from lms.lrs.models import LRSCredential, Statement, StatementActivity, StatementAgent  # noqa: E402

GOLDEN = Path(__file__).parent / "vectors" / "stored_golden.json"
EX = "http://example.com"

# Raw request bodies: number spellings, escapes and non-ASCII text must come out exactly as today.
RAW_BODIES = [
    '{"actor":{"mbox":"mailto:z\\u00fcrich@example.com","name":"Z\\u00fcrich \\"Z\\""},'
    '"verb":{"id":"http://example.com/verbs/scored","display":{"de-CH":"hat gepunktet \\u2013 \\ud83d\\ude00"}},'
    '"object":{"id":"http://example.com/a/%C3%BC?x=1&y=2#frag"},'
    '"result":{"score":{"scaled":1.0,"raw":1e2,"min":-0,"max":100.50},"extensions":'
    '{"http://example.com/ext/n":[1,2.5,-3e-7,12345678901234567890,true,null,{"k":"\\/"}]}}}',
    '{"actor":{"account":{"homePage":"https://lms.example.com","name":"L\\u00e9a"}},'
    '"verb":{"id":"urn:example:verb:x"},"object":{"id":"urn:isbn:978-3-16-148410-0"},'
    '"timestamp":"2024-02-29T23:59:59.999999+14:00"}',
    '{"actor":{"openid":"http://openid.example.org/\\u00e4"},"verb":{"id":"http://example.com/v"},'
    '"object":{"objectType":"Activity","id":"http://example.com/a"},'
    '"context":{"contextActivities":{"parent":{"id":"http://example.com/p"},'
    '"category":[{"id":"http://example.com/c"}]},'
    '"language":"zh-Hant-TW"},"timestamp":"2020-01-01T00:00:00Z"}',
]


def _with_id(stmt: dict, n: int) -> dict:
    stmt = copy.deepcopy(stmt)
    stmt["id"] = str(uuid.UUID(int=0x5EED0000 + n, version=4)).upper() if n % 3 == 0 else str(
        uuid.UUID(int=0x5EED0000 + n, version=4))
    return stmt


def _seeded(rng: random.Random, n: int) -> dict:
    """A bench-like statement with varied optional parts."""
    stmt = {"actor": {"objectType": "Agent", "account": {"homePage": "http://lms.bench", "name": f"user-{n}"}},
            "verb": {"id": f"http://adlnet.gov/expapi/verbs/v{rng.randrange(20)}",
                     "display": {"en-US": "did", "de-DE": "tat"}},
            "object": {"objectType": "Activity", "id": f"http://lms.bench/activity/{rng.randrange(50)}",
                       "definition": {"type": "http://adlnet.gov/expapi/activities/lesson",
                                      "name": {"de-DE": "Lektion – Grundlagen", "en-US": "Lesson"}}}}
    if rng.random() < 0.7:
        stmt["context"] = {"registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                           "platform": "bench", "contextActivities": {
                               "parent": [{"objectType": "Activity", "id": "http://lms.bench/course/1"}],
                               "grouping": {"id": f"http://lms.bench/course/{rng.randrange(3)}"}}}
    if rng.random() < 0.6:
        stmt["result"] = {"completion": rng.random() < 0.5, "score": {"scaled": round(rng.random(), 3)},
                          "duration": f"PT{rng.randrange(1, 90)}M{rng.randrange(60)}.{rng.randrange(10)}S"}
    if rng.random() < 0.5:
        stmt["timestamp"] = f"2025-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T0{rng.randrange(10)}:00:00.5Z"
    if rng.random() < 0.3:
        stmt["version"] = "1.0.3"
    return stmt


def corpus() -> list[tuple[str, str]]:
    """(version header, raw JSON body) pairs: single statements and batches."""
    bodies = []
    for n, (name, base) in enumerate(sorted(BASES.items())):
        stmt = _with_id(base, n) if n % 2 == 0 or "id" in base else copy.deepcopy(base)
        bodies.append((BASE_VERSIONS.get(name, "1.0.3"), json.dumps(stmt, ensure_ascii=n % 4 == 0)))
    bodies += [("1.0.3", body) for body in RAW_BODIES]
    rng = random.Random(20261206)
    for batch in range(4):
        statements = [_seeded(rng, batch * 10 + i) for i in range(10)]
        for i, stmt in enumerate(statements):
            if i % 2:
                stmt["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        bodies.append(("2.0.0" if batch == 3 else "1.0.3", json.dumps(statements, ensure_ascii=False)))
    return bodies


def _normalise(raw: str, stored: str, generated: dict[str, str]) -> str:
    out = raw.replace(f'"{stored}"', '"@STORED@"')  # stored, and timestamp where the LRS filled it in
    for real, placeholder in generated.items():
        out = out.replace(real, placeholder)
    return out


def stored_snapshot(db, org_id: int, generated_ids: list[str], credential_id: int) -> list[dict]:
    """Every stored row of the organisation, in stored order, with the LRS-chosen values replaced."""
    generated = {sid: f"@GENERATED-{n}@" for n, sid in enumerate(generated_ids)}
    # The golden file was written with credential id 1 (PostgreSQL sequences are not reset between tests).
    generated[f'lrs-client-{credential_id}"'] = 'lrs-client-1"'
    rows = db.scalars(select(Statement).where(Statement.org_id == org_id).order_by(Statement.seq)).all()
    agents, activities = {}, {}
    for a in db.scalars(select(StatementAgent).where(StatementAgent.org_id == org_id)):
        ifi = "account:http://lms.test|lrs-client-1" if a.ifi.endswith(f"|lrs-client-{credential_id}") else a.ifi
        agents.setdefault(a.seq, []).append([ifi, a.relation, a.verb_id])
    for a in db.scalars(select(StatementActivity).where(StatementActivity.org_id == org_id)):
        activities.setdefault(a.seq, []).append([a.activity_id, a.relation])
    out = []
    for row in rows:
        stored = json.loads(row.raw)["stored"]
        timestamp = row.timestamp.isoformat()
        out.append({"statement_id": generated.get(row.statement_id, row.statement_id),
                    "timestamp": timestamp if row.stored != row.timestamp else "@STORED@",
                    "actor_ifi": row.actor_ifi, "verb_id": row.verb_id,
                    "activity_id": row.activity_id, "ref_statement_id": row.ref_statement_id,
                    "registration": row.registration, "voided": row.voided, "version": row.version,
                    "user_id": row.user_id, "raw": _normalise(row.raw, stored, generated),
                    "agents": sorted(agents.get(row.seq, [])), "activities": sorted(activities.get(row.seq, []))})
    return out


def test_xapi_store_golden_corpus_byte_identical(app, db, world):
    """POSTing the corpus stores exactly the JSON, columns and index rows of the golden file."""
    org = world["org_a"]
    lrs = make_lrs(app, db, org)
    generated = []
    for version, body in corpus():
        response = lrs.client.post("/xapi/statements", data=body, content_type="application/json",
                                   headers=lrs.headers(**{"X-Experience-API-Version": version}), csrf=False)
        assert response.status_code == 200, (body[:200], response.get_data(as_text=True))
        parsed = json.loads(body)
        given = {s["id"].lower() for s in (parsed if isinstance(parsed, list) else [parsed]) if "id" in s}
        generated += [sid for sid in response.get_json() if sid.lower() not in given]
    db.expire_all()
    credential_id = db.scalar(select(LRSCredential.id).where(LRSCredential.org_id == org.id))
    snapshot = stored_snapshot(db, org.id, generated, credential_id)
    if os.environ.get("LMS_WRITE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(snapshot, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert len(snapshot) == len(expected)
    for got, want in zip(snapshot, expected):
        assert got == want
