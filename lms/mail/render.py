"""Rendering a queued mail in its recipient's language: subject, text and HTML parts, absolute links."""
from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import date
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

from babel.dates import format_date
from flask import current_app, render_template
from flask_babel import force_locale
from itsdangerous import URLSafeSerializer

from .. import extension
from .models import OPTIONAL_KINDS, Mail


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link from BASE_IRI and the LMS's prefix, built without a request (workers and CLI have none)."""
    return extension.absolute_url(endpoint, **values)


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lms-mail-unsubscribe")


def unsubscribe_token(user_id: int, topic: str) -> str:
    """A signed token naming the user and the mail topic (reminders or digest) to switch off."""
    return _unsubscribe_serializer().dumps([user_id, topic])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The (user id, topic) of a valid token, else None."""
    try:
        user_id, topic = _unsubscribe_serializer().loads(token)
    except Exception:  # noqa: BLE001 - any malformed or forged token is simply invalid
        return None
    return (user_id, topic) if isinstance(user_id, int) and topic in ("reminders", "digest") else None


def unsubscribe_url(mail: Mail) -> str | None:
    """The one-click unsubscribe link of an optional mail, or None for mails that always go out."""
    if mail.kind not in OPTIONAL_KINDS or mail.user_id is None:
        return None
    topic = "digest" if mail.kind == "digest" else "reminders"
    return absolute_url("lms.mail.unsubscribe", token=unsubscribe_token(mail.user_id, topic))


@dataclass(frozen=True)
class Rendered:
    """The three parts of a mail."""

    subject: str
    text: str
    html: str


def render(mail: Mail) -> Rendered:
    """Render the mail's templates in its locale with its context and the links every mail carries."""
    cfg = current_app.config
    context = dict(mail.context)
    if "course" in context:  # scheduled mails name the course by slug only
        course = current_app.extensions["lms_catalog"].courses.get(context["course"])
        context.setdefault("course_title", course.title if course else {"de": context["course"]})
        context.setdefault("course_url", absolute_url("lms.courses.overview", slug=context["course"]))
    locale = mail.locale or "de"
    context.update(format_day=lambda iso: format_date(date.fromisoformat(iso), "long", locale=locale),
                   platform=cfg["PLATFORM_NAME"], home_url=absolute_url("lms.home"),
                   preferences_url=absolute_url("lms.mail.preferences"), unsubscribe_url=unsubscribe_url(mail))
    with force_locale(locale):
        subject = render_template(f"mail/{mail.template}.subject.txt", **context)
        text = render_template(f"mail/{mail.template}.txt", **context)
        html = render_template(f"mail/{mail.template}.html", **context)
    return Rendered(" ".join(subject.split())[:300], text, html)


def message_id(mail: Mail) -> str:
    """A stable Message-ID per outbox row, so a receiver can recognise a resend after a crash."""
    domain = cfg_domain()
    return f"<lms-mail-{mail.id}-{mail.created_at.strftime('%Y%m%d%H%M%S')}@{domain}>"


def cfg_domain() -> str:
    """The domain of the sender address (for Message-IDs)."""
    sender = current_app.config.get("MAIL_SENDER", "")
    return sender.rsplit("@", 1)[-1].strip("> ") or socket.getfqdn()


def build_message(mail: Mail, rendered: Rendered) -> EmailMessage:
    """The MIME message: multipart/alternative text + HTML, List-Unsubscribe where the mail is optional."""
    # Headers are folded at 998 characters only: a long List-Unsubscribe URL must stay a plain <URL>, which a
    # mail program parses; the default 78 would turn it into RFC 2047 encoded words.
    msg = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
    msg["From"] = current_app.config["MAIL_SENDER"]
    msg["To"] = mail.to_addr
    msg["Subject"] = rendered.subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id(mail)
    msg["Auto-Submitted"] = "auto-generated"
    link = unsubscribe_url(mail)
    if link:
        msg["List-Unsubscribe"] = f"<{link}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    msg["Content-Language"] = mail.locale or "de"  # after the parts: set_content drops Content-* headers
    return msg
