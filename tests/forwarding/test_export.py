"""Bulk export as JSON lines: CLI and download, identical to the stored JSON, filtered, in constant memory."""
from __future__ import annotations

import json
import time
import tracemalloc
import uuid
from datetime import datetime, timezone

from fwd_helpers import COURSE_IRI, OTHER_IRI, fresh, statement, store
from sqlalchemy import Text, func, insert, select, update

from lms.forwarding.export import ExportFilter, iter_export
from lms.lrs.models import Statement


def _raws(db, org, seqs=None) -> list[str]:
    fresh(db)
    query = select(Statement.raw).where(Statement.org_id == org.id).order_by(Statement.seq)
    if seqs is not None:
        query = query.where(Statement.statement_id.in_(seqs))
    return list(db.scalars(query))


def _download(client, **params):
    """GET the download and close the streamed response (closing ends the generator and its context)."""
    response = client.get("/export/statements.jsonl", query_string=params)
    try:
        response.get_data()
    finally:
        response.close()
    return response


def _lines(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    assert text == "" or text.endswith("\n")
    return text.splitlines()


def test_export_cli_lines_identical_to_stored(fwd_app, db, world, tmp_path):
    """`flask xapi export --org` writes the organisation's statements as stored, one per line, in order."""
    store(db, world["org_a"], [statement() for _ in range(30)])
    store(db, world["org_b"], [statement() for _ in range(5)])
    store(db, world["org_a"], [statement(result={"response": "Zeile 1\nZeile 2 – ✓", "success": True})])
    expected = _raws(db, world["org_a"])
    out = tmp_path / "alpha.jsonl"
    result = fwd_app.test_cli_runner().invoke(args=["xapi", "export", "--org", "alpha", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "exported 31 statement(s)" in result.output
    assert out.read_bytes() == ("\n".join(expected) + "\n").encode("utf-8")
    assert [json.loads(line) for line in _lines(out.read_bytes())] == [json.loads(r) for r in expected]
    to_stdout = fwd_app.test_cli_runner(mix_stderr=False) if _mix_stderr_supported() else fwd_app.test_cli_runner()
    result = to_stdout.invoke(args=["xapi", "export", "--org", "alpha"])
    assert result.exit_code == 0
    assert _lines(result.stdout_bytes) == expected
    bad = fwd_app.test_cli_runner().invoke(args=["xapi", "export", "--org", "nope"])
    assert bad.exit_code != 0 and "no organisation" in bad.output


def _mix_stderr_supported() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_export_download_lines_identical_to_stored(fwd_app, client, db, world, login_as):
    """The download streams the organisation's statements as stored; trainers may, learners may not."""
    store(db, world["org_a"], [statement() for _ in range(12)])
    store(db, world["org_b"], [statement() for _ in range(3)])
    login_as("trainer_a")
    assert client.get("/export").status_code == 200
    response = client.get("/export/statements.jsonl")
    streamed = response.is_streamed
    body = response.get_data()
    response.close()
    assert response.status_code == 200 and streamed
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="statements-alpha-')
    assert _lines(body) == _raws(db, world["org_a"])
    client.post("/logout")
    login_as("learner_a")
    assert _download(client).status_code == 403


def _set_stored(db, statement_id: str, when: datetime) -> None:
    db.execute(update(Statement).where(Statement.statement_id == statement_id).values(stored=when))
    db.commit()


def test_export_filters_date_course_learner(fwd_app, client, db, world, login_as, tmp_path):
    """Date range (whole days, UTC), course and learner filters select the same lines in CLI and download."""
    from lms.courses.models import Enrolment

    org = world["org_a"]
    learner, other = world["learner_a"], world["learner_a2"]
    enrolment = Enrolment(user_id=other.id, org_id=org.id, course_slug="mini")
    db.add(enrolment)
    db.commit()
    home = fwd_app.config["BASE_IRI"]
    as_other = {"objectType": "Agent", "account": {"homePage": home, "name": other.actor_id}}
    days = {"jan10": datetime(2026, 1, 10, 12, tzinfo=timezone.utc),
            "jan15": datetime(2026, 1, 15, 0, 0, tzinfo=timezone.utc),
            "jan20": datetime(2026, 1, 20, 23, 59, 59, tzinfo=timezone.utc),
            "jan21": datetime(2026, 1, 21, 0, 0, tzinfo=timezone.utc)}
    named = {}
    named["jan10"], named["jan15"], named["jan20"], named["jan21"] = store(
        db, org, [statement(activity=f"{COURSE_IRI}/x", ) for _ in days])
    for name, when in days.items():
        _set_stored(db, named[name], when)
    (named["learner-own"],) = store(db, org, [statement(activity=f"{OTHER_IRI}/x")], user=learner)
    (named["other-by-actor"],) = store(db, org, [statement(activity="https://x.example/1", actor=as_other,
                                                           registration=enrolment.registration)])
    (named["other-registration"],) = store(db, org, [statement(activity="https://x.example/2",
                                                               registration=enrolment.registration)])
    (named["other-course"],) = store(db, org, [statement(activity=f"{OTHER_IRI}/y", grouping=OTHER_IRI)])
    (named["grouping-mini"],) = store(db, org, [statement(activity="https://x.example/3", grouping=COURSE_IRI)])
    raw_of = {sid: raw for sid, raw in db.execute(select(Statement.statement_id, Statement.raw)).all()}
    cases = [
        ({"since": "2026-01-15", "until": "2026-01-20"}, ["jan15", "jan20"]),
        ({"until": "2026-01-10"}, ["jan10"]),
        ({"since": "2026-01-21T00:00:00Z", "until": "2026-01-21"}, ["jan21"]),
        ({"course": "mini"}, ["jan10", "jan15", "jan20", "jan21", "other-by-actor", "other-registration",
                              "grouping-mini"]),
        ({"learner": learner.email}, ["learner-own"]),
        ({"learner": other.email.upper()}, ["other-by-actor"]),
        ({"learner": other.email, "course": "mini"}, ["other-by-actor"]),
        ({"learner": learner.email, "course": "mini"}, []),
    ]
    login_as("admin_a")
    runner = fwd_app.test_cli_runner()
    for params, names in cases:
        expected = [raw_of[named[n]] for n in names]
        expected.sort(key=lambda raw: list(raw_of.values()).index(raw))
        response = _download(client, **params)
        assert response.status_code == 200, params
        assert _lines(response.get_data()) == expected, params
        out = tmp_path / "out.jsonl"
        args = ["xapi", "export", "--org", "alpha", "-o", str(out)]
        for key, value in params.items():
            args += [f"--{key}", value]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert _lines(out.read_bytes()) == expected, params
    assert _download(client, since="15.01.2026").status_code == 400
    assert _download(client, learner="nobody@x.example").status_code == 400
    assert _download(client, course="nope").status_code == 400


def _bulk_insert(db, org_id: int, count: int) -> None:
    """Insert statement rows directly (the store's per-statement work would dominate the test's time)."""
    now = datetime.now(timezone.utc)
    filler = "x" * 400
    rows = []
    for n in range(count):
        sid = str(uuid.uuid4())
        raw = json.dumps({"id": sid, "actor": {"mbox": f"mailto:l{n}@x.example"},
                          "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                          "object": {"id": f"{COURSE_IRI}/lesson/{n}", "definition": {"name": {"de": filler}}}},
                         separators=(",", ":"))
        rows.append({"org_id": org_id, "statement_id": sid, "stored": now, "timestamp": now,
                     "actor_ifi": f"mbox:mailto:l{n}@x.example", "verb_id": "http://adlnet.gov/expapi/verbs/x",
                     "activity_id": f"{COURSE_IRI}/lesson/{n}", "voided": False, "version": "1.0.0", "raw": raw})
        if len(rows) == 5000:
            db.execute(insert(Statement), rows)
            rows = []
    if rows:
        db.execute(insert(Statement), rows)
    db.commit()


def _copy_rows(db, org_id: int, times: int) -> None:
    """Add `times` copies of the organisation's rows under fresh statement ids, inside the database (fast)."""
    columns = ["org_id", "stored", "timestamp", "actor_ifi", "verb_id", "activity_id", "voided", "version", "raw"]
    table = Statement.__table__
    if db.get_bind().dialect.name == "postgresql":
        new_id = func.md5(func.random().cast(Text))
    else:
        new_id = func.lower(func.hex(func.randomblob(16)))
    source = select(new_id, *[table.c[name] for name in columns]).where(table.c.org_id == org_id,
                                                                        table.c.seq <= db.scalar(
                                                                            select(func.max(table.c.seq))))
    for _ in range(times):
        db.execute(insert(table).from_select(["statement_id", *columns], source))
    db.commit()


def _peak_while_exporting(flt) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = 0
        for line in iter_export(flt):
            count += 1
            del line
        return tracemalloc.get_traced_memory()[1], count
    finally:
        tracemalloc.stop()


def test_export_memory_flat_for_100k_statements(ctx, db, world):
    """Exporting 100k statements peaks at about the memory of exporting 20k (pages, not the whole result)."""
    started = time.monotonic()
    org_id = world["org_a"].id
    _bulk_insert(db, org_id, 20_000)
    peak_20k, count = _peak_while_exporting(ExportFilter(org_id))
    assert count == 20_000
    _copy_rows(db, org_id, 4)
    peak_100k, count = _peak_while_exporting(ExportFilter(org_id))
    assert count == 100_000
    # Five times the rows; a proportional export would need ~5× the memory (100k × ~600 B ≈ 60 MB).
    assert peak_100k < 1.5 * peak_20k, (peak_20k, peak_100k)
    assert peak_100k < 20 * 1024 * 1024
    assert time.monotonic() - started < 40
