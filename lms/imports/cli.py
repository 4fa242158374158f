"""`flask users import FILE --org SLUG`: the same import for scripted synchronisation."""
from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from ..auth.cli import users_cli
from ..auth.models import Organisation
from ..db import session_scope
from . import services
from .parse import ImportFileError

ACTION_WIDTH = 10


@users_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option("--dry-run", is_flag=True, help="Only print the preview; change nothing.")
@click.option("--deactivate-missing", is_flag=True, help="Deactivate the organisation's people missing from FILE.")
@click.option("--no-mail", is_flag=True, help="Print single-use sign-in links instead of mailing invitations.")
def users_import(file: Path, org_slug: str, dry_run: bool, deactivate_missing: bool, no_mail: bool):
    """Create or update users from a CSV/XLSX file (columns E-Mail, Name, Abteilung, Rolle, Kurs, Fällig)."""
    with session_scope() as db:
        org = db.scalar(select(Organisation).where(Organisation.slug == org_slug))
        if org is None:
            raise click.ClickException(f"Unknown organisation {org_slug!r}.")
        data = file.read_bytes()
        try:
            plan = services.preview(db, org, data, file.name, actor_id=None, deactivate_missing=deactivate_missing)
        except ImportFileError as exc:
            raise click.ClickException(str(exc)) from exc
        _print_plan(plan)
        if not plan.ok:
            raise click.ClickException("The file has rows with errors; nothing was imported.")
        if dry_run:
            click.echo("Dry run: nothing was changed.")
            return
        outcome = services.run_import(db, org, None, plan, filename=file.name, send_mail=not no_mail)
    for email, link in outcome.links:
        click.echo(f"{email}\t{link}")
    click.echo("Imported.")


def _print_plan(plan) -> None:
    for row in plan.rows:
        if row.action != "unchanged":
            detail = "; ".join(str(reason) for reason in row.reasons)
            click.echo(f"{row.line:>6}  {row.action:<{ACTION_WIDTH}} {row.email}  {detail}")
    for user in plan.deactivate:
        click.echo(f"{'':>6}  {'deactivate':<{ACTION_WIDTH}} {user.email}")
    counts = plan.counts
    click.echo(", ".join(f"{name}: {counts[name]}" for name in ("create", "update", "unchanged", "error",
                                                                 "deactivate")))
