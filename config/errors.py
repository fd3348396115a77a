"""The site's answer to an unhandled error (config/urls.py: handler500).

A database that is restarting or unreachable is a temporary state, not a bug: the request answers
503 with Retry-After, so a client (a national system's importer, a browser's user) knows the same
request can be sent again. Nothing was saved by it: the request's transaction never committed.
With an Idempotency-Key, a retried creation that did commit returns the first answer
(reporting/api/idempotency.py). Any other error answers 500: JSON in the API's error shape under
/api/, the site's page elsewhere.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.views.defaults import server_error as django_server_error

RETRY_AFTER_SECONDS = 5
FAULT = "Something went wrong on the server; it has been logged. Nothing was saved by this request."
MESSAGE = "The database is briefly unavailable. Nothing was saved by this request: send it again in a few seconds."


def server_error(request, *args, **kwargs):
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        if request.path.startswith("/api/"):
            # The API's clients read JSON in one shape whatever happened (reporting/api/errors.py).
            return JsonResponse({"errors": [{"field": None, "code": "server_error", "message": FAULT}]}, status=500)
        return django_server_error(request, *args, **kwargs)
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
