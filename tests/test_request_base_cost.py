"""Per-request base cost: the app remembers which hooks and views are plain functions (lms/__init__.py _App)."""
def test_request_base_cost_plain_functions_remembered(app):
    """A plain function is returned as is and remembered, so Flask's inspect check runs once for it."""
    def view():
        return "ok"

    assert app.ensure_sync(view) is view
    assert view in app._lms_sync
    assert app.ensure_sync(view) is view


def test_request_base_cost_memory_is_bounded(app, monkeypatch):
    """Per-request callbacks are new functions each time: the memory is emptied when it reaches its limit."""
    monkeypatch.setattr(type(app), "sync_limit", 3)
    for _ in range(10):
        app.ensure_sync(lambda: None)
    assert len(app._lms_sync) <= 3


def test_request_base_cost_coroutine_functions_still_wrapped(app):
    """An async function is still handed to Flask's async support (wrapped, or refused without asgiref), never
    remembered as plain."""
    async def view():
        return "ok"

    try:
        wrapped = app.ensure_sync(view)
    except RuntimeError:  # Flask without its async extra refuses async views, as before
        wrapped = None
    assert wrapped is not view and view not in app.__dict__.get("_lms_sync", set())


def test_request_base_cost_templates_share_the_environment_globals(app):
    """A template loaded without globals of its own reads the environment's globals dict itself (no ChainMap
    copied per render), and a global added later is still seen; one loaded with its own globals keeps them apart."""
    from collections import ChainMap

    template = app.jinja_env.from_string("{{ later_global() }}")
    assert template.globals is app.jinja_env.globals
    app.jinja_env.globals["later_global"] = lambda: "seen"
    with app.test_request_context("/"):
        assert template.render() == "seen"
    own = app.jinja_env.from_string("{{ mine }}", globals={"mine": "x"})
    assert isinstance(own.globals, ChainMap) and "mine" not in app.jinja_env.globals


def test_request_base_cost_template_gettext_escapes_like_jinja(app):
    """Templates' _() translates in the current language, escapes its variables in HTML templates and not in
    text ones, and always %-formats (as Jinja's newstyle gettext)."""
    from flask_babel import force_locale

    html = app.jinja_env.from_string("{{ _('Sprache') }}|{{ _('x %(v)s', v='<b>') }}|{{ gettext('100 %%') }}")
    text = app.jinja_env.from_string("{% autoescape false %}{{ _('x %(v)s', v='<b>') }}{% endautoescape %}")
    with app.test_request_context("/"):
        assert html.render() == "Sprache|x &lt;b&gt;|100 %"
        assert text.render() == "x <b>"
        with force_locale("en"):
            assert html.render().startswith("Language|")


def _organisations(connection_or_session) -> int:
    from sqlalchemy import text

    return connection_or_session.execute(text("SELECT count(*) FROM organisations")).scalar()


def test_request_base_cost_read_request_core_and_orm_share_one_transaction(app):
    """In a GET, Core reads (read_connection) and the session use one connection and one transaction: on SQLite
    an organisation another connection commits after the first read is seen by neither (one snapshot; PostgreSQL's
    READ COMMITTED shows each statement what was committed before it, as it did before)."""
    from lms.auth import services as auth
    from lms.db import get_session, read_connection

    with app.test_request_context("/healthz"):
        app.preprocess_request()
        db = get_session()
        connection = read_connection(db)
        before = _organisations(connection)
        other = app.extensions["lms_db"][1]()
        auth.create_organisation(other, "Elsewhere GmbH", "elsewhere")
        other.commit()
        other.close()
        if connection.dialect.name == "sqlite":
            assert _organisations(db) == before and _organisations(connection) == before
        assert db.connection() is connection and connection.in_transaction()
    with app.test_request_context("/healthz"):
        app.preprocess_request()
        assert _organisations(read_connection(get_session())) == before + 1


def test_request_base_cost_read_request_ends_its_transaction(app, client):
    """A GET that reads only through Core returns its connection to the pool with no transaction open, and a
    request that may write still gets a session with a connection of its own."""
    from lms.db import get_session, read_connection, write_intent

    engine = app.extensions["lms_db"][0]
    assert client.get("/healthz").status_code == 200
    assert engine.pool.checkedout() == 0
    with app.test_request_context("/healthz", method="POST"):
        token = write_intent.set(True)
        try:
            db = get_session()
            assert read_connection(db) is db.connection() and db.get_bind() is engine
        finally:
            write_intent.reset(token)


def test_request_base_cost_template_gettext_placeholders_named_like_parameters(app):
    """Placeholders called string or context are passed through like any other (as in Jinja's gettext)."""
    template = app.jinja_env.from_string("{{ _('%(string)s/%(context)s', string='a', context='b') }}")
    with app.test_request_context("/"):
        assert template.render() == "a/b"
