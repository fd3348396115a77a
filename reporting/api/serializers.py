"""Output shapes shared by several API views (inputs are nested in each view).

Codes are always the codes of reporting/codes.py and ISO lists (their labels: /api/v1/reference/).
"""

import copy
import functools

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.codes import country_choices, currency_choices
from accounts.models import Participant
from reporting import codes
from reporting.models import Incident, Return

# A month in the API: YYYY-MM, years 1900 to 2999 (a schema that allowed year 0 promised what the
# dates behind it cannot hold).
MONTH_PATTERN = r"^(19|2\d)\d{2}-(0[1-9]|1[0-2])$"
# In a query string a blank value counts as not given (DRF's reading of query strings).
MONTH_QUERY_PATTERN = r"^((19|2\d)\d{2}-(0[1-9]|1[0-2]))?$"
MONTH_MESSAGE = _("Give the month as YYYY-MM, e.g. 2025-03.")


def MonthField(**kwargs) -> serializers.RegexField:  # noqa: N802 - used as a field class
    return serializers.RegexField(MONTH_PATTERN, error_messages={"invalid": MONTH_MESSAGE}, **kwargs)


class ChoiceField(serializers.ChoiceField):
    """DRF's ChoiceField, copied cheaply. DRF builds a serializer's fields for every use by
    deep-copying the declared ones, and a choice field's copy re-reads its whole list (~250
    countries) each time: a third of a record creation's CPU went there. The lists never change
    once declared, so a copy shares them."""

    def __deepcopy__(self, memo):
        clone = copy.copy(self)
        # Unbound, as DRF's own copy is (bind() sets these from the parent it joins).
        clone.field_name, clone.parent = None, None
        clone.source, clone.label = self._kwargs.get("source"), self._kwargs.get("label")
        clone.__dict__.pop("source_attrs", None)
        if "_validators" in self.__dict__:
            clone._validators = list(self._validators)
        return clone


# Named once so the schema has one CountryEnum and one CurrencyEnum (SPECTACULAR_SETTINGS).
COUNTRY_CHOICES = country_choices()
CURRENCY_CHOICES = currency_choices()


def code_list(choices) -> serializers.ListField:
    return serializers.ListField(child=ChoiceField(choices=choices))


class BreakdownSerializer(serializers.Serializer):
    group = ChoiceField(choices=codes.PersonGroup.choices)
    citizenship = ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True, required=False, default="")
    sex = ChoiceField(choices=codes.Sex.choices, required=False, default=codes.Sex.UNKNOWN)
    age_group = ChoiceField(choices=codes.AgeGroup.choices, required=False, default=codes.AgeGroup.UNKNOWN)
    count = serializers.IntegerField(min_value=1, max_value=1_000_000)
    unaccompanied = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)


class DocumentSerializer(serializers.Serializer):
    document_type = ChoiceField(choices=codes.DocumentType.choices)
    fraud_type = ChoiceField(choices=codes.FraudType.choices)
    issuing_country = ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True, required=False, default="")
    count = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, default=1)


class IncidentOutputSerializer(serializers.Serializer):
    """One incident record as a reader sees it."""

    id = serializers.IntegerField()
    participant = serializers.CharField(source="participant.code", help_text="The owner's participant code.")
    month = serializers.DateField(source="ret.month", help_text="The month of the return it belongs to.")
    status = ChoiceField(choices=Incident.Status.choices)
    version = serializers.IntegerField(help_text="Send it back (or the ETag in If-Match) when changing the record.")
    national_reference = serializers.CharField()
    agency = serializers.IntegerField(source="agency_id", allow_null=True, help_text="The reporting agency's id.")
    agency_name = serializers.CharField(source="agency.name", allow_null=True, default=None)
    sharing_level = ChoiceField(choices=codes.SharingLevel.choices)
    embargo_until = serializers.DateField(allow_null=True)
    categories = code_list(codes.ConductCategory.choices)
    protocol_benefit = ChoiceField(choices=codes.ProtocolBenefit.choices)
    source = ChoiceField(choices=codes.Source.choices, allow_blank=True)
    confidence = ChoiceField(choices=codes.Confidence.choices, allow_blank=True)
    detection_date = serializers.DateField()
    detection_country = ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True)
    detection_place = serializers.CharField(allow_blank=True)
    latitude = serializers.DecimalField(max_digits=8, decimal_places=5, allow_null=True)
    longitude = serializers.DecimalField(max_digits=8, decimal_places=5, allow_null=True)
    border_crossing_point = serializers.CharField(
        source="border_crossing_point.code", allow_null=True, default=None, help_text="The crossing point's code."
    )
    detection_context = ChoiceField(choices=codes.DetectionContext.choices, allow_blank=True)
    modes = code_list(codes.Mode.choices)
    methods = code_list(codes.Method.choices)
    origin_country = ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True)
    transit_countries = serializers.SerializerMethodField()
    destination_country = ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True)
    migrants_total = serializers.IntegerField()
    smugglers_total = serializers.IntegerField()
    smuggler_roles = code_list(codes.SmugglerRole.choices)
    breakdowns = BreakdownSerializer(many=True)
    fee_per_person = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    fee_currency = ChoiceField(choices=CURRENCY_CHOICES, allow_blank=True)
    fee_usd = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    fee_scope = ChoiceField(choices=codes.FeeScope.choices, allow_blank=True)
    payment_modality = ChoiceField(choices=codes.PaymentModality.choices, allow_blank=True)
    documents = DocumentSerializer(many=True)
    dead = serializers.IntegerField()
    missing = serializers.IntegerField()
    injured = serializers.IntegerField()
    rescued = serializers.IntegerField()
    cause_of_death = ChoiceField(choices=codes.CauseOfDeath.choices, allow_blank=True)
    abuses = code_list(codes.Abuse.choices)
    narrative = serializers.CharField(allow_blank=True)
    review_comment = serializers.CharField(allow_blank=True, help_text="The focal point's note when returned.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    validated_at = serializers.DateTimeField(allow_null=True)

    def get_transit_countries(self, incident: Incident) -> list[str]:
        return [t.country for t in incident.transits.all()]

    def to_representation(self, incident: Incident) -> dict:
        # One record (detail, write answers): the same direct conversion as the list's rows.
        agency, crossing = incident.agency, incident.border_crossing_point
        return _record(
            {name: getattr(incident, name) for name in _OWN_FIELDS},
            participant=incident.participant.code,
            month=incident.ret.month,
            agency_name=agency.name if agency is not None else None,
            border_crossing_point=crossing.code if crossing is not None else None,
            transit_countries=[t.country for t in incident.transits.all()],
            breakdowns=[{k: getattr(b, k) for k in BREAKDOWN_KEYS} for b in incident.breakdowns.all()],
            documents=[{k: getattr(d, k) for k in DOCUMENT_KEYS} for d in incident.documents.all()],
        )


# The list serves national systems 50 records a page. Walking ~55 DRF fields per record, and
# building model instances and prefetch querysets for a record and its rows, cost most of the
# request's CPU (bench/api.py). The records are built here directly from plain values, with the
# declared fields' own conversions where they do anything (dates, times, decimals);
# tests/api/test_serializers.py checks the result equals DRF's field-by-field one, so the fields
# above stay the contract (and the schema).
_DECLARED = IncidentOutputSerializer._declared_fields
_ORDER = tuple(_DECLARED)
_PLAIN = (
    "id", "status", "version", "national_reference", "sharing_level", "categories", "protocol_benefit",
    "source", "confidence", "detection_country", "detection_place", "detection_context", "modes", "methods",
    "origin_country", "destination_country", "migrants_total", "smugglers_total", "smuggler_roles",
    "fee_currency", "fee_scope", "payment_modality", "dead", "missing", "injured", "rescued", "cause_of_death",
    "abuses", "narrative", "review_comment",
)  # fmt: skip
# Dates and times as DRF's DateField and DateTimeField write them (ISO 8601 in the current time
# zone, "Z" for UTC), without their per-call settings lookups; decimals by the declared fields.
_DATES = ("embargo_until", "detection_date")
_TIMES = ("created_at", "updated_at", "submitted_at", "validated_at")
_DECIMALS = tuple(
    (name, _DECLARED[name].to_representation) for name in ("latitude", "longitude", "fee_per_person", "fee_usd")
)
_CONVERTED = (*_DATES, *_TIMES, *(name for name, _convert in _DECIMALS))


def _time(value, zone) -> str:
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_OWN_FIELDS = (*_PLAIN, *_CONVERTED, "agency_id")
BREAKDOWN_KEYS = ("group", "citizenship", "sex", "age_group", "count", "unaccompanied")
DOCUMENT_KEYS = ("document_type", "fraud_type", "issuing_country", "count")


def _record(values: dict, *, participant: str, month, agency_name, border_crossing_point, **rows) -> dict:
    data = {name: values[name] for name in _PLAIN}
    for name in _DATES:
        value = values[name]
        data[name] = None if value is None else value.isoformat()
    zone = timezone.get_current_timezone()
    for name in _TIMES:
        value = values[name]
        data[name] = None if value is None else _time(value, zone)
    for name, convert in _DECIMALS:
        value = values[name]
        data[name] = None if value is None else convert(value)
    data.update(
        participant=participant,
        month=month.isoformat(),
        agency=values["agency_id"],
        agency_name=agency_name,
        border_crossing_point=border_crossing_point,
        **rows,
    )
    return {name: data[name] for name in _ORDER}


# What the list reads of each record, with `.values()`: no model instances, no prefetch querysets.
INCIDENT_VALUES = (
    *_OWN_FIELDS,
    "participant_id",
    "participant__code",
    "ret__month",
    "agency__name",
    "border_crossing_point__code",
)


@functools.cache
def _row_queries() -> tuple[str, str, str]:
    """The three queries of a page's rows, in the order the models give them (Meta.ordering, then
    id), written once: built by the ORM they cost about as much CPU as the rest of the list."""
    from reporting.models import IncidentDocument, IncidentTransit, PersonBreakdown

    quote = connection.ops.quote_name

    def query(model, columns, order) -> str:
        # Only names from the models, quoted; the ids go in as parameters.
        listed = ", ".join(quote(c) for c in ("incident_id", *columns))
        ordered = ", ".join(quote(c.removesuffix(" DESC")) + (" DESC" if c.endswith(" DESC") else "") for c in order)
        table = quote(model._meta.db_table)
        return f"SELECT {listed} FROM {table} WHERE {quote('incident_id')} IN ({{}}) ORDER BY {ordered}"  # noqa: S608

    return (
        query(IncidentTransit, ["country"], ["incident_id", "sequence"]),
        query(PersonBreakdown, BREAKDOWN_KEYS, ["incident_id", "group", "count DESC", "id"]),
        query(IncidentDocument, DOCUMENT_KEYS, ["incident_id", "id"]),
    )


def incident_records(rows: list[dict]) -> list[dict]:
    """The records of `rows` (`.values(*INCIDENT_VALUES)` of incidents the caller may read, in the
    page's order) as IncidentOutputSerializer renders them; three queries read their rows."""
    ids = [row["id"] for row in rows]
    transits: dict[int, list] = {}
    breakdowns: dict[int, list] = {}
    documents: dict[int, list] = {}
    if ids:
        placeholders = ", ".join(["%s"] * len(ids))
        transit_sql, breakdown_sql, document_sql = (sql.format(placeholders) for sql in _row_queries())
        with connection.cursor() as cursor:
            cursor.execute(transit_sql, ids)
            for incident_id, country in cursor.fetchall():
                transits.setdefault(incident_id, []).append(country)
            cursor.execute(breakdown_sql, ids)
            for incident_id, *values in cursor.fetchall():
                breakdowns.setdefault(incident_id, []).append(dict(zip(BREAKDOWN_KEYS, values, strict=True)))
            cursor.execute(document_sql, ids)
            for incident_id, *values in cursor.fetchall():
                documents.setdefault(incident_id, []).append(dict(zip(DOCUMENT_KEYS, values, strict=True)))
    return [
        _record(
            row,
            participant=row["participant__code"],
            month=row["ret__month"],
            agency_name=row["agency__name"],
            border_crossing_point=row["border_crossing_point__code"],
            transit_countries=transits.get(row["id"], []),
            breakdowns=breakdowns.get(row["id"], []),
            documents=documents.get(row["id"], []),
        )
        for row in rows
    ]


INCIDENT_PREFETCH = ("transits", "breakdowns", "documents")
INCIDENT_RELATED = ("participant", "ret", "agency", "border_crossing_point")


class ReturnOutputSerializer(serializers.Serializer):
    participant = serializers.CharField(source="participant.code")
    month = serializers.SerializerMethodField(help_text="YYYY-MM")
    status = ChoiceField(choices=Return.Status.choices)
    is_nil = serializers.BooleanField(help_text="Submitted as “nothing to report”.")
    due_on = serializers.DateField()
    submitted_at = serializers.DateTimeField(allow_null=True)

    def get_month(self, ret: Return) -> str:
        return f"{ret.month:%Y-%m}"


class ParticipantOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="The stored name, in English.")
    local_name = serializers.CharField(
        help_text="The name in the request's language (Accept-Language or the user's saved language)."
    )
    kind = ChoiceField(choices=Participant.Kind.choices)
    region = ChoiceField(choices=Participant.Region.choices)
    country = ChoiceField(choices=COUNTRY_CHOICES, allow_blank=True)
    status = ChoiceField(choices=Participant.Status.choices)
    joined_on = serializers.DateField(allow_null=True)
