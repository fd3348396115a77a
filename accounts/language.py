"""The interface language: chosen in the switcher on every page and remembered per user.

Anonymous visitors keep their choice in Django's language cookie (LocaleMiddleware reads it). A
signed-in user's choice is also saved on `User.language`, and UserLanguageMiddleware activates it on
every request, so it follows them to another browser and applies from the moment they sign in.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import formats, translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


@require_POST
def set_language(request):
    """Django's set_language (cookie, safe `next` redirect), plus the choice saved for the user."""
    response = django_set_language(request)
    code = request.POST.get("language", "")
    user = getattr(request, "user", None)
    if code in LANGUAGE_CODES and user is not None and user.is_authenticated and user.language != code:
        user.language = code
        user.save(update_fields=["language"])
    return response


class UserLanguageMiddleware:
    """After AuthenticationMiddleware: a signed-in user's saved language wins over cookie and browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        code = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if code in LANGUAGE_CODES:
            translation.activate(code)
            request.LANGUAGE_CODE = code
        response = self.get_response(request)
        if code in LANGUAGE_CODES and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != code:
            # Keep the cookie in step, so the sign-in page after signing out speaks the same language.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                code,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
        return response


# Between the items of a list in running text: Arabic writes its own comma (U+060C).
LIST_SEPARATORS = {"ar": "، "}


def list_join(items) -> str:
    """Items joined as the active language writes a list: "a, b" in English and French, "a، b" in Arabic."""
    return LIST_SEPARATORS.get(translation.get_language() or "", ", ").join(str(item) for item in items)


def month_label(month) -> str:
    """A month as people read it, in the active language: "December 2026", "décembre 2026"."""
    return formats.date_format(month, "YEAR_MONTH_FORMAT")
