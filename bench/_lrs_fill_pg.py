"""Fast fill for bench_lrs_query.py on PostgreSQL: statements and index rows made by the server itself.

INSERT … SELECT over generate_series writes a million statements in seconds instead of sending them from
Python, so the 10,000,000-statement size is practical. The rows follow bench_lrs_query.make_statement
(actors user-0 … user-<agents-1>, the same 20 verbs, 5,000 activities under one course, a registration each,
stored every 10 ms from 2025-01-01) and the index rows are those store.py writes for such a statement
(actor + authority agents, object + parent activities). The raw JSON is built by the server, so its key
order and spacing differ from the app's; the queries do not look inside it.
"""
from __future__ import annotations

import time

from sqlalchemy import text

from bench._tables import BulkWriter

CHUNK = 1_000_000
# A version-4-shaped UUID from an md5 (the same text as substr-concatenation, a third of the server's time).
_UUID = "CAST(overlay(overlay({h} placing '4' from 13) placing '8' from 17) AS uuid)::text"
# One statement per chunk: the statements are generated once and their agent and activity index rows are
# written from the RETURNING rows of the same INSERT (data-modifying CTEs), not read back from the table.
_FILL = f"""
WITH src AS (
  SELECT seq, {_UUID.format(h="h1")} AS sid, {_UUID.format(h="h2")} AS reg,
         (CAST(:verbs AS text[]))[1 + floor(random() * :nverbs)::int] AS verb, floor(random() * :agents)::int AS u,
         floor(random() * 5000)::int AS act, round(random()::numeric, 3) AS score,
         to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts_text, ts
  FROM (SELECT g AS seq, md5(g::text || 's') AS h1, md5(g::text || 'r') AS h2,
               timestamptz '2025-01-01 00:00:00+00' + (g - 1) * interval '10 milliseconds' AS ts
        FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g) AS numbers),
stmts AS (
  INSERT INTO xapi_statements (seq, org_id, statement_id, stored, timestamp, actor_ifi, verb_id, activity_id,
                               ref_statement_id, registration, voided, user_id, version, raw)
  SELECT seq, CAST(:org AS integer), sid, ts, ts, 'account:' || CAST(:home AS text) || '|user-' || u, verb,
         CAST(:home AS text) || '/activity/' || act, NULL, reg, false, NULL, '1.0.0',
         -- every value is from a fixed alphabet (no quotes or backslashes), so concatenation is valid JSON
         '{{"id":"' || sid || '","actor":{{"objectType":"Agent","account":{{"homePage":"' || CAST(:home AS text)
         || '","name":"user-' || u || '"}}}},"verb":{{"id":"' || verb || '","display":{{"en-US":"'
         || split_part(verb, '/', 6) || '"}}}},"object":{{"objectType":"Activity","id":"' || CAST(:home AS text)
         || '/activity/' || act || '"}},"context":{{"registration":"' || reg || '","platform":"bench"}},'
         || '"result":{{"completion"\\:true,"score":{{"scaled":' || score || '}}}},"timestamp":"' || ts_text
         || '","stored":"' || ts_text || '","authority":{{"objectType":"Agent","name":"bench","account":'
         || '{{"homePage":"http://localhost","name":"lrs-client-1"}}}},"version":"1.0.0"}}'
  FROM src
  RETURNING seq, org_id, actor_ifi, verb_id, activity_id),
agents AS (
  INSERT INTO xapi_statement_agents (seq, org_id, ifi, relation, verb_id)
  SELECT seq, org_id, actor_ifi, 'actor', verb_id FROM stmts
  UNION ALL
  SELECT seq, org_id, 'account:http://localhost|lrs-client-1', 'related', verb_id FROM stmts)
INSERT INTO xapi_statement_activities (seq, org_id, activity_id, relation)
SELECT seq, org_id, activity_id, 'object' FROM stmts
UNION ALL
SELECT seq, org_id, CAST(:home AS text) || '/course/1', 'related' FROM stmts
"""


def fill_postgres(url: str, org_id: int, n: int, agents: int, verbs: list[str], home: str) -> float:
    """Insert n statements with their index rows inside PostgreSQL (indexes rebuilt once); returns seconds."""
    from sqlalchemy import create_engine

    start = time.perf_counter()
    engine = create_engine(url)
    writer = BulkWriter(engine)
    with engine.connect() as conn:
        first_seq = conn.exec_driver_sql("SELECT COALESCE(MAX(seq), 0) FROM xapi_statements").scalar() + 1
    with writer.without_indexes(["xapi_statements", "xapi_statement_agents", "xapi_statement_activities"]):
        for offset in range(0, n, CHUNK):
            bounds = {"first": first_seq + offset, "last": first_seq + min(n, offset + CHUNK) - 1}
            with engine.begin() as conn:
                # The rows are valid by construction: no per-row foreign-key triggers (as pg_restore
                # --disable-triggers); the constraints stay defined and hold.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text("SELECT setseed(:s)"), {"s": (offset // CHUNK % 100) / 100})
                conn.execute(text(_FILL), {**bounds, "org": org_id, "home": home, "verbs": verbs,
                                           "nverbs": len(verbs), "agents": agents})
            print(f"  filled {bounds['last'] - first_seq + 1:>11,} statements ({time.perf_counter() - start:6.1f} s)",
                  flush=True)
        print(f"  rebuilding indexes ({time.perf_counter() - start:6.1f} s) ...", flush=True)
    with engine.begin() as conn:
        for table, column in (("xapi_statements", "seq"), ("xapi_statement_agents", "id"),
                              ("xapi_statement_activities", "id")):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                              f"(SELECT MAX({column}) FROM {table}))"))
    # A running LRS is vacuumed by autovacuum; without it the visibility map is empty and no scan is index-only.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("xapi_statements", "xapi_statement_agents", "xapi_statement_activities"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    writer.finish()
    engine.dispose()
    return time.perf_counter() - start
