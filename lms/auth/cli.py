"""CLI: demo data and user management."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from .. import extension
from ..db import session_scope
from . import services
from .models import Organisation, User

demo_cli = AppGroup("demo", help="Demo data.")
users_cli = AppGroup("users", help="User management.")

DEMO_ORGS = [
    ("Muster GmbH", "muster", [
        ("admin@muster.example", "Anna Admin", "admin", "Geschäftsführung", "demo-admin-2026"),
        ("trainer@muster.example", "Tom Trainer", "trainer", "Marketing", "demo-trainer-2026"),
        ("lena@muster.example", "Lena Lernend", "learner", "Marketing", "demo-learner-2026"),
        ("jonas@muster.example", "Jonas Jünger", "learner", "Vertrieb", "demo-learner-2026"),
    ]),
    ("Beispiel AG", "beispiel", [
        ("trainer@beispiel.example", "Bea Beispiel", "trainer", "Personal", "demo-trainer-2026"),
        ("kim@beispiel.example", "Kim Kunde", "learner", "Service", "demo-learner-2026"),
    ]),
]


def load_demo(db) -> list[tuple[str, str, str, str]]:
    """Create the demo organisations and users unless they exist; return (org, role, email, password) rows."""
    logins = []
    for org_name, slug, people in DEMO_ORGS:
        org = db.scalar(select(Organisation).where(Organisation.slug == slug))
        if org is None:
            org = services.create_organisation(db, org_name, slug)
        for email, name, role, department, password in people:
            if db.scalar(select(User.id).where(User.email == email)) is None:
                services.create_user(db, org, email=email, name=name, password=password, role=role,
                                     department=department)
            logins.append((org_name, role, email, password))
    return logins


@demo_cli.command("load")
def demo_load():
    """Load demo organisations and users (idempotent) and print the logins."""
    with session_scope() as db:
        logins = load_demo(db)
        # Other packages add demo content (e.g. course progress) without auth importing them.
        for loader in extension.hooks("demo_loaders"):
            loader(db)
    click.echo("Demo logins:")
    for org, role, email, password in logins:
        click.echo(f"  {org:<12} {role:<8} {email:<28} {password}")


@users_cli.command("create")
@click.option("--org", "org_slug", required=True, help="Organisation slug (created if missing).")
@click.option("--org-name", default=None, help="Name for a new organisation.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["learner", "trainer", "admin"]), default="learner")
@click.password_option()
def users_create(org_slug, org_name, email, name, role, password):
    """Create a user (and the organisation if it does not exist)."""
    with session_scope() as db:
        org = db.scalar(select(Organisation).where(Organisation.slug == org_slug))
        if org is None:
            org = services.create_organisation(db, org_name or org_slug, org_slug)
        try:
            services.check_new_password(email, name, password)
            services.create_user(db, org, email=email, name=name, password=password, role=role)
        except services.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {role} {email} in {org_slug}.")
