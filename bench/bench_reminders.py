"""Benchmark the reminder scheduler and the mail worker.

1. Computing and queueing reminders: N learners (default 5,000) × 3 assigned courses, every assignment due within
   the next week so each one is at a reminder stage; one scheduler step (`lms.jobs.reminders.queue_reminders`)
   computes the stage of each and queues the mails in one transaction. A second run must queue nothing (the mail
   keys make it idempotent) and is timed too. Target: < 2 s for 5,000 × 3.
2. Sending: M queued mails (default 1,000) go through one mail worker pass to an SMTP server on 127.0.0.1
   (aiosmtpd, in this process). Target: < 30 s for 1,000. Every Message-ID must arrive once.

    .venv/bin/python bench/bench_reminders.py            # 5,000 learners, 1,000 mails
    .venv/bin/python bench/bench_reminders.py --smoke    # 200 learners, 100 mails (seconds; used by the tests)
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CONTENT = REPO / "tests" / "content"
SLUGS = ("mini", "mini2", "mini3")


def course_copies(target: Path) -> tuple[Path, Path]:
    """Three small courses (copies of the test course under three slugs) and their quizzes."""
    courses, quizzes = target / "courses", target / "quizzes"
    for slug in SLUGS:
        shutil.copytree(CONTENT / "courses" / "mini", courses / slug)
        shutil.copytree(CONTENT / "quizzes" / "mini", quizzes / slug)
        toml = courses / slug / "course.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('"mini"', f'"{slug}"')
                        .replace("/course/mini", f"/course/{slug}"), encoding="utf-8")
    return courses, quizzes


def fill(path: Path, learners: int, now: datetime) -> None:
    """One organisation, its learners in ten departments, three assignments each, due within a week."""
    stamp = (now - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO organisations (id, name, slug, actor_mode, pseudonymous_reports, created_at, "
                 "pseudonym_key, self_enrolment) VALUES (1, 'Bench GmbH', 'bench', 'account', 0, ?, ?, 1)",
                 (stamp, "0" * 64))
    conn.executemany("INSERT INTO departments (id, org_id, name, created_at) VALUES (?, 1, ?, ?)",
                     [(n, f"Abteilung {n}", stamp) for n in range(1, 11)])
    conn.executemany(
        "INSERT INTO users (id, org_id, email, name, password_hash, role, locale, active, session_token, actor_id, "
        "must_change_password, created_at, department_id) VALUES (?, 1, ?, ?, 'x', 'learner', ?, 1, ?, ?, 0, ?, ?)",
        [(n, f"l{n}@bench.example", f"Lernende {n}", "en" if n % 4 == 0 else "de", f"s{n}", f"a{n}", stamp,
          n % 10 + 1) for n in range(1, learners + 1)])
    rows, seq = [], 0
    for n in range(1, learners + 1):
        for k, slug in enumerate(SLUGS):
            seq += 1
            due = (now + timedelta(days=(n + k) % 8, hours=12)).strftime("%Y-%m-%d %H:%M:%S")
            rows.append((seq, n, slug, stamp, due))
    conn.executemany("INSERT INTO learner_assignments (id, org_id, user_id, course_slug, reason, mandatory, "
                     "assigned_at, due_at) VALUES (?, 1, ?, ?, 'assigned', 1, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """aiosmtpd handler that counts Message-IDs."""

    def __init__(self):
        self.ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                self.ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--smoke", action="store_true", help="small sizes: 200 learners, 100 mails")
    args = parser.parse_args()
    if args.smoke:
        args.learners, args.mails = 200, 100
    from aiosmtpd.controller import Controller

    from lms import clock, create_app
    from lms import db as dbmod
    from lms.jobs.reminders import queue_reminders
    from lms.mail.models import Mail
    from lms.mail.worker import MailWorker
    from lms.migrations import upgrade
    from sqlalchemy import func, select, update

    now = datetime.now(timezone.utc).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        courses, quizzes = course_copies(folder)
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        upgrade(url)
        fill(folder / "bench.sqlite3", args.learners, now)
        sink, port = Sink(), free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        app = create_app({"DATABASE_URL": url, "COURSES_DIR": str(courses), "QUIZZES_DIR": str(quizzes),
                          "SECRET_KEY": "bench-" + "k" * 40, "BASE_IRI": "http://lms.bench", "MAIL_SMTP_HOST": "127.0.0.1",
                          "MAIL_SMTP_PORT": port, "MAIL_SMTP_SECURITY": "none", "MAIL_SENDER": "LMS <lms@bench>",
                          "MAIL_BATCH_SIZE": 100})
        app.instance_path = str(folder / "instance")
        clock.install(app, lambda: now)
        try:
            with app.app_context():
                timings = []
                for _ in range(2):
                    started, cpu = time.perf_counter(), time.process_time()
                    with dbmod.session_scope(write=True) as db:
                        queued = queue_reminders(db)
                    timings.append((time.perf_counter() - started, queued, time.process_time() - cpu))
                with dbmod.session_scope(write=True) as db:
                    total = db.scalar(select(func.count()).select_from(Mail))
                    keep = select(Mail.id).order_by(Mail.id).limit(args.mails).scalar_subquery()
                    db.execute(update(Mail).where(Mail.id.not_in(keep)).values(status="sent", transport="bench"))
            started = time.perf_counter()
            delivered = MailWorker(app).run_pass()
            sending = time.perf_counter() - started
        finally:
            controller.stop()
            app.extensions["lms_db"][0].dispose()
    assignments = args.learners * len(SLUGS)
    print(f"reminders: {args.learners:,} learners × {len(SLUGS)} assignments = {assignments:,}")
    print(f"  first run : {timings[0][0]:6.2f} s ({timings[0][2]:.2f} s CPU), {timings[0][1]:,} reminders queued "
          f"({total:,} mails in the outbox)  target < 2 s: {'ok' if timings[0][0] < 2 else 'MISSED'}")
    print(f"  second run: {timings[1][0]:6.2f} s ({timings[1][2]:.2f} s CPU), {timings[1][1]:,} queued "
          f"(idempotent: must be 0)")
    print(f"  load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"sending: {delivered:,} mails to SMTP on 127.0.0.1 in {sending:.2f} s "
          f"({delivered / sending:,.0f}/s)  target < 30 s for 1,000: {'ok' if sending < 30 else 'MISSED'}")
    print(f"  arrived {len(sink.ids):,}, distinct Message-IDs {len(set(sink.ids)):,}")
    if timings[1][1] or len(sink.ids) != args.mails or len(set(sink.ids)) != len(sink.ids):
        sys.exit("FAILED: duplicates or losses")


if __name__ == "__main__":
    main()
