"""Cross-domain events. Senders emit inside the request transaction; receivers write in the same session.

Every signal is sent with ``sender=<the session>`` and keyword arguments documented below, so a receiver
adds its rows (xAPI statement, outbox rows, certificate) to the same unit of work and they commit together.
"""
from blinker import Namespace

lms_signals = Namespace()

#: courses: a learner enrolled (registration created). kwargs: enrolment, user, course
course_registered = lms_signals.signal("course-registered")
#: courses: a learner opened a lesson. kwargs: enrolment, user, course, lesson
lesson_opened = lms_signals.signal("lesson-opened")
#: courses: a lesson was marked done. kwargs: enrolment, user, course, lesson, progress (0..1)
lesson_completed = lms_signals.signal("lesson-completed")
#: courses: every lesson of a module is done and its quiz passed. kwargs: enrolment, user, course, module
module_completed = lms_signals.signal("module-completed")
#: courses: the whole path is done and the final exam passed. kwargs: enrolment, user, course
course_completed = lms_signals.signal("course-completed")
#: quizzes: a new attempt was started. kwargs: enrolment, user, course, quiz, attempt
quiz_started = lms_signals.signal("quiz-started")
#: quizzes: an attempt was submitted and scored. kwargs: enrolment, user, course, quiz, attempt, results
#:   results: list of dicts {key, question, response (xAPI response string), score, max, correct}
quiz_submitted = lms_signals.signal("quiz-submitted")
#: certificates: a certificate was issued. kwargs: enrolment, user, course, certificate
certificate_issued = lms_signals.signal("certificate-issued")
#: guidelines: the needs questionnaire was answered. kwargs: enrolment, user, course, answers, path
questionnaire_answered = lms_signals.signal("questionnaire-answered")
#: guidelines: a learner acknowledged a published guideline version. kwargs: user, guideline_version
guideline_acknowledged = lms_signals.signal("guideline-acknowledged")
#: guidelines: a learner produced their guideline draft document. kwargs: enrolment, user, course, draft
guideline_produced = lms_signals.signal("guideline-produced")
#: tasks: a learner handed in a practical task. kwargs: enrolment, user, course, task, submission
task_submitted = lms_signals.signal("task-submitted")
#: tasks: a trainer accepted a hand-in or asked for a revision. kwargs: enrolment, user (the learner), course, task,
#:   submission (status accepted or revision_requested, score 0..1), reviewer
task_reviewed = lms_signals.signal("task-reviewed")
#: lrs: statements were stored (emitted by the app or received by the LRS), sent once per batch. kwargs: statements
#:   (list of lrs.store.StoredStatement: the columns of lrs.models.Statement and its seq, not ORM instances)
statements_stored = lms_signals.signal("statements-stored")
#: assignments: a course was assigned to a learner. kwargs: assignment (LearnerAssignment), user, course, actor
#:   (who assigned it; None when the scheduler did, e.g. for re-certification)
course_assigned = lms_signals.signal("course-assigned")
#: assignments: one course was assigned to many learners at once (bulk import); every receiver of course_assigned
#:   handles this one too, with the same effect per learner. kwargs: assigned (list of (LearnerAssignment, user)),
#:   course, actor
courses_assigned = lms_signals.signal("courses-assigned")
#: assignments: a learner assignment's due date changed. kwargs: assignment, user, course, actor, previous
assignment_due_changed = lms_signals.signal("assignment-due-changed")
#: assignments: a learner assignment passed its due date unfinished (sent once). kwargs: assignment, user, course
assignment_overdue = lms_signals.signal("assignment-overdue")
#: assignments: an assigned course was completed. kwargs: assignment, user, course, late (bool)
assignment_completed = lms_signals.signal("assignment-completed")
#: auth: an admin created an account to be activated by e-mail. kwargs: user, actor
user_invited = lms_signals.signal("user-invited")
#: auth/imports: many accounts were created at once (bulk import); every receiver of user_invited handles this one
#:   too, with the same effect per user. kwargs: users (list), actor
users_invited = lms_signals.signal("users-invited")
