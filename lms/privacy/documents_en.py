"""English texts of the privacy documents (placeholders are filled from the organisation's settings)."""

DISCLAIMER = ("Template – to be checked by the parties to the agreement, not legal advice. Every statement was "
              "generated from the learning platform's privacy settings and must be checked and completed before "
              "use.")
DISCLAIMER_SHORT = "Template – not legal advice"

WORDS = {
    "level": {"individual": "per person (with names)", "pseudonymous": "pseudonymised",
              "aggregate": "aggregated only"},
    "detail": {"progress": "progress and completion only", "scores": "progress, completion and scores",
               "answers": "progress, completion, scores, answers and timeline"},
    "forwarding": {"names": "with name and e-mail address", "pseudonymous": "with a pseudonymous identifier",
                   "none": "without personal data"},
    "register": {True: "the certificate register entry (name, course, date of issue) is kept, with its reason",
                 False: "the certificate is deleted too"},
    "actor": {"account": "a random, meaningless identifier", "mbox": "the work e-mail address"},
}

LEVEL_CLAUSES = {
    "individual": "Trainers and admins see the progress of individual employees by name. Visible per person: "
                  "{detail}.",
    "pseudonymous": "Trainers see the progress of individual employees under a pseudonym only. The pseudonym is "
                    "derived with a secret key of the organisation and cannot be computed from names, e-mail "
                    "addresses or identifiers. Visible per person: {detail}.",
    "aggregate": "Reports show aggregated figures for groups of at least {k} people only. Groups of fewer than "
                 "{k} people are shown in no view, filter, export or chart ('fewer than {k}'). There is no view "
                 "of an individual, no per-person time-on-task or login times, and no answer-level data.",
}

_PURPOSE = ("Providing online training on social media, proof of participation and completion (certificates), "
            "acknowledgement of guidelines, and improving the training content through aggregated reports.")

RECORDS = {
    "title": "Record of processing activities (Art. 30 GDPR) – learning platform",
    "subtitle": "Controller: {org} · As of: {date} · Settings version {version}",
    "sections": [
        ("Processing", [
            ("Name", "Operation of the learning platform (social media training) with a built-in Learning Record "
                     "Store (xAPI)."),
            ("Purposes (Art. 30(1)(b) GDPR)", _PURPOSE),
            ("Legal basis", "Section 26 BDSG / Art. 88 GDPR together with a works agreement; Art. 6(1)(b) and "
                            "(c) GDPR."),
            ("Categories of data subjects", "Employees of {org} taking part in training, trainers and admins."),
            ("Categories of personal data", "Master data (name, work e-mail, department, role), progress, quiz "
                                            "attempts with answers and scores, learning events (xAPI "
                                            "statements), certificates, guideline acknowledgements, practical "
                                            "task hand-ins, audit log entries."),
        ]),
        ("Recipients and transfers", [
            ("Internal recipients", "Trainers: reports {level}. Admins: accounts and settings."),
            ("External recipients", "Learning events are forwarded to configured Learning Record Stores "
                                    "{forwarding}. Learning events identify the person by {actor}."),
        ]),
        ("Erasure periods (Art. 5(1)(e) GDPR)", [
            ("Learning events and answers", "Deleted after {months} months; results are kept in aggregate only."),
            ("Certificates", "Deleted after {cert_months} months."),
            ("Acknowledgements", "Deleted after {ack_months} months."),
            ("Erasure on request (Art. 17 GDPR)", "All data of the person is deleted or anonymised; if the "
                                                  "organisation so chooses, {register}."),
        ]),
        ("Technical and organisational measures (Art. 32 GDPR)", [
            ("Reference", "See the document 'Technical and organisational measures', version {version}."),
        ]),
    ],
}

TOMS = {
    "title": "Technical and organisational measures – learning platform",
    "subtitle": "{org} · As of: {date} · Settings version {version}",
    "sections": [
        ("Access control", [
            ("Roles", "Learners see their own data only. Trainers see reports {level}. Admins manage accounts "
                      "and settings."),
            ("Reporting level", "{level_clause}"),
            ("Sessions", "Sessions end on the server at sign-out, after inactivity and after a fixed maximum; "
                         "sign-in attempts are throttled."),
        ]),
        ("Logging", [
            ("Audit log", "Setting changes, exports, views of an individual's data and erasures are logged with "
                          "time and actor."),
            ("Versioning", "Every change of the privacy settings is stored as a new version with time and "
                           "author; reports state the version in force."),
        ]),
        ("Data minimisation and storage limitation", [
            ("Identifiers", "Learning events identify the person by {actor}."),
            ("Forwarding", "Learning events are forwarded to external Learning Record Stores {forwarding}."),
            ("Retention", "Learning events and answers {months} months, certificates {cert_months} months, "
                          "acknowledgements {ack_months} months; a scheduled run deletes older data and logs "
                          "each run."),
        ]),
        ("Data subject rights", [
            ("Access and portability (Art. 15, 20 GDPR)", "Every person can download all data about them under "
                                                          "'My data' as JSON, JSON lines and a readable summary."),
            ("Erasure (Art. 17 GDPR)", "Erasure by an admin, also on the person's request; external recipients "
                                       "receive voiding statements (xAPI 'voided')."),
        ]),
    ],
}

AGREEMENT = {
    "title": "Works agreement on the introduction and use of the learning platform (draft)",
    "subtitle": "between {org} (employer) and the works council · Draft of {date} · Settings version {version}",
    "sections": [
        ("§ 1 Subject and scope", [("", "This agreement governs the introduction and use of the learning "
                                        "platform for social media training under section 87(1) no. 6 BetrVG. It "
                                        "applies to all employees of {org} who use the platform.")]),
        ("§ 2 Purpose", [("", _PURPOSE)]),
        ("§ 3 Purpose limitation, no monitoring of performance or behaviour", [
            ("", "The data may be used for the purposes in § 2 only. Monitoring the performance or behaviour of "
                 "individual employees beyond the reports agreed in § 6 is prohibited. Findings from the platform "
                 "must not be used for measures under employment law, except as proof of training required by "
                 "law or contract.")]),
        ("§ 4 Data collected", [
            ("", "Name, work e-mail, department and role; progress; quiz attempts with answers and scores; "
                 "learning events (xAPI statements); certificates; guideline acknowledgements. Learning events "
                 "identify the person by {actor}.")]),
        ("§ 5 Access rights", [
            ("", "Learners see their own data only. Trainers receive reports {level}. Admins manage accounts and "
                 "settings and see reports to the same extent as trainers.")]),
        ("§ 6 Reports", [("", "{level_clause}")]),
        ("§ 7 Retention and erasure", [
            ("", "Learning events and individual answers are deleted after {months} months; results are then kept "
                 "in aggregate only. Certificates are deleted after {cert_months} months, guideline "
                 "acknowledgements after {ack_months} months, by a scheduled run that logs each execution "
                 "(Art. 5(1)(e) GDPR).")]),
        ("§ 8 Employees' rights", [
            ("", "Every employee can see and download at any time which data is stored about them and who may "
                 "see which part (Art. 15 and 20 GDPR). Employees can request erasure (Art. 17 GDPR); after an "
                 "admin confirms, all their data is deleted or anonymised; {register}.")]),
        ("§ 9 Interfaces and forwarding", [
            ("", "Learning events are forwarded to the Learning Record Stores configured by the employer "
                 "{forwarding}. On erasure these recipients receive a voiding statement for every forwarded "
                 "learning event. New interfaces require the works council's consent.")]),
        ("§ 10 The works council's rights of control", [
            ("", "The works council may inspect the settings, their version history, the audit log and the "
                 "erasure log at any time, and receives the record of processing activities and the technical "
                 "and organisational measures in their current version.")]),
        ("§ 11 Changes", [
            ("", "Every change of the privacy settings creates a new version. Changes that extend reports, access "
                 "rights, retention or forwarding need the works council's prior consent. This agreement is based "
                 "on version {version}.")]),
        ("§ 12 Final provisions", [
            ("", "This agreement takes effect when signed and may be terminated with three months' notice; it "
                 "continues to apply until a new agreement is concluded. Legal basis: section 87(1) no. 6 BetrVG, "
                 "Art. 5, 15, 17, 20, 30 and 88 GDPR, section 26 BDSG.\n\nPlace, date: ____________________\n\n"
                 "Employer: ____________________\n\nWorks council: ____________________")]),
    ],
}

DOCUMENTS = {"records": RECORDS, "toms": TOMS, "works-agreement": AGREEMENT}
