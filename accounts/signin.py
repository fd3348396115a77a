"""Site sign-in: the lockout backend (django-axes) and the audit of every sign-in, failure, lockout
and sign-out (docs/security.md).

The receivers are connected in AccountsConfig.ready(). They write accounts.AuditEntry rows, which
the secretariat's audit page shows under "Sign-in".
"""

from __future__ import annotations

import datetime as dt

from axes.backends import AxesStandaloneBackend
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.shortcuts import render
from django_otp import user_has_device

from accounts.api_tokens import MAX_LOCK
from accounts.authentication import client_ip
from accounts.models import AuditEntry, User

# The session remembers, from sign-in on, whether its user has a confirmed second factor, so the
# middleware needs no query per request (accounts/middleware.py).
SESSION_HAS_DEVICE = "vrs_otp_enrolled"


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check before the password is tried. Sign-ins from a request (the login page, the
    admin's) are counted and locked; `authenticate()` called by code without a request (tests'
    Client.login, management commands) has no address to count and is left to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_client_ip(request) -> str | None:
    """The address failures are counted against, the same as the API's lockout
    (accounts.authentication.client_ip: REMOTE_ADDR, or the address our own proxy saw)."""
    address = client_ip(request)
    return None if address == "unknown" else address


def lockout_cooloff(request=None) -> dt.timedelta:
    """How long a (username, address) pair stays locked: API_LOCKOUT_DURATION at the first lock,
    doubled for each further AXES_FAILURE_LIMIT failures (axes keeps counting while locked), at most
    a day."""
    failures = getattr(request, "axes_failures_since_start", 0) or 0
    locks = max(failures // settings.AXES_FAILURE_LIMIT - 1, 0)
    return min(dt.timedelta(seconds=settings.API_LOCKOUT_DURATION) * 2 ** min(locks, 10), MAX_LOCK)


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked sign-in: 429 with Retry-After, as the API's token lockout."""
    seconds = int(lockout_cooloff(request).total_seconds())
    response = render(request, "accounts/locked_out.html", {"minutes": (seconds + 59) // 60}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _request_details(request) -> dict:
    if request is None:
        return {}
    return {
        "ip": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        "path": request.path[:200],
    }


def signin_audit(*, action: str, user: User | None, summary: str, request=None, **details) -> AuditEntry:
    """One audit row about a sign-in event; `user` None when the username matched nobody."""
    return AuditEntry.objects.create(
        actor=user,
        action=action,
        summary=summary[:300],
        participant=user.participant if user is not None else None,
        subject_user=user,
        details={**_request_details(request), **details},
    )


def _user_named(username: str) -> User | None:
    return User.objects.filter(username=username).select_related("membership").first() if username else None


@receiver(user_logged_in, dispatch_uid="vrs_signed_in")
def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_HAS_DEVICE] = user_has_device(user)
    signin_audit(action=AuditEntry.Action.SIGNED_IN, user=user, summary=f"{user.username} signed in", request=request)


@receiver(user_login_failed, dispatch_uid="vrs_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # The username typed is kept (cut short): it tells a focal point whose account is being tried.
    # The password never is (Django passes it masked anyway).
    typed = str(credentials.get("username", ""))[:150]
    user = _user_named(typed)
    signin_audit(
        action=AuditEntry.Action.SIGN_IN_FAILED,
        user=user,
        summary=f"Failed sign-in as {typed!r}" + ("" if user else " (no such user)"),
        request=request,
        username=typed,
    )


@receiver(user_logged_out, dispatch_uid="vrs_signed_out")
def _signed_out(sender, request, user, **kwargs):
    if user is None:
        return
    signin_audit(action=AuditEntry.Action.SIGNED_OUT, user=user, summary=f"{user.username} signed out", request=request)


@receiver(user_locked_out, dispatch_uid="vrs_locked_out")
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    typed = str(username or "")[:150]
    signin_audit(
        action=AuditEntry.Action.LOCKED_OUT,
        user=_user_named(typed),
        summary=f"Sign-in locked for {typed!r} from {ip_address or '?'} after repeated failures",
        request=request,
        username=typed,
    )
