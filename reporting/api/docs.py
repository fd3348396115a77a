"""Reusable OpenAPI pieces: the error responses every operation may give, and page wrappers."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from reporting.api.errors import ErrorSerializer


def error(description: str, code: str, message: str, field: str | None = None) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[OpenApiExample(code, value={"errors": [{"field": field, "code": code, "message": message}]})],
    )


UNAUTHENTICATED = error(
    "No valid credentials: sign in, or send `Authorization: Bearer <token>`.",
    "not_authenticated",
    "Authentication credentials were not provided.",
)
FORBIDDEN = error(
    "Your role (or a read-only token) does not allow this action on a record you can see.",
    "permission_denied",
    "You do not have permission to perform this action.",
)
NOT_FOUND = error(
    "No such record, or one the reciprocity rule does not let you read (the two look the same).",
    "not_found",
    "Not found.",
)
INVALID = error(
    "The input has problems: every one is listed, with the field at fault.",
    "invalid_choice",
    "“xyz” is not a valid choice.",
    field="categories.0",
)
THROTTLED = error(
    "Too many requests for this token or user, or too many failed sign-ins (see Retry-After).",
    "throttled",
    "Request was throttled. Expected available in 12 seconds.",
)
TOO_LARGE = error("The request body is over the size limit.", "too_large", "The request body is too large.")
UNSUPPORTED_MEDIA_TYPE = error(
    "The body's Content-Type is not one this operation reads (JSON; an import also takes multipart form data).",
    "unsupported_media_type",
    'Unsupported media type "text/plain" in request.',
)
STALE_412 = error(
    "If-Match does not match the record's current ETag: someone changed it since you read it; nothing was changed.",
    "stale_record",
    "This record was changed by someone else since you read it (now version 4). Read it again.",
)
STALE_409 = error(
    "The `version` in the body is not the record's current version, or the action does not fit the "
    "record's current state; nothing was changed.",
    "stale_record",
    "This record was changed by someone else since you read it (now version 4). Read it again.",
)
PRECONDITION_REQUIRED = error(
    "Neither If-Match nor `version` was sent.",
    "precondition_required",
    "Send If-Match with the record's ETag, or the version you read.",
)
STATE_CONFLICT = error(
    "The request is well formed but the data's current state refuses it (a record with this national "
    "reference, or a participant with this code or name, exists; the month's return is already "
    "submitted, or the month is not over); nothing was changed.",
    "duplicate_reference",
    "Your participant already has a record with this national reference.",
)
KEY_REUSED = error(
    "The Idempotency-Key was used before with a different request.",
    "idempotency_key_reused",
    "This Idempotency-Key was already used for a different request; use a new key.",
)

READ_ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN, 429: THROTTLED}
WRITE_ERRORS = {
    400: INVALID,
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    413: TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    429: THROTTLED,
}

CURSOR_PARAMETER = OpenApiParameter(
    "cursor", str, OpenApiParameter.QUERY, description="Opaque position, from a page's `next` or `previous` link."
)
PAGE_SIZE_PARAMETER = OpenApiParameter(
    "page_size",
    {"type": "integer", "minimum": 1},
    OpenApiParameter.QUERY,
    description="Items per page (default 50, at most 200).",
)
CODE_PARAMETER_TYPE = {"type": "string", "minLength": 1, "maxLength": 10}


def query_enum(values) -> list[str]:
    """The values of a query parameter with a fixed list: a blank one counts as not given (DRF's
    reading of query strings), so the schema lists it too."""
    return ["", *values]


def page_of(name: str, item) -> serializers.Serializer:
    return inline_serializer(
        name=name,
        fields={
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last one."),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )
