"""Cursor pagination for every API list: stable under inserts, with a maximum page size."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """`?page_size=` up to API_MAX_PAGE_SIZE (default 50); follow `next` / `previous` links."""

    page_size_query_param = "page_size"
    ordering = "-id"

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE

    def decode_cursor(self, request):
        # A cursor is an input like any other: a damaged one is a 400 naming it, not a 404.
        try:
            return super().decode_cursor(request)
        except NotFound as error:
            raise ValidationError(
                {"cursor": [_("This cursor is not valid: follow the `next` or `previous` link of a page.")]}
            ) from error

    def get_page_size(self, request):
        # A page size that is not a whole number from 1 is refused, not silently replaced by the default.
        raw = request.query_params.getlist(self.page_size_query_param)
        # One larger than the maximum is served at the maximum (as documented).
        if raw and (len(raw) > 1 or not raw[0].isdigit() or int(raw[0]) < 1):
            raise ValidationError(
                {
                    "page_size": [
                        _("Give the page size as one whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return super().get_page_size(request)
