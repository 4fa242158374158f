"""What erasure does with each column that points at a person (users.id): one explicit rule per column.

A new table with a foreign key to users.id must get a rule here; tests/privacy/test_erasure.py fails otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass, field

DELETE, NULLIFY, LRS, AUDIT, REGISTER = "delete", "nullify", "lrs", "audit", "register"


@dataclass(frozen=True)
class Rule:
    """What happens to rows whose column names the erased person, and why."""

    action: str
    reason: str
    also_blank: dict = field(default_factory=dict)  # further columns set to a neutral value with the nullify


RULES: dict[str, Rule] = {
    "account_tokens.user_id": Rule(DELETE, "Sign-in and password tokens of the person."),
    "assignments.created_by": Rule(NULLIFY, "The assignment stays; who created it is removed."),
    "cmi5_sessions.user_id": Rule(DELETE, "cmi5 launch sessions of the person."),
    "cmi5_user_links.user_id": Rule(DELETE, "Links to the person's account in an external LMS (cmi5)."),
    "learner_assignments.user_id": Rule(DELETE, "Courses assigned to the person, with their due dates."),
    "lti_link_users.user_id": Rule(DELETE, "The person's LTI resource-link memberships."),
    "lti_user_links.user_id": Rule(DELETE, "Links to the person's account at an LTI platform."),
    "mail_preferences.user_id": Rule(DELETE, "The person's e-mail preferences."),
    "mails.user_id": Rule(DELETE, "E-mails to the person (address and content)."),
    "pending_imports.actor_id": Rule(DELETE, "A user import the person previewed and did not confirm (the file)."),
    "scorm_launches.user_id": Rule(DELETE, "SCORM launches of the person."),
    "scorm_learners.user_id": Rule(DELETE, "The person's SCORM learner records."),
    "audit_log.actor_user_id": Rule(AUDIT, "The log stays (accountability); the person's references are "
                                           "replaced by a non-identifying reference."),
    "certificates.user_id": Rule(REGISTER, "Certificates: copied to the certificate register if the "
                                           "organisation keeps it (with the reason), then deleted."),
    "certificates.revoked_by": Rule(NULLIFY, "The revocation stays; who revoked it is removed."),
    "enrolments.user_id": Rule(DELETE, "Learning record (with lesson and module progress, attempts, drafts)."),
    "guideline_acknowledgements.user_id": Rule(DELETE, "Acknowledgements of the person."),
    "guideline_drafts.user_id": Rule(DELETE, "The person's guideline drafts."),
    "guideline_versions.published_by_id": Rule(NULLIFY, "The published guideline stays; the publisher is removed."),
    "privacy_erasure_log.erased_by_id": Rule(NULLIFY, "The log stays; the admin's reference is removed.",
                                             {"erased_by_label": ""}),
    "privacy_erasure_requests.user_id": Rule(DELETE, "The request is answered by the erasure log entry."),
    "privacy_settings.changed_by_id": Rule(NULLIFY, "The settings history stays; who changed it is removed.",
                                           {"changed_by_label": ""}),
    "questionnaire_org_defaults.updated_by_id": Rule(NULLIFY, "Organisation defaults stay; the editor is removed."),
    "questionnaire_responses.user_id": Rule(DELETE, "The person's questionnaire answers."),
    "quiz_attempts.user_id": Rule(DELETE, "Attempts with every answer."),
    "sso_identities.user_id": Rule(DELETE, "Links to the company's identity provider."),
    "trainer_departments.trainer_id": Rule(DELETE, "Which departments the person saw as a trainer."),
    "task_submissions.reviewer_id": Rule(NULLIFY, "Reviews stay with the learner; the reviewer is removed."),
    "task_submissions.user_id": Rule(DELETE, "Hand-ins with their files."),
    "xapi_statements.user_id": Rule(LRS, "Statements (found by user and by every agent identifier), their index "
                                         "rows, attachments and documents; forwarded ones are voided."),
}
