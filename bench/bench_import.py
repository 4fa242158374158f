"""Benchmark the bulk user import: N rows (default 10,000) previewed and imported, then the same file again.

The file is a CSV as Excel writes it (BOM, semicolons): half new people, half already there (a quarter of those
with a new department), every second new person assigned a course with a due date. Timed: the preview (read and
plan, no writes), the import (plan again and write in one transaction, invitations queued), and a second import of
the same file, which must change nothing. Target: preview + import < 20 s for 10,000 rows.

    .venv/bin/python bench/bench_import.py            # 10,000 rows
    .venv/bin/python bench/bench_import.py --smoke    # 300 rows (seconds; used by the tests)
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._figures import add_smoke_flag, figure  # noqa: E402

CONTENT = REPO / "tests" / "content"
BUDGET_SECONDS = 20.0


def fill(url: str, existing: int, now: datetime) -> None:
    """One organisation with an admin and `existing` people in ten departments (through the models' metadata)."""
    from sqlalchemy import create_engine

    from bench._tables import BulkWriter

    stamp = now - timedelta(days=30)
    engine = create_engine(url)
    try:
        writer = BulkWriter(engine)
        writer.insert("organisations", [dict(id=1, name="Bench GmbH", slug="bench", created_at=stamp)])
        writer.insert("departments", [dict(id=n, org_id=1, name=f"Abteilung {n}", created_at=stamp)
                                      for n in range(1, 11)])
        writer.insert("users", [dict(id=n + 1, org_id=1, email=f"p{n}@bench.example", name=f"Person {n}",
                                     password_hash="x", role="learner", session_token=f"s{n}", actor_id=f"a{n}",
                                     created_at=stamp, department_id=n % 10 + 1) for n in range(existing)]
                      + [dict(id=existing + 1, org_id=1, email="admin@bench.example", name="Admin",
                              password_hash="x", role="admin", session_token="admin", actor_id="admin",
                              created_at=stamp, department_id=None)])
        writer.finish()
    finally:
        engine.dispose()


def csv_file(rows: int) -> bytes:
    """The import file: rows 0..rows/2 exist already, the rest are new; a course for every second new one."""
    lines = ["E-Mail;Name;Abteilung;Rolle;Kurs;Fällig"]
    for n in range(rows):
        department = n % 10 + 1 if n % 4 else (n + 1) % 10 + 1  # a quarter of the existing people move
        course = "mini;31.12.2099" if n >= rows // 2 and n % 2 else ";"
        lines.append(f"p{n}@bench.example;Person {n};Abteilung {department};Lernende;{course}")
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    add_smoke_flag(parser)
    args = parser.parse_args()
    if args.smoke:
        args.rows = 300
    from sqlalchemy import select

    from lms import create_app
    from lms import db as dbmod
    from lms.auth.models import Organisation, User
    from lms.imports import services
    from lms.migrations import upgrade

    now = datetime.now(timezone.utc).replace(microsecond=0)
    data = csv_file(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        upgrade(url)
        fill(url, args.rows // 2, now)
        app = create_app({"DATABASE_URL": url, "BUNDLED_CONTENT": False, "COURSES_DIR": str(CONTENT / "courses"),
                          "QUIZZES_DIR": str(CONTENT / "quizzes"), "SECRET_KEY": "bench-" + "k" * 40,
                          "BASE_IRI": "http://lms.bench"})
        app.instance_path = str(folder / "instance")
        timings = {}
        try:
            with app.app_context():
                for run in ("first", "second"):
                    with dbmod.session_scope(write=True) as db:
                        org = db.scalar(select(Organisation).where(Organisation.slug == "bench"))
                        admin = db.scalar(select(User).where(User.email == "admin@bench.example"))
                        started = time.perf_counter()
                        plan = services.preview(db, org, data, "bench.csv", actor_id=admin.id,
                                                deactivate_missing=False)
                        previewed = time.perf_counter()
                        outcome = services.run_import(db, org, admin, plan, filename="bench.csv")
                    timings[run] = (previewed - started, time.perf_counter() - previewed, outcome.counts)
        finally:
            app.extensions["lms_db"][0].dispose()
    first, second = timings["first"], timings["second"]
    total = first[0] + first[1]
    print(f"import: {args.rows:,} rows; first run {first[2]}")
    print(f"  preview {first[0]:6.2f} s, import {first[1]:6.2f} s, together {total:6.2f} s  "
          f"target < {BUDGET_SECONDS:.0f} s: {'ok' if total < BUDGET_SECONDS else 'MISSED'}")
    print(f"  same file again: {second[0] + second[1]:6.2f} s, {second[2]}")
    if second[2]["create"] or second[2]["update"]:
        raise SystemExit("the second import of the same file changed something")
    figure("import preview", first[0], "s")
    figure("import preview + import", total, "s", baseline=BUDGET_SECONDS, baseline_label="budget", digits=2)
    figure("import same file again", second[0] + second[1], "s", digits=2)
    figure("import rows per second", args.rows / total if total else 0, "rows/s", digits=0)


if __name__ == "__main__":
    main()
