"""Transactional e-mail: an outbox written with its cause, an SMTP worker, account links, preferences."""
from flask import Flask

from ..extension import of as lms_of

DEFAULTS = {
    "MAIL_SMTP_HOST": "",  # empty: development mode, mails are kept and shown to admins instead of sent
    "MAIL_SMTP_PORT": 587,
    "MAIL_SMTP_USER": "",
    "MAIL_SMTP_PASSWORD": "",
    "MAIL_SMTP_SECURITY": "starttls",  # starttls | ssl | none
    "MAIL_SMTP_TIMEOUT": 10.0,
    "MAIL_SMTP_CA_FILE": "",
    "MAIL_SENDER": "Social Media LMS <noreply@localhost>",
    "MAIL_BATCH_SIZE": 50,
    "MAIL_LEASE_SECONDS": 120.0,
    "MAIL_MAX_ATTEMPTS": 6,
    "MAIL_BACKOFF_BASE": 30.0,
    "MAIL_BACKOFF_CAP": 3600.0,
    "MAIL_INVITATION_HOURS": 72,
    "MAIL_RESET_MINUTES": 60,
    "MAIL_FORGOT_LIMIT": 5,  # reset requests per client address and quarter hour (shared by all servers)
}


def init_app(app: Flask) -> None:
    """Settings, pages, CLI, the receivers that queue mails, and a pass in the in-app relay loop."""
    from .. import nav
    from ..i18n import _l
    from ..loops import register_pass, worker_pass
    from ..security import csrf
    from . import cli, receivers, views
    from .worker import MailWorker

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    # Mail programs post the one-click unsubscribe (RFC 8058) without a session; the signed token authorises it.
    csrf.exempt(views.unsubscribe)
    lms_of(app).add_blueprint(views.bp)
    nav.register(app, "lms.mail.outbox", _l("E-Mails"), ("admin",))
    app.cli.add_command(cli.mail_cli)
    for signal, receiver in receivers.CONNECTIONS:
        signal.connect(receiver)
    register_pass(app, "mail", worker_pass("lms_mail_worker", MailWorker))

