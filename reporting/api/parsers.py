"""The API's JSON parser: orjson, whose own nesting limit turns a body such as `[` × 100,000 into a
400 with the documented error shape, where the standard library's parser raises RecursionError."""

import orjson
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return orjson.loads(stream.read() if stream is not None else b"")
        except orjson.JSONDecodeError as error:
            raise ParseError(_("The body is not valid JSON (%(problem)s).") % {"problem": error}) from None
