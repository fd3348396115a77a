"""The API's JSON renderer: DRF's JSONRenderer's output, encoded by orjson.

orjson encodes a page of records faster than the standard library, and takes JSON
that is already written (`orjson.Fragment`: the incident list's records, written by PostgreSQL in
reporting/api/records.py) as it is. Whatever orjson does not encode natively, or encodes otherwise
than DRF (dates and times, decimals, lazy translations, ...), goes to DRF's own encoder, so the
output is DRF's, byte for byte apart from whitespace inside pre-written records.
"""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_DEFAULT = JSONEncoder().default
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
# As DRF's renderer: U+2028 and U+2029 escaped, so the JSON is a strict subset of JavaScript.
_LINE_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        options = _OPTIONS
        if self.get_indent(accepted_media_type, renderer_context or {}):
            options |= orjson.OPT_INDENT_2
        rendered = orjson.dumps(data, default=_DEFAULT, option=options)
        for raw, escaped in _LINE_SEPARATORS:
            if raw in rendered:
                rendered = rendered.replace(raw, escaped)
        return rendered
