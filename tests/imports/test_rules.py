"""The import checks a row with the web form's rules: for a table of bad values, the import says
what the incident form says about the same value, on both of the import's paths (a row with no
existing record, whose cells' outcomes are remembered, and a row merged into an existing record)."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.forms import IncidentForm
from reporting.imports.mapping import suggest_columns
from reporting.imports.messages import plain
from reporting.imports.parsing import read_csv
from reporting.imports.validation import RowChecker
from tests.imports.files import HEADERS, a_day, csv_bytes, good_row

pytestmark = pytest.mark.django_db

EXTRA = ["Latitude", "Longitude"]

# (file heading, bad cell, form field, the same value as a person types it in the form)
TOMORROW = timezone.localdate() + dt.timedelta(days=1)
BAD_VALUES = [
    ("Date detected", TOMORROW.strftime("%d/%m/%Y"), "detection_date", TOMORROW.isoformat()),
    ("Date detected", "31/02/2025", "detection_date", "2025-02-31"),
    ("Migrants", "-3", "migrants_total", "-3"),
    ("Migrants", "many", "migrants_total", "many"),
    ("Smugglers", "2.5", "smugglers_total", "2.5"),
    ("Fee", "lots", "fee_per_person", "lots"),
    ("Fee", "-10", "fee_per_person", "-10"),
    ("Currency", "ZZZ", "fee_currency", "ZZZ"),
    ("Source", "rumour", "source", "rumour"),
    ("Confidence", "certain", "confidence", "certain"),
    ("Country", "Atlantis", "detection_country", "Atlantis"),
    ("Origin", "Narnia", "origin_country", "Narnia"),
    ("Case No", "X" * 80, "national_reference", "X" * 80),
    ("Case No", "AUS-\u202e2400", "national_reference", "AUS-\u202e2400"),  # displays as AUS-0042
    ("Case No", "AUS\u200b-0042", "national_reference", "AUS\u200b-0042"),
    ("Location", "P" * 300, "detection_place", "P" * 300),
    ("Latitude", "95", "latitude", "95"),
    ("Longitude", "-181", "longitude", "-181"),
]


def form_data(agency, **changes) -> dict:
    data = {
        "national_reference": "RULES-1",
        "agency": str(agency.pk),
        "categories": ["migrant_smuggling"],
        "protocol_benefit": "yes",
        "source": "investigation",
        "confidence": "high",
        "detection_date": a_day().isoformat(),
        "detection_country": "AUS",
        "detection_place": "Ashmore Reef",
        "latitude": "-12.2",
        "longitude": "123.0",
        "detection_context": "at_sea",
        "modes": ["sea"],
        "methods": ["fishing_boat"],
        "origin_country": "LKA",
        "destination_country": "AUS",
        "migrants_total": "20",
        "smugglers_total": "2",
        "fee_per_person": "1000",
        "fee_currency": "USD",
        "dead": "0",
        "missing": "0",
        "injured": "0",
        "rescued": "0",
        "narrative": "A fishing boat was intercepted near the reef with twenty people aboard.",
    }
    data.update(changes)
    return data


def form_messages(owner, agency, field: str, value) -> set[str]:
    """What the form says of the value, as the import page says it (Django's default texts in
    words about the file: reporting/imports/messages.py); the form's own texts as they are."""
    form = IncidentForm(data=form_data(agency, **{field: value}), participant=owner)
    form.is_valid()
    return {plain(form.fields[field], error) for error in form.errors.as_data().get(field, [])}


def checker_and_rows(contributor, rows: list[dict]):
    table, _info = read_csv(csv_bytes(rows, headers=HEADERS + EXTRA))
    mapping = {
        "incidents": suggest_columns(participant=contributor.participant, sheet="incidents", headers=table.headers)
    }
    checker = RowChecker(
        participant=contributor.participant,
        user=contributor,
        column_mapping=mapping,
        code_mapping={"methods": {"boat": "fishing_boat"}},
        headers={"incidents": table.headers},
    )
    return checker, list(table.rows)


def import_row(reference: str, **changes) -> dict:
    return good_row(reference, **{"Latitude": "-12.2", "Longitude": "123.0", **changes})


def test_the_good_row_passes_both_the_form_and_the_import(contributor, owner, agency):
    form = IncidentForm(data=form_data(agency), participant=owner)
    assert form.is_valid(), form.errors
    checker, rows = checker_and_rows(contributor, [import_row("GOOD-1")])
    assert checker.check_new(rows[0]).problems == []
    assert checker.check(rows[0]).problems == []


@pytest.mark.parametrize(
    ("heading", "cell", "field", "typed"), BAD_VALUES, ids=[f"{b[0]}={b[1][:12]}" for b in BAD_VALUES]
)
def test_the_import_says_what_the_form_says_about_a_bad_value(contributor, owner, agency, heading, cell, field, typed):
    expected = form_messages(owner, agency, field, typed)
    assert expected, f"the form accepts {typed!r} for {field}: not a bad value"
    checker, rows = checker_and_rows(contributor, [import_row("BAD-1", **{heading: cell})])
    for checked in (checker.check_new(rows[0]), checker.check(rows[0])):
        said = {p.message for p in checked.problems if p.column == heading}
        assert said == expected, (heading, cell, said, expected)
        assert checked.staged is None  # an invalid row is never staged for the import


def test_rules_across_fields_are_the_records_own(contributor, owner, agency):
    """Incident.clean(): a fee needs its currency; latitude and longitude come together."""
    cases = [
        ({"Currency": ""}, "fee_currency", {"fee_currency": ""}, "Currency"),
        ({"Longitude": ""}, "longitude", {"longitude": ""}, "Longitude"),
    ]
    for changes, field, typed, heading in cases:
        expected = IncidentForm(data=form_data(agency, **typed), participant=owner)
        expected.is_valid()
        assert expected.errors.get(field), (field, expected.errors)
        checker, rows = checker_and_rows(contributor, [import_row("X-1", **changes)])
        for checked in (checker.check_new(rows[0]), checker.check(rows[0])):
            said = {p.message for p in checked.problems if p.column == heading}
            assert said == set(expected.errors[field])


def test_both_import_paths_agree_row_for_row(contributor):
    """Many rows, good and bad: a remembered cell outcome never answers for another value."""
    rows = [import_row(f"R-{i}") for i in range(30)]
    for i, (heading, cell, _field, _typed) in enumerate(BAD_VALUES):
        rows[i] = import_row(f"R-{i}", **{heading: cell})
    rows.append(import_row("R-30", Narrative="Passport number N1234567 found on the boat."))
    checker, parsed = checker_and_rows(contributor, rows)
    for row in parsed + parsed:  # twice: the second time every cell's outcome is remembered
        fast, whole = checker.check_new(row), checker.check(row)
        assert sorted(p.as_dict().items() for p in fast.problems) == sorted(p.as_dict().items() for p in whole.problems)
        assert fast.signature() == whole.signature()
        assert (fast.staged is not None) == (not whole.problems)


FREE_TEXT_PIECES = [
    "A",
    "boat",
    " ",
    "  ",
    "\t",
    "\n",
    "\u00a0",
    "\u2003",
    "\x00",
    "é",
    "Ç",
    "中",
    "-",
    "'",
    "1",
    "X" * 30,
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.lists(st.sampled_from(FREE_TEXT_PIECES), max_size=12).map("".join),
        st.integers(min_value=55, max_value=75).map(lambda n: "R" * n),  # about the reference's limit of 64
        st.text(max_size=80),
    )
)
def test_a_plain_free_text_cell_is_answered_as_the_fields_answer_it(contributor, text):
    """RowChecker._free_text answers a plain text at once; the form's and the model's fields (by
    _compiled, the whole way) answer every text the same."""
    checker, _rows = checker_and_rows(contributor, [import_row("FREE-1")])
    checker.prepare()
    assert set(checker._plain_text) == {"national_reference", "narrative"}  # the shortcut applies
    for _index, col, memo in checker._fast_cells:
        if memo is None:  # the free-text columns
            assert checker._free_text(col, text) == checker._compiled(col, text), (col.name, text)


def test_the_dry_runs_check_without_objects_finds_the_same(contributor):
    """check_new(objects=False), as the dry run calls it, finds the same problems and stages the
    same text as check_new() and check()."""
    rows = [import_row(f"O-{i}") for i in range(30)]
    for i, (heading, cell, _field, _typed) in enumerate(BAD_VALUES):
        rows[i] = import_row(f"O-{i}", **{heading: cell})
    rows.append(import_row("O-30", Narrative="Passport number N1234567 found on the boat."))
    rows.append(import_row("O-31", Transit="IDN; Narnia"))
    rows.append(import_row("O-32", Transit=""))
    checker, parsed = checker_and_rows(contributor, rows)
    for row in parsed + parsed:
        lean, full, whole = checker.check_new(row, objects=False), checker.check_new(row), checker.check(row)
        assert (lean.reference, lean.problems, lean.staged) == (full.reference, full.problems, full.staged)
        assert sorted(p.as_dict().items() for p in lean.problems) == sorted(p.as_dict().items() for p in whole.problems)
        assert lean.transits == [] and (full.transits != []) == (row.cells[HEADERS.index("Transit")] != "")
