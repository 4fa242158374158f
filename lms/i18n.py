"""Translations: German first (the message ids are German), English second."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import Babel, get_locale, gettext, lazy_gettext
from flask_login import current_user

from .resources import package_path

_ = gettext
_l = lazy_gettext


def select_locale() -> str:
    """The user's saved language, else the browser's best match among the supported ones."""
    languages = current_app.config["LANGUAGES"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get("lms_lang") if request else None
    if chosen in languages:
        return chosen
    if request:
        return request.accept_languages.best_match(languages) or languages[0]
    return languages[0]


def localized(value, locale: str | None = None) -> str:
    """Pick the current language from a {de:…, en:…} mapping, falling back to German."""
    if isinstance(value, str) or value is None:
        return value or ""
    lang = locale or str(get_locale() or "de")
    return value.get(lang) or value.get("de") or next(iter(value.values()), "")


def init_app(app: Flask) -> None:
    """Install Flask-Babel with our locale selector and the translations folder in the package."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(package_path("translations")))
    from .localtime import organisation_timezone

    Babel(app, locale_selector=select_locale, timezone_selector=organisation_timezone)
    app.jinja_env.globals["localized"] = localized
    from markupsafe import Markup

    from .courses.markdown import render_inline

    app.jinja_env.globals["render_inline"] = lambda text: Markup(render_inline(text or ""))
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "de")
