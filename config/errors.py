"""The site's answer to an unhandled error (config/urls.py: handler500).

A database that is restarting or unreachable is a temporary state, not a bug: the request answers
503 with Retry-After, so a client (a national system's importer, a browser's user) knows the same
request can be sent again. Nothing was saved by it: the request's transaction never committed.
With an Idempotency-Key, a retried creation that did commit returns the first answer
(reporting/api/idempotency.py). Every other error gets the site's 500 page (templates/500.html).

The other refusals (handler400, handler403, handler404) are pages in the site's layout, in the
reader's language, that say what happened and what to do: a 403 shows the view's own reason (the text
of its PermissionDenied), a 404 under /records/ explains the reciprocity rule without saying whether
that record exists. Paths under /api/ keep Django's plain answers: the API's own errors are JSON and
come from DRF (reporting/api/errors.py), these handlers see only what no API view answered.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults

logger = logging.getLogger("django.request")

# Django's built-in plain answers, as /api/ gave them before the site had error templates.
_API_PLAIN = {
    400: ("Bad Request (400)", ""),
    403: ("403 Forbidden", ""),
    404: ("Not Found", "The requested resource was not found on this server."),
}


def _api_plain(status: int) -> HttpResponse:
    title, details = _API_PLAIN[status]
    return HttpResponse(defaults.ERROR_PAGE_TEMPLATE % {"title": title, "details": details}, status=status)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_page(request, *, status: int, message: str = "", **context) -> HttpResponse:
    """The site's page for `status` (templates/<status>.html), with an optional sentence of reason."""
    return render(request, f"{status}.html", {"status_code": status, "message": message, **context}, status=status)


def bad_request(request, exception, *args, **kwargs):
    if _is_api(request):
        return _api_plain(400)
    return error_page(request, status=400)


def permission_denied(request, exception, *args, **kwargs):
    if _is_api(request):
        return _api_plain(403)
    response = error_page(request, status=403, message=str(exception) if exception.args else "")
    # A refusal is an expected answer, not a fault: one line in the log, not Django's traceback
    # (django.utils.log.log_response skips a response already marked as logged).
    logger.warning("Forbidden: %s (%s)", request.path, exception)
    response._has_been_logged = True
    return response


def page_not_found(request, exception, *args, **kwargs):
    if _is_api(request):
        return _api_plain(404)
    return error_page(request, status=404, under_records=request.path.startswith("/records/"))


RETRY_AFTER_SECONDS = 5
FAULT = "Something went wrong on the server; it has been logged. Nothing was saved by this request."
MESSAGE = "The database is briefly unavailable. Nothing was saved by this request: send it again in a few seconds."


def server_error(request, *args, **kwargs):
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        if _is_api(request):
            # The API's clients read JSON in one shape whatever happened (reporting/api/errors.py).
            return JsonResponse({"errors": [{"field": None, "code": "server_error", "message": FAULT}]}, status=500)
        try:
            # Rendered without the request, as Django's own: no query (the user, the menu) can fail again.
            body = loader.get_template("500.html").render({"status_code": 500})
        except Exception:  # noqa: BLE001 - the error page itself must never fail
            return _api_plain(500)
        return HttpResponseServerError(body)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"errors": [{"field": None, "code": "service_unavailable", "message": MESSAGE}]}, status=503
        )
    else:
        # No template: rendering the site's would need the database (the signed-in user, the menu).
        response = HttpResponse(
            f"<!DOCTYPE html><title>VRS: try again</title><h1>Try again in a few seconds</h1><p>{MESSAGE}</p>",
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
