"""Sending over SMTP with the standard library: STARTTLS or implicit TLS, login, timeouts, outcome per message."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

DELIVERED, RETRY, DEAD = "delivered", "retry", "dead"


@dataclass(frozen=True)
class Settings:
    """Where and how to connect; host "" means no server (development: mails are kept, not sent)."""

    host: str
    port: int
    user: str
    password: str
    security: str  # "starttls" | "ssl" | "none"
    timeout: float
    ca_file: str = ""

    @classmethod
    def from_config(cls, cfg) -> "Settings":
        """Read the MAIL_SMTP_* settings (LMS_MAIL_SMTP_* in the environment)."""
        return cls(str(cfg.get("MAIL_SMTP_HOST") or ""), int(cfg.get("MAIL_SMTP_PORT") or 587),
                   str(cfg.get("MAIL_SMTP_USER") or ""), str(cfg.get("MAIL_SMTP_PASSWORD") or ""),
                   str(cfg.get("MAIL_SMTP_SECURITY") or "starttls").lower(), float(cfg.get("MAIL_SMTP_TIMEOUT") or 10),
                   str(cfg.get("MAIL_SMTP_CA_FILE") or ""))

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name checks on; an extra CA file for a private server if configured."""
        return ssl.create_default_context(cafile=self.ca_file or None)


class ConnectionFailed(Exception):
    """The server could not be reached, refused the session or the login (the whole batch waits)."""


class Connection:
    """One SMTP session for a batch of messages."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Connection":
        s = self.settings
        try:
            if s.security == "ssl":
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=s.tls_context())
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    self.smtp.starttls(context=s.tls_context())
            self.smtp.ehlo_or_helo_if_needed()
            if s.user:
                self.smtp.login(s.user, s.password)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise ConnectionFailed(f"{type(exc).__name__}: {exc}") from exc
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT if possible; never raises."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def send(self, message: EmailMessage) -> tuple[str, str]:
        """Send one message: (DELIVERED | RETRY | DEAD, reason). 4xx and network trouble retry, 5xx is final."""
        if self.smtp is None:
            return RETRY, "no connection"
        try:
            refused = self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            return _by_code(code, reason)
        except smtplib.SMTPResponseException as exc:
            if isinstance(exc, smtplib.SMTPServerDisconnected):
                self.smtp = None
            return _by_code(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self.smtp = None  # the session is unusable; the rest of the batch waits for the next pass
            return RETRY, f"{type(exc).__name__}: {exc}"
        if refused:
            code, reason = next(iter(refused.values()))
            return _by_code(code, reason)
        return DELIVERED, ""


def _by_code(code: int, reason) -> tuple[str, str]:
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return (DEAD if 500 <= code < 600 else RETRY), f"{code} {text}"[:2000]
