"""DRF authentication by personal API token, the scope check, and the per-token throttle.

Clients send `Authorization: Bearer vrs_<prefix>_<secret>`. A read-only token may use safe methods
(GET, HEAD, OPTIONS) only.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.throttling import UserRateThrottle

from accounts.api_tokens import TokenRejected, api_token_authenticate
from accounts.models import ApiToken

KEYWORD = b"bearer"


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, detail: str, wait: int | None):
        super().__init__(detail)
        self.wait = wait


def client_ip(request) -> str:
    """The client's address, which sign-in failures are counted against and the audit log records.

    REMOTE_ADDR, unless settings.TRUSTED_PROXY_COUNT says how many reverse proxies of our own stand
    in front: then the address the outermost of them appended to X-Forwarded-For. Addresses to the
    left of it are written by the client, and trusting them would let an attacker choose the address
    its failures count against; with no proxy counted, the header is ignored altogether.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _audit_rejection(request, rejected: TokenRejected, raw: str) -> None:
    # Every failed API sign-in is audited like the site's (docs/security.md); only the token's
    # public prefix is kept, never its secret.
    from accounts.models import AuditEntry, User
    from accounts.signin import signin_audit

    parts = raw.split("_", 2)
    prefix = parts[1][:12] if len(parts) == 3 else ""
    token = ApiToken.objects.filter(prefix=prefix).only("user_id").first() if prefix else None
    user = User.objects.filter(pk=token.user_id).first() if token else None
    signin_audit(
        action=AuditEntry.Action.API_TOKEN_REJECTED,
        user=user,
        summary=f"API token {prefix or '(malformed)'} refused: {rejected.code}",
        request=request,
        code=rejected.code,
        prefix=prefix,
    )


def _audit_lock(request, until) -> None:
    from accounts.models import AuditEntry
    from accounts.signin import signin_audit

    address = client_ip(request)
    signin_audit(
        action=AuditEntry.Action.LOCKED_OUT,
        user=None,
        summary=f"API sign-in from {address}: failing tokens refused until {until:%Y-%m-%d %H:%M} UTC",
        request=request,
        until=until.isoformat(),
    )


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; request.auth is the ApiToken."""

    def authenticate(self, request: Request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Give the token after “Bearer ”, with no spaces in it."), code="invalid_header"
            )
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This API token is not valid."), code="invalid_token") from error
        try:
            token = api_token_authenticate(raw=raw, client_ip=client_ip(request))
        except TokenRejected as rejected:
            _audit_rejection(request, rejected, raw)
            if rejected.lock_until is not None:
                _audit_lock(request, rejected.lock_until)
            if rejected.code == "locked_out":
                raise LockedOut(rejected.message, rejected.retry_after) from rejected
            raise exceptions.AuthenticationFailed(rejected.message, code=rejected.code) from rejected
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TokenScopeAllows(BasePermission):
    """A read-only token reads; writing needs a read-and-write token (session users are not limited)."""

    message = _("This API token is read only: create a read-and-write token to change data.")
    code = "token_read_only"

    def has_permission(self, request: Request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.scope == ApiToken.Scope.READ:
            return request.method in SAFE_METHODS
        return True


class TokenOrUserRateThrottle(UserRateThrottle):
    """One budget per token (each national system its own), or per user for the site's session."""

    scope = "user"

    def get_cache_key(self, request: Request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": f"token-{request.auth.pk}"}
        return super().get_cache_key(request, view)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "vrs_<prefix>_<secret>",
            "description": (
                "A personal API token created on the site (Account → API tokens). It is shown once; "
                "read-only tokens may only use GET. Repeated failures from one address refuse that "
                "address's failing attempts for a while (429 with Retry-After); valid tokens keep working."
            ),
        }
