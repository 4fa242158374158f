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
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._figures import figure  # noqa: E402
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


def fill(url: str, learners: int, now: datetime) -> None:
    """One organisation, its learners in ten departments, three assignments each, due within a week.

    Rows go through the models' table metadata (bench/_tables.py), so columns added by later migrations are
    filled from their defaults."""
    from sqlalchemy import create_engine

    from bench._tables import BulkWriter

    stamp = now - timedelta(days=30)
    engine = create_engine(url)
    try:
        writer = BulkWriter(engine)
        writer.insert("organisations", [dict(id=1, name="Bench GmbH", slug="bench", created_at=stamp)])
        writer.insert("departments", [dict(id=n, org_id=1, name=f"Abteilung {n}", created_at=stamp)
                                      for n in range(1, 11)])
        writer.insert("users", [dict(id=n, org_id=1, email=f"l{n}@bench.example", name=f"Lernende {n}",
                                     password_hash="x", role="learner", locale="en" if n % 4 == 0 else "de",
                                     session_token=f"s{n}", actor_id=f"a{n}", created_at=stamp,
                                     department_id=n % 10 + 1) for n in range(1, learners + 1)])
        rows = [dict(id=(n - 1) * len(SLUGS) + k + 1, org_id=1, user_id=n, course_slug=slug, reason="assigned",
                     mandatory=True, assigned_at=stamp, due_at=now + timedelta(days=(n + k) % 8, hours=12))
                for n in range(1, learners + 1) for k, slug in enumerate(SLUGS)]
        writer.insert("learner_assignments", rows)
        writer.finish()
    finally:
        engine.dispose()


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
        fill(url, args.learners, now)
        sink, port = Sink(), free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        app = create_app({"DATABASE_URL": url, "BUNDLED_CONTENT": False, "COURSES_DIR": str(courses),
                          "QUIZZES_DIR": str(quizzes), "SECRET_KEY": "bench-" + "k" * 40, "BASE_IRI": "http://lms.bench",
                          "MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": port, "MAIL_SMTP_SECURITY": "none", "MAIL_SENDER": "LMS <lms@bench>",
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
    figure("reminders.queue_5000x3.seconds" if not args.smoke else "reminders.queue.seconds", timings[0][0], "s",
           baseline=2.0, baseline_label="target", digits=2)
    figure("reminders.queue.cpu_seconds", timings[0][2], "s", digits=2)
    figure("reminders.send_1000.seconds" if not args.smoke else "reminders.send.seconds", sending, "s",
           baseline=30.0, baseline_label="target", digits=2)
    if timings[1][1] or len(sink.ids) != args.mails or len(set(sink.ids)) != len(sink.ids):
        sys.exit("FAILED: duplicates or losses")


if __name__ == "__main__":
    main()
