"""`Cache-Control: no-store` on every answer the site builds: pages, API answers and exports carry
record data (or the user's own), which must not stay in a browser's cache or a shared proxy after
the user signs out (docs/security.md, "Non-nominal"). Static files, served by WhiteNoise before
this middleware runs, keep their own long caching."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response
