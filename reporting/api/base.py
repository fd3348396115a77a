"""What every API view shares: a request size limit checked before the body is read."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.views import APIView

from reporting.api.errors import PayloadTooLarge


class ApiView(APIView):
    """An APIView that refuses bodies over API_MAX_BODY_BYTES with 413 (a national system sending
    a huge batch learns to split it, and the server never buffers it)."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_BODY_BYTES:
            raise PayloadTooLarge(
                _("The request body is larger than %(limit)d bytes; send fewer records per request.")
                % {"limit": settings.API_MAX_BODY_BYTES}
            )
        super().initial(request, *args, **kwargs)
