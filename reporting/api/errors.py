"""One shape for every API error: {"errors": [{"field", "code", "message"}]}.

`field` is the dotted path of the input at fault (e.g. "breakdowns.0.count"), or null for the
request as a whole. Every problem of a request is listed at once, so a client fixes all of them in
one round.
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="Dotted path of the input at fault, or null.")
    code = serializers.CharField(help_text="A stable, machine-readable code.")
    message = serializers.CharField(help_text="What is wrong, in words a focal point understands.")


class ErrorSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale_record"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _flatten(detail, field: str | None, out: list[dict]) -> None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__", "detail") else str(key)
            path = ".".join(p for p in (field, name) if p) or None
            _flatten(value, path, out)
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            for item in detail:
                _flatten(item, field, out)
        else:
            for index, item in enumerate(detail):
                if item:
                    _flatten(item, f"{field}.{index}" if field else str(index), out)
    else:
        code = getattr(detail, "code", None) or "invalid"
        out.append({"field": field, "code": str(code), "message": str(detail)})


def error_body(detail, *, field: str | None = None) -> dict:
    out: list[dict] = []
    _flatten(detail, field, out)
    return {"errors": out}


def django_validation_detail(error: DjangoValidationError):
    """A Django ValidationError (from a service's full_clean) as DRF-style detail with codes."""
    if hasattr(error, "error_dict"):
        return {
            key: [exceptions.ErrorDetail(m, code=e.code or "invalid") for e in errs for m in e.messages]
            for key, errs in error.error_dict.items()
        }
    return [exceptions.ErrorDetail(m, code=e.code or "invalid") for e in error.error_list for m in e.messages]


# Refusals that come from the data's current state, not from the request's shape: the same request
# may succeed once the state changes (another reference, the return reopened, the month over, the
# joining date corrected). 409, not 400.
CONFLICT_CODES = frozenset({"duplicate_reference", "unique", "already_submitted", "month_not_over", "before_joining"})


def _codes(detail) -> set[str]:
    if isinstance(detail, dict):
        return set().union(*(_codes(v) for v in detail.values()))
    if isinstance(detail, list):
        return set().union(*(_codes(v) for v in detail))
    return {getattr(detail, "code", None) or "invalid"}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_validation_detail(exc))
    if isinstance(exc, exceptions.ValidationError) and set() < _codes(exc.detail) <= CONFLICT_CODES:
        exc = Conflict(exc.detail)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(_("The request body is too large."))
    elif isinstance(exc, Http404):
        # Forbidden looks like missing (docs/reciprocity.md): one message for both.
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        detail = [exc.detail] if isinstance(exc, exceptions.APIException) else [detail["detail"]]
    response.data = error_body(detail)
    wait = getattr(exc, "wait", None)
    if wait:
        response["Retry-After"] = str(int(wait))
    return response


@csrf_exempt  # it changes nothing; a CSRF page here would be HTML, not the API's JSON
def api_not_found(request, path: str = ""):
    """Any /api/v1/ address that matches no route: the same JSON 404 as a missing record."""
    return JsonResponse(error_body([exceptions.ErrorDetail(_("Not found."), "not_found")]), status=404)
