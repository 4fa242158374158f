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
