"""Cursor pagination for every API list: stable under inserts, with a maximum page size."""

from django.conf import settings
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """`?page_size=` up to API_MAX_PAGE_SIZE (default 50); follow `next` / `previous` links."""

    page_size_query_param = "page_size"
    ordering = "-id"

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE
