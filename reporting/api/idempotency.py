"""Safe writes: the Idempotency-Key header on creating requests, and optimistic locking.

Idempotency: every creating request sends the key (the workflow steps of returns, submit, nil and
reopen, may: `required=False`). The first request with a key stores its answer in the same transaction as the record
it creates, under a unique (user, key) constraint. A retry gets that answer again (header
`Idempotent-Replayed: true`) and creates nothing; a request racing the first one waits on the
unique index and then replays. The same key with a different body answers 422. A request that
fails leaves no key behind, so the client may fix it and retry with the same key.

Locking: every record carries `version`; its ETag is `"<version>"`. A change must send If-Match
with that ETag (a stale one answers 412) or the `version` it read in the body (a stale one answers
409); with neither it answers 428. The services check the version under a row lock, so a stale
write changes nothing.
"""

import functools
import hashlib
import json

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import IdempotencyKey
from reporting.api.errors import Conflict, PreconditionRequired, Unprocessable

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=True,
    type={"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    description=(
        "A unique value per intended creation (e.g. a UUID), at most 255 characters. Retrying with the "
        "same key returns the first answer and creates nothing more; the same key with a different "
        "body answers 422."
    ),
)
IF_MATCH_PARAMETER = OpenApiParameter(
    name="If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description=(
        'The record\'s ETag (e.g. "3") as last read. A stale value answers 412 and changes nothing. '
        "Either this header or the `version` field in the body is required."
    ),
)


def _fingerprint(request: Request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    except TypeError:
        body = repr(request.data)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


@functools.cache
def _claim_sql(vendor: str) -> str:
    """`INSERT … ON CONFLICT DO NOTHING RETURNING id` (PostgreSQL and SQLite alike), written once."""
    meta = IdempotencyKey._meta
    quote = connection.ops.quote_name
    columns = ("user", "key", "method", "path", "fingerprint", "response_headers", "created_at")
    unique = next(c for c in meta.constraints if c.name == "idempotency_unique_user_key")
    target = ", ".join(quote(meta.get_field(name).column) for name in unique.fields)
    listed = ", ".join(quote(meta.get_field(name).column) for name in columns)
    values = ", ".join(["%s"] * len(columns))
    # Only names from the model, quoted; the values go in as parameters.
    return (
        f"INSERT INTO {quote(meta.db_table)} ({listed}) VALUES ({values}) "  # noqa: S608
        f"ON CONFLICT ({target}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )


def _claim(*, user_id: int, key: str, method: str, path: str, fingerprint: str) -> int | None:
    """Take the key for this request: its row's id, or None when a request with the same key was
    committed first. One statement and no savepoint: on a conflict with a request still running,
    the database waits for that one to end (then takes the key if it failed)."""
    field = IdempotencyKey._meta.get_field
    headers = field("response_headers").get_db_prep_save({}, connection)
    now = field("created_at").get_db_prep_save(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(connection.vendor), [user_id, key, method, path, fingerprint, headers, now])
        row = cursor.fetchone()
    return row[0] if row else None


def _replay(request: Request, *, key: str, fingerprint: str) -> Response:
    record = IdempotencyKey.objects.get(user=request.user, key=key)
    if record.fingerprint != fingerprint:
        raise Unprocessable(
            _("This Idempotency-Key was already used for a different request; use a new key."),
            code="idempotency_key_reused",
        )
    if record.status_code is None:
        raise Conflict(
            _("A request with this Idempotency-Key is still being processed; retry shortly."),
            code="idempotency_in_progress",
        )
    response = Response(record.response_body, status=record.status_code, headers=record.response_headers)
    response["Idempotent-Replayed"] = "true"
    return response


IDEMPOTENCY_OPTIONAL_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    type={"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    description=(
        "Optional: a unique value per intended step (e.g. a UUID), at most 255 characters. Retrying "
        "with the same key returns the first answer and does nothing more (without one, a retry of a "
        "step already taken answers 400); the same key with a different request answers 422."
    ),
)


def idempotent(handler=None, *, required: bool = True):
    """Decorate a view's creating method: requires the header (unless `required=False`: then a
    request without it is simply handled) and replays the first answer."""
    if handler is None:
        return functools.partial(idempotent, required=required)

    @functools.wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key and not required and HEADER not in request.headers:
            return handler(view, request, *args, **kwargs)
        if not key:
            raise exceptions.ValidationError(
                {HEADER: [exceptions.ErrorDetail(_("Send an Idempotency-Key header with a unique value."), "required")]}
            )
        if len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError(
                {HEADER: [exceptions.ErrorDetail(_("The Idempotency-Key is longer than 255 characters."), "too_long")]}
            )
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            claimed = _claim(
                user_id=request.user.pk, key=key, method=request.method, path=request.path, fingerprint=fingerprint
            )
            if claimed is None:
                return _replay(request, key=key, fingerprint=fingerprint)
            response = handler(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                headers = {name: response[name] for name in ("Location", "ETag") if response.has_header(name)}
                IdempotencyKey.objects.filter(pk=claimed).update(
                    status_code=response.status_code, response_body=response.data, response_headers=headers
                )
            else:
                transaction.set_rollback(True)
            return response

    return wrapper


def etag_for(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request) -> tuple[int, str]:
    """The version the client read, and how it said so ("if-match" or "body"); 428 with neither."""
    header = request.headers.get("If-Match", "").strip()
    if header:
        value = header.removeprefix("W/").strip('"')
        if not value.isdigit():
            raise exceptions.ValidationError(
                {"If-Match": [exceptions.ErrorDetail(_('If-Match must be the record\'s ETag, e.g. "3".'), "invalid")]}
            )
        return int(value), "if-match"
    data = request.data if isinstance(request.data, dict) else {}
    version = data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > 0:
        return version, "body"
    if version is not None:
        raise exceptions.ValidationError(
            {"version": [exceptions.ErrorDetail(_("The version must be a positive whole number."), "invalid")]}
        )
    raise PreconditionRequired(
        _("Send If-Match with the record's ETag, or the version you read, so that no one else's change is overwritten.")
    )
