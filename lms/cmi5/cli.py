"""CLI: `flask cmi5 export` writes a course's cmi5 package; `flask cmi5 relay` sends queued AU statements."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..cli import once_or_loop, run_once_or_loop

cmi5_cli = AppGroup("cmi5", help="cmi5 course packages and AU statements.")


@cmi5_cli.command("export")
@click.argument("slug")
@click.option("--org", "org_slug", required=True, help="Organisation slug the AUs launch into.")
@click.option("--base-url", required=True, help="Public URL of this LMS, e.g. https://lms.example.com")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
def export(slug: str, org_slug: str, base_url: str, output: str):
    """Write the cmi5 course package (zip with a validated cmi5.xml) of a course."""
    from .package import package_zip

    catalog = current_app.extensions["lms_catalog"]
    if slug not in catalog.courses:
        raise click.UsageError(f"unknown course: {slug}")
    data = package_zip(catalog.courses[slug], catalog.course_quizzes(slug), base_url, org_slug)
    with open(output, "wb") as handle:
        handle.write(data)
    click.echo(f"cmi5 package written: {output}")


@cmi5_cli.command("relay")
@once_or_loop(5.0, "Send what is due now and stop.")
def relay(once: bool, interval: float):
    """Send the queued cmi5 statements to the launching LMSs' LRSs; failed sends are retried with backoff."""
    from .relay import run_pass

    run_once_or_loop("cmi5 statement relay", run_pass, lambda sent: f"{sent} statement(s) sent.",
                     once=once, interval=interval)
