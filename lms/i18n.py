"""Translations: German first (the message ids are German), English second."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_babel import Babel, get_locale, get_translations, gettext, lazy_gettext
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from .resources import package_path

_l = lazy_gettext


def select_locale() -> str:
    """The user's saved language, else the browser's best match among the supported ones."""
    languages = current_app.config["LANGUAGES"]
    user = current_user._get_current_object() if request else None
    if getattr(user, "is_authenticated", False) and user.locale in languages:
        return user.locale
    chosen = request.cookies.get("lms_lang") if request else None
    if chosen in languages:
        return chosen
    if request:
        return request.accept_languages.best_match(languages) or languages[0]
    return languages[0]


def _babel_context():
    """Flask-Babel's per-request namespace on g, or None (one look-up instead of two through the g proxy)."""
    try:
        return g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:  # no app context
        return None


def locale_code() -> str:
    """The current locale as a string ("de" without one), remembered per request and locale like the
    translations (templates ask for it a dozen times per page; force_locale still switches it)."""
    ctx = _babel_context()
    locale = getattr(ctx, "babel_locale", None)
    remembered = getattr(ctx, "lms_locale_code", None)
    if remembered is not None and locale is not None and remembered[0] is locale:
        return remembered[1]
    code = str(get_locale() or "de")
    ctx = _babel_context()  # Flask-Babel creates its context on first use
    locale = getattr(ctx, "babel_locale", None)
    if ctx is not None and locale is not None:
        ctx.lms_locale_code = (locale, code)
    return code


def localized(value, locale: str | None = None) -> str:
    """Pick the current language from a {de:…, en:…} mapping, falling back to German."""
    if isinstance(value, str) or value is None:
        return value or ""
    lang = locale or locale_code()
    return value.get(lang) or value.get("de") or next(iter(value.values()), "")


def _translations():
    """Flask-Babel's translations for the current locale, remembered for the rest of the request.

    Templates call gettext dozens of times per page; Flask-Babel looks up its context, domain and locale on every
    call. The remembered object is only used while the locale is the same one (force_locale switches it).
    """
    ctx = _babel_context()
    locale = getattr(ctx, "babel_locale", None)
    remembered = getattr(ctx, "lms_translations", None)
    if remembered is not None and locale is not None and remembered[0] is locale:
        return remembered[1]
    translations = get_translations()
    ctx = _babel_context()  # Flask-Babel creates its context on first use
    locale = getattr(ctx, "babel_locale", None)
    if ctx is not None and locale is not None:
        ctx.lms_translations = (locale, translations)
    return translations



def _(string: str, **variables) -> str:
    """gettext: Flask-Babel's, with the translations looked up once per request (see _translations)."""
    if not g:
        return gettext(string, **variables)
    text = _translations().ugettext(string)
    return text % variables if variables else text


@pass_context
def _template_gettext(__context, __string: str, **variables):
    """Templates' _() and gettext(): Jinja's newstyle gettext (escaped when the template autoescapes, always
    %-formatted) in one call; Jinja's own `_` goes through two context calls and a name look-up per message.
    The parameters are named as Jinja names them, so a placeholder called "string" or "context" still works."""
    text = _translations().ugettext(__string)
    if __context.eval_ctx.autoescape:
        text = Markup(text)
        if not variables and "%" not in text:
            return text  # what `% {}` returns, without Markup's escaping formatter
    return text % variables


def init_app(app: Flask) -> None:
    """Install Flask-Babel with our locale selector and the translations folder in the package."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(package_path("translations")))
    from .localtime import organisation_timezone

    Babel(app, locale_selector=select_locale, timezone_selector=organisation_timezone)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n), newstyle=True)
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = _template_gettext
    app.jinja_env.globals["localized"] = localized
    from .courses.markdown import render_inline

    app.jinja_env.globals["render_inline"] = lambda text: Markup(render_inline(text or ""))
    app.jinja_env.globals["current_locale"] = locale_code
