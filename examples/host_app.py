"""A small host Flask app with its own user accounts and login that mounts the LMS under /lms.

Run it (from a checkout, or anywhere once the `lms` wheel is installed):

    export HOST_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    export HOST_DATA_DIR=/tmp/host-demo                  # host users and the LMS's SQLite file live here
    flask --app examples/host_app.py db upgrade          # the LMS's tables (the LMS's own `db` CLI group)
    flask --app examples/host_app.py host add-user alice@example.org "Alice Example" "a long password"
    flask --app examples/host_app.py host add-user tom@example.org "Tom Trainer" "another password" --role trainer
    flask --app examples/host_app.py run -p 5050         # then open http://127.0.0.1:5050/
    (or: python examples/host_app.py)

Sign in at /login with a host account, then follow "Learning": the LMS receives the host's user through its
identity loader (`lms.identity_loader`, see docs/plugin.md) and creates the LMS user and the organisation on the
first visit (HOST_IDENTITY_JIT), so nobody signs in twice. Signing out of the host ends the LMS session too.

Environment variables (all optional):
    HOST_SECRET_KEY     the host's SECRET_KEY (at least 32 characters; default: a random key kept in
                        $HOST_DATA_DIR/secret_key); the LMS signs its cookies with it too
    HOST_DATA_DIR       folder for host_users.sqlite3 and the default LMS database (default: ./host-instance)
    HOST_DATABASE_URL   the LMS's database (default: sqlite:///$HOST_DATA_DIR/lms.sqlite3)
    HOST_BASE_IRI       public origin of the host, used for links built outside a request (default
                        http://127.0.0.1:5050); the LMS adds its prefix itself
    HOST_LMS_PREFIX     where the LMS is mounted (default /lms)
    HOST_ORGANISATION   the LMS organisation (slug) host users belong to (default: host)

In code: `create_app(config)` returns the host app (its LMS object is `app.extensions["lms"]`); keys in `config`
override the environment (tests use it).
The host keeps its own pages: /, /login, /logout and its own 404 page; everything under /lms is the LMS.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click
from flask import Flask, abort, g, redirect, render_template_string, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from lms import LMS
from lms.auth.host import HostIdentity

HOST_USER_KEY = "host_user"

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }} – Host</title></head>
<body><header><a href="{{ url_for('home') }}">Host home</a> ·
{% if user %}{{ user['name'] }} · <a href="{{ lms_url }}">Learning</a> ·
<form method="post" action="{{ url_for('logout') }}" style="display:inline">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}"><button>Sign out</button></form>
{% else %}<a href="{{ url_for('login') }}">Sign in</a>{% endif %}</header>
<main><h1>{{ title }}</h1>{{ body }}</main></body></html>"""

LOGIN_FORM = """<form method="post">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<label>E-mail <input name="email" type="email" required></label>
<label>Password <input name="password" type="password" required></label>
<button>Sign in</button></form>{% if error %}<p role="alert">{{ error }}</p>{% endif %}"""


def _users_db(app: Flask) -> sqlite3.Connection:
    """The host's own user table (a SQLite file next to the LMS's data)."""
    conn = sqlite3.connect(app.config["HOST_USERS_DB"])
    conn.row_factory = sqlite3.Row
    conn.execute("CREATE TABLE IF NOT EXISTS host_users (email TEXT PRIMARY KEY, name TEXT NOT NULL, "
                 "password_hash TEXT NOT NULL, role TEXT NOT NULL DEFAULT 'learner')")
    return conn


def add_user(app: Flask, email: str, name: str, password: str, role: str = "learner") -> None:
    """Create or replace a host account (the password is stored hashed; role: learner, trainer or admin)."""
    with _users_db(app) as conn:
        conn.execute("INSERT OR REPLACE INTO host_users VALUES (?, ?, ?, ?)",
                     (email.strip().lower(), name, generate_password_hash(password), role))


def host_user(app: Flask) -> sqlite3.Row | None:
    """The host account signed in to this request, or None."""
    email = session.get(HOST_USER_KEY)
    if not email:
        return None
    with _users_db(app) as conn:
        return conn.execute("SELECT * FROM host_users WHERE email = ?", (email,)).fetchone()


def _settings(config: dict | None) -> dict:
    data_dir = Path(os.environ.get("HOST_DATA_DIR", "host-instance")).resolve()
    settings = {
        "SECRET_KEY": os.environ.get("HOST_SECRET_KEY", ""),
        "HOST_DATA_DIR": str(data_dir),
        "DATABASE_URL": os.environ.get("HOST_DATABASE_URL", f"sqlite:///{data_dir / 'lms.sqlite3'}"),
        "BASE_IRI": os.environ.get("HOST_BASE_IRI", "http://127.0.0.1:5050"),
        "HOST_LMS_PREFIX": os.environ.get("HOST_LMS_PREFIX", "/lms"),
        "HOST_ORGANISATION": os.environ.get("HOST_ORGANISATION", "host"),
        # The LMS's host-identity settings: create LMS users (and the organisation) on first visit, and keep the
        # host's own session key when the LMS starts or ends its session.
        "HOST_IDENTITY_JIT": True,
        "HOST_SESSION_KEYS": [HOST_USER_KEY],
    }
    settings.update(config or {})
    settings.setdefault("HOST_USERS_DB", str(Path(settings["HOST_DATA_DIR"]) / "host_users.sqlite3"))
    return settings


def create_app(config: dict | None = None) -> Flask:
    """The host app: its own accounts and pages, the LMS mounted under HOST_LMS_PREFIX."""
    app = Flask(__name__, instance_path=_settings(config)["HOST_DATA_DIR"])
    app.config.update(_settings(config))
    Path(app.config["HOST_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = None  # the LMS then uses a random key kept in the instance folder
    _register_pages(app)
    lms = LMS(app, url_prefix=app.config["HOST_LMS_PREFIX"])

    @lms.identity_loader
    def current_host_identity():
        """The host's signed-in account as the LMS sees it (None: nobody is signed in to the host)."""
        user = host_user(app)
        if user is None:
            return None
        return HostIdentity(email=user["email"], name=user["name"], organisation=app.config["HOST_ORGANISATION"],
                            organisation_name="Host organisation", role=user["role"])

    _register_cli(app)
    return app


def _render(title: str, body: str = "", status: int = 200, **values):
    from markupsafe import Markup

    user = g.get("host_user")
    lms_url = url_for("lms.home")
    return render_template_string(PAGE, title=title, body=Markup(render_template_string(body, **values)),
                                  user=user, lms_url=lms_url), status


def _register_pages(app: Flask) -> None:
    @app.before_request
    def _load_host_user():
        g.host_user = host_user(app)

    @app.route("/")
    def home():
        return _render("Welcome", "<p>This is the host app. The LMS lives under {{ prefix }}.</p>",
                       prefix=app.config["HOST_LMS_PREFIX"])

    @app.route("/login", methods=["GET", "POST"])
    def login():
        error = None
        if request.method == "POST":
            with _users_db(app) as conn:
                row = conn.execute("SELECT * FROM host_users WHERE email = ?",
                                   (request.form.get("email", "").strip().lower(),)).fetchone()
            if row is not None and check_password_hash(row["password_hash"], request.form.get("password", "")):
                session.clear()
                session[HOST_USER_KEY] = row["email"]
                return redirect(request.args.get("next") or url_for("home"))
            error = "Wrong e-mail or password."
        return _render("Sign in", LOGIN_FORM, 200 if error is None else 401, error=error)

    @app.route("/logout", methods=["POST"])
    def logout():
        session.clear()
        return redirect(url_for("home"))

    @app.route("/private")
    def private():
        if g.host_user is None:
            abort(403)
        return _render("Private", "<p>Only for signed-in host users.</p>")

    @app.errorhandler(404)
    def host_not_found(_exc):
        return _render("Host: page not found", "<p>The host app has no such page.</p>", 404)


def _register_cli(app: Flask) -> None:
    @app.cli.group("host")
    def host_cli():
        """The host app's own accounts."""

    @host_cli.command("add-user")
    @click.argument("email")
    @click.argument("name")
    @click.argument("password")
    @click.option("--role", type=click.Choice(["learner", "trainer", "admin"]), default="learner")
    def add_user_command(email, name, password, role):
        """Create or replace a host account."""
        add_user(app, email, name, password, role)
        click.echo(f"host user {email} saved")


if __name__ == "__main__":  # python examples/host_app.py: the development server on 127.0.0.1:5050
    create_app().run(host="127.0.0.1", port=5050)
