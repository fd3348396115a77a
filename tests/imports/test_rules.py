"""The import checks a row with the web form's rules: for a table of bad values, the import says
what the incident form says about the same value, for a row with no record yet and for one that
updates a record (one check, each cell's outcome remembered)."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.forms import IncidentForm
from reporting.imports.mapping import suggest_columns
from reporting.imports.messages import plain
from reporting.imports.parsing import read_csv
from reporting.imports.validation import RowChecker, existing_shape
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


def a_record(checker, row) -> dict:
    """A record as an update finds it (existing_shape), made from a good row."""
    checked = checker.check(row)
    assert checked.problems == []
    return existing_shape(checked.incident, checked.transits, checked.breakdowns, checked.documents)


def import_row(reference: str, **changes) -> dict:
    return good_row(reference, **{"Latitude": "-12.2", "Longitude": "123.0", **changes})


def test_the_good_row_passes_both_the_form_and_the_import(contributor, owner, agency):
    form = IncidentForm(data=form_data(agency), participant=owner)
    assert form.is_valid(), form.errors
    checker, rows = checker_and_rows(contributor, [import_row("GOOD-1")])
    assert checker.check(rows[0]).problems == []
    assert checker.check(rows[0], existing=a_record(checker, rows[0])).problems == []


@pytest.mark.parametrize(
    ("heading", "cell", "field", "typed"), BAD_VALUES, ids=[f"{b[0]}={b[1][:12]}" for b in BAD_VALUES]
)
def test_the_import_says_what_the_form_says_about_a_bad_value(contributor, owner, agency, heading, cell, field, typed):
    expected = form_messages(owner, agency, field, typed)
    assert expected, f"the form accepts {typed!r} for {field}: not a bad value"
    checker, rows = checker_and_rows(contributor, [import_row("BAD-1", **{heading: cell}), import_row("GOOD-1")])
    record = a_record(checker, rows[1])
    for checked in (checker.check(rows[0]), checker.check(rows[0], existing=record)):
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
        checker, rows = checker_and_rows(contributor, [import_row("X-1", **changes), import_row("X-2")])
        for checked in (checker.check(rows[0]), checker.check(rows[0], existing=a_record(checker, rows[1]))):
            said = {p.message for p in checked.problems if p.column == heading}
            assert said == set(expected.errors[field])


def test_a_row_that_updates_a_record_finds_what_a_new_row_finds(contributor):
    """Many rows, good and bad, each checked new and as an update of a record: with every column
    in the file, the same problems and the same record; a remembered cell outcome never answers for
    another value."""
    rows = [import_row(f"R-{i}") for i in range(30)]
    for i, (heading, cell, _field, _typed) in enumerate(BAD_VALUES):
        rows[i] = import_row(f"R-{i}", **{heading: cell})
    rows.append(import_row("R-30", Narrative="Passport number N1234567 found on the boat."))
    checker, parsed = checker_and_rows(contributor, [*rows, import_row("R-OLD", Migrants="7", Narrative="Old.")])
    record = a_record(checker, parsed.pop())
    for row in parsed + parsed:  # twice: the second time every cell's outcome is remembered
        new, update = checker.check(row), checker.check(row, existing=record)
        assert sorted(p.as_dict().items() for p in new.problems) == sorted(p.as_dict().items() for p in update.problems)
        assert new.signature() == update.signature()
        assert (new.staged is not None) == (not new.problems) and update.staged is None


def test_the_columns_a_file_lacks_keep_the_records_values(contributor):
    """An update from a file without some columns keeps the record's values for them (and a field
    a submission needs is not asked for again); a new record from it lacks them."""
    checker, rows = checker_and_rows(contributor, [import_row("K-1", Migrants="7", Narrative="Kept as it was.")])
    record = a_record(checker, rows[0])
    lacking = [h for h in HEADERS + EXTRA if h not in ("Narrative", "Source", "Migrants")]
    table, _info = read_csv(csv_bytes([import_row("K-1", Migrants="9", Narrative="Changed.")], headers=lacking))
    mapping = {"incidents": suggest_columns(participant=contributor.participant, sheet="incidents", headers=lacking)}
    checker = RowChecker(
        participant=contributor.participant,
        user=contributor,
        column_mapping=mapping,
        code_mapping={"methods": {"boat": "fishing_boat"}},
        headers={"incidents": table.headers},
    )
    (row,) = table.rows
    update = checker.check(row, existing=record)
    assert update.problems == []
    assert (update.incident.narrative, update.incident.migrants_total, update.incident.source) == (
        "Kept as it was.",
        7,
        "investigation",
    )
    new = checker.check(row)
    assert {p.column for p in new.problems} == {"Source"}  # needed to submit: the new record lacks it
    assert new.incident.migrants_total == 0 and new.incident.narrative == ""


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
    """check(objects=False), as the dry run calls it, finds the same problems and stages the same
    text as check()."""
    rows = [import_row(f"O-{i}") for i in range(30)]
    for i, (heading, cell, _field, _typed) in enumerate(BAD_VALUES):
        rows[i] = import_row(f"O-{i}", **{heading: cell})
    rows.append(import_row("O-30", Narrative="Passport number N1234567 found on the boat."))
    rows.append(import_row("O-31", Transit="IDN; Narnia"))
    rows.append(import_row("O-32", Transit=""))
    checker, parsed = checker_and_rows(contributor, rows)
    for row in parsed + parsed:
        lean, full = checker.check(row, objects=False), checker.check(row)
        assert (lean.reference, lean.problems, lean.staged) == (full.reference, full.problems, full.staged)
        assert lean.transits == [] and (full.transits != []) == (row.cells[HEADERS.index("Transit")] != "")
