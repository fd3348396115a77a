"""The dry run's first look before the personal-data screening (validation.screen) gives
screen_text's answer on every text: on the screening's own examples, and on many generated texts
made of the pieces its patterns look for (titles, document words, digits, "<<", "@", "+", dates)."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting import screening
from reporting.imports import validation
from reporting.screening import screen_text
from tests.reporting.test_screening import NEGATIVE, POSITIVE

PIECES = [
    *screening._TITLES.split("|"),
    "Mr.", "Capt.", "Dr", "MS", "mr", "dr.", "Rahman", "Ali", "Siti", "Ñoño", "Émile",
    "passport", "Passports", "passport number", "travel document", "identity card", "ID", "id", "ID card",
    "national ID", "NIC", "nric", "KTP", "NIK", "CNIC", "Aadhaar", "document number", "doc. no", "doc no",
    "no.", "number", "#", ":", "-", ".", ",", ";", "(", ")", "'", "’", "<", "<<", "@", "+", "0", "00", "021",
    "0412", "345", "678", "555-1234", "1234567", "N1234567", "EA9876543", "S1234567D", "850101145678",
    "3201234567890001", "912345678V", "P<LKAPERERA<<NIMAL<<<<<<<", "ali@example.org", "+62", "+94-77-123-4567",
    "born", "Born", "born on", "date of birth", "Date of Birth", "birth date", "birthdate", "DOB", "dob", "D.O.B.",
    "d.o.b", "b.", "B.", "12/03/2008", "1990-05-17", "3 March 1985", "June 5, 1979", "5", "12", "1980", "2024",
    "the", "boat", "reef", "Christmas Island", "Ashmore Reef", "aboard", "said", "inside", "provided", "paid",
    "K", "ı", "İ", "ſ", "é", "\u212a", "\u0130d",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", "  ", "\t", "\n", "", ", ", ". "]


@st.composite
def texts(draw) -> str:
    pieces = draw(st.lists(st.sampled_from(PIECES), max_size=draw(st.sampled_from([3, 6, 14]))))
    out = []
    for piece in pieces:
        out.append(piece)
        out.append(draw(st.sampled_from(SEPARATORS)))
    if draw(st.booleans()):
        out.append(draw(st.text(max_size=20)))
    return "".join(out)


def test_the_first_look_is_on_for_the_screenings_patterns():
    # Off (every text screened whole) would be correct but slow: say so if a pattern changed.
    assert validation.FIRST_LOOK is not None
    # The name condition assumes every ASCII title is a capital then small letters.
    for title in screening._TITLES.split("|"):
        assert not title.isascii() or re.fullmatch(r"[A-Z][a-z]+", title), title


def test_the_screenings_own_examples():
    for text in [t for t, _kind, _matched in POSITIVE] + NEGATIVE:
        necessary(text)


def necessary(text: str) -> None:
    """Each pattern's condition holds wherever the pattern finds something (no other pattern's
    condition can hide a wrong one here), and the answer is screen_text's."""
    if text.isascii():
        for (kind, pattern, _group), may_match in zip(screening.PATTERNS, validation.FIRST_LOOK, strict=True):
            if next(pattern.finditer(text), None) is not None:
                assert may_match(text, text.lower()), (kind, text)
    assert validation.screen(text) == screen_text(text)


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts())
def test_the_first_look_never_changes_the_answer(text):
    necessary(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from("aAbBdDoOrRnNiIhHpPsStT0123456789 .-+@<()\t:#/"), max_size=60))
def test_the_first_look_on_characters_the_patterns_look_for(text):
    necessary(text)


def shapes() -> list[str]:
    """Each pattern's shapes, one at a time, in several casings: where each condition is tested
    with no other pattern's condition to hide it."""
    words = [
        "passport", "passports", "passport number", "travel document", "identity card", "ID card", "national ID",
        "ID", "NIC", "NRIC", "KTP", "NIK", "CNIC", "Aadhaar", "document number", "doc no", "doc. no",
    ]  # fmt: skip
    births = ["born", "born on", "date of birth", "birth date", "birthdate", "DOB", "D.O.B.", "D.O.B", "b."]
    found = []
    for word in words:
        for joint in ["", " ", ": ", " no. ", " # "]:
            for number in ["123456", "a12345", "N1234567", "12-3456"]:
                found += [f"{word}{joint}{number}", f"{word.upper()}{joint}{number}", f"{word.lower()}{joint}{number}"]
    for word in births:
        for joint in [" ", ": ", ", ", " - ", ""]:
            for day in ["12/03/2008", "1990-05-17", "3 March 1985", "June 5, 1979", "5 jun. 1990"]:
                found += [f"{word}{joint}{day}", f"{word.upper()}{joint}{day}", f"{word.title()}{joint}{day}"]
    for title in screening._TITLES.split("|"):
        for joint in [" ", ". ", "\t", ".  "]:
            found += [f"{title}{joint}Ali", f"{title}{joint}Rahman Ali Khan", f"({title}{joint}O'Neil)"]
    found += ["ABCDEFGHIJKLMNOPQRSTUV<<WXYZ", "P<LKAPERERA<<NIMAL<<<<<<<<<<<<<<<<<<<<<<<<<", "A" * 23 + "<<"]
    found += ["A123456", "AB12345678", "S1234567D", "123456789012", "1234567890123456"]
    found += ["+1 234 567", "+61 400 123 456", "0412 345 678", "(021) 555-1234", "02-123 4567", "01 2345678"]
    found += ["a@b.co", "x.y+z@example.org"]
    return found


def test_each_shape_alone_and_in_a_sentence():
    for shape in shapes():
        for text in (shape, f"On the boat {shape} was found.", f"x{shape}x"):
            necessary(text)
