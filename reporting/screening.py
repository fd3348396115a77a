"""Personal-data screening of free text: the records are non-nominal (DESIGN.md section 2).

`screen_text` finds what looks like personal data in one text: a name next to a title, a passport
or identity-card number, a machine-readable zone (MRZ) line, an e-mail address, a phone number, a
date of birth. Each hit carries its span, so a page can highlight it (`highlight`). The patterns
prefer context (a title, "passport no.", "born") to bare shapes, so ordinary narratives, with
detection dates, counts, boat lengths, vessel numbers and place names, pass.

Screening is a safety net, not a proof: a hit blocks submission until the text is fixed or the
focal point records a reason to override (reporting/services/incidents.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Hit:
    """One stretch of text that looks like personal data."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


KIND_LABELS = {
    "name": _("a name after a title"),
    "document_number": _("a passport or identity number"),
    "mrz": _("a machine-readable zone line from a passport"),
    "email": _("an e-mail address"),
    "phone": _("a phone number"),
    "birth_date": _("a date of birth"),
}

# Titles are matched as written (case-sensitive), so "MS Estonia" (a motor ship) or "the captain"
# do not count; the name after a title starts with a capital letter.
_TITLES = (
    r"Mr|Mrs|Ms|Miss|Mx|Mister|Madam|Mme|Mdm|Dr|Doctor|Prof|Professor|Sir|Dame|Capt|Captain|Sgt|Sergeant|"
    r"Lt|Lieutenant|Col|Colonel|Maj|Major|Gen|Insp|Inspector|Rev|Hon|Haji|Hajji|Hajjah|Tuan|Puan|Encik|"
    r"Cik|Pak|Bapak|Ibu|Sheikh|Shaikh|Mullah|Sayed|Syed|Khun|Mme|Señor|Senor|Señora|Senora"
)
_UPPER = "A-ZÀ-ÖØ-Þ"
_NAME_WORD = rf"[{_UPPER}][\w'’-]+"
NAME = re.compile(rf"(?<![\w.])(?:{_TITLES})\.?[ \t]+{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}}")

# A number right after a document word: "passport no. N1234567", "ID: 850101145678", "NIC 912345678V".
DOCUMENT_WORDS = (
    r"passports?|passport\s+number|travel\s+document|identity\s+card|ID\s+card|national\s+ID|ID|NIC|NRIC|KTP|NIK|"
    r"CNIC|Aadhaar|document\s+number|doc\.?\s+no"
)
DOCUMENT_CONTEXT = re.compile(
    rf"\b(?:{DOCUMENT_WORDS})\b\.?\s*(?:no\.?|nos\.?|number|num\.?|#|:)?\s*[:#]?\s*"
    r"(?=[A-Z0-9-]*\d)([A-Z0-9][A-Z0-9-]{4,18}[A-Z0-9])\b",
    re.IGNORECASE,
)
# Shapes of document numbers without a keyword: one or two letters then 6–8 digits (most
# passports), Singapore/Malaysia NRIC-like letter–7 digits–letter, and 12–16 digit runs (national
# ID numbers; no count or year is that long).
DOCUMENT_SHAPE = re.compile(r"(?<![\w-])(?:[A-Z]{1,2}\d{6,8}|[STFGM]\d{7}[A-Z]|\d{12,16})(?![\w-])")

# MRZ: 30–44 characters of capitals, digits and "<", with the "<<" filler that ordinary text lacks.
MRZ = re.compile(r"(?<![A-Z0-9<])(?=[A-Z0-9<]*<<)[A-Z0-9<]{25,44}(?![A-Z0-9<])")

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

# Phones: an international number (+ and 8–15 digits with spaces, dots, dashes, brackets), or a
# national number starting with 0 in two or three groups ("0412 345 678", "021-555 1234").
PHONE = re.compile(
    r"(?<![\w+])(?:\+\s?\(?\d{1,4}\)?(?:[\s.-]?\(?\d{1,5}\)?){2,5}|\(?0\d{1,4}\)?[\s-]\d{3,4}[\s-]?\d{3,5})(?![\w])"
)

_MONTHS = r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April|June|July|"
_MONTHS += r"August|September|October|November|December"
_DATE = (
    rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}|"
    rf"(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}})"
)
BIRTH_DATE = re.compile(
    rf"\b(?:born(?:\s+on)?|date\s+of\s+birth|birth\s*date|DOB|D\.O\.B\.?|b\.)\s*[:,-]?\s*{_DATE}",
    re.IGNORECASE,
)

PATTERNS: tuple[tuple[str, re.Pattern, int], ...] = (
    ("mrz", MRZ, 0),
    ("email", EMAIL, 0),
    ("birth_date", BIRTH_DATE, 0),
    ("name", NAME, 0),
    ("document_number", DOCUMENT_CONTEXT, 1),
    ("document_number", DOCUMENT_SHAPE, 0),
    ("phone", PHONE, 0),
)


def screen_text(text: str) -> list[Hit]:
    """Every stretch of `text` that looks like personal data, in order, without overlaps (the first
    pattern in PATTERNS wins a contested stretch: an MRZ line is reported once, not as numbers)."""
    if not text:
        return []
    hits: list[Hit] = []
    for kind, pattern, group in PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span(group)
            if any(start < h.end and h.start < end for h in hits):
                continue
            hits.append(Hit(kind=kind, start=start, end=end, text=text[start:end]))
    return sorted(hits, key=lambda h: h.start)


def screen_fields(fields: dict[str, str]) -> dict[str, list[Hit]]:
    """{field name: hits} for the fields with at least one hit."""
    found = {name: screen_text(value or "") for name, value in fields.items()}
    return {name: hits for name, hits in found.items() if hits}


def highlight(text: str, hits: list[Hit]) -> SafeString:
    """`text`, HTML-escaped, with each hit wrapped in <mark> (its kind as the title)."""
    parts: list[str] = []
    position = 0
    for hit in sorted(hits, key=lambda h: h.start):
        parts.append(escape(text[position : hit.start]))
        parts.append(f'<mark class="pii" title="{escape(hit.label)}">{escape(text[hit.start : hit.end])}</mark>')
        position = hit.end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped
