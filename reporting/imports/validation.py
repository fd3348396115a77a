"""Checking import rows with the web form's own rules, at thousands of rows a second.

No rule is restated here. Each row goes through, in the web form's order:

1. `IncidentForm`'s fields and its `clean_<field>` hooks and `clean()` (reporting/forms.py), and
   for breakdown and document rows `BreakdownForm` and `DocumentForm`;
2. the model's field validation and `Incident.clean()` (reporting/models.py);
3. the service's checks (reporting/services/incidents.py): `_apply_data`, `fee_usd_for`, the row
   checks of `_rows`, `breakdown_excess`, and the fields needed to submit (`_submit_required`);
4. the personal-data screening (`incident_screening`, reporting/screening.py).

What is added is speed, not rules: a form or model field's check depends on the value alone, so
each field remembers its answer per distinct value (a 100,000-row file has a few thousand distinct
values per column), instead of building a form per row. Database-backed
uniqueness is not checked per row: national references are matched to existing records in bulk by
the service, which is how an import updates instead of duplicating.

Before the form sees them, cells are brought from file conventions to the form's: dates in several
formats and Excel serial numbers to ISO dates, "1,000" to 1000, their codes to ours (mapping.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models.base import ModelState
from django.forms.utils import ErrorDict
from django.utils.translation import gettext as _

from accounts.models import Participant, User
from accounts.validators import INVISIBLE, VisibleTextValidator
from reporting import codes
from reporting.copytext import column_formatter
from reporting.forms import BreakdownForm, DocumentForm, IncidentForm
from reporting.imports.columns import BREAKDOWNS, COLUMNS, DOCUMENTS, INCIDENTS, Column
from reporting.imports.columns import column as column_of
from reporting.imports.conventions import parse_number
from reporting.imports.mapping import CodeResolver
from reporting.imports.messages import PERSONAL_DATA, Message, as_message, of_error, plain_messages, said
from reporting.imports.parsing import Row
from reporting.models import Incident, IncidentDocument, IncidentTransit, PersonBreakdown
from reporting.screening import describe_parts, screen_text
from reporting.services import incidents as entry

# Free text: checked every time (remembering each narrative would only fill memory).
FREE_TEXT = {"national_reference", "detection_place", "narrative"}
# Model fields that hold a related object's id.
RELATED = {"agency": "agency_id", "border_crossing_point": "border_crossing_point_id"}
# Free text remembered nowhere (distinct on nearly every row); the place is, as a column of few values.
UNREMEMBERED = {"national_reference", "narrative"}
# A new record's columns as the dry run stages them for the import's COPY; the import fills in the rest.
STAGED_LATER = ("id", "ret_id", "created_at", "updated_at", "submitted_at")
STAGED = [f.attname for f in Incident._meta.concrete_fields if f.attname not in STAGED_LATER]
FORMATS = {f.attname: column_formatter(f) for f in Incident._meta.concrete_fields}
CHILD_CODES = {"T": IncidentTransit, "B": PersonBreakdown, "D": IncidentDocument}
CHILD_STAGED = {
    code: [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "incident_id")]
    for code, model in CHILD_CODES.items()
}
CHILD_FORMATS = {
    code: [column_formatter(model._meta.get_field(name)) for name in CHILD_STAGED[code]]
    for code, model in CHILD_CODES.items()
}
COMPARED = [
    "agency_id" if name == "agency" else "border_crossing_point_id" if name == "border_crossing_point" else name
    for name in entry.ENTRY_FIELDS
] + ["fee_usd"]


@dataclass
class Problem:
    """One thing wrong with one cell (or one row): where, the value, and why."""

    sheet: str
    row: int
    column: str  # the file's heading, or our field's label when the file has no such column
    value: str
    message: str

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": str(self.message),
            "parts": as_message(self.message).parts,
            **({"column_parts": self.column.parts} if isinstance(self.column, Message) else {}),
        }


@dataclass
class Checked:
    """A checked incident row: the unsaved record and rows, and every problem found."""

    number: int
    reference: str
    incident: Incident | None = None
    transits: list[IncidentTransit] = field(default_factory=list)
    breakdowns: list[PersonBreakdown] = field(default_factory=list)
    documents: list[IncidentDocument] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # A valid new record as the import writes it: (month, its COPY text, [(child code, COPY text)]).
    staged: tuple[str, str, list[tuple[str, str]]] | None = None

    @property
    def valid(self) -> bool:
        return not self.problems

    def signature(self) -> tuple:
        """What an update would change: equal signatures mean the upload changes nothing."""
        return record_signature(self.incident, self.transits, self.breakdowns, self.documents)


def record_signature(incident, transits, breakdowns, documents) -> tuple:
    values = []
    for name in COMPARED:
        value = getattr(incident, name)
        if isinstance(value, list):
            value = tuple(value)
        elif isinstance(value, Decimal):
            value = value.normalize()
        values.append(value)
    return (
        tuple(values),
        tuple(t.country for t in transits),
        tuple(sorted((b.group, b.citizenship, b.sex, b.age_group, b.count, b.unaccompanied or 0) for b in breakdowns)),
        tuple(sorted((d.document_type, d.fraud_type, d.issuing_country, d.count) for d in documents)),
    )


# Bringing cells to the form's conventions --------------------------------------------------------

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ]
    )
    for m in names
}  # fmt: skip
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0, after its 1900 leap-year bug


def parse_date(text: str, order: str = "dmy") -> dt.date | None:
    """A date from the ways national systems write one, or None.

    ISO (2025-03-04, with or without a time), Excel serial numbers (45720), 20250304, numeric dates
    with / . - or spaces read in the batch's date order (04/03/2025 is 4 March in "dmy"), and dates
    with month names (4 Mar 2025, March 4, 2025, 04-MAR-25)."""
    t = str(text or "").strip()
    if not t:
        return None
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", t):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{5})(?:\.\d+)?", t):
            serial = int(m[1])
            return EXCEL_EPOCH + dt.timedelta(days=serial) if 20000 <= serial <= 80000 else None
        if m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", t):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,4})[./\- ](\d{1,2})[./\- ](\d{1,4})(?: .*)?", t):
            a, b, c = m[1], m[2], m[3]
            if len(a) == 4 or order == "ymd":
                year, month, day = a, b, c
            elif order == "mdy":
                month, day, year = a, b, c
            else:
                day, month, year = a, b, c
            return dt.date(_year(year), int(month), int(day))
        words = re.findall(r"[A-Za-z]+|\d+", t)
        if len(words) == 3:
            names = [w for w in words if w.isalpha()]
            numbers = [w for w in words if w.isdigit()]
            if len(names) == 1 and names[0].casefold() in _MONTHS and len(numbers) == 2:
                month = _MONTHS[names[0].casefold()]
                first, second = numbers
                day, year = (first, second) if len(first) <= 2 and words[0].isdigit() else (first, second)
                if len(first) == 4:
                    year, day = first, second
                elif not words[0].isdigit():
                    day, year = first, second  # March 4, 2025
                return dt.date(_year(year), month, int(day))
    except ValueError:
        return None
    return None


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        pivot = dt.date.today().year % 100 + 1  # noqa: DTZ011 - a two-digit year's century, not a clock
        year += 2000 if year <= pivot else 1900
    return year


def _text(message) -> Message:
    """A message of the checks with its parts (rendered in the reader's language when shown)."""
    return as_message(message)


def _clean_messages(error: ValidationError):
    """(field, message) of each of a model's clean() errors, with its text and parameters."""
    for name, items in error.error_dict.items():
        for item in items:
            yield name, of_error(item)


def _personal_data(hits) -> Message:
    """What the screening found and where, never the text (the outcome is kept)."""
    return said(PERSONAL_DATA, found=describe_parts(hits))


def _freeze(value):
    if isinstance(value, list):
        return tuple(value)
    return value


def _plain_text_fits(name: str, form) -> tuple[int | None, str] | None:
    """(the longest text, the attname) when a plain text cell (not empty, no outer spaces, no NUL)
    no longer than that is taken as it is by the form's field and the model's, as they are: a
    CharField of the form with no hook and only the length and NUL checks, and a CharField or
    TextField of the model with no choices and only the length check. Else None (the whole way)."""
    from django import forms
    from django.core import validators
    from django.db import models

    form_field = form.fields.get(name)
    model_field = Incident._meta.get_field(name)
    if type(form_field) is not forms.CharField or not form_field.strip or hasattr(form, f"clean_{name}"):
        return None
    if type(model_field) not in (models.CharField, models.TextField) or model_field.choices:
        return None
    limits = []
    for validator in form_field.validators:
        if type(validator) is validators.MaxLengthValidator:
            limits.append(validator.limit_value)
        elif type(validator) is not validators.ProhibitNullCharactersValidator:
            return None
    for validator in model_field.validators:
        if type(validator) is VisibleTextValidator:
            continue  # _free_text() makes the same check
        if type(validator) is not validators.MaxLengthValidator:
            return None
        limits.append(validator.limit_value)
    if not all(type(limit) is int for limit in limits):
        return None
    return (min(limits) if limits else None, model_field.attname)


# The personal-data screening: reporting/screening.py's own, which skips each pattern that a cheap
# look at the text rules out (imports screen many narratives in one dry run).
screen = screen_text


# The checker -------------------------------------------------------------------------------------


class RowChecker:
    """Checks rows of one batch (one participant, one mapping). Not thread-safe; one per task."""

    def __init__(
        self,
        *,
        participant: Participant,
        user: User,
        column_mapping: dict[str, dict[str, str]],
        code_mapping: dict[str, dict[str, str]],
        date_order: str = "dmy",
        headers: dict[str, list[str]] | None = None,
        fixed: dict[str, str] | None = None,
        decimal: str | None = None,
    ):
        self.participant = participant
        self.user = user
        self.date_order = date_order
        self.decimal = decimal
        self.all_headers = headers or {}
        self.resolver = CodeResolver(participant=participant, code_mapping=code_mapping)
        self.form = IncidentForm(participant=participant)
        self.breakdown_form = BreakdownForm()
        self.document_form = DocumentForm()
        for number, form in enumerate((self.form, self.breakdown_form, self.document_form)):
            form.prefix_key = number  # which form a remembered answer belongs to
        self.columns: dict[str, list[tuple[int, Column]]] = {}
        self.headings: dict[str, dict[str, str]] = {}
        for sheet in COLUMNS:
            mapping = column_mapping.get(sheet, {})
            found = []
            for index, header in enumerate((headers or {}).get(sheet, [])):
                name = mapping.get(header)
                col = next((c for c in COLUMNS[sheet] if c.name == name), None)
                if col is not None:
                    found.append((index, col))
                    self.headings.setdefault(sheet, {})[col.name] = header
            self.columns[sheet] = found
        # The same value for every row, for fields no column holds (a column wins over it).
        self.fixed = {
            name: text
            for name, text in (fixed or {}).items()
            if name not in self.mapped_incident_fields and any(c.name == name for c in COLUMNS[INCIDENTS])
        }
        membership = user.membership_or_none
        self.default_agency = str(membership.agency_id) if membership and membership.agency_id else ""
        self._field_memo: dict[tuple, tuple[object, list[str] | None]] = {}
        self._model_memo: dict[tuple, tuple[object, list[str] | None]] = {}
        self._rows_memo: dict[tuple, tuple] = {}
        self._sub_memo: dict[tuple, tuple] = {}
        self._fee_memo: dict[tuple, Decimal | None] = {}
        self._meta = {f.name: f for f in Incident._meta.concrete_fields}
        self._required = entry._submit_required()
        self._cell_memo: dict[tuple, object] = {}
        self._model_fields: dict[str, object] = {}
        self._defaults: dict[str, object] = {}
        for name in entry.ENTRY_FIELDS:
            default = self._meta[name].get_default()
            if default not in ("", None) and not isinstance(default, list):
                self._defaults[name] = str(default) if isinstance(default, int) else default
        # A new record's starting state, built once; each row starts from a copy of it (a model's
        # __init__ costs as much as the rest of a row's checks).
        self._template = Incident(participant=participant, created_by=user, status=Incident.Status.SUBMITTED)
        self._row_templates = {
            model: model() for model in (IncidentTransit, PersonBreakdown, IncidentDocument)
        }  # copied like the record's

    # Mapped columns ------------------------------------------------------------------------------

    @property
    def mapped_incident_fields(self) -> set[str]:
        return {col.name for _i, col in self.columns[INCIDENTS]}

    def heading(self, sheet: str, name: str) -> str:
        if name in self.headings.get(sheet, {}):
            return self.headings[sheet][name]
        col = next((c for c in COLUMNS[sheet] if c.name == name), None)
        if col is not None:
            return said(col.label)  # our label, in the reader's language when shown
        return name.replace("_", " ")

    def reference_of(self, row: Row, sheet: str = INCIDENTS) -> str:
        for index, col in self.columns[sheet]:
            if col.name == "national_reference":
                return row.cells[index].strip()
        return ""

    def _converted(self, col: Column, raw: str):
        """A cell in the form's conventions (a list for columns of several values), remembered per
        distinct cell text of each column (free text excepted)."""
        if col.name in FREE_TEXT:
            return raw if col.name == "narrative" else raw.strip()
        key = (col.name, raw)
        found = self._cell_memo.get(key)
        if found is None:
            found = self._cell_memo[key] = self._convert(col, raw)
        return list(found) if isinstance(found, list) else found

    def _convert(self, col: Column, raw: str):
        kind = col.kind
        if kind == "date":
            day = parse_date(raw, self.date_order)
            return day.isoformat() if day else raw.strip()
        if kind == "integer":
            return parse_number(raw, whole=True, decimal=self.decimal)
        if kind == "decimal":
            return parse_number(raw, whole=False, decimal=self.decimal)
        if col.coded:
            values = [self.resolver.resolve(col, v) or v.strip() for v in self.resolver.split(col, raw)]
            if kind == "currency":
                values = [v.upper() for v in values]
            if col.many:
                return values
            return values[0] if values else ""
        return raw.strip() if kind != "text" or col.name != "narrative" else raw

    # Forms ---------------------------------------------------------------------------------------

    def _field_clean(self, form, name: str, value):
        """(cleaned value, None) or (None, messages), remembered per value: the form field's
        clean() and the form's clean_<name>() hook, as Form._clean_fields runs them."""
        key = (form.prefix_key, name, _freeze(value))
        if name not in FREE_TEXT:
            found = self._field_memo.get(key)
            if found is not None:
                return found
        form_field = form.fields[name]
        try:
            cleaned = form_field.clean(value)
            hook = getattr(form, f"clean_{name}", None)
            if hook is not None:
                form.cleaned_data = {name: cleaned}
                cleaned = hook()
            answer = (cleaned, None)
        except ValidationError as error:
            answer = (None, plain_messages(form_field, error, decimal=self.decimal))
        if name not in FREE_TEXT:
            self._field_memo[key] = answer
        return answer

    def _model_clean(self, model, instance, name: str):
        """The model field's clean(), as Model.clean_fields runs it, remembered per value."""
        model_field = self._model_fields.get(name) if model is Incident else model._meta.get_field(name)
        if model_field is None:
            model_field = self._model_fields[name] = model._meta.get_field(name)
        raw = instance.__dict__.get(model_field.attname)
        if model_field.blank and raw in model_field.empty_values:
            return None
        key = (name, _freeze(raw))
        memo = self._model_memo.get(key) if name not in FREE_TEXT else None
        if memo is None:
            try:
                memo = (model_field.clean(raw, instance), None)
            except ValidationError as error:
                memo = (None, plain_messages(model_field, error, decimal=self.decimal))
            if name not in FREE_TEXT:
                self._model_memo[key] = memo
        value, messages = memo
        if messages:
            return messages
        setattr(instance, model_field.attname, value)
        return None

    # Rows of other sheets ------------------------------------------------------------------------

    def _sub_rows(self, sheet: str, rows: list[Row], problems: list[Problem]) -> tuple[list[dict], list[int]]:
        """Breakdown or document rows through their web form: (cleaned rows, their sheet row numbers)."""
        form = self.breakdown_form if sheet == BREAKDOWNS else self.document_form
        cleaned_rows: list[dict] = []
        numbers: list[int] = []
        for row in rows:
            data = {}
            for index, col in self.columns[sheet]:
                if col.name != "national_reference":
                    data[col.name] = self._converted(col, row.cells[index])
            for index, message in row.problems.items():
                problems.append(Problem(sheet, row.number, self._header_at(sheet, index), row.cells[index], message))
            key = (sheet, tuple(sorted((k, _freeze(v)) for k, v in data.items())))
            if key not in self._sub_memo:
                self._sub_memo[key] = self._sub_row_clean(form, data)
            cleaned, errors = self._sub_memo[key]
            for name, messages in errors.items():
                for message in messages:
                    problems.append(
                        Problem(sheet, row.number, self.heading(sheet, name), str(data.get(name, "")), message)
                    )
            if not errors:
                cleaned_rows.append(cleaned)
                numbers.append(row.number)
        return cleaned_rows, numbers

    def _sub_row_clean(self, form, data: dict) -> tuple[dict, dict[str, list[str]]]:
        cleaned: dict = {}
        errors: dict[str, list[str]] = {}
        for name in form.fields:
            value = data.get(name, "")
            if value in ("", None) and form.fields[name].initial is not None and name not in data:
                value = form.fields[name].initial
            if value in ("", None) and name == "count" and form is self.document_form:
                value = 1
            result, messages = self._field_clean(form, name, value)
            if messages:
                errors[name] = messages
            else:
                cleaned[name] = result
        if not errors:
            form.cleaned_data = dict(cleaned)
            form._errors = ErrorDict()
            form.clean()
            for name, error_list in form._errors.items():
                messages = [of_error(item) for item in error_list.as_data()]
                errors.setdefault(name if name in form.fields else "__all__", []).extend(messages)
            cleaned = {k: v for k, v in form.cleaned_data.items() if k in form.fields}
        if "citizenship" in cleaned:
            cleaned["citizenship"] = cleaned["citizenship"] or ""
        if "issuing_country" in cleaned:
            cleaned["issuing_country"] = cleaned["issuing_country"] or ""
        return cleaned, errors

    def _service_rows(
        self, transits, breakdowns: list[dict], documents: list[dict], *, copies: bool = True, staged: bool = False
    ):
        """The service's own row checks (`_rows`), remembered per distinct set of rows: (transit rows,
        breakdown rows, document rows, errors), each row a copy of the remembered one; with
        `staged`, and the rows' COPY text as well ([(child code, COPY text)]). Without `copies`,
        the remembered rows themselves (read, never changed)."""
        key = (
            tuple(transits),
            tuple(tuple(sorted(b.items())) for b in breakdowns) if breakdowns else (),
            tuple(tuple(sorted(d.items())) for d in documents) if documents else (),
        )
        found = self._rows_memo.get(key)
        if found is None:
            transit_rows, breakdown_rows, document_rows, errors = entry._rows(
                transits=list(transits),
                breakdowns=[dict(b) for b in breakdowns],
                documents=[dict(d) for d in documents],
            )
            children = []
            if not errors:
                for code, rows in (("T", transit_rows), ("B", breakdown_rows), ("D", document_rows)):
                    names, formats = CHILD_STAGED[code], CHILD_FORMATS[code]
                    for child in rows:
                        children.append(
                            (code, "\t".join(f(child.__dict__[n]) for n, f in zip(names, formats, strict=True)))
                        )
            found = self._rows_memo[key] = (transit_rows, breakdown_rows, document_rows, errors, children)
        transit_rows, breakdown_rows, document_rows, errors, children = found
        if copies:

            def copy(model, rows, names):
                copies = []
                for r in rows:
                    row = model.__new__(model)
                    row.__dict__.update(self._row_templates[model].__dict__)
                    row._state = ModelState()
                    for n in names:
                        row.__dict__[n] = r.__dict__[n]
                    copies.append(row)
                return copies

            transit_rows = copy(IncidentTransit, transit_rows, ("sequence", "country"))
            breakdown_rows = copy(
                PersonBreakdown, breakdown_rows, ("group", "citizenship", "sex", "age_group", "count", "unaccompanied")
            )
            document_rows = copy(
                IncidentDocument, document_rows, ("document_type", "fraud_type", "issuing_country", "count")
            )
        if staged:
            return transit_rows, breakdown_rows, document_rows, errors, list(children)
        return transit_rows, breakdown_rows, document_rows, errors

    def _header_at(self, sheet: str, index: int) -> str:
        for i, col in self.columns[sheet]:
            if i == index:
                return self.heading(sheet, col.name)
        headers = self.all_headers.get(sheet, [])
        if index < len(headers) and headers[index]:
            return headers[index]  # an ignored column, by its heading too
        return f"#{index + 1}"

    def _fee_usd(self, incident: Incident):
        key = (
            incident.fee_per_person,
            incident.fee_currency,
            incident.detection_date and incident.detection_date.replace(day=1),
        )
        if key not in self._fee_memo:
            self._fee_memo[key] = entry.fee_usd_for(
                fee=incident.fee_per_person, currency=incident.fee_currency, on=incident.detection_date
            )
        return self._fee_memo[key]

    # One incident row: each cell's outcome remembered ----------------------------------------------
    #
    # A cell's whole outcome (its conversion, the form field and its clean_<name> hook, the service's
    # _apply_data, the model field's clean) depends on the cell's text alone, so it is worked out
    # once per distinct text of its column. A row is then a few dictionary look-ups, plus the checks
    # that read several fields, run on the record itself: Incident.clean(), what a submission needs,
    # the linked rows and the personal-data screening. A row that updates a record starts from the
    # record's values for the fields the file has no column for, through the same field checks.
    # tests/imports/test_rules.py holds it to the web form's answers.

    def prepare(self) -> None:
        """Work out what check() starts every row from (done by its first call otherwise)."""
        if not hasattr(self, "_fast_base"):
            self._fast_setup()

    def _fast_setup(self) -> None:
        self._scratch = self._new_incident()  # each field's outcome is worked out on it in turn
        base = dict(self._template.__dict__)
        base["version"] = 1
        self._fast_base = base
        self._staged_index = {name: i for i, name in enumerate(STAGED)}
        mapped: dict[str, tuple[int, Column]] = {}
        for index, col in self.columns[INCIDENTS]:
            mapped[col.name] = (index, col)  # a field mapped twice: the last column wins
        self._fast_transits = mapped.pop("transit_countries", (None, None))[0]
        self._fast_cells = [(index, col, None if name in UNREMEMBERED else {}) for name, (index, col) in mapped.items()]
        self._fast_cell_of = {name: index for name, (index, _col) in mapped.items()}
        # The fields the file has no column for: the same outcome on every row, so it is part of
        # the starting record (and its problems, if any, are every row's).
        self._fast_cache: dict[str, object] = {}
        self._fast_failed: set[str] = set()
        self._fast_problems: list[tuple[str, str, str, str]] = []  # (field, heading, shown, message)
        # On a row that updates a record, these keep the record's values (a value for every row wins).
        self._kept_fields = [n for n in entry.ENTRY_FIELDS if n not in mapped and n not in self.fixed]
        for name in entry.ENTRY_FIELDS:
            if name in mapped:
                continue
            if name in self.fixed:
                value = self._converted(column_of(INCIDENTS, name), self.fixed[name])
            else:
                value = self.default_agency if name == "agency" else None
            assigns, related, found, bad = self._field_outcome(name, value, None)
            for attname, value, _text in assigns:
                base[attname] = value
            if related is not None:
                self._fast_cache[name] = related
            self._fast_problems.extend((name, *problem) for problem in found)
            if bad:
                self._fast_failed.add(name)
        self._fast_lists = [name for name, value in base.items() if type(value) is list]
        self._staged_base = []
        for name in STAGED:
            try:
                self._staged_base.append(FORMATS[name](base.get(name)))
            except TypeError:  # a value that failed its checks: no row is staged anyway
                self._staged_base.append("")
        self._fast_transit_memo: dict[str, list[str]] = {}
        self._fast_fee_memo: dict[tuple, tuple] = {}
        self._reference_index = self._fast_cell_of.get("national_reference")
        self._fast_text = {}
        for name in UNREMEMBERED:
            if not hasattr(self.form, f"clean_{name}"):
                model_field = Incident._meta.get_field(name)
                form_field = self.form.fields[name]
                self._fast_text[name] = (form_field, model_field, model_field.attname, name != "narrative")
        self._screen_memo: dict[tuple[str, str], list] = {}
        self._months: dict[dt.date, tuple[dt.date, str]] = {}  # a day's month, and as the COPY text has it
        self._fee_index = self._staged_index["fee_usd"]
        self._required_items = list(self._required.items())
        self._plain_text = {name: _plain_text_fits(name, self.form) for name in UNREMEMBERED}
        self._plain_text = {
            name: (fits[0], fits[1], self._staged_index[fits[1]])
            for name, fits in self._plain_text.items()
            if fits is not None and fits[1] in self._staged_index
        }

    def _field_outcome(self, name: str, value, text: str | None) -> tuple:
        """One field's outcome as check() reaches it: ((attname, value, COPY text), …), the related
        object to cache or None, ((heading, shown value, message), …), and whether it failed."""
        converted = value
        if value in ("", None):
            value = self._defaults.get(name, value)
        heading = self.heading(INCIDENTS, name)

        def shown(v) -> str:
            if text is not None:
                return text
            return "" if v in (None, [], "") else str(v)

        cleaned, messages = self._field_clean(self.form, name, value)
        if messages:
            return ((), None, tuple((heading, shown(value), _text(m)) for m in messages), True)
        scratch = self._scratch
        entry._apply_data(scratch, {name: cleaned}, self.user)
        model_field = self._model_fields.get(name) or Incident._meta.get_field(name)
        self._model_fields[name] = model_field
        attname = model_field.attname
        messages = self._model_clean(Incident, scratch, name)
        result = scratch.__dict__.get(attname)
        related = scratch._state.fields_cache.get(name) if attname != name else None
        if messages:
            problems = tuple((heading, shown(converted), _text(m)) for m in messages)
            return (((attname, result, None),), related, problems, True)
        return (((attname, result, FORMATS[attname](result)),), related, (), False)

    def _cell_outcome(self, col: Column, text: str) -> tuple:
        fast = self._fast_text.get(col.name)
        if fast is not None:
            # Free text on nearly every row different: the same steps as _field_outcome, called
            # directly; any problem (or an empty cell) goes the whole way for its messages.
            form_field, model_field, attname, strip = fast
            value = text.strip() if strip else text
            if value:
                try:
                    cleaned = form_field.clean(value)
                    if strip and isinstance(cleaned, str):
                        cleaned = cleaned.strip()
                    if not (model_field.blank and cleaned in model_field.empty_values):
                        cleaned = model_field.clean(cleaned, self._scratch)
                    return (((attname, cleaned, FORMATS[attname](cleaned)),), None, (), False)
                except ValidationError:
                    pass
        if col.name in FREE_TEXT:
            value = text if col.name == "narrative" else text.strip()
        else:
            value = self._convert(col, text)
        return self._field_outcome(col.name, value, text)

    def _compiled(self, col: Column, text: str) -> tuple:
        """A cell's outcome as check() applies it: (attname, value, index in the COPY text, its
        COPY text, None) for a valid cell of one plain value (nearly every cell), else the same with
        its last item (related object or None, problems, failed, a list value) for the rest."""
        assigns, related, found, bad = self._cell_outcome(col, text)
        attname = value = formatted = index = None
        if assigns:
            attname, value, formatted = assigns[0]
            index = self._staged_index.get(attname) if formatted is not None else None
        if assigns and related is None and not found and not bad and type(value) is not list and index is not None:
            return (attname, value, index, formatted, None)
        return (attname, value, index, formatted, (related, found, bad, type(value) is list))

    def _free_text(self, col: Column, text: str) -> tuple:
        """_compiled() of a free-text cell (never remembered), with a valid plain text answered at
        once: _plain_text_fits says when the form's and the model's fields would take it as it is."""
        plain = self._plain_text.get(col.name)
        if plain is not None and type(text) is str and text:
            limit, attname, index = plain
            if (
                (limit is None or len(text) <= limit)
                and "\x00" not in text
                and text == text.strip()
                and not INVISIBLE.search(text)
            ):
                return (attname, text, index, FORMATS[attname](text), None)
        return self._compiled(col, text)

    def check(
        self,
        row: Row,
        *,
        breakdown_rows: list[Row] | None = None,
        document_rows: list[Row] | None = None,
        existing: dict | None = None,
        objects: bool = True,
    ) -> Checked:
        """Every problem of one incident row and its linked rows. `existing` is the record with this
        national reference, in form shape (existing_shape): the columns the file does not have keep
        its values. A valid new row comes with its COPY text (Checked.staged). Without `objects`
        (the dry run, which needs the problems and the COPY text only), the record's linked rows
        are not built for it."""
        if not hasattr(self, "_fast_base"):
            self._fast_setup()
        cells = row.cells
        number = row.number
        reference = cells[self._reference_index].strip() if self._reference_index is not None else ""
        checked = Checked(number=number, reference=reference)
        problems = checked.problems
        values = self._fast_base.copy()
        for name in self._fast_lists:
            values[name] = list(values[name])
        parts = self._staged_base.copy()
        cache = self._fast_cache.copy()
        failed = None
        if row.problems:
            for index, message in row.problems.items():
                problems.append(Problem(INCIDENTS, number, self._header_at(INCIDENTS, index), cells[index], message))
        if existing is None:
            kept_problems = self._fast_problems
        else:
            kept_problems, failed = self._kept(existing, values, cache)
        for _name, heading, shown, message in kept_problems:
            problems.append(Problem(INCIDENTS, number, heading, shown, message))
        free_text = self._free_text
        compiled = self._compiled
        for index, col, memo in self._fast_cells:
            text = cells[index]
            if memo is None:
                outcome = free_text(col, text)
            else:
                outcome = memo.get(text)
                if outcome is None:
                    outcome = memo[text] = compiled(col, text)
            attname, value, at, formatted, rest = outcome
            if rest is None:
                values[attname] = value
                parts[at] = formatted
                continue
            related, found, bad, many = rest
            if attname is not None:
                values[attname] = list(value) if many else value
                if at is not None:
                    parts[at] = formatted
            if related is not None:
                cache[col.name] = related
            for heading, shown, message in found:
                problems.append(Problem(INCIDENTS, number, heading, shown, message))
            if bad:
                if failed is None:
                    failed = set(self._fast_failed)
                failed.add(col.name)
        if failed is None:
            failed = self._fast_failed
        transits = existing["transits"] if existing is not None else []
        if self._fast_transits is not None:
            text = cells[self._fast_transits]
            found_transits = self._fast_transit_memo.get(text)
            if found_transits is None:
                col = next(c for i, c in self.columns[INCIDENTS] if i == self._fast_transits)
                found_transits = self._fast_transit_memo[text] = tuple(self._convert(col, text))
            transits = found_transits

        incident = Incident.__new__(Incident)
        state = ModelState()
        state.fields_cache = cache
        values["_state"] = state
        incident.__dict__ = values
        # The fee in dollars, and the model's check of it (check() runs it with the other fields).
        day = values["detection_date"]
        month = self._months.get(day) if day else None
        if month is None and day:
            first = day.replace(day=1)
            month = self._months[day] = (first, first.isoformat())
        key = (values["fee_per_person"], values["fee_currency"], month[0] if month else None)
        fee = self._fast_fee_memo.get(key)
        if fee is None:
            usd = self._fee_usd(incident)
            messages = None
            if usd is not None:
                self._scratch.fee_usd = usd
                messages = self._model_clean(Incident, self._scratch, "fee_usd")
                usd = self._scratch.fee_usd
            fee = self._fast_fee_memo[key] = (usd, FORMATS["fee_usd"](usd), messages)
        values["fee_usd"], parts[self._fee_index], messages = fee
        if messages:
            for message in messages:
                problems.append(self._fast_problem("fee_usd", "", message, number, cells))
        try:
            incident.clean()
        except ValidationError as error:
            for name, message in _clean_messages(error):
                problems.append(self._fast_problem(name, None, message, number, cells))

        if breakdown_rows is not None:
            breakdowns, breakdown_numbers = self._sub_rows(BREAKDOWNS, breakdown_rows, problems)
        else:
            breakdowns, breakdown_numbers = [dict(b) for b in existing["breakdowns"]] if existing else [], []
        if document_rows is not None:
            documents, document_numbers = self._sub_rows(DOCUMENTS, document_rows, problems)
        else:
            documents, document_numbers = [dict(d) for d in existing["documents"]] if existing else [], []
        transit_rows, breakdown_objs, document_objs, row_errors, children = self._service_rows(
            transits, breakdowns, documents, copies=objects, staged=True
        )
        if row_errors:
            numbers = {"breakdowns": breakdown_numbers, "documents": document_numbers}
            for key, messages in row_errors.items():
                sheet = {"breakdowns": BREAKDOWNS, "documents": DOCUMENTS}.get(key, INCIDENTS)
                for message in messages:
                    row_number, text = _row_message(message, numbers.get(key), number)
                    column = self.heading(INCIDENTS, "transit_countries") if key == "transits" else ""
                    shown = cells[self._fast_transits] if column and self._fast_transits is not None else ""
                    problems.append(Problem(sheet, row_number, column, shown, text))
        if breakdown_objs:
            for name, message in entry.breakdown_excess(incident=incident, breakdowns=breakdown_objs).items():
                problems.append(self._fast_problem(name, None, message, number, cells))
        for name, message in self._required_items:
            if name not in failed and values[name] in (None, "", []):
                problems.append(self._fast_problem(name, "", message, number, cells))
        # The personal-data screening (entry.incident_screening), remembered per value of a column
        # of few values; not for a record whose text the focal point let through, while it stays.
        override = (
            existing is not None
            and existing.get("override")
            and all(values[n] == existing["data"].get(n) for n in entry.SCREENED_FIELDS)
        )
        for name in () if override else entry.SCREENED_FIELDS:
            value = values[name] or ""
            if name in UNREMEMBERED:
                hits = screen(value)
            else:
                hits = self._screen_memo.get((name, value))
                if hits is None:
                    hits = self._screen_memo[(name, value)] = screen(value)
            if hits:
                # The cell is not shown with its problem (the outcome is kept): the message says where.
                problems.append(Problem(INCIDENTS, number, self.heading(INCIDENTS, name), "", _personal_data(hits)))
        checked.incident = incident
        if objects:
            checked.transits, checked.breakdowns, checked.documents = transit_rows, breakdown_objs, document_objs
        if not problems and existing is None:
            checked.staged = (month[1], "\t".join(parts), children)
        return checked

    def _kept(self, existing: dict, values: dict, cache: dict) -> tuple[list, set[str]]:
        """The fields the file has no column for, on a row that updates a record: the record's
        values through the same field checks (applied to `values` and `cache`), and their problems
        and failed fields; a value given for every row stays as it is for a new record."""
        problems = [p for p in self._fast_problems if p[0] in self.fixed]
        failed = {name for name in self._fast_failed if name in self.fixed}
        data = existing["data"]
        for name in self._kept_fields:
            assigns, related, found, bad = self._field_outcome(name, data.get(name), None)
            for attname, value, _text in assigns:
                values[attname] = list(value) if type(value) is list else value
            if related is not None:
                cache[name] = related
            else:
                cache.pop(name, None)
            problems.extend((name, *problem) for problem in found)
            if bad:
                failed.add(name)
        return problems, failed

    def _fast_problem(self, name: str, shown: str | None, message: str, number: int, cells: list[str]) -> Problem:
        """A problem of a field: the cell as the file has it, else (None) the value the row gave the field."""
        index = self._fast_cell_of.get(name)
        if index is not None:
            shown = cells[index]
        elif shown is None:
            shown = self.default_agency if name == "agency" else ""
        return Problem(INCIDENTS, number, self.heading(INCIDENTS, name), shown, _text(message))

    def _new_incident(self) -> Incident:
        """A copy of the starting state (as Incident(participant=…, created_by=…) would build it)."""
        incident = Incident.__new__(Incident)
        incident.__dict__.update(self._template.__dict__)
        incident._state = ModelState()
        incident._state.fields_cache = dict(self._template._state.fields_cache)
        for name in entry.ENTRY_FIELDS:
            value = incident.__dict__.get(name)
            if isinstance(value, list):
                incident.__dict__[name] = list(value)
        return incident


def _row_message(error: ValidationError, numbers: list[int] | None, fallback: int) -> tuple[int, Message]:
    """The service says "Row 2: …" of a record's n-th linked row: that row's number in its sheet,
    and the message said of it (the sheet's row number in place of n)."""
    params = dict(getattr(error, "params", None) or {})
    index = params.get("n", 0) - 1 if isinstance(params.get("n"), int) else -1
    if numbers and 0 <= index < len(numbers):
        params["n"] = numbers[index]
        return numbers[index], Message([(error.message, params)])
    return fallback, of_error(error)


def existing_shape(incident: Incident, transits, breakdowns, documents) -> dict:
    """An existing record in the shape RowChecker.check() takes as `existing` (form values)."""
    data: dict[str, object] = {}
    for name in entry.ENTRY_FIELDS:
        if name in RELATED:
            value = getattr(incident, RELATED[name])
            data[name] = str(value) if value else ""
        else:
            value = getattr(incident, name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, int):
                value = str(value)
            elif value is None:
                value = ""
            data[name] = value
    return {
        "data": data,
        "transits": [t.country for t in transits],
        "breakdowns": [
            {
                "group": b.group,
                "citizenship": b.citizenship,
                "sex": b.sex,
                "age_group": b.age_group,
                "count": b.count,
                "unaccompanied": b.unaccompanied,
            }
            for b in breakdowns
        ],
        "documents": [
            {
                "document_type": d.document_type,
                "fraud_type": d.fraud_type,
                "issuing_country": d.issuing_country,
                "count": d.count,
            }
            for d in documents
        ],
        "override": bool(incident.screening_override_reason),
    }


PERSON_GROUPS = codes.PersonGroup.values


def fixed_value_problems(*, participant: Participant, user: User, fixed: dict[str, str]) -> list[str]:
    """What the entry form says of each value given for every row (the same checks as a cell's)."""
    checker = RowChecker(participant=participant, user=user, column_mapping={}, code_mapping={})
    problems = []
    for name, text in fixed.items():
        col = column_of(INCIDENTS, name)
        value = checker._convert(col, text)
        if col.coded and not col.many and checker.resolver.resolve(col, text) is None:
            value = text  # not one of our codes: the field says so
        _cleaned, messages = checker._field_clean(checker.form, name, value)
        for message in messages or []:
            problems.append(
                _("%(field)s, the same for every row (“%(value)s”): %(message)s")
                % {"field": col.label, "value": text, "message": message}
            )
    return problems
