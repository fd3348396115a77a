"""How a file writes numbers and dates, found from its own cells and confirmed on the mapping page.

Numbers: the decimal mark is "." or ","; the other mark separates thousands, and so do spaces
(ordinary, no-break and narrow) and apostrophes, which are never a decimal mark. A value is read
only when its thousands groups are whole (1.234.567, 1 234, 1'234.5): anything else is left as it
is, and the row's check says which way the file writes numbers, so nothing is misread silently.
`1.234` is one thousand two hundred and thirty-four in a file that writes 1.234,5 and one point
two three four in a file that writes 1,234.5; a file whose numbers could be either (every one like
1.234 or 1,234) is asked about.

Dates: numeric dates are day first or month first; a day over 12 in the first place says day
first, in the second place month first. A file with none is asked about (or takes the participant's
last choice). Excel serial numbers (45720) and ISO dates are never ambiguous.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

POINT, COMMA = ".", ","
DECIMAL_CHOICES = [
    (POINT, _("1,234.5 — a point before the decimals (a comma, space or ' between thousands)")),
    (COMMA, _("1.234,5 — a comma before the decimals (a point, space or ' between thousands)")),
]
SPACES = "\u00a0\u202f '\u2019"  # always thousands separators, never a decimal mark
_SPACES = re.compile(f"[{SPACES}]")
SEP = "\x01"

# Shapes that say which mark is the decimal one (a number of one mark only, or both marks).
_SAYS_POINT = [
    re.compile(r"[+-]?\d+\.(?:\d{1,2}|\d{4,})"),  # 12.5, 12.3456 (never thousands groups)
    re.compile(r"[+-]?\d{4,}\.\d+"),  # 2025.5: a thousands group has at most three digits before
    re.compile(r"[+-]?\d{1,3}(?:,\d{3})+\.\d+"),  # 1,234.5
    re.compile(r"[+-]?\d{1,3}(?:,\d{3}){2,}"),  # 1,234,567
    re.compile(r"[+-]?\d{1,3}(?:\x01\d{3})+\.\d+"),  # 1 234.5
]
_SAYS_COMMA = [
    re.compile(r"[+-]?\d+,(?:\d{1,2}|\d{4,})"),
    re.compile(r"[+-]?\d{4,},\d+"),
    re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+,\d+"),
    re.compile(r"[+-]?\d{1,3}(?:\.\d{3}){2,}"),
    re.compile(r"[+-]?\d{1,3}(?:\x01\d{3})+,\d+"),
]
_EITHER = re.compile(r"[+-]?\d{1,3}[.,]\d{3}")  # 1.234 or 1,234: thousands, or three decimals
_NUMBER = re.compile(r"[+-]?[\d.,\x01]*\d")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[./\-](\d{1,2})[./\-](\d{2}|\d{4})(?:[ T].*)?")


def parse_number(text: str, *, whole: bool, decimal: str | None = None) -> str:
    """A cell's number as the form takes it ("1.234,5" → "1234.5" where "," is the decimal mark),
    or the text as it is when it is not one written that way (the form then refuses it).

    `decimal` None (a batch from before conventions were asked): "," is a decimal mark only when
    it cannot be thousands (12,5), as the imports read numbers first."""
    t = str(text or "").strip()
    if not t:
        return ""
    if decimal is None:
        return _parse_number_guessing(t, whole=whole)
    thousands = COMMA if decimal == POINT else POINT
    marked = _SPACES.sub(SEP, t).replace(thousands, SEP)
    m = re.fullmatch(r"([+-]?)(\d{1,3}(?:\x01\d{3})+|\d+)(?:" + re.escape(decimal) + r"(\d+))?", marked)
    if not m:
        return t
    number = m[1] + m[2].replace(SEP, "")
    return number + ("." + m[3] if m[3] is not None else "")


def _parse_number_guessing(t: str, *, whole: bool) -> str:
    t = t.replace("\u00a0", "").replace(" ", "")
    if "," in t and "." in t:
        t = t.replace(",", "") if t.rfind(",") < t.rfind(".") else t.replace(".", "").replace(",", ".")
    elif "," in t:
        head, _sep, tail = t.rpartition(",")
        t = t.replace(",", "") if (whole or (len(tail) == 3 and t.count(",") >= 1 and head)) else t.replace(",", ".")
    return t


def detect(rows: Iterable[list[str]], *, skip: Iterable[int] = ()) -> dict:
    """What the cells say about the file's conventions:
    {"decimal": "." | "," | "" (cannot tell, and some number could be read both ways),
     "decimal_example": a cell that says so, "either_example": a cell that could be read both ways,
     "date_order": "dmy" | "mdy" | "" (cannot tell), "date_example": …, "dates_seen": bool,
     "date_seen_example": the first numeric date}.
    `skip`: columns not to read (references, which look like numbers and are not)."""
    skipped = set(skip)
    points: Counter = Counter()
    commas: Counter = Counter()
    either = ""
    day_first = month_first = ""
    dates_seen = ""  # the first numeric date
    for cells in rows:
        for index, cell in enumerate(cells):
            if not cell or index in skipped or len(cell) > 40:
                continue
            m = _NUMERIC_DATE.fullmatch(cell.strip())
            if m:
                dates_seen = dates_seen or cell.strip()
                first, second = int(m[1]), int(m[2])
                if first > 12 and second <= 12 and not day_first:
                    day_first = cell
                elif second > 12 and first <= 12 and not month_first:
                    month_first = cell
                continue
            text = _SPACES.sub(SEP, cell.strip())
            if _NUMBER.fullmatch(text):
                if any(p.fullmatch(text) for p in _SAYS_POINT):
                    points[cell] += 1
                elif any(p.fullmatch(text) for p in _SAYS_COMMA):
                    commas[cell] += 1
                elif not either and _EITHER.fullmatch(text):
                    either = cell
    found: dict = {"decimal": "", "decimal_example": "", "either_example": either}
    if points and not commas:
        found.update(decimal=POINT, decimal_example=points.most_common(1)[0][0])
    elif commas and not points:
        found.update(decimal=COMMA, decimal_example=commas.most_common(1)[0][0])
    elif not points and not commas and not either:
        found["decimal"] = POINT  # whole numbers only: nothing to misread either way
    found["date_order"] = "dmy" if day_first and not month_first else "mdy" if month_first and not day_first else ""
    found["date_example"] = day_first or month_first
    found["dates_seen"] = bool(dates_seen)
    found["date_seen_example"] = dates_seen or ""
    return found
