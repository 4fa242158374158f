"""Who may call which endpoint: the access policy of every route, the one source of truth that enforces it.

``lms.access.enforce`` runs before every request of the LMS blueprint: it looks the endpoint up here (an endpoint
missing from the table is refused), checks sign-in and role, answers LRS endpoints with the HTTP Basic check of the
organisation's LRS credentials, and loads the organisation-scoped object the URL names (``OWNERS``) onto ``g``.
Views carry no access code of their own. tests/test_access_matrix.py walks ``app.url_map`` and proves, cell by
cell, that requests get what the table says, and a new route without an entry here fails the build.
"""
from __future__ import annotations

from dataclasses import dataclass

ANONYMOUS, LEARNER, TRAINER, ADMIN = "anonymous", "learner", "trainer", "admin"
ROLES = (ANONYMOUS, LEARNER, TRAINER, ADMIN)
PUBLIC = frozenset(ROLES)
SIGNED_IN = frozenset({LEARNER, TRAINER, ADMIN})
STAFF = frozenset({TRAINER, ADMIN})
ADMINS = frozenset({ADMIN})
LRS = frozenset()  # no session role: HTTP Basic with the organisation's LRS client credentials


@dataclass(frozen=True)
class Access:
    """Who may call an endpoint, and which organisation-owned object its URL names.

    ``owner``: the kind of object in the URL (``user``, ``attempt``, ``certificate``, ``target``, ``credential``,
    ``enrolment``, ``guideline_version``, ``submission``; for the LRS, what its query names: ``statement``,
    ``document``, ``activity``, ``agent``), or None. ``scope``: ``org`` (any allowed role of the object's
    organisation), ``self`` (only the person the object belongs to) or ``self_or_staff`` (that person, or a trainer
    or admin of their organisation). Objects of another organisation are always answered with 403 or 404.
    ``denied``: what a signed-in caller of the same organisation who may not call it gets: 403, or 404 where the app
    hides that the object exists (someone else's quiz attempt or certificate).
    ``may_be_absent``: the allowed caller can still get 404 because the object is in the wrong state (e.g. nothing
    to re-certify). Learning routes act on the caller's own enrolment, so staff who learn are learners there too.
    The access step loads the ``owner`` of session routes onto ``g.<owner>``; on public routes (single sign-on
    steps) the object is found by the protocol, and on LRS routes the query names it, so nothing is loaded there.
    """

    roles: frozenset
    owner: str | None = None
    scope: str = "org"
    denied: int = 403
    may_be_absent: bool = False
    ends_at_login: bool = False  # success redirects to the login page (signing out)

    @property
    def lrs(self) -> bool:
        """Whether the endpoint is part of the LRS (HTTP Basic credentials instead of a session)."""
        return self.roles is LRS


POLICY: dict[str, Access] = {
    # Core
    "lms.static": Access(PUBLIC),
    "lms.home": Access(SIGNED_IN),  # sends each role to its start page
    "lms.healthz": Access(PUBLIC),
    # Accounts and administration
    "lms.auth.login": Access(PUBLIC),
    "lms.auth.language": Access(PUBLIC),
    "lms.auth.logout": Access(SIGNED_IN, ends_at_login=True),
    "lms.auth.account": Access(SIGNED_IN),
    "lms.auth.users": Access(ADMINS),
    "lms.auth.reset_password": Access(ADMINS, owner="user"),
    "lms.auth.deactivate": Access(ADMINS, owner="user"),
    "lms.auth.activate": Access(ADMINS, owner="user"),
    "lms.auth.change_role": Access(ADMINS, owner="user"),
    "lms.auth.organisation": Access(ADMINS),
    "lms.imports.upload": Access(ADMINS),
    "lms.imports.confirm": Access(ADMINS),
    # Audit log (read-only pages; no route changes or deletes a row)
    "lms.audit.log": Access(ADMINS),
    "lms.audit.export_csv": Access(ADMINS),
    "lms.auth.edit_user": Access(ADMINS, owner="user"),
    "lms.auth.confirm_deactivate": Access(ADMINS, owner="user"),
    "lms.auth.confirm_reset_password": Access(ADMINS, owner="user"),
    "lms.auth.organisation": Access(ADMINS),
    "lms.localtime.timezone": Access(ADMINS),
    # Learning
    "lms.courses.index": Access(SIGNED_IN),
    "lms.courses.overview": Access(SIGNED_IN),
    "lms.courses.start": Access(SIGNED_IN),
    "lms.courses.resume": Access(SIGNED_IN),
    "lms.courses.lesson": Access(SIGNED_IN),
    "lms.courses.lesson_done": Access(SIGNED_IN),
    "lms.courses.lesson_beacon": Access(SIGNED_IN),
    "lms.quizzes.intro": Access(SIGNED_IN),
    "lms.quizzes.start": Access(SIGNED_IN),
    "lms.quizzes.attempt": Access(SIGNED_IN, owner="attempt", scope="self", denied=404),
    "lms.quizzes.save": Access(SIGNED_IN, owner="attempt", scope="self", denied=404),
    "lms.quizzes.submit": Access(SIGNED_IN, owner="attempt", scope="self", denied=404),
    # Needs questionnaire, guideline builder, published guideline
    "lms.guidelines.questionnaire": Access(SIGNED_IN),
    "lms.guidelines.use_defaults": Access(SIGNED_IN),
    "lms.guidelines.path": Access(SIGNED_IN),
    "lms.guidelines.builder": Access(SIGNED_IN),
    "lms.guidelines.autosave": Access(SIGNED_IN),
    "lms.guidelines.result": Access(SIGNED_IN),
    "lms.guidelines.download": Access(SIGNED_IN),
    "lms.guidelines.index": Access(SIGNED_IN),
    "lms.guidelines.show_version": Access(SIGNED_IN, owner="guideline_version"),
    "lms.guidelines.acknowledge": Access(SIGNED_IN, owner="guideline_version"),
    "lms.guidelines.manage": Access(ADMINS),
    "lms.guidelines.publish": Access(ADMINS),
    "lms.guidelines.settings": Access(ADMINS),
    "lms.guidelines.version_acknowledgements": Access(ADMINS, owner="guideline_version"),
    "lms.guidelines.acknowledgements_csv": Access(ADMINS),
    "lms.guidelines.defaults": Access(ADMINS),
    "lms.guidelines.team": Access(STAFF),
    "lms.guidelines.team_detail": Access(STAFF, owner="enrolment"),
    # Certificates (verification is public by design)
    "lms.certificates.mine": Access(SIGNED_IN),
    "lms.certificates.pdf": Access(SIGNED_IN, owner="certificate", scope="self_or_staff", denied=404),
    "lms.certificates.credential_file": Access(SIGNED_IN, owner="certificate", scope="self_or_staff", denied=404),
    "lms.certificates.revoke": Access(STAFF, owner="certificate"),
    "lms.certificates.recertify": Access(SIGNED_IN, may_be_absent=True),
    "lms.certificates.verify_form": Access(PUBLIC),
    "lms.certificates.verify": Access(PUBLIC),
    "lms.certificates.share_image": Access(PUBLIC),
    "lms.certificates.verify_upload": Access(PUBLIC),
    "lms.certificates.public_key": Access(PUBLIC),
    # Practical tasks: learners hand in, trainers review (hand-ins are "submission" objects of the learner's org)
    "lms.tasks.task": Access(SIGNED_IN),
    "lms.tasks.submit": Access(SIGNED_IN),
    "lms.tasks.template": Access(SIGNED_IN),
    "lms.tasks.submission_file": Access(SIGNED_IN, owner="submission", scope="self_or_staff", denied=404),
    "lms.tasks.review_list": Access(STAFF),
    "lms.tasks.review": Access(STAFF, owner="submission"),
    "lms.tasks.review_save": Access(STAFF, owner="submission"),
    # Content freshness
    "lms.courses.review_due": Access(ADMINS),
    # Privacy: every person's own data; settings, erasure and documents for admins
    "lms.privacy.my_data": Access(SIGNED_IN),
    "lms.privacy.download_json": Access(SIGNED_IN),
    "lms.privacy.download_statements": Access(SIGNED_IN),
    "lms.privacy.summary": Access(SIGNED_IN),
    "lms.privacy.request_erasure": Access(SIGNED_IN),
    "lms.privacy.admin_settings": Access(ADMINS),
    "lms.privacy.erasure_page": Access(ADMINS),
    "lms.privacy.erase": Access(ADMINS, owner="user"),
    "lms.privacy.document": Access(ADMINS),
    # Trainer reports
    "lms.reports.overview": Access(STAFF),
    "lms.reports.learner": Access(STAFF, owner="user"),
    "lms.reports.quiz": Access(STAFF),
    "lms.reports.export_csv": Access(STAFF),
    "lms.reports.export_xlsx": Access(STAFF),
    # Assignments (the due-date form names its learner assignment in the body; other organisations get 404)
    "lms.assignments.manage": Access(STAFF),
    "lms.assignments.status": Access(STAFF),
    "lms.assignments.export_csv": Access(STAFF),
    "lms.assignments.change_due": Access(STAFF),
    "lms.assignments.departments": Access(ADMINS),  # ids in the form; other organisations' ids are a 404
    # E-mail: password links and one-click unsubscribe carry their own token; admins see their organisation's mail
    "lms.mail.forgot": Access(PUBLIC),
    "lms.mail.set_password": Access(PUBLIC),
    "lms.mail.unsubscribe": Access(PUBLIC),
    "lms.mail.preferences": Access(SIGNED_IN),
    "lms.mail.outbox": Access(ADMINS),
    "lms.mail.dead_action": Access(ADMINS),
    "lms.mail.send_reset": Access(ADMINS, owner="user"),
    # Forwarding and statement export
    "lms.forwarding.targets": Access(ADMINS),
    "lms.forwarding.create": Access(ADMINS),
    "lms.forwarding.edit": Access(ADMINS, owner="target"),
    "lms.forwarding.toggle": Access(ADMINS, owner="target"),
    "lms.forwarding.test_connection": Access(ADMINS, owner="target"),
    "lms.forwarding.delete": Access(ADMINS, owner="target"),
    "lms.forwarding.backfill": Access(ADMINS, owner="target"),
    "lms.forwarding.dead": Access(ADMINS, owner="target"),
    "lms.forwarding.dead_action": Access(ADMINS, owner="target"),
    "lms.forwarding.export": Access(STAFF),
    "lms.forwarding.export_download": Access(STAFF),
    # The LRS and its credentials
    "lms.xapi_admin.credentials": Access(ADMINS),
    "lms.xapi_admin.deactivate": Access(ADMINS, owner="credential"),
    "lms.xapi.statements": Access(LRS, owner="statement"),
    "lms.xapi_documents.state": Access(LRS, owner="document"),
    "lms.xapi_documents.activity_profile": Access(LRS, owner="document"),
    "lms.xapi_documents.agent_profile": Access(LRS, owner="document"),
    "lms.xapi_documents.activities": Access(LRS, owner="activity"),
    "lms.xapi_documents.agents": Access(LRS, owner="agent"),
    "lms.xapi_documents.about": Access(PUBLIC),
    # Single sign-on: the sign-in steps are public (the protocol checks protect them); settings are admin-only
    "lms.sso.start_page": Access(PUBLIC),
    "lms.sso.start": Access(PUBLIC, owner="identity_provider"),
    "lms.sso.oidc_callback": Access(PUBLIC),
    "lms.sso.saml_acs": Access(PUBLIC, owner="identity_provider"),
    "lms.sso.saml_metadata": Access(PUBLIC, owner="identity_provider"),
    "lms.sso.logout": Access(PUBLIC),
    "lms.sso.admin": Access(ADMINS),
    "lms.sso.create": Access(ADMINS),
    "lms.sso.edit": Access(ADMINS, owner="identity_provider"),
    "lms.sso.delete": Access(ADMINS, owner="identity_provider"),
    # LTI 1.3 tool (login and launch are called by the platform and the browser it sends; the id_token decides)
    "lms.lti.jwks": Access(PUBLIC),
    "lms.lti.login": Access(PUBLIC),
    "lms.lti.launch_view": Access(PUBLIC),
    "lms.lti.deep_link": Access(STAFF, may_be_absent=True),  # 404 unless a deep-linking launch started it
    "lms.lti.platforms": Access(ADMINS),
    "lms.lti.create": Access(ADMINS),
    "lms.lti.dynamic_registration": Access(ADMINS),
    "lms.lti.edit": Access(ADMINS, owner="lti_platform"),
    "lms.lti.delete": Access(ADMINS, owner="lti_platform"),
    "lms.lti.sync_roster": Access(ADMINS, owner="lti_platform"),
    # cmi5 (the AU launch is opened by an external LMS; its fetch URL and State decide)
    "lms.cmi5.au_launch": Access(PUBLIC),
    "lms.cmi5.exit_au": Access(SIGNED_IN, may_be_absent=True),  # 404 outside a cmi5-launched session
    "lms.cmi5.admin": Access(ADMINS),
    "lms.cmi5.delete": Access(ADMINS, owner="cmi5_lms"),
    "lms.cmi5.download": Access(ADMINS),
    # SCORM (launch and status are called cross-origin by a package's launcher; signed tokens decide)
    "lms.scorm.download": Access(ADMINS),
    "lms.scorm.revoke": Access(ADMINS, owner="scorm_package"),
    "lms.scorm.launch": Access(PUBLIC),
    "lms.scorm.start": Access(PUBLIC),
    "lms.scorm.status": Access(PUBLIC),
}


@dataclass(frozen=True)
class Owner:
    """How to load the object of an owner kind from its URL argument, scoped to the caller's organisation.

    ``model``: "module:Class" (imported when first needed, so this table imports no package). ``key``: the column
    the argument matches. ``person``: the column naming the person the object belongs to (learner objects: a
    department-limited trainer sees only their departments' people). ``lock``: load it for update on writes.
    """

    arg: str
    model: str
    key: str = "id"
    person: str | None = None
    lock: bool = False


OWNERS: dict[str, Owner] = {
    "user": Owner("user_id", "lms.auth.models:User", person="id"),
    "attempt": Owner("attempt_id", "lms.quizzes.models:QuizAttempt", person="user_id", lock=True),
    "certificate": Owner("certificate_id", "lms.certificates.models:Certificate", person="user_id"),
    "enrolment": Owner("enrolment_id", "lms.courses.models:Enrolment", person="user_id"),
    "submission": Owner("submission_id", "lms.tasks.models:TaskSubmission", person="user_id"),
    "target": Owner("target_id", "lms.forwarding.models:ForwardTarget"),
    "credential": Owner("credential_id", "lms.lrs.models:LRSCredential"),
    "guideline_version": Owner("number", "lms.guidelines.models:GuidelineVersion", key="number"),
    "identity_provider": Owner("provider_id", "lms.sso.models:IdentityProvider"),
    "lti_platform": Owner("platform_id", "lms.lti.models:LtiPlatform"),
    "cmi5_lms": Owner("lms_id", "lms.cmi5.models:Cmi5Lms"),
    "scorm_package": Owner("package_id", "lms.scorm.models:ScormPackage"),
}


def access_for(endpoint: str) -> Access | None:
    """The policy entry of an endpoint, or None when the table does not list it."""
    return POLICY.get(endpoint)
