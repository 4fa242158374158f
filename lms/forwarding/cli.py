"""CLI: `flask --app lms xapi relay [--once]` and `flask --app lms xapi export --org SLUG … -o file.jsonl`."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .. import db as dbmod
from ..cli import once_or_loop, run_worker_once_or_loop

relay_cli = AppGroup("xapi", help="xAPI forwarding to external LRSs and bulk export.")


@relay_cli.command("relay")
@once_or_loop(2.0, "One pass over all targets (for cron), then exit.")
def relay_command(once: bool, interval: float):
    """Deliver queued statements to every active forwarding target."""
    from .relay import Relay

    run_worker_once_or_loop("relay", Relay(current_app._get_current_object()),
                            lambda delivered: f"delivered {delivered} statement(s)", once=once, interval=interval)


@relay_cli.command("export")
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option("--since", default=None, help="Stored at or after (ISO date or datetime, UTC).")
@click.option("--until", default=None, help="Stored before (ISO datetime; a bare date includes that day).")
@click.option("--course", default=None, help="Course slug.")
@click.option("--learner", default=None, help="Learner e-mail address.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Output file (default: standard output).")
def export_command(org_slug, since, until, course, learner, output):
    """Write an organisation's statements as JSON lines, exactly as stored."""
    from ..auth.models import Organisation
    from .export import ExportFilter, iter_export, learner_id, parse_when

    with dbmod.session_scope(write=False) as db:
        org_id = db.scalar(select(Organisation.id).where(Organisation.slug == org_slug))
        if org_id is None:
            raise click.BadParameter(f"no organisation {org_slug!r}", param_hint="--org")
        user_id = None
        if learner:
            user_id = learner_id(db, org_id, learner)
            if user_id is None:
                raise click.BadParameter(f"no learner {learner!r} in {org_slug!r}", param_hint="--learner")
    if course and course not in current_app.extensions["lms_catalog"].courses:
        raise click.BadParameter(f"no course {course!r}", param_hint="--course")
    try:
        flt = ExportFilter(org_id, parse_when(since), parse_when(until, end=True), course, user_id)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    count = 0
    # Bytes, not text: the output is UTF-8 whatever the locale, and lines end in \n on every platform.
    stream = sys.stdout.buffer if output == "-" else open(output, "wb")
    try:
        for line in iter_export(flt):
            stream.write(line.encode("utf-8"))
            count += 1
    finally:
        if output == "-":
            stream.flush()
        else:
            stream.close()
    click.echo(f"exported {count} statement(s)", err=True)
