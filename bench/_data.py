"""Shared generator for benchmark databases: a migrated database (SQLite or PostgreSQL) filled fast with LMS data.

One big organisation with N learners in departments, a small second organisation (to show that scoping costs
nothing), enrolments in the real course, lesson and module progress in realistic mixes, quiz attempts with
per-question results, and S xAPI statements (bench/_statements.py: the app's own statement builders, about 1.5 KB
of raw JSON each) with their xapi_statement_agents / xapi_statement_activities index rows.
Rows are written through bench/_tables.py: the models' table metadata decides the columns, and every column the
generator does not know is filled from its default, so a migration that adds a column needs no change here.
The statement indexes are dropped during the load and re-created afterwards (CREATE INDEX sorts once, which is
much faster than maintaining eight B-trees row by row); the schema ends up exactly as the migrations made it.

    from bench._data import generate
    info = generate(Path("/tmp/x/lms.sqlite3"), learners=5000, statements=1_000_000)
    info = generate("postgresql+psycopg://lms@127.0.0.1:5432/bench", learners=5000, statements=1_000_000)
"""
from __future__ import annotations

import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

COURSE_SLUG = "social_media_manager"
TRAINER_EMAIL = "trainer@bench.example"
TRAINER_PASSWORD = "bench-trainer-2026"
SMALL_TRAINER_EMAIL = "trainer@scope.example"
DEPARTMENTS = [("Vertrieb", 18), ("Marketing", 10), ("Kundenservice", 16), ("Produktion", 20), ("Logistik", 9),
               ("Einkauf", 5), ("Personal", 4), ("Finanzen", 5), ("IT", 6), ("Recht", 2), ("Presse", 2),
               ("Geschäftsführung", 1), ("", 2)]
FIRST = ["Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannes", "Ida", "Jonas", "Katrin", "Lukas",
         "Mia", "Noah", "Olga", "Paul", "Quirin", "Rosa", "Simon", "Tanja", "Ute", "Viktor", "Wiebke", "Xaver",
         "Yasemin", "Zoe", "Jürgen", "Sören", "Müge", "Lena", "Tim", "Sara", "Jan", "Nina", "Emil", "Frieda"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
        "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Zimmermann", "Krüger",
        "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Yilmaz", "Kaya",
        "Nowak", "Huber", "König", "Peters", "Jung", "Vogel", "Friedrich", "Keller", "Günther", "Berger"]
ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})

@dataclass
class Info:
    """What was generated: counts, timings and the trainer's credentials."""

    path: Path
    learners: int
    statements: int
    counts: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    raw_bytes_avg: float = 0.0
    index_rows: bool = False
    trainer_email: str = TRAINER_EMAIL
    trainer_password: str = TRAINER_PASSWORD


def load_course():
    """The real course, its quizzes and question pools from courses/ and quizzes/."""
    from lms.catalog import bundled_folders, load_catalog
    from lms.quizzes.services import pool_for

    catalog = load_catalog(*bundled_folders())
    course = catalog.courses[COURSE_SLUG]
    quizzes = catalog.course_quizzes(COURSE_SLUG)
    pools = {quiz_id: pool_for(quizzes, quiz) for quiz_id, quiz in quizzes.items()}
    return course, quizzes, pools


# --------------------------------------------------------------------------------------------- people and progress

@dataclass
class _Enrolment:
    id: int
    user_id: int
    org_id: int
    actor_id: str
    registration: str
    started: datetime
    last: datetime
    opened: list = field(default_factory=list)      # lesson ids opened
    done: list = field(default_factory=list)        # lesson ids completed
    modules_passed: list = field(default_factory=list)
    attempts: list = field(default_factory=list)    # (quiz_id, number, scaled, passed, [(key, correct)])
    completed: bool = False
    progress: float = 0.0


class _People:
    """Builds organisations, users, enrolments and every progress row in memory (seeded, deterministic)."""

    def __init__(self, learners: int, small: int, seed: int, now: datetime):
        self.rng = random.Random(seed)
        self.now = now
        self.learners, self.small = learners, small
        self.course, self.quizzes, self.pools = load_course()
        self.rows = {name: [] for name in ("organisations", "departments", "users", "enrolments", "lesson_progress",
                                           "module_progress", "quiz_attempts", "quiz_question_results")}
        self.enrolments: list[_Enrolment] = []
        self.user_seq = self.enrol_seq = self.lp_seq = self.mp_seq = self.att_seq = self.qr_seq = 0
        self.department_ids: dict[tuple[int, str], int] = {}

    def uuid(self) -> str:
        """A seeded random UUID4."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def build(self) -> None:
        """Both organisations with staff, learners and their course records."""
        from lms.auth.services import hash_password

        created = self.now - timedelta(days=400)
        self.rows["organisations"] += [dict(id=1, name="Bench GmbH", slug="bench", created_at=created),
                                       dict(id=2, name="Scope AG", slug="scope", created_at=created)]
        trainer_hash = hash_password(TRAINER_PASSWORD)
        self._user(1, TRAINER_EMAIL, "Tina Trainer", "trainer", "Personal", trainer_hash)
        self._user(1, "admin@bench.example", "Arne Admin", "admin", "IT", trainer_hash)
        self._user(2, SMALL_TRAINER_EMAIL, "Sven Scope", "trainer", "Personal", trainer_hash)
        for org_id, count, domain in ((1, self.learners, "bench.example"), (2, self.small, "scope.example")):
            for i in range(count):
                self._learner(org_id, i, domain)

    def _department(self, org_id: int, name: str) -> int | None:
        if not name:
            return None
        if (org_id, name) not in self.department_ids:
            self.department_ids[(org_id, name)] = len(self.department_ids) + 1
            self.rows["departments"].append(dict(id=len(self.department_ids), org_id=org_id, name=name,
                                                 created_at=self.now - timedelta(days=400)))
        return self.department_ids[(org_id, name)]

    def _user(self, org_id, email, name, role, department, password_hash, active=True, created=None) -> int:
        self.user_seq += 1
        created = created or self.now - timedelta(days=380)
        self.rows["users"].append(dict(id=self.user_seq, org_id=org_id, email=email, name=name,
                                       password_hash=password_hash, role=role,
                                       department_id=self._department(org_id, department), active=active,
                                       session_token=self.uuid().replace("-", ""), actor_id=self.uuid(),
                                       created_at=created))
        return self.user_seq

    def _learner(self, org_id: int, i: int, domain: str) -> None:
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        department = rng.choices([d for d, _ in DEPARTMENTS], [w for _, w in DEPARTMENTS])[0]
        created = self.now - timedelta(days=rng.uniform(20, 330))
        email = f"{first}.{last}.{i}@{domain}".translate(ASCII).lower()
        user_id = self._user(org_id, email, f"{first} {last}", "learner", department,
                             "scrypt:32768:8:1$bench$not-a-real-hash", active=rng.random() > 0.03, created=created)
        actor_id = self.rows["users"][-1]["actor_id"]
        roll = rng.random()
        if roll < 0.12:
            return  # never enrolled: "not started"
        self.enrol_seq += 1
        started = min(created + timedelta(days=rng.uniform(0, 20)), self.now - timedelta(days=1))
        span = (self.now - started).total_seconds()
        e = _Enrolment(self.enrol_seq, user_id, org_id, actor_id, self.uuid(), started, started)
        lessons = self.course.lessons
        if roll < 0.37:     # completed the course
            n_done, n_open = len(lessons), len(lessons)
            e.last = started + timedelta(seconds=span * rng.uniform(0.15, 1.0))
        else:               # registered only, or somewhere in the middle
            n_done = 0 if roll < 0.45 else rng.randrange(0, len(lessons))
            n_open = min(len(lessons), n_done + (rng.random() < 0.6)) if roll >= 0.45 else rng.choice((0, 0, 1))
            e.last = started + timedelta(seconds=span * rng.uniform(0.0, 1.0) ** 0.7)
        self._progress(e, lessons[:n_open], n_done, forced=roll < 0.37)
        self.enrolments.append(e)

    def _at(self, e: _Enrolment, share: float) -> datetime:
        return e.started + (e.last - e.started) * min(1.0, max(0.0, share))

    def _progress(self, e: _Enrolment, opened: list, n_done: int, forced: bool) -> None:
        rng, course = self.rng, self.course
        n_total = len(course.lessons)
        for j, lesson in enumerate(opened):
            first = self._at(e, (j + 0.2) / max(1, n_total))
            last = self._at(e, (j + 0.8) / max(1, n_total))
            visits = 1 + int(rng.expovariate(0.8))
            self.lp_seq += 1
            self.rows["lesson_progress"].append(dict(
                id=self.lp_seq, enrolment_id=e.id, lesson_id=lesson.id, module_id=lesson.module_id,
                first_opened_at=first, last_opened_at=last, visits=visits,
                seconds_spent=rng.randint(60, 900) * visits, completed_at=last if j < n_done else None))
            e.opened.append(lesson.id)
            if j < n_done:
                e.done.append(lesson.id)
        done = set(e.done)
        skill = rng.uniform(0.45, 0.98)
        offset = 0
        for module in course.modules:
            ids = [lesson.id for lesson in module.lessons]
            offset += len(ids)
            reached = [i for i in ids if i in set(e.opened)]
            lessons_done = sum(1 for i in ids if i in done)
            all_done = lessons_done == len(ids)
            quiz_best, passed_at = None, None
            if module.quiz and (all_done and (forced or rng.random() < 0.8) or (reached and rng.random() < 0.1)):
                quiz_best, passed_at = self._attempts(e, module.quiz, skill, forced and all_done,
                                                      self._at(e, offset / n_total))
            if not reached and quiz_best is None:
                continue
            complete = all_done and (passed_at is not None or not module.quiz)
            if complete:
                e.modules_passed.append(module.id)
            self.mp_seq += 1
            when = passed_at or self._at(e, offset / n_total)
            self.rows["module_progress"].append(dict(
                id=self.mp_seq, enrolment_id=e.id, module_id=module.id, lessons_done=lessons_done,
                lessons_total=len(ids), quiz_best_score=quiz_best, quiz_passed_at=passed_at,
                completed_at=when if complete else None))
        if forced and course.final_exam:
            self._attempts(e, course.final_exam, skill, True, e.last - timedelta(hours=3))
            e.completed = True
        elif len(e.opened) and rng.random() < 0.03:
            self._open_attempt(e)
        e.progress = len(e.done) / n_total
        self.rows["enrolments"].append(dict(
            id=e.id, user_id=e.user_id, org_id=e.org_id, course_slug=COURSE_SLUG, registration=e.registration,
            started_at=e.started, last_activity_at=e.last, last_lesson_id=e.opened[-1] if e.opened else None,
            progress=e.progress, completed_at=e.last if e.completed else None))

    def _attempts(self, e: _Enrolment, quiz_id: str, skill: float, must_pass: bool, when: datetime):
        rng = self.rng
        quiz, pool = self.quizzes[quiz_id], self.pools[quiz_id]
        keys = list(pool)
        draw = min(quiz.draw or len(keys), len(keys))
        best, passed_at = None, None
        tries = 3 if not must_pass else 5
        for number in range(1, tries + 1):
            drawn = rng.sample(keys, draw)
            chance = min(0.99, skill + 0.08 * (number - 1))
            results = [(key, rng.random() < chance) for key in drawn]
            if must_pass and number == tries:
                results = [(key, True) for key in drawn]
            max_score = float(sum(pool[k].points for k in drawn))
            score = float(sum(pool[k].points for k, ok in results if ok))
            scaled = round(score / max_score, 4) if max_score else 0.0
            passed = scaled >= quiz.pass_mark
            started = when + timedelta(minutes=number * 30)
            submitted = started + timedelta(seconds=rng.randint(120, 1500))
            self.att_seq += 1
            self.rows["quiz_attempts"].append(dict(
                id=self.att_seq, enrolment_id=e.id, org_id=e.org_id, user_id=e.user_id, course_slug=COURSE_SLUG,
                quiz_id=quiz_id, number=number, seed=rng.getrandbits(31),
                plan=[{"key": k, "option_order": None} for k in drawn], status="submitted",
                answers={k: ("a" if ok else "b") for k, ok in results}, started_at=started, submitted_at=submitted,
                score=score, max_score=max_score, scaled=scaled, passed=passed))
            for key, ok in results:
                question = pool[key]
                self.qr_seq += 1
                self.rows["quiz_question_results"].append(dict(
                    id=self.qr_seq, attempt_id=self.att_seq, org_id=e.org_id, course_slug=COURSE_SLUG,
                    quiz_id=quiz_id, question_key=key, question_type=question.type, answer="a" if ok else "b",
                    response="Antwort A" if ok else "Antwort B", score=float(question.points) if ok else 0.0,
                    max_score=float(question.points), correct=ok))
            e.attempts.append((quiz_id, number, scaled, passed, results))
            best = scaled if best is None else max(best, scaled)
            if passed:
                passed_at = submitted
                break
        return best, passed_at

    def _open_attempt(self, e: _Enrolment) -> None:
        module = next((m for m in self.course.modules if m.quiz and m.id not in e.modules_passed), None)
        if module is None:
            return
        pool = self.pools[module.quiz]
        drawn = self.rng.sample(list(pool), min(self.quizzes[module.quiz].draw or len(pool), len(pool)))
        number = 1 + sum(1 for a in e.attempts if a[0] == module.quiz)
        self.att_seq += 1
        self.rows["quiz_attempts"].append(dict(
            id=self.att_seq, enrolment_id=e.id, org_id=e.org_id, user_id=e.user_id, course_slug=COURSE_SLUG,
            quiz_id=module.quiz, number=number, seed=self.rng.getrandbits(31),
            plan=[{"key": k, "option_order": None} for k in drawn], status="open", answers={}, started_at=e.last,
            submitted_at=None, score=None, max_score=None, scaled=None, passed=None))


# ------------------------------------------------------------------------------------------------------ entry point

def database_url(target) -> str:
    """A SQLAlchemy URL for a target that is a SQLite file path or already a URL."""
    return target if isinstance(target, str) and "://" in target else f"sqlite:///{Path(target)}"


def generate(target, learners: int = 5000, statements: int = 1_000_000, *, small_learners: int = 40,
             seed: int = 42, index_rows: bool = True, log=print, metadata=None, migrate: bool = True) -> Info:
    """Migrate the database (a SQLite path or a URL, e.g. PostgreSQL) and fill it; returns counts and timings.

    `metadata` (default: the LMS models' Base.metadata) says which columns exist and how the ones the generator
    does not know are filled; `migrate=False` when the caller created the schema itself.
    """
    from sqlalchemy import create_engine

    from bench._statements import statement_chunks
    from bench._tables import BulkWriter
    from lms.migrations import upgrade

    url = database_url(target)
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    info = Info(path=target, learners=learners, statements=statements, index_rows=index_rows)
    t0 = time.perf_counter()
    if migrate:
        upgrade(url, "heads")
    info.seconds["migrate"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    people = _People(learners, small_learners, seed, datetime.now(timezone.utc).replace(microsecond=0))
    people.build()
    engine = create_engine(url)
    try:
        writer = BulkWriter(engine, metadata)
        for table, rows in people.rows.items():
            info.counts[table] = writer.insert(table, rows)
        info.seconds["people"] = time.perf_counter() - t1
        log(f"    people and progress rows ({info.seconds['people']:.1f} s): "
            + ", ".join(f"{k} {v:,}" for k, v in info.counts.items()))
        t2 = time.perf_counter()
        tables = ["xapi_statements"] + (["xapi_statement_agents", "xapi_statement_activities"] if index_rows else [])
        raw_bytes = 0
        with writer.without_indexes(tables):
            for stmts, agents, activities, size in statement_chunks(people, statements, seed, index_rows, log):
                writer.insert("xapi_statements", stmts)
                writer.insert("xapi_statement_agents", agents)
                writer.insert("xapi_statement_activities", activities)
                raw_bytes += size
            info.seconds["statements"] = time.perf_counter() - t2
            t3 = time.perf_counter()
        info.seconds["indexes"] = time.perf_counter() - t3
        writer.finish()
        with engine.connect() as conn:
            for table in tables:
                info.counts[table] = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar()
    finally:
        engine.dispose()
    info.raw_bytes_avg = raw_bytes / max(1, statements)
    info.seconds["total"] = time.perf_counter() - t0
    log(f"    statements {info.seconds['statements']:.1f} s, re-created the indexes in "
        f"{info.seconds['indexes']:.1f} s; raw JSON avg {info.raw_bytes_avg:.0f} bytes")
    return info
