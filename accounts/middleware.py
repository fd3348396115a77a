"""Sign-in rules applied to every request: idle sessions end, and the second factor comes first.

IdleSessionMiddleware signs a session out after settings.SESSION_IDLE_SECONDS without a request
(SESSION_COOKIE_AGE still bounds a session's whole life). SecondFactorMiddleware keeps a signed-in
but unconfirmed session on the two-factor pages: a user with an authenticator must type a code,
and a user whose role requires one must set one up first (accounts/second_factor.py).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import info
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from accounts.models import AuditEntry
from accounts.second_factor import second_factor_required
from accounts.signin import SESSION_HAS_DEVICE, signin_audit

LAST_SEEN = "vrs_last_seen"
# Writing the session on every request would make every page view a database write; a minute's
# precision is enough for a 30-minute idle limit.
LAST_SEEN_PRECISION = 60


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > settings.SESSION_IDLE_SECONDS:
                signin_audit(
                    action=AuditEntry.Action.SESSION_EXPIRED,
                    user=user,
                    summary=f"{user.username}'s session ended after {(now - last) // 60} idle minutes",
                    request=request,
                )
                # Not logout()'s signal: this is not the user signing out.
                request.session.flush()
                request.user = AnonymousUser()
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                info(request, _("You were signed out after a while without activity. Sign in again."))
                return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
            if last is None or now - last >= LAST_SEEN_PRECISION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


def _exempt(path: str) -> bool:
    prefixes = (
        settings.STATIC_URL,
        reverse("accounts:login"),
        reverse("accounts:logout"),
        "/accounts/two-factor/",
        "/i18n/",
    )
    return path.startswith(prefixes)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified() or _exempt(request.path):
            return self.get_response(request)
        has_device = request.session.get(SESSION_HAS_DEVICE)
        if has_device is None:  # a session from before this rule: ask once, then remember
            has_device = request.session[SESSION_HAS_DEVICE] = user_has_device(user)
        if has_device:
            target, message = (
                "accounts:otp-verify",
                _("Type the code from your authenticator app to finish signing in."),
            )
        elif second_factor_required(user):
            target = "accounts:otp-setup"
            message = _("Your role requires two-factor sign-in: set it up to continue.")
        else:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"errors": [{"field": None, "code": "second_factor_required", "message": message}]}, status=403
            )
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
