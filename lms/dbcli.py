"""CLI: database migrations (flask --app lms db upgrade | revision)."""
from __future__ import annotations

import click
from alembic import command
from flask import current_app
from flask.cli import AppGroup

from .migrations import alembic_config, upgrade

db_cli = AppGroup("db", help="Database schema (Alembic).")


@db_cli.command("upgrade")
def db_upgrade():
    """Create or migrate the database to the newest schema."""
    upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--head", default="head")
@click.option("--branch-label", default=None)
@click.option("--depends-on", default=None)
def db_revision(message: str, head: str, branch_label: str | None, depends_on: str | None):
    """Autogenerate a migration from the models."""
    command.revision(alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True,
                     head=head, branch_label=branch_label, depends_on=depends_on)
