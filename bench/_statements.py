"""Statement generation for bench/_data.py: xAPI statements as the app emits them, in stored order.

The JSON is built once per kind with the app's own statement builders (lms.xapi.emit) as %-templates and filled
per statement, so the raw JSON has the real shape; the agent and activity index rows are derived exactly as
lms/lrs/store.py derives them. About 1 % of the statements come from an external LRS client (a webinar tool).
"""
from __future__ import annotations

import json
import random
import time
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

BASE_IRI = "https://lms.example.com"
PLATFORM = "Social Media LMS"


class _Templates:
    """Statement JSON templates built once with lms.xapi.emit, filled per statement with %-formatting."""

    def __init__(self, course, quizzes, pools):
        from lms.xapi import emit
        from lms.lrs.store import statement_activities
        from lms.xapi.vocabulary import EXTENSIONS

        self.emit, self.course = emit, course
        self._activities = statement_activities
        user = SimpleNamespace(actor_id="@ACTOR@", name="x", email="x@x", locale="de")
        org = SimpleNamespace(actor_mode="account")
        self.actor = emit.actor(user, org, BASE_IRI)
        self.authority = {"objectType": "Agent", "name": PLATFORM, "account": {"homePage": BASE_IRI, "name": "lms"}}
        self.authority_ifi = f"account:{BASE_IRI}|lms"
        course_act = emit.activity(course.iri, "course", course.title, course.description or None)
        ctx = lambda parent=None, grouping=None, ext=None: emit.context(  # noqa: E731
            "@REG@", PLATFORM, "de", parent, grouping, ext)
        progress_ext = EXTENSIONS["progress"]
        attempt_ext = {EXTENSIONS["attempt"]: "@ATT@"}
        score = {"score": {"scaled": "@SCALED@", "raw": "@RAW@", "min": 0, "max": "@MAX@"}, "success": "@OK@",
                 "completion": True}
        self.course_tpl = {
            "registered": self._make("registered", course_act, ctx()),
            "launched": self._make("launched", course_act, ctx()),
            "progressed": self._make("progressed", course_act, ctx(), {"extensions": {progress_ext: "@PROG@"}}),
            "course_completed": self._make("completed", course_act, ctx(), {
                "completion": True, "success": True, "extensions": {progress_ext: 100}}),
        }
        self.lesson_tpl = {}
        for module in course.modules:
            module_act = emit.activity(module.iri, "module", module.title)
            self.course_tpl["module:" + module.id] = self._make("completed", module_act, ctx([course_act]),
                                                                {"completion": True, "success": True})
            for lesson in module.lessons:
                lesson_act = emit.activity(lesson.iri, "lesson", lesson.title)
                lctx = ctx([module_act], [course_act])
                self.lesson_tpl[lesson.id] = (self._make("experienced", lesson_act, lctx),
                                              self._make("completed", lesson_act, lctx, {"completion": True}))
        self.quiz_tpl, self.question_tpl = {}, {}
        from lms.quizzes.scoring import get_type

        for quiz_id, quiz in quizzes.items():
            quiz_act = emit.activity(f"{course.iri}/quiz/{quiz.id}", "assessment", quiz.title)
            module = course.module(quiz.module) if getattr(quiz, "module", None) else None
            parents = [emit.activity(module.iri, "module", module.title)] if module else [course_act]
            pctx = ctx(parents, [course_act], attempt_ext)
            self.quiz_tpl[quiz_id] = (self._make("attempted", quiz_act, pctx),
                                      self._make("passed", quiz_act, pctx, dict(score, duration="PT@DUR@S")),
                                      self._make("failed", quiz_act, pctx, dict(score, duration="PT@DUR@S")))
            qctx = ctx([quiz_act], [course_act], attempt_ext)
            for key, question in pools[quiz_id].items():
                definition = dict(get_type(question.type).xapi_interaction(question))
                definition["description"] = emit._langmap({"de": question.prompt[:160]})
                q_act = emit.activity(f"{quiz_act['id']}/question/{key}", "question", {"de": key}, extra=definition)
                self.question_tpl[(quiz_id, key)] = self._make(
                    "answered", q_act, qctx, dict(score, response="@RESP@"))

    def _make(self, verb: str, obj: dict, ctx: dict, result: dict | None = None) -> tuple:
        stmt = self.emit.statement(self.actor, verb, obj, ctx, datetime(2000, 1, 1, tzinfo=timezone.utc), result)
        stmt["id"], stmt["timestamp"] = "@ID@", "@TS@"
        stmt.update(stored="@STORED@", authority=self.authority, version="1.0.3")
        text = json.dumps(stmt, ensure_ascii=False, separators=(",", ":")).replace("%", "%%")
        for token, name, quoted in (("@ID@", "id", True), ("@ACTOR@", "actor", True), ("@REG@", "reg", True),
                                    ("@TS@", "ts", True), ("@STORED@", "stored", True), ("@ATT@", "att", False),
                                    ("@PROG@", "prog", False), ("@SCALED@", "scaled", False),
                                    ("@RAW@", "raw", False), ("@MAX@", "max", False), ("@OK@", "ok", False),
                                    ("@DUR@", "dur", True), ("@RESP@", "resp", True)):
            text = text.replace(f'"{token}"', f"%({name})s" if not quoted else f'"%({name})s"')
            text = text.replace(token, f"%({name})s")
        activity_rows = [(a, rel) for a, rel in self._activities(stmt).items()]
        return text, stmt["verb"]["id"], obj["id"], activity_rows


def _statement_specs(rng: random.Random, enrolments: list, total: int, now: datetime):
    """(timestamp, enrolment index or -1 for an external LRS client, kind, random) for `total` statements."""
    weights = [2 + 3 * len(e.opened) + 6 * len(e.attempts) for e in enrolments]
    cum, acc = [], 0
    for w in weights:
        acc += w
        cum.append(acc)
    external = total // 100  # 1 % from an LRS client of organisation 1 (user_id NULL, no registration)
    internal = total - external
    picks = rng.choices(range(len(enrolments)), cum_weights=cum, k=internal)
    kinds = rng.choices(("experienced", "completed", "progressed", "launched", "quiz", "answered", "module",
                         "course"), (38, 12, 12, 4, 8, 22, 2, 2), k=internal)
    specs = []
    for index, kind in zip(picks, kinds):
        e = enrolments[index]
        span = (e.last - e.started).total_seconds()
        ts = e.started.timestamp() + rng.random() * span
        specs.append((ts, index, kind, rng.random()))
    start = (now - timedelta(days=330)).timestamp()
    for _ in range(external):
        specs.append((start + rng.random() * (now.timestamp() - start), -1, "external", rng.random()))
    specs.sort()
    return specs


def _fill_statement(tpl_set: _Templates, e, kind: str, r: float) -> tuple:
    """Pick the template and the values for one statement of one enrolment."""
    values = {"att": 1, "prog": 0, "scaled": 0, "raw": 0, "max": 1, "ok": "true", "dur": "600", "resp": ""}
    if kind in ("quiz", "answered") and not e.attempts:
        kind = "experienced"
    if kind == "module" and not e.modules_passed:
        kind = "progressed"
    if kind == "course" and not e.completed:
        kind = "completed"
    if kind in ("experienced", "completed"):
        pool = e.done if kind == "completed" and e.done else e.opened
        if not pool:
            return tpl_set.course_tpl["registered" if r < 0.5 else "launched"], values
        lesson = pool[int(r * len(pool))]
        return tpl_set.lesson_tpl[lesson][1 if kind == "completed" and e.done else 0], values
    if kind == "progressed":
        values["prog"] = int(round(e.progress * 100 * r))
        return tpl_set.course_tpl["progressed"], values
    if kind == "launched":
        return tpl_set.course_tpl["launched" if r < 0.85 else "registered"], values
    if kind == "module":
        return tpl_set.course_tpl["module:" + e.modules_passed[int(r * len(e.modules_passed))]], values
    if kind == "course":
        return tpl_set.course_tpl["course_completed"], values
    quiz_id, number, scaled, passed, results = e.attempts[int(r * len(e.attempts))]
    values["att"] = number
    if kind == "answered":
        key, ok = results[int((r * 7919) % 1 * len(results))]
        values.update(scaled=1.0 if ok else 0.0, raw=1.0 if ok else 0.0, ok="true" if ok else "false",
                      resp="a" if ok else "b")
        return tpl_set.question_tpl[(quiz_id, key)], values
    values.update(scaled=scaled, raw=round(scaled * len(results), 4), max=float(len(results)),
                  ok="true" if passed else "false", dur=str(int(200 + r * 1300)))
    attempted, passed_tpl, failed_tpl = tpl_set.quiz_tpl[quiz_id]
    return (attempted if r < 0.5 else (passed_tpl if passed else failed_tpl)), values


def _external_statement(r: float) -> tuple[dict, str, str]:
    """A statement from an LRS client (webinar tool): mbox actor, own activity, no registration."""
    n = int(r * 800)
    activity = f"https://webinar.example/events/{n % 40}"
    stmt = {"id": "@ID@", "actor": {"objectType": "Agent", "name": f"Gast {n}", "mbox": f"mailto:gast{n}@partner.example"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-US": "attended",
                                                                                   "de-DE": "hat teilgenommen"}},
            "object": {"objectType": "Activity", "id": activity, "definition": {
                "type": "http://adlnet.gov/expapi/activities/meeting",
                "name": {"de-DE": f"Webinar {n % 40}: Social Media im Mittelstand"},
                "description": {"de-DE": "Live-Webinar mit Fragerunde, aufgezeichnet für Teilnehmende."}}},
            "result": {"duration": f"PT{20 + n % 60}M", "completion": True},
            "context": {"platform": "Webinar Tool", "language": "de-DE"},
            "timestamp": "@TS@", "stored": "@STORED@",
            "authority": {"objectType": "Agent", "name": "Webinar Tool",
                          "account": {"homePage": "https://webinar.example", "name": "client-7"}},
            "version": "1.0.0"}
    return stmt, f"mailto:gast{n}@partner.example", activity


def statement_chunks(people, total: int, seed: int, index_rows: bool, log):
    """Yield (statements, agent rows, activity rows, raw bytes) per chunk of 50,000, in stored order."""
    rng = random.Random(seed + 1)
    tpl = _Templates(people.course, people.quizzes, people.pools)
    t0 = time.perf_counter()
    specs = _statement_specs(rng, people.enrolments, total, people.now)
    log(f"    statement plan sorted ({time.perf_counter() - t0:.1f} s)")
    ext_cache = {}
    chunk, seq, stored_floor, utc = 50_000, 0, 0.0, timezone.utc
    attended = "http://adlnet.gov/expapi/verbs/attended"
    for offset in range(0, len(specs), chunk):
        stmts, agents, activities, raw_bytes = [], [], [], 0
        for ts, index, kind, r in specs[offset:offset + chunk]:
            seq += 1
            sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            stored_ts = max(stored_floor, ts + 0.05 + r * 1.5)  # stored grows with seq, as in a real LRS
            stored_floor = stored_ts
            when, stored = datetime.fromtimestamp(ts, utc), datetime.fromtimestamp(stored_ts, utc)
            json_ts, json_stored = (when.isoformat(timespec="milliseconds")[:23] + "Z",
                                    stored.isoformat(timespec="milliseconds")[:23] + "Z")
            if index < 0:
                key = int(r * 800)
                if key not in ext_cache:
                    stmt, mbox, activity = _external_statement(r)
                    text = json.dumps(stmt, ensure_ascii=False, separators=(",", ":")).replace("%", "%%")
                    text = text.replace('"@ID@"', '"%(id)s"').replace('"@TS@"', '"%(ts)s"')
                    ext_cache[key] = (text.replace('"@STORED@"', '"%(stored)s"'), mbox, activity)
                text, mbox, activity = ext_cache[key]
                raw = text % {"id": sid, "ts": json_ts, "stored": json_stored}
                stmts.append(dict(seq=seq, org_id=1, statement_id=sid, stored=stored, timestamp=when, actor_ifi=mbox,
                                  verb_id=attended, activity_id=activity, registration=None, voided=False,
                                  user_id=None, version="1.0.0", raw=raw))
                if index_rows:
                    agents += [dict(seq=seq, org_id=1, ifi=mbox, relation="actor", verb_id=attended),
                               dict(seq=seq, org_id=1, ifi="account:https://webinar.example|client-7",
                                    relation="related", verb_id=attended)]
                    activities.append(dict(seq=seq, org_id=1, activity_id=activity, relation="object"))
            else:
                e = people.enrolments[index]
                (text, verb, activity, act_rows), values = _fill_statement(tpl, e, kind, r)
                values.update(id=sid, actor=e.actor_id, reg=e.registration, ts=json_ts, stored=json_stored)
                raw = text % values
                ifi = f"account:{BASE_IRI}|{e.actor_id}"
                stmts.append(dict(seq=seq, org_id=e.org_id, statement_id=sid, stored=stored, timestamp=when,
                                  actor_ifi=ifi, verb_id=verb, activity_id=activity, registration=e.registration,
                                  voided=False, user_id=e.user_id, version="1.0.3", raw=raw))
                if index_rows:
                    agents += [dict(seq=seq, org_id=e.org_id, ifi=ifi, relation="actor", verb_id=verb),
                               dict(seq=seq, org_id=e.org_id, ifi=tpl.authority_ifi, relation="related",
                                    verb_id=verb)]
                    activities += [dict(seq=seq, org_id=e.org_id, activity_id=a, relation=rel) for a, rel in act_rows]
            raw_bytes += len(raw)
        yield stmts, agents, activities, raw_bytes
        done = min(total, offset + chunk)
        if done % 200_000 == 0 or done == total:
            log(f"    {done:>9,} statements ({time.perf_counter() - t0:5.1f} s)")
