"""Output shapes shared by several API views (inputs are nested in each view).

Codes are always the codes of reporting/codes.py and ISO lists (their labels: /api/v1/reference/).
"""

import copy

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
    countries) each time. The lists never change once declared, so a copy shares them."""

    def __deepcopy__(self, memo):
        clone = copy.copy(self)
        # Unbound, as DRF's own copy is (bind() sets these from the parent it joins).
        clone.field_name, clone.parent = None, None
        clone.source, clone.label = self._kwargs.get("source"), self._kwargs.get("label")
        clone.__dict__.pop("source_attrs", None)
        if "_validators" in self.__dict__:
            clone._validators = list(self._validators)
        return clone


class TextField(serializers.CharField):
    """DRF's CharField, without its turning a number into text: a client that sends a number where
    the schema says "string" has made a mistake, and is told so instead of having its digits kept."""

    default_error_messages = {"not_text": _("Give text here, in quotes, not a number or a list.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


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


# What rendering a record reads besides the incident row.
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
