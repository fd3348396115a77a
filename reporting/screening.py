"""Personal-data screening of free text: the records are non-nominal (docs/security.md).

`screen_text` finds what looks like personal data in one text: a person's name (after a title or
honorific, or a "bin"/"binti" name), a passport or identity number in the region's formats, a
machine-readable zone (MRZ) line of a passport or identity card, an e-mail address, a phone number,
a date of birth. Each hit carries its span, so a page can highlight it (`highlight`), and its kind,
so a message can say what was found without repeating it (`describe`). The patterns prefer context
(a title, "passport no.", "born") to bare shapes, so ordinary narratives, with detection dates,
counts, boat lengths, coordinates, fees, flight numbers, case references and place names, pass.

This is the one screening: the web form, the API, imports, comments and reasons all call it
(reporting/services/incidents.py), and the rescan of stored text and history uses it too
(reporting/services/redaction.py). Measured on a labelled corpus of personal-data texts and clean
narratives in tests/reporting/test_screening.py (figures in docs/security.md).

Screening is a safety net, not a proof: a hit refuses the save until the text is fixed or the
focal point records a reason to override.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop
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
    "name": _("a person's name"),
    "document_number": _("a passport or identity number"),
    "mrz": _("a passport machine-readable line"),
    "email": _("an e-mail address"),
    "phone": _("a phone number"),
    "birth_date": _("a date of birth"),
}

# Names -------------------------------------------------------------------------------------------
# Titles and honorifics in English, French and the region's usage, matched as written
# (case-sensitive), so "MS Estonia" (a motor ship) or "the captain" do not count; the name after a
# title starts with a capital letter and is not a common word ("Mr The", "Ibu Kota").
_TITLES = (
    r"Mr|Mrs|Ms|Miss|Mx|Mister|Madam|Madame|Mademoiselle|Monsieur|Mme|Mlle|Mdm|Dr|Doctor|Prof|Professor|Sir|"
    r"Dame|Capt|Captain|Sgt|Sergeant|Lt|Lieutenant|Col|Colonel|Maj|Major|Insp|Inspector|Rev|Hon|Haji|Hajji|"
    r"Hajjah|Tuan|Puan|Encik|Cik|Pak|Bapak|Ibu|Bu|Sdr|Sdri|Saudara|Saudari|Datuk|Dato|Datin|Tengku|Tunku|Khun|"
    r"Nai|Nang|Nangsao|Sheikh|Shaikh|Mullah|Sayed|Syed|Md|Mohd|Mst|Begum|Ong|Señor|Senor|Señora|Senora|Ông|Bà"
)
_UPPER_TITLES = r"MR|MRS|MISS|MME|MLLE|MADAM|ENCIK|BAPAK|IBU|KHUN"
_UPPER = "A-ZÀ-ÖØ-ÞĐƠƯ"
_NOT_A_NAME = (
    r"The|This|That|These|Those|A|An|And|Or|Of|On|In|At|To|For|By|With|From|He|She|It|They|We|I|His|Her|"
    r"Le|La|Les|Un|Une|De|Des|Du|Et|Kota|Road|Street|Jalan"
)
_NAME_WORD = rf"(?!(?:{_NOT_A_NAME})\b)[{_UPPER}][\w'’-]+"
_INITIALS = rf"(?:[{_UPPER}]\.[ \t]*){{0,3}}"
NAME = re.compile(
    rf"(?<![\w.])(?:(?:{_TITLES})\.?|M\.|(?:{_UPPER_TITLES})\.?)[ \t]+{_INITIALS}{_NAME_WORD}"
    rf"(?:[ \t]+{_NAME_WORD}){{0,2}}"
)
# Malay and Indonesian patronymics: "Ahmad bin Ismail", "Siti binti Abdullah", "Kumar a/l Muthu".
PATRONYMIC = re.compile(
    rf"(?<![\w.])[{_UPPER}][\w'’-]+(?:[ \t]+[{_UPPER}][\w'’-]+)?[ \t]+"
    r"(?:bin|binti|bte|bt|BIN|BINTI|BTE|BT|a/l|a/p|s/o|d/o|A/L|A/P)\.?"
    rf"[ \t]+[{_UPPER}][\w'’-]+"
)

# Document numbers --------------------------------------------------------------------------------
# A number right after a document word: "passport no. N1234567", "NIK 3201 2345 6789 0001",
# "NIC: 912345678V", "CCCD 001085012345", "MyKad 850101-14-5678".
DOCUMENT_WORDS = (
    r"passports?|passeports?|paspor|pasport|passport\s+number|travel\s+document|identity\s+card|ID\s+card|"
    r"national\s+ID|carte\s+d'identit[ée]|CNI|ID|IC|I/C|NIC|NRIC|KTP|NIK|MyKad|Kad\s+Pengenalan|KP|CMND|CCCD|"
    r"PhilSys|PSN|PCN|UMID|SSS|TIN|NID|smart\s+card|CNIC|Aadhaar|document\s+number|doc\.?\s+no|nomor|số"
)
# The words of DOCUMENT_WORDS (the first look: one of them must be in the text).
_DOCUMENT_TOKENS = frozenset(
    "passport passports passeport passeports paspor pasport travel identity id national carte cni ic nic nric "
    "ktp nik mykad kad kp cmnd cccd philsys psn pcn umid sss tin nid smart cnic aadhaar document doc nomor".split()
)
DOCUMENT_CONTEXT = re.compile(
    rf"\b(?:{DOCUMENT_WORDS})\b\.?\s*(?:no\.?|nos\.?|number|num\.?|#|:)?\s*[:#]?\s*"
    r"((?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,22}[A-Z0-9](?![\w-])|\d{2,6}(?:[ .]\d{2,6}){1,4}(?![\w-]))",
    re.IGNORECASE,
)
# Shapes of document numbers without a keyword: one or two letters then 6–9 digits (most passports,
# the Philippines' P1234567A, Singapore NRIC S1234567D); the Sri Lankan old NIC (9 digits and V or
# X); runs of 10–17 digits (NIK 16, Thai ID 13, Sri Lankan new NIC 12, Vietnamese CCCD 12,
# Bangladeshi NID 10/13/17, PhilSys 12; no count or year is that long; not after a currency code);
# Malaysian MyKad YYMMDD-PB-###G; the Thai ID written 1-2345-67890-12-3; grouped numbers 4-4-4(-4)
# (PhilSys, NIK); Philippine SSS 12-3456789-0, UMID 1234-5678901-2 and TIN 123-456-789(-000).
DOCUMENT_SHAPE = re.compile(
    r"(?<![\w-])(?<![A-Z]{3} )(?<!Rp )(?<!Rp\. )(?:"
    r"[A-Z]{1,2}\d{6,9}[A-Z]?|\d{9}[VvXx]|\d{10,17}|\d{6}-\d{2}-\d{4}|\d[- ]\d{4}[- ]\d{5}[- ]\d{2}[- ]\d|"
    r"\d{4}([- ])\d{4}\1\d{4}(?:\1\d{4})?|\d{2}-\d{7}-\d|\d{4}-\d{7}-\d|\d{3}-\d{3}-\d{3}(?:-\d{3,5})?"
    r")(?![\w-])"
)

# MRZ ---------------------------------------------------------------------------------------------
# Capitals, digits and "<" with no space: with the "<<" filler (any part of a line, 8 characters or
# more: "P<LKAPERERA<<KAMAL<<<"), or a whole line (28 or more) of capitals and digits, with or
# without "<" (a second line whose fields are all full has none). TD1 (3 × 30), TD2 (2 × 36) and
# TD3 (2 × 44) lines all have one or the other; ordinary text has neither.
MRZ = re.compile(
    r"(?<![A-Z0-9<])(?:(?=[A-Z0-9<]*<<)[A-Z0-9<]{8,}|(?=[A-Z0-9<]*\d)(?=[A-Z0-9<]*[A-Z])[A-Z0-9<]{28,})(?![A-Z0-9<])"
)

# E-mail, written plainly or disguised ("name [at] gmail [dot] com").
EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+(?:@|\s?[\[(]at[\])]\s?)[\w-]+(?:(?:\.|\s?[\[(]dot[\])]\s?)[\w-]+)+",
    re.UNICODE | re.IGNORECASE,
)

# Phones: an international number ("+" or "00", then 8–15 digits with spaces, dots, dashes,
# brackets); a national number starting with 0 in two or three groups ("0412 345 678",
# "021-555 1234", "01712-345678"); a mobile number written without spaces ("081234567890"); any
# number after a phone word ("tel.", "HP", "WhatsApp": "WA 2345 6789").
PHONE = re.compile(
    r"(?<![\w+./-])(?:\(?(?:\+|00(?=[1-9]))\s?\(?\d{1,4}\)?(?:[\s.-]?\(?\d{1,5}\)?){2,5}"
    r"|\(?0\d{1,4}\)?[\s-]\d{3,4}[\s-]?\d{3,5}|0[1-9]\d{8,11})(?![\w])"
)
PHONE_WORDS = r"tel|telephone|phone|mobile|mob|cell|cellphone|hp|handphone|whatsapp|wa|viber|telegram|signal|ph"
PHONE_CONTEXT = re.compile(
    rf"\b(?:{PHONE_WORDS})\b\.?\s*(?:no\.?|number|#)?\s*[:#]?\s*(\+?\d[\d\s().-]{{5,18}}\d)(?![\w])",
    re.IGNORECASE,
)

# Dates of birth: a date after a birth word (English, French, Malay and Indonesian), or a year
# after "born" or "year of birth".
_MONTHS = (
    r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April|June|July|August|"
    r"September|October|November|December|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|"
    r"septembre|octobre|novembre|décembre|decembre|Januari|Februari|Maret|Mei|Juni|Juli|Agustus|Oktober|"
    r"Desember|Disember|Julai|Ogos"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th|er)?"
_DATE = (
    rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}[./-]\d{{1,2}}[./-]\d{{1,2}}|\d{{8}}|"
    rf"(?:the\s+)?{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}|(?:{_MONTHS})\.?\s+{_DAY},?\s+\d{{4}})"
)
_BIRTH_WORDS = (
    r"born|date\s+of\s+birth|birth\s*date|DOB|D\.O\.B\.?|b\.|n[ée]e?\s+le|date\s+de\s+naissance|"
    r"tanggal\s+lahir|tgl\.?\s+lahir|tarikh\s+lahir|lahir|TTL"
)
BIRTH_DATE = re.compile(
    rf"\b(?:(?:{_BIRTH_WORDS})(?!\w)\s*[:,-]?\s*(?:(?:in|at|di|à|a)\s+[^\d,;\n]{{1,40}}?[,;]?\s*|[^\d,;\n]{{1,40}}?[,;]\s*)?(?:on|le|pada)?\s*{_DATE}"
    r"|(?:born|YOB|year\s+of\s+birth|tahun\s+lahir)(?!\w)\s*(?:in\s+)?[:,-]?\s*(?:19|20)\d{2}\b)",
    re.IGNORECASE,
)


# The patterns, in order (the first to claim a stretch of text wins it: an MRZ line is reported
# once, not as numbers), each with a cheap necessary condition on a first look at an ASCII text
# (`Look`: its words, whether it has a digit): a text that fails it cannot match the pattern, so
# the pattern is not run. The conditions make screening a clean text one split into words and a
# few set look-ups (imports screen 100,000 narratives in one dry run); tests/reporting/
# test_screening.py holds each condition necessary on the corpus and on many generated texts.
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_SIX_DIGITS = re.compile(r"\d{6}")
_NATIONAL_PHONE = re.compile(r"0\d")


class Look:
    """What the conditions read of an ASCII text: its lower case, its words (runs of letters,
    digits and "_", lower case, as `\\b` delimits them), and whether it has a digit."""

    __slots__ = ("text", "lower", "tokens", "words", "digit")

    def __init__(self, text: str):
        self.text = text
        self.lower = text.lower()
        self.tokens = _WORD.findall(self.lower)
        self.words = set(self.tokens)
        self.digit = _DIGIT.search(text) is not None


def _words(*words: str, digit: bool = False) -> Callable[[Look], bool]:
    wanted = frozenset(words)
    if digit:
        return lambda look: look.digit and not wanted.isdisjoint(look.words)
    return lambda look: not wanted.isdisjoint(look.words)


def _may_be_document_shape(look: Look) -> bool:
    # Every shape holds six digits in a row, or two or more runs of 3+ digits joined by - or space.
    if not look.digit:
        return False
    runs = [w for w in look.tokens if len(w) >= 3 and not w.isalpha()]
    return any(_SIX_DIGITS.search(w) for w in runs) or sum(w.isdigit() for w in runs) >= 2


_TITLE_WORDS = frozenset(t.lower() for t in f"{_TITLES}|{_UPPER_TITLES}|M".split("|"))

PATTERNS: tuple[tuple[str, re.Pattern, int, Callable[[Look], bool]], ...] = (
    ("mrz", MRZ, 0, lambda look: "<" in look.text or any(len(w) >= 28 for w in look.tokens)),
    ("email", EMAIL, 0, lambda look: "@" in look.text or "at]" in look.lower or "at)" in look.lower),
    (
        "birth_date",
        BIRTH_DATE,
        0,
        _words("b", "born", "birth", "birthdate", "dob", "yob", "ne", "nee", "naissance", "lahir", "ttl", digit=True),
    ),
    ("name", NAME, 0, lambda look: not _TITLE_WORDS.isdisjoint(look.words)),
    ("name", PATRONYMIC, 0, lambda look: "/" in look.text or not {"bin", "binti", "bte", "bt"}.isdisjoint(look.words)),
    (
        "document_number",
        DOCUMENT_CONTEXT,
        1,
        lambda look: look.digit and ("/" in look.text or not _DOCUMENT_TOKENS.isdisjoint(look.words)),
    ),
    ("phone", PHONE, 0, lambda look: "+" in look.text or _NATIONAL_PHONE.search(look.text) is not None),
    (
        "phone",
        PHONE_CONTEXT,
        1,
        _words(*PHONE_WORDS.split("|"), digit=True),
    ),
    ("document_number", DOCUMENT_SHAPE, 0, _may_be_document_shape),
)


def screen_text(text: str) -> list[Hit]:
    """Every stretch of `text` that looks like personal data, in order, without overlaps."""
    if not text:
        return []
    look = Look(text) if text.isascii() else None  # case folding beyond ASCII is wider than the looks assume
    hits: list[Hit] = []
    for kind, pattern, group, may_match in PATTERNS:
        if look is not None and not may_match(look):
            continue
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


def describe(hits: list[Hit]) -> str:
    """What was found, in words, without repeating it: "a passport machine-readable line
    (characters 1–44); an e-mail address (characters 60–77)". Messages built from it can be logged,
    stored with an import's outcome or kept by an idempotency key without keeping the data."""
    return "; ".join(gettext(HIT_WHERE) % {"kind": h.label, "start": h.start + 1, "end": h.end} for h in hits)


HIT_WHERE = gettext_noop("%(kind)s (characters %(start)s–%(end)s)")


def describe_parts(hits: list[Hit]) -> list[list]:
    """describe() as texts as written in the code with their parameters (an import keeps its
    problems so, and renders them in each reader's language)."""
    return [[HIT_WHERE, {"kind": KIND_LABELS[h.kind], "start": h.start + 1, "end": h.end}] for h in hits]


# What replaces redacted personal data in a record, its history and its comments
# (reporting/services/redaction.py); pages show it as such (`show_redactions`).
REDACTED = "[redacted]"


def show_redactions(text: str) -> SafeString:
    """`text`, HTML-escaped, with each redaction marker shown as one."""
    label = _("[redacted]")
    marker = f'<span class="redacted">{escape(label)}</span>'
    return mark_safe(marker.join(escape(part) for part in str(text).split(REDACTED)))  # noqa: S308 - escaped


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
