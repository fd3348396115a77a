"""Personal API tokens: create, revoke, and check one presented by a client (with lockout).

A token reads `vrs_<prefix>_<secret>`. Only the prefix (to find the row) and a SHA-256 hash of the
secret are stored: the secret has 256 bits of randomness, so a fast hash is enough and a leaked
database reveals no usable token. The plaintext is returned once, by `api_token_create`.

A right token is never refused by a lock: the secret cannot be guessed (256 bits), so wrong secrets
sent with a token's prefix are refused and audited, and lock nothing (else anyone who saw a prefix
in a list could lock that token for its owner). A client address with `API_LOCKOUT_FAILURES`
failed attempts within `API_LOCKOUT_WINDOW` is locked for its failing attempts only: they answer
429 with Retry-After, for `API_LOCKOUT_DURATION` seconds, doubled at each lock that follows within
a day (at most a day), while valid tokens sent from the same address (a ministry behind one NAT)
go on working. The counters live in PostgreSQL, so every web process sees the same lock.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, AuthLockout, User

TOKEN_TAG = "vrs"  # noqa: S105 - the public tag every token starts with, not a secret
MAX_LIFETIME_DAYS = 366
# Writing last_used_at on every request would make each API call a write; once a minute is enough
# to tell a focal point whether a token is still in use.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
MAX_LOCK = dt.timedelta(days=1)  # the longest an address is locked, however often it fails


class TokenRejected(Exception):
    """A presented token is not accepted; `message` says why in words a user understands."""

    def __init__(
        self, message: str, *, code: str, retry_after: int | None = None, lock_until: dt.datetime | None = None
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after
        self.lock_until = lock_until  # set when this failure started a lock (to be audited)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _lockout_settings() -> tuple[int, dt.timedelta, dt.timedelta]:
    return (
        settings.API_LOCKOUT_FAILURES,
        dt.timedelta(seconds=settings.API_LOCKOUT_WINDOW),
        dt.timedelta(seconds=settings.API_LOCKOUT_DURATION),
    )


def api_token_problems(*, user: User, name: str, scope: str, expires_on: dt.date | None) -> dict[str, list]:
    """Every reason a token with these values cannot be created ({field: [message]}); empty if none.
    The tokens page asks it too, so a form shows every problem at once."""
    errors: dict[str, list] = {}
    today = timezone.localdate()
    if not (name or "").strip():
        errors.setdefault("name", []).append(_("Give the token a name, e.g. what it is for."))
    if scope not in ApiToken.Scope.values:
        errors.setdefault("scope", []).append(_("Choose read only, or read and write."))
    if expires_on is not None and expires_on <= today:
        errors.setdefault("expires_on", []).append(_("The expiry date must be after today."))
    elif expires_on is not None and expires_on > today + dt.timedelta(days=MAX_LIFETIME_DAYS):
        errors.setdefault("expires_on", []).append(
            _("A token can live at most %(days)d days; create a new one when it expires.") % {"days": MAX_LIFETIME_DAYS}
        )
    if not user.is_active:
        errors.setdefault("__all__", []).append(_("This account is disabled."))
    return errors


@transaction.atomic
def api_token_create(*, user: User, name: str, scope: str, expires_on: dt.date) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the plaintext, which is never available again."""
    errors = api_token_problems(user=user, name=name, scope=scope, expires_on=expires_on)
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name.strip(), prefix=prefix, secret_hash=_hash(secret), scope=scope, expires_on=expires_on
    )
    token.full_clean()
    token.save()
    return token, f"{TOKEN_TAG}_{prefix}_{secret}"


def api_token_revoke(*, token: ApiToken, revoked_by: User) -> ApiToken:
    """Revoke a token at once. Only its owner revokes it (callers look it up among the user's tokens)."""
    if token.user_id != revoked_by.pk:
        raise PermissionError("a token is revoked by its owner")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def _parse(raw: str) -> tuple[str, str] | None:
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_TAG or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def _locked_until(keys: list[str], now: dt.datetime) -> dt.datetime | None:
    until = (
        AuthLockout.objects.filter(key__in=keys, locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
    ).first()
    return until


def _failure_record(key: str, now: dt.datetime) -> dt.datetime | None:
    """Count a failed attempt against `key`; returns the end of the lock it started, if it did."""
    limit, window, duration = _lockout_settings()
    with transaction.atomic():
        row, _created = AuthLockout.objects.select_for_update().get_or_create(
            key=key, defaults={"first_failure_at": now}
        )
        if row.first_failure_at < now - window:
            row.failures, row.first_failure_at = 0, now
        if row.locked_until is None or row.locked_until < now - MAX_LOCK:
            row.locks = 0  # a day without a lock: start again from the first delay
        row.failures += 1
        started = None
        if row.failures >= limit:
            started = row.locked_until = now + min(duration * 2**row.locks, MAX_LOCK)
            row.locks += 1
            row.failures, row.first_failure_at = 0, now
        row.save()
    return started


def _token(prefix: str) -> ApiToken | None:
    """The token with this prefix, its user, membership and participant loaded in one query."""
    token = ApiToken.objects.select_related("user__membership__participant").filter(prefix=prefix).first()
    membership = token.user.membership_or_none if token is not None else None  # loaded: no query
    if membership is not None:
        # As User.membership_or_none reads it: the read path trusts it only when read with the user.
        membership.participant_owns_records = membership.participant.owns_records if membership.participant else None
    return token


def api_token_authenticate(*, raw: str, client_ip: str) -> ApiToken:
    """The token `raw` stands for, with its user; raises TokenRejected (and counts the failure
    against the prefix and the address) when it is unknown, wrong, expired, revoked or locked."""
    now = timezone.now()
    parsed = _parse(raw.strip())
    ip_key = f"ip:{client_ip}"[:80]
    keys = [ip_key]
    token = _token(parsed[0]) if parsed else None
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(parsed[1])):
        # A lock refuses failing attempts only: a right token is never asked about it.
        until = _locked_until(keys, now)
        if until is not None:
            retry = max(1, int((until - now).total_seconds()))
            raise TokenRejected(
                _(
                    "Too many failed sign-in attempts from this address: tokens that are not valid are refused "
                    "for %(minutes)d more minute(s). Valid tokens still work."
                )
                % {"minutes": (retry + 59) // 60},
                code="locked_out",
                retry_after=retry,
            )
        started = _failure_record(ip_key, now)
        raise TokenRejected(_("This API token is not valid."), code="invalid_token", lock_until=started)
    if token.revoked_at is not None:
        raise TokenRejected(_("This API token has been revoked."), code="token_revoked")
    if token.expires_on < timezone.localdate():
        raise TokenRejected(
            _("This API token expired on %(date)s; create a new one.") % {"date": token.expires_on.isoformat()},
            code="token_expired",
        )
    if not token.user.is_active:
        raise TokenRejected(_("This account is disabled."), code="user_inactive")
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
