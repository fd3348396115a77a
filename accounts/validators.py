"""Validators shared by the apps' models."""

import re

from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Bidirectional controls (LRM, RLM, ALM, embeddings, overrides, isolates), zero-width characters, the
# word joiner and invisible operators, the soft hyphen and a stray byte-order mark: none is seen, and
# each can make a reference or a code display as another ("AUS-0042" showing as "2400-SUA").
INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


@deconstructible
class VisibleTextValidator(RegexValidator):
    regex = INVISIBLE
    inverse_match = True
    code = "invisible_characters"
    message = _(
        "Remove the invisible formatting characters (such as a right-to-left mark or a zero-width space): "
        "they can make this text display as something else."
    )


visible_text = VisibleTextValidator()
