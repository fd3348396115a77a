"""Two-factor sign-in (django-otp): an authenticator app (TOTP) and single-use recovery codes.

Required of the roles in settings.OTP_REQUIRED_ROLES (and staff) when settings.OTP_REQUIRED is on,
offered to everyone. A user has at most one authenticator and one set of recovery codes. Every
step is audited (accounts.AuditEntry).
"""

from __future__ import annotations

import base64
import secrets

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry, User
from accounts.signin import signin_audit

AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"


def second_factor_required(user: User) -> bool:
    """Whether this user may not use the site before setting up two-factor sign-in."""
    if not settings.OTP_REQUIRED or not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or user.role in settings.OTP_REQUIRED_ROLES)


def authenticator_get(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def authenticator_pending(*, user: User) -> TOTPDevice:
    """The user's authenticator being set up (unconfirmed), created on first call. Its key is new
    each time the user starts again after confirming none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


def authenticator_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as a QR code image (SVG data URI: no inline markup, allowed by CSP)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def authenticator_secret(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, for typing into an app by hand."""
    raw = base64.b32encode(device.bin_key).decode()
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _new_recovery_codes(*, user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY, defaults={"confirmed": True})
    device.token_set.all().delete()
    # 80 bits each, shown as xxxx-xxxx-xxxx-xxxx; stored as typed without the dashes.
    codes = [base64.b32encode(secrets.token_bytes(10)).decode().lower() for _i in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return ["-".join(code[i : i + 4] for i in range(0, 16, 4)) for code in codes]


def authenticator_confirm(*, user: User, code: str, request=None) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code from the app; returns it and new recovery
    codes (shown once). Raises ValidationError if the code is wrong (the refusal stays audited)."""
    device = authenticator_pending(user=user)
    if not device.verify_token(_clean(code)):
        signin_audit(
            action=AuditEntry.Action.SECOND_FACTOR_FAILED,
            user=user,
            summary=f"{user.username} typed a wrong code while setting up an authenticator",
            request=request,
        )
        raise ValidationError({"code": [_("This code is not the one your app shows now. Try the next one.")]})
    with transaction.atomic():
        return _authenticator_confirmed(user=user, device=device, request=request)


def _authenticator_confirmed(*, user: User, device: TOTPDevice, request) -> tuple[TOTPDevice, list[str]]:
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    codes = _new_recovery_codes(user=user)
    signin_audit(
        action=AuditEntry.Action.SECOND_FACTOR_ENROLLED,
        user=user,
        summary=f"{user.username} set up two-factor sign-in",
        request=request,
    )
    signin_audit(
        action=AuditEntry.Action.RECOVERY_CODES_CREATED,
        user=user,
        summary=f"{user.username} received {len(codes)} new recovery codes",
        request=request,
    )
    return device, codes


@transaction.atomic
def recovery_codes_renew(*, user: User, request=None) -> list[str]:
    """New recovery codes for a user with an authenticator; the old ones stop working."""
    if authenticator_get(user=user) is None:
        raise ValidationError(_("Set up an authenticator app first."))
    codes = _new_recovery_codes(user=user)
    signin_audit(
        action=AuditEntry.Action.RECOVERY_CODES_CREATED,
        user=user,
        summary=f"{user.username} replaced their recovery codes",
        request=request,
    )
    return codes


@transaction.atomic
def second_factor_remove(*, user: User, request=None) -> None:
    """Remove the user's authenticator and recovery codes (not allowed where it is required)."""
    if second_factor_required(user):
        raise ValidationError(_("Your role requires two-factor sign-in: you can replace the app, not remove it."))
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    signin_audit(
        action=AuditEntry.Action.SECOND_FACTOR_REMOVED,
        user=user,
        summary=f"{user.username} removed two-factor sign-in",
        request=request,
    )


def _clean(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def second_factor_check(*, user: User, code: str, request=None):
    """The device that accepts `code` (an app code or an unused recovery code, which is then used
    up), or None. Both kinds of device slow down repeated failures (django-otp's throttling)."""
    device = match_token(user, _clean(code))
    if device is None:
        signin_audit(
            action=AuditEntry.Action.SECOND_FACTOR_FAILED,
            user=user,
            summary=f"{user.username} typed a wrong second-factor code",
            request=request,
        )
        return None
    used_recovery = isinstance(device, StaticDevice)
    signin_audit(
        action=AuditEntry.Action.SECOND_FACTOR_VERIFIED,
        user=user,
        summary=f"{user.username} confirmed their sign-in"
        + (f" with a recovery code ({device.token_set.count()} left)" if used_recovery else ""),
        request=request,
        recovery_code=used_recovery,
    )
    return device
