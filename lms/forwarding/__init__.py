"""Forwarding statements to each organisation's own LRS (transactional outbox + relay) and bulk export."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Queue stored statements for the targets, register the pages and CLI, and start the in-app relay if asked."""
    from .. import nav, signals
    from ..i18n import _l
    from ..loops import register_pass, worker_pass
    from . import cli, messages, views
    from .outbox import on_statements_stored
    from .relay import Relay

    app.jinja_env.globals["lrs_meaning"] = messages.meaning
    app.config.setdefault("RELAY_IN_APP", False)
    app.config.setdefault("RELAY_INTERVAL", 2.0)
    # Seconds. Capped exponential backoff with jitter while a target fails; the cap bounds how long a target
    # that is back up waits for the next try.
    app.config.setdefault("FORWARDING_BACKOFF_BASE", 2.0)
    app.config.setdefault("FORWARDING_BACKOFF_CAP", 60.0)
    app.config.setdefault("FORWARDING_LEASE_MIN", 30.0)  # shortest claim lease; a dead relay's items wait this long
    app.config.setdefault("FORWARDING_BACKFILL_CHUNK", 5000)
    # Org admins choose endpoints: loopback/private addresses only when the operator allows them.
    app.config.setdefault("FORWARDING_ALLOW_PRIVATE_NETWORKS", False)
    # weak=False: the receiver must live as long as the app; blinker would otherwise drop it silently.
    signals.statements_stored.connect(on_statements_stored, weak=False)
    lms_of(app).add_blueprint(views.bp)
    nav.register(app, "lms.forwarding.targets", _l("Weiterleitung"), ("admin",))
    nav.register(app, "lms.forwarding.export", _l("xAPI-Export"), ("trainer", "admin"))
    app.cli.add_command(cli.relay_cli)
    register_pass(app, "forwarding", worker_pass("lms_forwarding_relay", Relay))

